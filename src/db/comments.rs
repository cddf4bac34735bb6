//! Comments: one row of a submission, every cell kept verbatim beside its
//! parsed value, plus the triage fields editors change.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::audit::{self, NewAuditEvent};
use super::audited_update::{FieldChange, WithAudit};
use super::schema::comments;
use crate::domain::{CommentType, Disposition, TagSource, TriageStatus};

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub document_id: i64,
    pub submission_id: i64,
    /// 1-based position within its submission.
    pub seq: i32,
    /// `NISTIR-8200-0042-7`.
    pub tracking_number: String,
    pub source_sheet: Option<String>,
    /// The row number as the spreadsheet shows it.
    pub source_row: Option<i32>,
    /// Columns docket does not know, by header (JSON object).
    pub extra_json: String,
    /// Row-level warnings from intake (JSON array).
    pub problems_json: String,
    pub comment_number: Option<String>,
    pub commenter: Option<String>,
    pub organization: Option<String>,
    pub volume_raw: Option<String>,
    pub type_raw: Option<String>,
    #[diesel(deserialize_as = Option<String>)]
    pub comment_type: OptionalText<CommentType>,
    /// DoD C/S/A/M kept as written.
    pub severity: Option<String>,
    pub section_raw: Option<String>,
    pub paragraph_raw: Option<String>,
    pub page_raw: Option<String>,
    pub page_start: Option<String>,
    pub page_end: Option<String>,
    /// Orders printed page labels (roman front matter first).
    pub page_sort: Option<i32>,
    pub line_raw: Option<String>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
    pub body: String,
    pub suggested_change: Option<String>,
    pub section_id: Option<i64>,
    #[diesel(deserialize_as = String)]
    pub tag_source: TagSource,
    pub tag_span: Option<String>,
    pub tag_conflict: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: TriageStatus,
    #[diesel(deserialize_as = Option<String>)]
    pub disposition: OptionalText<Disposition>,
    /// The body's own word when imported (`Accepted in principle`).
    pub disposition_raw: Option<String>,
    pub response: Option<String>,
    pub assignee_id: Option<i64>,
    pub duplicate_of_id: Option<i64>,
    pub text_hash: Option<String>,
    pub cluster_id: Option<i64>,
    /// Incremented on every save; a save naming an older version is refused.
    pub version: i32,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A nullable vocabulary column (`Option<T>` cannot take diesel's
/// `deserialize_as` conversion directly: the orphan rule forbids the impl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionalText<T>(pub Option<T>);

impl<T: TryFrom<String, Error = strum::ParseError>> TryFrom<Option<String>> for OptionalText<T> {
    type Error = strum::ParseError;
    fn try_from(value: Option<String>) -> Result<Self, Self::Error> {
        value.map(T::try_from).transpose().map(Self)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment<'a> {
    /// An id from [`next_ids`], so that a comment can name its own
    /// cluster as it is inserted; `None` lets the database choose.
    pub id: Option<i64>,
    pub document_id: i64,
    pub submission_id: i64,
    pub seq: i32,
    pub tracking_number: &'a str,
    pub source_sheet: Option<&'a str>,
    pub source_row: Option<i32>,
    pub extra_json: &'a str,
    pub problems_json: &'a str,
    pub comment_number: Option<&'a str>,
    pub commenter: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub volume_raw: Option<&'a str>,
    pub type_raw: Option<&'a str>,
    pub comment_type: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub section_raw: Option<&'a str>,
    pub paragraph_raw: Option<&'a str>,
    pub page_raw: Option<&'a str>,
    pub page_start: Option<&'a str>,
    pub page_end: Option<&'a str>,
    pub page_sort: Option<i32>,
    pub line_raw: Option<&'a str>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
    pub body: &'a str,
    pub suggested_change: Option<&'a str>,
    pub section_id: Option<i64>,
    /// A [`TagSource`] as text (insert by reference needs no conversion).
    pub tag_source: &'a str,
    pub tag_span: Option<&'a str>,
    pub tag_conflict: Option<&'a str>,
    /// The owner of the section it is filed under, if any (see sections).
    pub assignee_id: Option<i64>,
    /// Hex SHA-256 of the normalised text (`triage::similar::hash_of`).
    pub text_hash: Option<&'a str>,
    /// Its cluster, which intake knows as it inserts: that of stored
    /// comments with the same text (`clusters::stored_clusters`), else
    /// that of the same text earlier in the submission, else its own id.
    /// Set at insert, the row need not be updated afterwards.
    pub cluster_id: Option<i64>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

type Backend = <DbConnection as Connection>::Backend;

/// A document's comments, as a query to refine.
pub fn of_document(document_id: i64) -> comments::BoxedQuery<'static, Backend> {
    comments::table
        .filter(comments::document_id.eq(document_id))
        .into_boxed()
}

/// `query` without the comments of the submissions `hidden` (those still
/// arriving: `submissions::arriving_in`). Nothing is added when there are
/// none, which is nearly always: the condition reads every row's
/// submission, where the query could otherwise be answered from an index.
pub fn visible<'a, ST>(
    query: comments::BoxedQuery<'a, Backend, ST>,
    hidden: Vec<i64>,
) -> comments::BoxedQuery<'a, Backend, ST> {
    if hidden.is_empty() {
        query
    } else {
        query.filter(comments::submission_id.ne_all(hidden))
    }
}

