DROP INDEX comments_search_idx;
ALTER TABLE comments DROP COLUMN search;
