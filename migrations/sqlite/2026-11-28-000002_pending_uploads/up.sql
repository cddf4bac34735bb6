-- Uploads read and shown for preview, waiting for the submitter's Confirm.
-- Kept in the database (not in memory) so any instance can take the Confirm.
-- After Confirm the row keeps `submission_id`: its token is the private link
-- to the receipt. Old rows are purged.
CREATE TABLE pending_uploads (
    token TEXT PRIMARY KEY NOT NULL,
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('upload', 'form')),
    submitter_name TEXT NOT NULL,
    organization TEXT NOT NULL,
    email TEXT NOT NULL,
    file_name TEXT,
    content_type TEXT,
    bytes BLOB,
    form_json TEXT,
    submission_id BIGINT REFERENCES submissions (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_uploads_created ON pending_uploads (created_at);