/// `NISTIR-8200-0042-7`.
pub fn tracking_number(submission_tracking: &str, seq: i32) -> String {
    format!("{submission_tracking}-{seq}")
}

/// Rows per multi-row INSERT: 30 values each stays under SQLite's 32,766
/// and PostgreSQL's 65,535 bind parameters.
pub const BATCH: usize = 500;

/// Inserts one comment.
pub fn insert(conn: &mut DbConnection, new: &NewComment<'_>) -> QueryResult<i64> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::id)
        .get_result(conn)
}

/// The next `n` comment ids, in order, for [`NewComment::id`]. Call in the
/// write transaction that inserts them: on SQLite, the ids after the
/// highest ever given (what `AUTOINCREMENT` would give), which no other
/// writer can take while this one holds the write lock; on PostgreSQL,
/// drawn from the identity column's sequence, so other writers' inserts
/// never meet them.
pub fn next_ids(conn: &mut DbConnection, n: usize) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    match conn {
        DbConnection::Sqlite(c) => {
            let last: Id = diesel::sql_query(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'comments'), 0), \
                 COALESCE((SELECT MAX(id) FROM comments), 0)) AS id",
            )
            .get_result(c)?;
            Ok((1..=count).map(|i| last.id + i).collect())
        }
        DbConnection::Postgres(c) => {
            let mut ids: Vec<i64> = diesel::sql_query(
                "SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id \
                 FROM generate_series(1, $1)",
            )
            .bind::<BigInt, _>(count)
            .load::<Id>(c)?
            .into_iter()
            .map(|row| row.id)
            .collect();
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// Inserts comments: on PostgreSQL with multi-row INSERTs of at most
/// [`BATCH`] rows; on SQLite one row per statement (prepared once), which
/// is what diesel does there anyway for rows with optional columns, but
/// without the savepoint diesel wraps around them: when the disk fills,
/// SQLite drops the whole transaction, and rolling back that savepoint
/// would report "no such savepoint" instead of "database or disk is full".
/// Multi-row inserts do not compile through the connection enum, so each
/// back end gets its own call.
pub fn insert_batch(conn: &mut DbConnection, rows: &[NewComment<'_>]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(BATCH) {
        inserted += match conn {
            DbConnection::Sqlite(c) => {
                let mut n = 0;
                for row in chunk {
                    n += diesel::insert_into(comments::table)
                        .values(row)
                        .execute(c)?;
                }
                n
            }
            DbConnection::Postgres(c) => diesel::insert_into(comments::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(inserted)
}

/// What tagging reads of a comment, and its current tag.
#[derive(Clone, Debug, Queryable)]
pub struct TagRow {
    pub id: i64,
    pub volume_raw: Option<String>,
    pub section_raw: Option<String>,
    pub line_start: Option<i32>,
    pub page_start: Option<String>,
    pub section_id: Option<i64>,
    pub tag_source: String,
    pub tag_span: Option<String>,
    pub tag_conflict: Option<String>,
}

/// The comments of a document that tagging may change (not tagged by hand).
pub fn retaggable(conn: &mut DbConnection, document_id: i64) -> QueryResult<Vec<TagRow>> {
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    visible(
        comments::table
            .filter(comments::document_id.eq(document_id))
            .into_boxed(),
        hidden,
    )
    .filter(comments::tag_source.ne("manual"))
    .order(comments::id)
    .select((
        comments::id,
        comments::volume_raw,
        comments::section_raw,
        comments::line_start,
        comments::page_start,
        comments::section_id,
        comments::tag_source,
        comments::tag_span,
        comments::tag_conflict,
    ))
    .load(conn)
}

/// Sets a comment's tag (not a manual one) and bumps its version, so an
/// editor's form opened before is refused rather than undoing it.
pub fn set_tag(
    conn: &mut DbConnection,
    id: i64,
    section_id: Option<i64>,
    tag_source: &str,
    tag_span: Option<&str>,
    tag_conflict: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        comments::table
            .filter(comments::id.eq(id))
            .filter(comments::tag_source.ne("manual")),
    )
    .set((
        comments::section_id.eq(section_id),
        comments::tag_source.eq(tag_source),
        comments::tag_span.eq(tag_span),
        comments::tag_conflict.eq(tag_conflict),
        comments::version.eq(comments::version + 1),
        comments::updated_at.eq(super::now()),
    ))
    .execute(conn)
}

/// How many comments a submission holds (the receipt).
pub fn count_for_submission(conn: &mut DbConnection, submission_id: i64) -> QueryResult<i64> {
    comments::table
        .filter(comments::submission_id.eq(submission_id))
        .count()
        .get_result(conn)
}

/// How many comments a document holds.
pub fn count_for_document(conn: &mut DbConnection, document_id: i64) -> QueryResult<i64> {
    super::read_snapshot(conn, |conn| {
        let hidden = super::submissions::arriving_in(conn, document_id)?;
        visible(of_document(document_id), hidden)
            .count()
            .get_result(conn)
    })
}

/// A comment by id; not found while its submission is still arriving.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Comment> {
    use super::schema::submissions;
    comments::table
        .find(id)
        .filter(diesel::dsl::not(diesel::dsl::exists(
            submissions::table
                .filter(submissions::id.eq(comments::submission_id))
                .filter(submissions::arriving),
        )))
        .select(Comment::as_select())
        .first(conn)
}

pub fn for_submission(conn: &mut DbConnection, submission_id: i64) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::submission_id.eq(submission_id))
        .order(comments::seq)
        .select(Comment::as_select())
        .load(conn)
}

