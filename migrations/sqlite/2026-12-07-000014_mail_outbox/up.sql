-- E-mail waiting to be sent (src/mail/outbox.rs). A request that owes a
-- message (a receipt, an assignment or invitation notice) inserts its row
-- in its own transaction, so a message is owed exactly when the change it
-- reports was committed; the sender job of any instance sends it later.
-- The message is stored as made: recipient, subject, text, and at most one
-- attached file. `reference` names what it is about (`receipt:<submission
-- id>`) so a page can say how its e-mail is doing.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment BLOB,
    created_at TIMESTAMP NOT NULL,
    -- Tries begun (counted when claimed), and when the next may begin.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- The sender sending it now: taken with a conditional update, so two
    -- instances never both send one row; a claim older than the lease (its
    -- instance died mid-send) may be taken over.
    claimed_at TIMESTAMP,
    claimed_by TEXT,
    -- Set once the mail server accepted the message.
    sent_at TIMESTAMP,
    -- Why the last try failed, in words safe for logs (never the address).
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mail_outbox_reference ON mail_outbox (reference) WHERE reference IS NOT NULL;
