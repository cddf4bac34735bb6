DROP INDEX pending_uploads_client;
ALTER TABLE pending_uploads DROP COLUMN preview;
ALTER TABLE pending_uploads DROP COLUMN size_bytes;
ALTER TABLE pending_uploads DROP COLUMN client;
