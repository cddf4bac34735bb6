DROP INDEX comments_queue_idx;
CREATE INDEX comments_queue_idx ON comments (document_id, section_id, status);
