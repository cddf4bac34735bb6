DROP TRIGGER comments_fts_update;
DROP TRIGGER comments_fts_delete;
DROP TRIGGER comments_fts_insert;
DROP TABLE comments_fts;
ALTER TABLE comments DROP COLUMN search_scope;

CREATE VIRTUAL TABLE comments_fts USING fts5(
    body, suggested_change, response,
    content = 'comments', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body, suggested_change, response)
    VALUES (new.id, new.body, new.suggested_change, new.response);
END;

CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body, suggested_change, response)
    VALUES ('delete', old.id, old.body, old.suggested_change, old.response);
END;

CREATE TRIGGER comments_fts_update AFTER UPDATE OF body, suggested_change, response ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body, suggested_change, response)
    VALUES ('delete', old.id, old.body, old.suggested_change, old.response);
    INSERT INTO comments_fts (rowid, body, suggested_change, response)
    VALUES (new.id, new.body, new.suggested_change, new.response);
END;
