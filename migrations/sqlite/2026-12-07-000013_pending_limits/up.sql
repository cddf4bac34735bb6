-- Anonymous uploads waiting for Confirm are capped per client and in total
-- (src/db/pending.rs): `client` is a keyed hash of the sender's address
-- (never the address itself), `size_bytes` what the row holds.
ALTER TABLE pending_uploads ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_uploads ADD COLUMN size_bytes BIGINT NOT NULL DEFAULT 0;
-- The preview as it was read at upload (JSON), so showing it again never
-- parses the file again.
ALTER TABLE pending_uploads ADD COLUMN preview TEXT;
CREATE INDEX pending_uploads_client ON pending_uploads (client, created_at);
