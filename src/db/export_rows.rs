//! A document's comments as disposition tables list them: in outline order
//! (what is filed under no node, General and not found, last, as in the
//! queues), then page, line, and the order the submissions came in.
//!
//! One ordered statement, its rows read one at a time as they come
//! (SQLite steps its statement; PostgreSQL sends them in libpq's
//! row-by-row mode), so an export holds a row at a time in memory however
//! many there are; the back end's sorter spills to disk past its memory.
//! Every filter value is a bound parameter. A column a table needs is
//! added in one place: a field of [`ExportComment`] (or
//! [`ExportSubmission`]).
//!
//! The rows are read on a thread of their own while the file is written
//! on another (`export::rows`). Faster readers were measured against this
//! one (docs/performance.md, "Export speed"): only PostgreSQL's binary
//! COPY gained more than a tenth, and COPY takes no bound parameters, so
//! it is not used.

use diesel::connection::{DefaultLoadingMode, SimpleConnection};
use diesel::dsl::sql;
use diesel::pg::PgRowByRowLoadingMode;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::DbConnection;
use super::comments::OptionalText;
use super::schema::{comments, sections, submission_files, submissions};
use crate::domain::{CommentType, Disposition, TagSource, TriageStatus};

/// Which comments an export holds; the default holds them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// These outline nodes (a section with its subsections); `None`: all.
    pub sections: Option<Vec<i64>>,
    /// Comments filed under no node (General, unresolved) only.
    pub general_only: bool,
    pub status: Option<TriageStatus>,
    pub disposition: Option<Disposition>,
    /// Leaves out comments withdrawn by their submitter (public and final
    /// tables: a withdrawn comment is not answered).
    pub without_withdrawn: bool,
}

/// What a disposition table shows of a comment: the verbatim and parsed
/// cells and the triage fields, and nothing else. Reading a million rows
/// is mostly decoding them, so the columns no table uses (timestamps,
/// which are parsed from text on SQLite; ids; the clustering fields) are
/// not read.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct ExportComment {
    pub tracking_number: String,
    pub source_sheet: Option<String>,
    pub source_row: Option<i32>,
    pub extra_json: String,
    pub problems_json: String,
    pub comment_number: Option<String>,
    pub commenter: Option<String>,
    pub organization: Option<String>,
    pub volume_raw: Option<String>,
    pub type_raw: Option<String>,
    #[diesel(deserialize_as = Option<String>)]
    pub comment_type: OptionalText<CommentType>,
    pub severity: Option<String>,
    pub section_raw: Option<String>,
    pub paragraph_raw: Option<String>,
    pub page_raw: Option<String>,
    pub page_start: Option<String>,
    pub page_end: Option<String>,
    pub line_raw: Option<String>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
    pub body: String,
    pub suggested_change: Option<String>,
    pub section_id: Option<i64>,
    #[diesel(deserialize_as = String)]
    pub tag_source: TagSource,
    pub tag_conflict: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: TriageStatus,
    #[diesel(deserialize_as = Option<String>)]
    pub disposition: OptionalText<Disposition>,
    pub disposition_raw: Option<String>,
    pub response: Option<String>,
    pub version: i32,
}

/// What a disposition table shows of a comment's submission.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = submissions)]
pub struct ExportSubmission {
    pub tracking_number: String,
    pub submitter_name: String,
    pub organization: String,
    /// Internal exports only; never on a public one.
    pub email: Option<String>,
}

/// A stored comment with what export needs of its submission. Its
/// section comes from the outline the export holds (by `section_id`).
#[derive(Clone, Debug)]
pub struct ExportRow {
    pub comment: ExportComment,
    pub submission: ExportSubmission,
    /// The name of the file the comment came in, if it came in one.
    pub file_name: Option<String>,
}

/// What the table is sorted by, in that order: the outline node's place
/// (no node: after every node, as the queues have it), then page and line
/// (what lacks one after the rest, on both back ends, whose NULL ordering
/// differs), then the submissions' order, then the row's.
type SortKeys = (i32, i32, i32, time::PrimitiveDateTime, i32, i32);

/// A row of the ordered statement as it is read.
type Read = (SortKeys, ExportComment, ExportSubmission, Option<String>);

/// [`SortKeys`]' expressions. They lead the statement, which is sorted by
/// place (`ORDER BY 1, …`): PostgreSQL's sorter reads every key after the
/// first from the sorted tuple by walking the columns before it, and keys
/// left at the end, behind thirty text columns, made that walk most of
/// the export's time (measured: 37% of all CPU in `nocachegetattr`). In
/// front, they are at fixed places.
macro_rules! sort_keys {
    () => {
        (
            sql::<Integer>("COALESCE(sections.position, 2147483647)"),
            sql::<Integer>("COALESCE(comments.page_sort, 2147483647)"),
            sql::<Integer>("COALESCE(comments.line_start, 2147483647)"),
            submissions::received_at,
            submissions::seq,
            comments::seq,
        )
    };
}

/// `$query` (boxed, over `comments` joined to `submissions`) narrowed to
/// `$filter` and to what readers may see of `$document_id`: no comment of
/// a submission still arriving.
macro_rules! narrow {
    ($query:expr, $document_id:expr, $filter:expr) => {{
        let filter: &ExportFilter = $filter;
        let mut query = $query
            .filter(comments::document_id.eq($document_id))
            .filter(submissions::arriving.eq(false));
        if let Some(ids) = &filter.sections {
            query = query.filter(comments::section_id.eq_any(ids.clone()));
        }
        if filter.general_only {
            query = query.filter(comments::section_id.is_null());
        }
        if let Some(status) = filter.status {
            query = query.filter(comments::status.eq(String::from(status)));
        }
        if let Some(disposition) = filter.disposition {
            query = query.filter(comments::disposition.eq(String::from(disposition)));
        }
        if filter.without_withdrawn {
            query = query.filter(comments::status.ne(String::from(TriageStatus::Withdrawn)));
        }
        query
    }};
}

