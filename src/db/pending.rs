//! Uploads waiting for the submitter's Confirm (see the migration
//! `pending_uploads`). The token is a random capability: whoever holds it may
//! confirm, and after Confirm it is the private link to the receipt.
//!
//! Only the token's SHA-256 is stored ([`key`]), as for invitations and API
//! tokens: the database finds a row by the hash of what a link carries, so
//! no comparison with the secret itself can leak it through its timing, and
//! a copy of the database holds no working link.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::pending_uploads;

/// `Debug` is written by hand: it leaves out the e-mail address and bytes.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pending_uploads)]
pub struct PendingUpload {
    /// [`key`] of the token in the preview and receipt links.
    pub token: String,
    pub document_id: i64,
    /// `upload` or `form`.
    pub channel: String,
    pub submitter_name: String,
    pub organization: String,
    pub email: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Option<Vec<u8>>,
    /// Typed comments of the web form, as JSON.
    pub form_json: Option<String>,
    /// Set once confirmed.
    pub submission_id: Option<i64>,
    pub created_at: PrimitiveDateTime,
    /// A keyed hash of the sender's address (`web::submit::client_key`),
    /// never the address: what the per-client cap counts by.
    pub client: String,
    /// The bytes this row holds (file or typed comments) while unconfirmed.
    pub size_bytes: i64,
    /// What the preview shows, as read at upload (JSON), so showing it
    /// again never reads the file again.
    pub preview: Option<String>,
}

/// How much unconfirmed uploads may hold (`[uploads]` in the
/// configuration): an anonymous sender cannot fill the disk with previews
/// they never confirm.
#[derive(Clone, Debug, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Minutes an unconfirmed upload is kept.
    pub unconfirmed_keep_minutes: i64,
    /// Bytes of unconfirmed uploads one client address may have waiting.
    pub unconfirmed_bytes_per_client: i64,
    /// Bytes of unconfirmed uploads all senders together may have waiting.
    pub unconfirmed_bytes_total: i64,
}

impl std::fmt::Debug for PendingUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingUpload")
            .field("document_id", &self.document_id)
            .field("channel", &self.channel)
            .field("file_name", &self.file_name)
            .field("submission_id", &self.submission_id)
            .finish_non_exhaustive()
    }
}

/// What is stored of a preview or receipt token: its SHA-256, as hex.
pub fn key(token: &str) -> String {
    crate::submissions::sha256_hex(token.as_bytes())
}

/// Rows stored by earlier versions held the token itself (48 hex digits);
/// they are given its key, so their receipt links keep working. Returns how
/// many were changed. Run at start-up, after the migrations.
pub fn key_old_tokens(conn: &mut DbConnection) -> QueryResult<usize> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    let old: Vec<String> = pending_uploads::table
        .filter(sql::<Bool>("length(token) <> 64"))
        .select(pending_uploads::token)
        .load(conn)?;
    for token in &old {
        diesel::update(pending_uploads::table.find(token))
            .set(pending_uploads::token.eq(key(token)))
            .execute(conn)?;
    }
    Ok(old.len())
}

/// Stores an upload that needs no preview (an API submission's receipt link).
pub fn insert(conn: &mut DbConnection, pending: &PendingUpload) -> QueryResult<usize> {
    diesel::insert_into(pending_uploads::table)
        .values(pending)
        .execute(conn)
}

/// Stores an upload read for preview within `caps`: unconfirmed uploads
/// past their time are forgotten, then, while the sender's or everyone's
/// waiting bytes and this upload's would pass their cap, the oldest
/// unconfirmed uploads (the sender's own first) make room. Returns how many
/// uploads were forgotten to make room. Run it in a transaction.
pub fn insert_within(
    conn: &mut DbConnection,
    pending: &PendingUpload,
    caps: &Caps,
) -> QueryResult<usize> {
    purge_unconfirmed_before(
        conn,
        pending.created_at - time::Duration::minutes(caps.unconfirmed_keep_minutes),
    )?;
    let mut forgotten = make_room(
        conn,
        Some(&pending.client),
        caps.unconfirmed_bytes_per_client - pending.size_bytes,
    )?;
    forgotten += make_room(
        conn,
        None,
        caps.unconfirmed_bytes_total - pending.size_bytes,
    )?;
    insert(conn, pending)?;
    Ok(forgotten)
}

