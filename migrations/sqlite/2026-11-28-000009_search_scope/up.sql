-- A search is narrowed to a document or to sections inside FTS5: each
-- comment's scope is indexed as two tokens, `d<document id>` and
-- `s<section id>` (`s0`: filed under no node), from a virtual generated
-- column. `word AND search_scope : s12` then intersects two doclists in
-- the index, where `id IN (SELECT rowid … MATCH 'word')` built the set of
-- every match of the word in every document first. Searches name their
-- text columns, so a word like `d12` never matches a scope.
ALTER TABLE comments ADD COLUMN search_scope TEXT
    GENERATED ALWAYS AS ('d' || document_id || ' s' || coalesce(section_id, 0)) VIRTUAL;

DROP TRIGGER comments_fts_update;
DROP TRIGGER comments_fts_delete;
DROP TRIGGER comments_fts_insert;
DROP TABLE comments_fts;

CREATE VIRTUAL TABLE comments_fts USING fts5(
    body, suggested_change, response, search_scope,
    content = 'comments', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body, suggested_change, response, search_scope)
    VALUES (new.id, new.body, new.suggested_change, new.response, new.search_scope);
END;

CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body, suggested_change, response, search_scope)
    VALUES ('delete', old.id, old.body, old.suggested_change, old.response, old.search_scope);
END;

-- Re-filing a comment moves its scope token. A save names the response
-- and section even when it keeps them, so only a real change re-indexes.
CREATE TRIGGER comments_fts_update
AFTER UPDATE OF body, suggested_change, response, section_id ON comments
WHEN old.body IS NOT new.body
    OR old.suggested_change IS NOT new.suggested_change
    OR old.response IS NOT new.response
    OR old.section_id IS NOT new.section_id
BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body, suggested_change, response, search_scope)
    VALUES ('delete', old.id, old.body, old.suggested_change, old.response, old.search_scope);
    INSERT INTO comments_fts (rowid, body, suggested_change, response, search_scope)
    VALUES (new.id, new.body, new.suggested_change, new.response, new.search_scope);
END;
