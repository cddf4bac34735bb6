-- SQLite's migration 000009 indexes each comment's document and section in
-- its FTS5 table, so a search is narrowed to a section inside the index.
-- PostgreSQL needs no such column: its planner combines the tsvector's GIN
-- index with the queue index, or reads a section's rows and tests each.
-- Kept so that both back ends number their migrations alike.
SELECT 1;
