-- When the submitter was e-mailed their replies after publication (NULL:
-- not yet). Set right after the message went out, so a second publication
-- or "Send the remaining replies" never mails anyone twice, across
-- restarts too.
ALTER TABLE submissions ADD COLUMN reply_sent_at TIMESTAMP;
