DROP INDEX comments_cluster_members_idx;
CREATE INDEX comments_cluster_idx ON comments (document_id, cluster_id);
