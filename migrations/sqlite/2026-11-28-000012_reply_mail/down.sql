ALTER TABLE submissions DROP COLUMN reply_claimed_at;
ALTER TABLE submissions DROP COLUMN reply_sent_at;
