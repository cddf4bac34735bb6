-- Full-text search over the comment, the suggested change and the response:
-- a generated tsvector (English stemming, like SQLite's porter tokenizer)
-- with a GIN index. Not in schema.rs: only search filters read it.
ALTER TABLE comments ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('english',
        coalesce(body, '') || ' ' || coalesce(suggested_change, '') || ' ' || coalesce(response, ''))
) STORED;
CREATE INDEX comments_search_idx ON comments USING GIN (search);