/// Forgets the oldest unconfirmed uploads (of `client`, or of anyone) until
/// the rest hold at most `room` bytes.
fn make_room(conn: &mut DbConnection, client: Option<&str>, room: i64) -> QueryResult<usize> {
    let mut waiting = pending_uploads::table
        .filter(pending_uploads::submission_id.is_null())
        .select((pending_uploads::token, pending_uploads::size_bytes))
        .order((
            pending_uploads::created_at.desc(),
            pending_uploads::token.desc(),
        ))
        .into_boxed();
    if let Some(client) = client {
        waiting = waiting.filter(pending_uploads::client.eq(client));
    }
    let mut kept = 0i64;
    let mut forget = Vec::new();
    for (token, size) in waiting.load::<(String, i64)>(conn)? {
        kept = kept.saturating_add(size);
        if kept > room {
            forget.push(token);
        }
    }
    if forget.is_empty() {
        return Ok(0);
    }
    diesel::delete(pending_uploads::table.filter(pending_uploads::token.eq_any(&forget)))
        .execute(conn)
}
/// The upload behind a preview or receipt token, without its file (what a
/// preview or receipt page needs; only Confirm reads the file).
pub fn find_without_file(
    conn: &mut DbConnection,
    token: &str,
) -> QueryResult<Option<PendingUpload>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Binary, Nullable};
    pending_uploads::table
        .find(key(token))
        .select((
            pending_uploads::token,
            pending_uploads::document_id,
            pending_uploads::channel,
            pending_uploads::submitter_name,
            pending_uploads::organization,
            pending_uploads::email,
            pending_uploads::file_name,
            pending_uploads::content_type,
            sql::<Nullable<Binary>>("NULL"),
            pending_uploads::form_json,
            pending_uploads::submission_id,
            pending_uploads::created_at,
            pending_uploads::client,
            pending_uploads::size_bytes,
            pending_uploads::preview,
        ))
        .first::<PendingUpload>(conn)
        .optional()
}

/// The upload behind a preview or receipt token, if any.
pub fn find(conn: &mut DbConnection, token: &str) -> QueryResult<Option<PendingUpload>> {
    pending_uploads::table
        .find(key(token))
        .select(PendingUpload::as_select())
        .first(conn)
        .optional()
}

/// Marks the upload confirmed and drops its bytes (the submission keeps
/// them now). Only an unconfirmed upload is marked: returns false when
/// another request confirmed it first. `stored` is the row's `token`
/// (the key, not the link's token).
pub fn mark_confirmed(
    conn: &mut DbConnection,
    stored: &str,
    submission_id: i64,
) -> QueryResult<bool> {
    let updated = diesel::update(
        pending_uploads::table
            .filter(pending_uploads::token.eq(stored))
            .filter(pending_uploads::submission_id.is_null()),
    )
    .set((
        pending_uploads::submission_id.eq(Some(submission_id)),
        pending_uploads::bytes.eq(None::<Vec<u8>>),
        pending_uploads::form_json.eq(None::<String>),
        pending_uploads::preview.eq(None::<String>),
        pending_uploads::size_bytes.eq(0),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Keeps the preview made of an unconfirmed upload stored without one;
/// `stored` is the row's `token` (the key).
pub fn keep_preview(conn: &mut DbConnection, stored: &str, preview: &str) -> QueryResult<usize> {
    diesel::update(
        pending_uploads::table
            .find(stored)
            .filter(pending_uploads::submission_id.is_null()),
    )
    .set(pending_uploads::preview.eq(preview))
    .execute(conn)
}

/// Forgets an upload (Cancel, or a file already received); `stored` is
/// the row's `token` (the key).
pub fn delete(conn: &mut DbConnection, stored: &str) -> QueryResult<usize> {
    diesel::delete(pending_uploads::table.find(stored)).execute(conn)
}

/// Forgets unconfirmed uploads older than `before` (abandoned previews).
/// Confirmed rows stay: their token is the receipt link sent by e-mail,
/// and they no longer hold the file.
pub fn purge_unconfirmed_before(
    conn: &mut DbConnection,
    before: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        pending_uploads::table
            .filter(pending_uploads::submission_id.is_null())
            .filter(pending_uploads::created_at.lt(before)),
    )
    .execute(conn)
}
