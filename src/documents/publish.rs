//! Publishing a document's disposition, and its public-posting policy.
//!
//! Publication is the completeness gate's other side: it is refused while
//! any comment (not withdrawn) lacks a disposition or a response. It moves
//! every answered comment to `published` (with a history entry each, all in
//! one statement) and records when, which the public comments page then
//! shows answers from.
//!
//! Nothing here sends mail: the replies a publication owes its submitters
//! are started by the web handler once this has committed
//! (`jobs::reply_mail`), so a failed publication mails nobody.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use time::PrimitiveDateTime;

use super::DocumentError;
use crate::db::export_rows::{self, ExportFilter, Unanswered};
use crate::db::schema::{audit_events, comments, documents};
use crate::db::{self, DbConnection};
use crate::domain::TriageStatus;

/// How many unanswered comments a refusal lists.
const LISTED: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{total} comment(s) lack a disposition or a response")]
    Unanswered { rows: Vec<Unanswered>, total: i64 },
    #[error(transparent)]
    Document(#[from] DocumentError),
}

impl From<diesel::result::Error> for PublishError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Document(e.into())
    }
}

/// What a publication did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// Comments moved to `published` now (others were already).
    pub comments: usize,
    pub at: PrimitiveDateTime,
}

/// Publishes the disposition of document `slug` as `user_id`.
pub fn publish(
    conn: &mut DbConnection,
    slug: &str,
    user_id: i64,
) -> Result<Published, PublishError> {
    db::write_transaction(conn, |conn| {
        let document = super::find(conn, slug)?;
        db::documents::lock(conn, document.id)?;
        // On PostgreSQL, the comments to move are locked first, so a save
        // cannot clear an answer between the check and the move (SQLite's
        // write transaction already holds every writer off).
        if let DbConnection::Postgres(pg) = conn {
            comments::table
                .filter(comments::document_id.eq(document.id))
                .filter(comments::status.ne_all(not_moved()))
                .select(comments::id)
                .for_update()
                .load::<i64>(pg)?;
        }
        let answerable = ExportFilter {
            without_withdrawn: true,
            ..ExportFilter::default()
        };
        let (rows, total) = export_rows::unanswered(conn, document.id, &answerable, LISTED)?;
        if total > 0 {
            return Err(PublishError::Unanswered { rows, total });
        }
        let at = db::now();
        // Answered ones only: a comment that arrived after the check (and
        // was not locked) waits for the next publication.
        let moving = || {
            comments::table
                .filter(comments::document_id.eq(document.id))
                .filter(comments::status.ne_all(not_moved()))
                .filter(comments::disposition.is_not_null())
                .filter(diesel::dsl::not(export_rows::blank_response()))
        };
        let published: String = TriageStatus::Published.into();
        diesel::insert_into(audit_events::table)
            .values(moving().select((
                comments::document_id.nullable(),
                comments::id.nullable(),
                Some(user_id).into_sql::<Nullable<BigInt>>(),
                "update".into_sql::<Text>(),
                Some("status").into_sql::<Nullable<Text>>(),
                comments::status.nullable(),
                Some(published.clone()).into_sql::<Nullable<Text>>(),
                at.into_sql::<Timestamp>(),
            )))
            .into_columns((
                audit_events::document_id,
                audit_events::comment_id,
                audit_events::user_id,
                audit_events::action,
                audit_events::field,
                audit_events::old_value,
                audit_events::new_value,
                audit_events::created_at,
            ))
            .execute(conn)?;
        let moved = diesel::update(moving())
            .set((
                comments::status.eq(&published),
                comments::version.eq(comments::version + 1),
                comments::updated_at.eq(at),
            ))
            .execute(conn)?;
        db::audit::record(
            conn,
            db::audit::NewAuditEvent {
                document_id: Some(document.id),
                comment_id: None,
                user_id: Some(user_id),
                action: "publish",
                field: None,
                old_value: None,
                new_value: Some(&moved.to_string()),
                created_at: at,
            },
        )?;
        diesel::update(documents::table.find(document.id))
            .set(documents::published_at.eq(Some(at)))
            .execute(conn)?;
        Ok(Published {
            comments: moved,
            at,
        })
    })
}

/// Statuses publication leaves as they are.
fn not_moved() -> [String; 2] {
    [
        String::from(TriageStatus::Withdrawn),
        String::from(TriageStatus::Published),
    ]
}

/// Turns public posting of received comments on or off.
pub fn set_public_posting(
    conn: &mut DbConnection,
    slug: &str,
    on: bool,
) -> Result<(), DocumentError> {
    let document = super::find(conn, slug)?;
    diesel::update(documents::table.find(document.id))
        .set(documents::public_posting.eq(on))
        .execute(conn)?;
    Ok(())
}
