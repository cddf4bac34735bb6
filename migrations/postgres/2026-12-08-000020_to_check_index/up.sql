-- "Sections to check" lists the comments tagging could not settle. A
-- partial index holds only those, so the page (its count and its page of
-- 50) reads a few rows, not every comment of the document. Queries must
-- spell the predicate exactly so (db::comments::TO_CHECK).
CREATE INDEX comments_to_check_idx ON comments (document_id, id)
    WHERE tag_source = 'none' OR tag_conflict IS NOT NULL;
