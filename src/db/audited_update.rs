//! An `UPDATE … RETURNING` and the audit events that record it, sent to
//! PostgreSQL as one statement:
//!
//! ```sql
//! WITH saved AS (UPDATE comments SET … WHERE id = $1 AND version = $2 RETURNING …),
//!      audit AS (INSERT INTO audit_events (…)
//!                SELECT saved.document_id, saved.id, $user, 'update', change.*, $at
//!                FROM saved CROSS JOIN unnest($fields, $olds, $news) AS change (…))
//! SELECT * FROM saved
//! ```
//!
//! A single statement commits on its own, so a save is one round trip
//! where `BEGIN`, `UPDATE`, `INSERT` and `COMMIT` were four. The events
//! are written only for the row the update returned: when the version had
//! moved on, nothing is stored at all. (SQLite has no data-modifying `WITH`;
//! it saves in a transaction, which on SQLite costs no round trips.)

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};
use time::PrimitiveDateTime;

/// One field's change, as its audit event records it.
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    pub fn new(field: &'static str, old: Option<String>, new: Option<String>) -> Self {
        Self { field, old, new }
    }
}

/// `update` (an `UPDATE … RETURNING` of a comment) with an `update` audit
/// event per change, by `user_id` at `at`.
pub struct WithAudit<'a, U> {
    update: U,
    user_id: i64,
    at: PrimitiveDateTime,
    fields: Vec<&'a str>,
    olds: Vec<Option<&'a str>>,
    news: Vec<Option<&'a str>>,
}

impl<'a, U> WithAudit<'a, U> {
    pub fn new(update: U, user_id: i64, at: PrimitiveDateTime, changes: &'a [FieldChange]) -> Self {
        Self {
            update,
            user_id,
            at,
            fields: changes.iter().map(|c| c.field).collect(),
            olds: changes.iter().map(|c| c.old.as_deref()).collect(),
            news: changes.iter().map(|c| c.new.as_deref()).collect(),
        }
    }
}

impl<U: QueryFragment<Pg>> QueryFragment<Pg> for WithAudit<'_, U> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH saved AS (");
        self.update.walk_ast(out.reborrow())?;
        out.push_sql(
            "), audit AS (INSERT INTO audit_events \
             (document_id, comment_id, user_id, action, field, old_value, new_value, created_at) \
             SELECT saved.document_id, saved.id, ",
        );
        out.push_bind_param::<BigInt, _>(&self.user_id)?;
        out.push_sql(", 'update', change.field, change.old_value, change.new_value, ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" FROM saved CROSS JOIN unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.fields)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.olds)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.news)?;
        out.push_sql(") AS change (field, old_value, new_value)) SELECT * FROM saved");
        Ok(())
    }
}

/// The statement's text is the same for every save (the arrays are binds),
/// so diesel keeps it prepared, keyed by that text.
impl<U> QueryId for WithAudit<'_, U> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// `SELECT * FROM saved` returns the update's `RETURNING` columns.
impl<U: Query> Query for WithAudit<'_, U> {
    type SqlType = U::SqlType;
}

impl<U> RunQueryDsl<diesel::PgConnection> for WithAudit<'_, U> {}
