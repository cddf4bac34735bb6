-- Set by every new submission, cleared by the background re-clustering
-- that then groups near-duplicate comments (exact duplicates are grouped at
-- intake already).
ALTER TABLE documents ADD COLUMN clusters_stale BOOLEAN NOT NULL DEFAULT 0;
