DROP INDEX comments_text_hash_idx;
CREATE INDEX comments_text_hash_idx ON comments (document_id, text_hash);
