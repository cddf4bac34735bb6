-- Exact duplicates are grouped at intake by one statement per batch of
-- texts (src/db/clusters.rs `stored_clusters`, `join_known`), which looks
-- up, per text, the members without a cluster and the group's lowest
-- cluster. With
-- `cluster_id` in the index both are found by the index alone, and the
-- index matches all three conditions, so no planner prefers
-- `comments_cluster_idx` (document, cluster) for `cluster_id IS NULL`
-- when statistics are missing or stale: that index holds nearly every
-- comment of the document under NULL.
DROP INDEX comments_text_hash_idx;
CREATE INDEX comments_text_hash_idx ON comments (document_id, text_hash, cluster_id);
