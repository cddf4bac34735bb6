-- The queue counts its matches per section and sorts a section's page by
-- page and line: with type and both sort keys in the index, a queue
-- filtered by status and type, and the sort within a section, read the
-- index alone.
DROP INDEX comments_queue_idx;
CREATE INDEX comments_queue_idx ON comments
    (document_id, section_id, status, comment_type, page_sort, line_start);