/// The comments of a submission numbered within `reach` of `seq` (not
/// `seq` itself), in order, as (id, tracking number, text): what a
/// comment's page lists of its submission, a few rows however large the
/// submission (`comments_submission_seq_key`).
pub fn near_in_submission(
    conn: &mut DbConnection,
    submission_id: i64,
    seq: i32,
    reach: i32,
) -> QueryResult<Vec<(i64, String, String)>> {
    comments::table
        .filter(comments::submission_id.eq(submission_id))
        .filter(comments::seq.between(seq.saturating_sub(reach), seq.saturating_add(reach)))
        .filter(comments::seq.ne(seq))
        .order(comments::seq)
        .select((comments::id, comments::tracking_number, comments::body))
        .load(conn)
}

/// Comment counts per section of a document (`None`: not tagged yet).
pub fn count_by_section(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<Vec<(Option<i64>, i64)>> {
    super::read_snapshot(conn, |conn| {
        let hidden = super::submissions::arriving_in(conn, document_id)?;
        comments::table
            .filter(comments::document_id.eq(document_id))
            .filter(comments::submission_id.ne_all(hidden))
            .group_by(comments::section_id)
            .order(comments::section_id)
            .select((comments::section_id, diesel::dsl::count_star()))
            .load(conn)
    })
}

/// Comment counts per tagging route (`section`, `line`, … `none`) of a
/// document, and how many carry a conflict note.
pub fn tag_summary(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<(Vec<(String, i64)>, i64)> {
    super::read_snapshot(conn, |conn| tag_summary_in_snapshot(conn, document_id))
}

fn tag_summary_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<(Vec<(String, i64)>, i64)> {
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    let routes = comments::table
        .filter(comments::document_id.eq(document_id))
        .filter(comments::submission_id.ne_all(&hidden))
        .group_by(comments::tag_source)
        .order(comments::tag_source)
        .select((comments::tag_source, diesel::dsl::count_star()))
        .load(conn)?;
    let conflicts = visible(of_document(document_id), hidden)
        .filter(comments::tag_conflict.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((routes, conflicts))
}

/// Hand-made tags to sections about to be removed no longer say anything:
/// hands those comments back to automatic tagging (the caller re-tags).
pub fn release_manual_tags(conn: &mut DbConnection, section_ids: &[i64]) -> QueryResult<usize> {
    if section_ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        comments::table
            .filter(comments::section_id.eq_any(section_ids))
            .filter(comments::tag_source.eq("manual")),
    )
    .set((
        comments::tag_source.eq("none"),
        comments::version.eq(comments::version + 1),
        comments::updated_at.eq(super::now()),
    ))
    .execute(conn)
}

/// The comments "Sections to check" lists: the section named was not
/// found, or the signals disagree. Spelled as `comments_to_check_idx`'s
/// predicate (migration 000020), literally (no bound values), so both back
/// ends answer from that partial index.
const TO_CHECK: &str = "(comments.tag_source = 'none' OR comments.tag_conflict IS NOT NULL)";

/// Comments tagging could not settle: the section named was not found
/// (`none`) or the signals disagree (a conflict note); with `everything`,
/// all of the document's comments. In id order, a page at a time, with the
/// total.
pub fn for_tag_review(
    conn: &mut DbConnection,
    document_id: i64,
    everything: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    super::read_snapshot(conn, |conn| {
        for_tag_review_in_snapshot(conn, document_id, everything, offset, limit)
    })
}

fn for_tag_review_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
    everything: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    use diesel::sql_types::Bool;
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    let query = || {
        let all = visible(of_document(document_id), hidden.clone());
        if everything {
            all
        } else {
            all.filter(diesel::dsl::sql::<Bool>(TO_CHECK))
        }
    };
    let total = query().count().get_result(conn)?;
    let page = query()
        .order(comments::id)
        .offset(offset)
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)?;
    Ok((page, total))
}

