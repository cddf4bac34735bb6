ALTER TABLE documents DROP COLUMN clusters_claimed_at;
