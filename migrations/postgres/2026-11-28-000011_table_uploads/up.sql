-- Disposition tables sent back by editors after offline edits, kept
-- between the preview of their changes and the editor's Apply (in the
-- database, so any instance can take the Apply). Applied or abandoned
-- rows are deleted; abandoned ones after a day.
CREATE TABLE table_uploads (
    token TEXT PRIMARY KEY NOT NULL,
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX table_uploads_created ON table_uploads (created_at);
