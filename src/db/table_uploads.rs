//! Disposition tables sent back after offline edits, waiting for the
//! editor's Apply (migration `table_uploads`). The token is a random
//! capability, and only the editor who uploaded may use it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::table_uploads;

/// `Debug` is written by hand: it leaves out the bytes.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = table_uploads)]
pub struct TableUpload {
    pub token: String,
    pub document_id: i64,
    pub user_id: i64,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub created_at: PrimitiveDateTime,
}

impl std::fmt::Debug for TableUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableUpload")
            .field("document_id", &self.document_id)
            .field("user_id", &self.user_id)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

pub fn insert(conn: &mut DbConnection, upload: &TableUpload) -> QueryResult<usize> {
    diesel::insert_into(table_uploads::table)
        .values(upload)
        .execute(conn)
}

/// The upload behind `token`, if it is `user_id`'s and on `document_id`.
pub fn find(
    conn: &mut DbConnection,
    token: &str,
    document_id: i64,
    user_id: i64,
) -> QueryResult<Option<TableUpload>> {
    table_uploads::table
        .find(token)
        .filter(table_uploads::document_id.eq(document_id))
        .filter(table_uploads::user_id.eq(user_id))
        .select(TableUpload::as_select())
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, token: &str) -> QueryResult<usize> {
    diesel::delete(table_uploads::table.find(token)).execute(conn)
}

/// Forgets uploads older than `before` (previews never applied).
pub fn purge_before(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(table_uploads::table.filter(table_uploads::created_at.lt(before))).execute(conn)
}
