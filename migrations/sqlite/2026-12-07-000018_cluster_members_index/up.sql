-- A comment alone is a cluster of one under its own id (src/db/clusters.rs),
-- so that a later copy of its text joins it without rewriting it. Pages
-- list clusters of two or more: those with a member other than the one
-- whose id names the cluster. Only such members are indexed, so listing a
-- document's clusters reads its duplicates, not its every comment; a
-- cluster's first member is read by its id.
DROP INDEX comments_cluster_idx;
CREATE INDEX comments_cluster_members_idx ON comments (document_id, cluster_id)
    WHERE cluster_id <> id;
