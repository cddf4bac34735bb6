-- When the submitter was e-mailed their replies after publication (NULL:
-- not yet). Set right after the message went out, so a second publication
-- or "Send the remaining replies" never mails anyone twice, across
-- restarts too.
ALTER TABLE submissions ADD COLUMN reply_sent_at TIMESTAMP;
-- When an instance took the sending of this reply on (NULL: nobody is
-- sending it). Taken with a conditional update before the message is
-- made, so two instances running "Send the remaining replies" at once
-- never both mail one submitter; a claim older than 10 minutes (its
-- instance died mid-send) may be taken over.
ALTER TABLE submissions ADD COLUMN reply_claimed_at TIMESTAMP;
