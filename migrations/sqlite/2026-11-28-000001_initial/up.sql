-- docket's whole data model (see ARCHITECTURE.md). Kept in step with
-- migrations/postgres/…_initial/up.sql: same tables, columns and indexes.
-- Timestamps are UTC without zone; JSON is stored as TEXT (diesel's
-- connection enum for both back ends has no Jsonb or arrays).
-- SQLite ids use AUTOINCREMENT so, as with PostgreSQL identities, an id is
-- never reused after its row is deleted.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE auth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invite', 'password_reset', 'api')),
    token_hash TEXT NOT NULL,
    label TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX auth_tokens_hash_key ON auth_tokens (token_hash);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    tracking_prefix TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    opens_on DATE,
    closes_on DATE,
    public_posting BOOLEAN NOT NULL DEFAULT 0,
    published_at TIMESTAMP,
    next_submission_seq INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX documents_slug_key ON documents (slug);
CREATE UNIQUE INDEX documents_tracking_prefix_key ON documents (tracking_prefix);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES sections (id) ON DELETE CASCADE,
    volume TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('front', 'section', 'appendix', 'table', 'figure')),
    number TEXT NOT NULL,
    lookup_key TEXT NOT NULL,
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    page_start TEXT,
    page_end TEXT,
    line_start INTEGER,
    line_end INTEGER,
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX sections_key ON sections (document_id, volume, lookup_key);
CREATE INDEX sections_outline_idx ON sections (document_id, position);
CREATE INDEX sections_parent_idx ON sections (parent_id);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    tracking_number TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('upload', 'form', 'api', 'cli')),
    submitter_name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    email TEXT,
    sha256 TEXT,
    metadata_json TEXT NOT NULL DEFAULT '{}',
    report_json TEXT NOT NULL DEFAULT '[]',
    late BOOLEAN NOT NULL DEFAULT 0,
    withdrawn_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX submissions_tracking_key ON submissions (tracking_number);
CREATE UNIQUE INDEX submissions_seq_key ON submissions (document_id, seq);
CREATE INDEX submissions_dedup_idx ON submissions (document_id, sha256);

CREATE TABLE submission_files (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    tracking_number TEXT NOT NULL,
    source_sheet TEXT,
    source_row INTEGER,
    cells_json TEXT NOT NULL DEFAULT '[]',
    extra_json TEXT NOT NULL DEFAULT '{}',
    problems_json TEXT NOT NULL DEFAULT '[]',
    comment_number TEXT,
    commenter TEXT,
    organization TEXT,
    volume_raw TEXT,
    type_raw TEXT,
    comment_type TEXT CHECK (comment_type IN ('editorial', 'general', 'technical', 'other')),
    severity TEXT,
    section_raw TEXT,
    paragraph_raw TEXT,
    page_raw TEXT,
    page_start TEXT,
    page_end TEXT,
    page_sort INTEGER,
    line_raw TEXT,
    line_start INTEGER,
    line_end INTEGER,
    body TEXT NOT NULL,
    suggested_change TEXT,
    section_id INTEGER REFERENCES sections (id) ON DELETE SET NULL,
    tag_source TEXT NOT NULL DEFAULT 'none'
        CHECK (tag_source IN ('section', 'line', 'page', 'title', 'manual', 'general', 'none')),
    tag_span TEXT,
    tag_conflict TEXT,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'in_review', 'resolved', 'published', 'withdrawn')),
    disposition TEXT CHECK (disposition IN
        ('accepted', 'accepted_with_modification', 'declined', 'noted', 'deferred', 'duplicate')),
    disposition_raw TEXT,
    response TEXT,
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    duplicate_of_id INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    text_hash TEXT,
    cluster_id BIGINT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX comments_tracking_key ON comments (tracking_number);
CREATE UNIQUE INDEX comments_submission_seq_key ON comments (submission_id, seq);
CREATE INDEX comments_queue_idx ON comments (document_id, section_id, status);
CREATE INDEX comments_assignee_idx ON comments (assignee_id);
CREATE INDEX comments_duplicate_idx ON comments (duplicate_of_id);
CREATE INDEX comments_cluster_idx ON comments (document_id, cluster_id);
CREATE INDEX comments_text_hash_idx ON comments (document_id, text_hash);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER REFERENCES documents (id) ON DELETE CASCADE,
    comment_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_comment_idx ON audit_events (comment_id, id);
CREATE INDEX audit_events_document_idx ON audit_events (document_id, id);
