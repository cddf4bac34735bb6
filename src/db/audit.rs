//! Audit events: who changed what, when. Nothing in a comment is edited
//! without one (written in the same transaction as the change).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::audit_events;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub document_id: Option<i64>,
    pub comment_id: Option<i64>,
    /// `None` for the system or a public submitter.
    pub user_id: Option<i64>,
    pub action: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub document_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub action: &'a str,
    pub field: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub created_at: PrimitiveDateTime,
}

pub fn record(conn: &mut DbConnection, event: NewAuditEvent<'_>) -> QueryResult<i64> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .returning(audit_events::id)
        .get_result(conn)
}

/// Records several events in one multi-row INSERT (a save that changes
/// four fields writes four events, in one round trip).
pub fn record_all(conn: &mut DbConnection, events: &[NewAuditEvent<'_>]) -> QueryResult<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(audit_events::table)
            .values(events)
            .execute(c),
        DbConnection::Postgres(c) => diesel::insert_into(audit_events::table)
            .values(events)
            .execute(c),
    }
}

/// A comment's history, oldest first.
pub fn for_comment(conn: &mut DbConnection, comment_id: i64) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::comment_id.eq(comment_id))
        .order(audit_events::id)
        .select(AuditEvent::as_select())
        .load(conn)
}
