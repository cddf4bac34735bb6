//! Uploads waiting for the submitter's Confirm (see the migration
//! `pending_uploads`). The token is a random capability: whoever holds it may
//! confirm, and after Confirm it is the private link to the receipt.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::pending_uploads;

/// `Debug` is written by hand: it leaves out the e-mail address and bytes.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pending_uploads)]
pub struct PendingUpload {
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

/// Stores an upload read for preview.
pub fn insert(conn: &mut DbConnection, pending: &PendingUpload) -> QueryResult<usize> {
    diesel::insert_into(pending_uploads::table)
        .values(pending)
        .execute(conn)
}

/// The upload behind a preview or receipt token, if any.
pub fn find(conn: &mut DbConnection, token: &str) -> QueryResult<Option<PendingUpload>> {
    pending_uploads::table
        .find(token)
        .select(PendingUpload::as_select())
        .first(conn)
        .optional()
}

/// Marks the upload confirmed and drops its bytes (the submission keeps
/// them now). Only an unconfirmed upload is marked: returns false when
/// another request confirmed it first.
pub fn mark_confirmed(
    conn: &mut DbConnection,
    token: &str,
    submission_id: i64,
) -> QueryResult<bool> {
    let updated = diesel::update(
        pending_uploads::table
            .filter(pending_uploads::token.eq(token))
            .filter(pending_uploads::submission_id.is_null()),
    )
    .set((
        pending_uploads::submission_id.eq(Some(submission_id)),
        pending_uploads::bytes.eq(None::<Vec<u8>>),
        pending_uploads::form_json.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Forgets an upload (Cancel, or a file already received).
pub fn delete(conn: &mut DbConnection, token: &str) -> QueryResult<usize> {
    diesel::delete(pending_uploads::table.find(token)).execute(conn)
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
