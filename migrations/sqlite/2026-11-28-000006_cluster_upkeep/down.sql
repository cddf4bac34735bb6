ALTER TABLE documents DROP COLUMN clusters_stale;