/// Files a comment under `section_id` (`None`: General) by hand, if its
/// version is still `version`; returns whether it was.
pub fn set_manual_tag(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    section_id: Option<i64>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        comments::table
            .filter(comments::id.eq(id))
            .filter(comments::version.eq(version)),
    )
    .set((
        comments::section_id.eq(section_id),
        comments::tag_source.eq("manual"),
        comments::tag_span.eq(None::<String>),
        comments::tag_conflict.eq(None::<String>),
        comments::version.eq(comments::version + 1),
        comments::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The triage fields of a comment as an editor saves them (all of them at
/// once: the form shows every one).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = comments, treat_none_as_null = true)]
pub struct TriageFields<'a> {
    pub section_id: Option<i64>,
    pub tag_source: &'a str,
    pub tag_span: Option<&'a str>,
    pub tag_conflict: Option<&'a str>,
    pub status: &'a str,
    pub disposition: Option<&'a str>,
    pub response: Option<&'a str>,
    pub assignee_id: Option<i64>,
    pub duplicate_of_id: Option<i64>,
}

/// Saves `fields` if the comment is still at `version` (then bumps it),
/// with an audit event by `user_id` for each of `changes`; returns the
/// comment as saved, or `None` (and stores nothing) when its version had
/// moved on.
///
/// On PostgreSQL the update and its events are one statement
/// ([`super::audited_update`]), atomic without a transaction. On SQLite they are
/// two, and the caller holds the transaction.
pub fn save_triage(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    fields: &TriageFields<'_>,
    user_id: i64,
    changes: &[FieldChange],
) -> QueryResult<Option<Comment>> {
    let now = super::now();
    // `RETURNING` the whole row saves reading it again; the row's
    // selection is per back end, so the statement is built for each.
    macro_rules! update {
        () => {
            diesel::update(
                comments::table
                    .filter(comments::id.eq(id))
                    .filter(comments::version.eq(version)),
            )
            .set((
                fields,
                comments::version.eq(comments::version + 1),
                comments::updated_at.eq(now),
            ))
            .returning(Comment::as_returning())
        };
    }
    match conn {
        DbConnection::Postgres(c) => WithAudit::new(update!(), user_id, now, changes)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => {
            let Some(saved) = update!().get_result(c).optional()? else {
                return Ok(None);
            };
            let events: Vec<NewAuditEvent<'_>> = changes
                .iter()
                .map(|change| NewAuditEvent {
                    document_id: Some(saved.document_id),
                    comment_id: Some(id),
                    user_id: Some(user_id),
                    action: "update",
                    field: Some(change.field),
                    old_value: change.old.as_deref(),
                    new_value: change.new.as_deref(),
                    created_at: now,
                })
                .collect();
            audit::record_all(conn, &events)?;
            Ok(Some(saved))
        }
    }
}

/// A document's comment by its tracking number (`NISTIR-8200-0003-12`).
pub fn find_by_tracking(
    conn: &mut DbConnection,
    document_id: i64,
    tracking: &str,
) -> QueryResult<Option<Comment>> {
    super::read_snapshot(conn, |conn| {
        let hidden = super::submissions::arriving_in(conn, document_id)?;
        visible(of_document(document_id), hidden)
            .filter(comments::tracking_number.eq(tracking.trim()))
            .select(Comment::as_select())
            .first(conn)
            .optional()
    })
}

/// The comment with this tracking number, in any document, unless its
/// submission is still arriving (hidden from every reader).
pub fn id_by_tracking(conn: &mut DbConnection, tracking: &str) -> QueryResult<Option<i64>> {
    comments::table
        .inner_join(super::schema::submissions::table)
        .filter(comments::tracking_number.eq(tracking))
        .filter(super::schema::submissions::arriving.eq(false))
        .select(comments::id)
        .first(conn)
        .optional()
}

/// The tracking numbers of these comments, by id.
pub fn trackings(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select((comments::id, comments::tracking_number))
        .load(conn)
}