/// The export's one statement, boxed for the back end of the connection
/// it is run on.
macro_rules! ordered {
    ($document_id:expr, $filter:expr) => {{
        let query = comments::table
            .inner_join(submissions::table)
            .left_join(
                submission_files::table
                    .on(submission_files::submission_id.eq(comments::submission_id)),
            )
            .left_join(sections::table.on(sections::id.nullable().eq(comments::section_id)))
            .into_boxed();
        narrow!(query, $document_id, $filter)
            .order(sql::<Integer>("1, 2, 3, 4, 5, 6"))
            .select((
                sort_keys!(),
                ExportComment::as_select(),
                ExportSubmission::as_select(),
                submission_files::file_name.nullable(),
            ))
    }};
}

/// Sends every row of the export to `sink` in table order; returns how
/// many there were. Stops at the first error the sink returns. The
/// connection is busy with the export until then: the sink must not use
/// it.
///
/// Everything is read in one read-only transaction (one snapshot on
/// PostgreSQL), so a comment edited meanwhile is read as it was, once.
pub fn for_each<E>(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &ExportFilter,
    sink: &mut impl FnMut(ExportRow) -> Result<(), E>,
) -> Result<usize, E>
where
    E: From<diesel::result::Error>,
{
    let mut count = 0;
    let mut send = |read: QueryResult<Read>| -> Result<(), E> {
        let (_, comment, submission, file_name) = read?;
        count += 1;
        sink(ExportRow {
            comment,
            submission,
            file_name,
        })
    };
    match conn {
        DbConnection::Sqlite(c) => {
            // Large sorts may use a second thread (SQLite's sorter merges
            // runs sorted in parallel), for this export only.
            c.batch_execute("PRAGMA threads = 2")?;
            let read = c.transaction::<_, E, _>(|c| {
                for read in
                    ordered!(document_id, filter).load_iter::<Read, DefaultLoadingMode>(c)?
                {
                    send(read)?;
                }
                Ok(())
            });
            c.batch_execute("PRAGMA threads = 0")?;
            read
        }
        DbConnection::Postgres(c) => {
            c.build_transaction()
                .read_only()
                .repeatable_read()
                .run::<_, E, _>(|c| {
                    // The planner compiles a statement this size to machine
                    // code (JIT) for seconds before its first row (measured:
                    // 2.5 s of a million-row export's 4 s in the server), more
                    // than the compiled code saves in one run.
                    c.batch_execute("SET LOCAL jit = off")?;
                    let rows = ordered!(document_id, filter)
                        .load_iter::<Read, PgRowByRowLoadingMode>(c)?;
                    for read in rows {
                        send(read)?;
                    }
                    Ok(())
                })
        }
    }?;
    Ok(count)
}

/// A comment that a final table cannot yet answer.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Unanswered {
    pub id: i64,
    pub tracking_number: String,
    pub disposition: Option<String>,
    pub response: Option<String>,
}

impl Unanswered {
    /// What the comment lacks, in words.
    pub fn missing(&self) -> &'static str {
        let no_response = self.response.as_deref().is_none_or(|r| r.trim().is_empty());
        match (self.disposition.is_none(), no_response) {
            (true, true) => "no disposition, no response",
            (true, false) => "no disposition",
            _ => "no response",
        }
    }
}

/// What a blank response is made of.
const BLANK: &str = " \t\r\n\u{a0}";

/// [`blank_response`]'s expression.
pub type BlankResponse = diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    diesel::expression::UncheckedBind<
        diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
        diesel::dsl::AsExprOf<&'static str, diesel::sql_types::Text>,
    >,
>;

/// True where the comment's response is made of `BLANK` alone (NULL
/// where there is none): the one test of a blank response that the
/// final-table gate, publication and the queue's half-answered filter
/// share. A bare `trim` takes only spaces off, on both back ends.
pub fn blank_response() -> BlankResponse {
    sql::<diesel::sql_types::Bool>("trim(comments.response, ")
        .bind::<diesel::sql_types::Text, _>(BLANK)
        .sql(") = ''")
}

/// The first `limit` comments of the filter that lack a disposition or a
/// response (blank counts as missing), in id order, and how many there are.
pub fn unanswered(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &ExportFilter,
    limit: i64,
) -> QueryResult<(Vec<Unanswered>, i64)> {
    // Boxed twice (once to count, once to list): a boxed query is not Clone.
    macro_rules! missing {
        () => {{
            let query = comments::table
                .inner_join(submissions::table)
                .filter(
                    comments::disposition
                        .is_null()
                        .or(comments::response.is_null())
                        .or(blank_response()),
                )
                .into_boxed();
            narrow!(query, document_id, filter)
        }};
    }
    super::read_snapshot(conn, |conn| {
        let total = missing!().count().get_result(conn)?;
        let rows = missing!()
            .order(comments::id)
            .limit(limit)
            .select((
                comments::id,
                comments::tracking_number,
                comments::disposition,
                comments::response,
            ))
            .load(conn)?;
        Ok((rows, total))
    })
}
