ALTER TABLE submissions DROP COLUMN reply_sent_at;
