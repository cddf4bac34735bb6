-- When a re-clustering pass claimed the document (NULL: none running). A
-- pass clears `clusters_stale` as it starts; if its instance dies before
-- it finishes, this claim, once old, tells the next pass to take it over
-- (`db::documents::CLUSTER_LEASE`).
ALTER TABLE documents ADD COLUMN clusters_claimed_at TIMESTAMP;
