//! A document's comments as disposition tables list them: in outline order
//! (what is filed under no node, General and not found, last, as in the
//! queues), then page, line, and the order the submissions came in.
//!
//! Two ways to that order ([`TableOrder`]): one ordered statement whose
//! rows stream one at a time (SQLite's statement cursor; on PostgreSQL a
//! binary COPY, `copy`; the back end's sorter spills to disk past its
//! memory), or the order worked out here and the rows read by id
//! (`in_memory`).
//! Either way an export holds a batch of rows in memory however many
//! there are.

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;

use super::DbConnection;
use super::comments::OptionalText;
use super::schema::{comments, submission_files, submissions};
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
    /// Submissions whose comments are left out: those still arriving
    /// (`hiding_arriving!` fills it in, in the export's snapshot; callers
    /// leave it empty).
    pub hidden: Vec<i64>,
}

/// `$filter` with the submissions of `$document_id` still arriving
/// hidden, read on `$c` (a concrete connection), inside the export's own
/// transaction so that the comments read and the submissions hidden are
/// of the same moment.
macro_rules! hiding_arriving {
    ($c:expr, $document_id:expr, $filter:expr) => {
        ExportFilter {
            hidden: submissions::table
                .filter(submissions::arriving)
                .filter(submissions::document_id.eq($document_id))
                .select(submissions::id)
                .load::<i64>($c)?,
            ..$filter.clone()
        }
    };
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

/// A stored comment with what export needs of its submission. Its
/// section comes from the outline the export holds (by `section_id`).
#[derive(Clone, Debug)]
pub struct ExportRow {
    pub comment: ExportComment,
    pub submission_tracking: String,
    pub submitter_name: String,
    pub submitter_organization: String,
    /// Internal exports only; never on a public one.
    pub submitter_email: Option<String>,
    pub file_name: Option<String>,
}

/// Outline position first (no node: after every node, as the queues have
/// it), then page and line (what lacks one after the rest, on both back
/// ends, whose NULL ordering differs), then the submissions' order, then
/// the row's.
///
/// The keys are the statement's first columns ([`SORT_KEYS`]), sorted by
/// place (`ORDER BY 1, …`). PostgreSQL's sorter reads every key after the
/// first from the sorted tuple by walking the columns before it; keys
/// left at the end, behind thirty text columns, made that walk most of the
/// export's time (measured: 37% of all CPU in `nocachegetattr`). In front,
/// they are at fixed places.
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

/// How many columns lead the ordered statement (`sort_keys!`): there for
/// the sort only, never read (each reader starts past them).
const SORT_KEYS: usize = 6;

/// `$query` (boxed, over `comments` and maybe more) narrowed to `$filter`.
macro_rules! narrow {
    ($query:expr, $filter:expr) => {{
        let filter: &ExportFilter = $filter;
        let mut query = $query;
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
        if !filter.hidden.is_empty() {
            query = query.filter(comments::submission_id.ne_all(filter.hidden.clone()));
        }
        query
    }};
}

/// What an [`ExportRow`] holds of its submission, over `submissions`
/// left-joined to `submission_files`: the ordered statements read it with
/// each comment (`row_columns!`: SQLite's, and PostgreSQL's COPY of a
/// document with more submissions than are held), the other readers once
/// per submission (`submitters`).
macro_rules! submitter_columns {
    () => {
        (
            submissions::tracking_number,
            submissions::submitter_name,
            submissions::organization,
            submissions::email,
            submission_files::file_name.nullable(),
        )
    };
}

/// The columns of an [`ExportRow`], over `with_section!()`. A statement
/// has them flat (a nested tuple is read as its columns in turn), in the
/// order `fields::fill` reads them.
macro_rules! row_columns {
    () => {
        (ExportComment::as_select(), submitter_columns!())
    };
}

/// `comments` with their submissions and the submissions' files (for an
/// [`ExportRow`]'s fields), and each comment's outline node, whose place
/// leads the table order; the ordered statements (`ordered!`, and
/// PostgreSQL's COPY, `copy`) start here. `with_section!($from)` joins
/// the outline to `$from` instead: `comments` with as much of their
/// submissions as a statement needs (the order's keys at least).
macro_rules! with_section {
    () => {
        with_section!(comments::table.inner_join(submissions::table).left_join(
            submission_files::table.on(submission_files::submission_id.eq(comments::submission_id)),
        ))
    };
    ($from:expr) => {
        $from.left_join(sections::table.on(sections::id.nullable().eq(comments::section_id)))
    };
}

/// `$query` (over `with_section!`, filtered) in table order: the sort
/// keys, then `$columns` (those of an [`ExportRow`], or of a comment with
/// its submission's id).
macro_rules! in_table_order {
    ($query:expr, $columns:expr) => {
        $query
            .order(sql::<Integer>("1, 2, 3, 4, 5, 6"))
            .select((sort_keys!(), $columns))
    };
}

/// The boxed, ordered query of `$filter`'s comments of `$document_id`, for
/// one concrete connection (a boxed query names its back end).
macro_rules! ordered {
    ($document_id:expr, $filter:expr) => {{
        let filter: &ExportFilter = $filter;
        let query = with_section!()
            .filter(comments::document_id.eq($document_id))
            .into_boxed();
        in_table_order!(narrow!(query, filter), row_columns!())
    }};
}

mod copy;
mod fields;
mod in_memory;
mod sqlite;
mod submitters;

/// How an export's rows are put in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableOrder {
    /// By the database, in the one statement that reads the rows: the
    /// least work in all, but the first row comes only once every row is
    /// sorted (seconds, for a million comments). For writers as quick as
    /// the read (CSV, HTML, JSON), and on PostgreSQL, whose parallel sort
    /// is quicker than reading rows by id (`export::rows::order`).
    Database,
    /// Here, from six numbers per comment read first (the first row comes
    /// within a second), the rows then read by id a batch at a time: more
    /// work in all, but a slow writer (a workbook) works from the first
    /// second on. Past [`IN_MEMORY`] comments, the database sorts.
    InMemory,
}

/// How many comments an export orders in memory (`in_memory::KEY_BYTES`
/// each: 64 MB at most); a larger one is sorted by the database.
pub const IN_MEMORY: usize = 2_000_000;
const _: () = assert!(IN_MEMORY * in_memory::KEY_BYTES <= 64 << 20);

/// What an export holds in memory at most, past which it reads another
/// way: [`Limits::default`] in production, smaller in tests, which cannot
/// store millions of comments to reach the other way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Comments ordered in memory ([`IN_MEMORY`]); past it, the database
    /// sorts.
    pub in_memory: usize,
    /// Submissions whose fields a PostgreSQL COPY holds
    /// (`submitters::SUBMITTERS`); past it, they come with each row.
    pub submitters: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            in_memory: IN_MEMORY,
            submitters: submitters::SUBMITTERS,
        }
    }
}

/// SQLite's page cache while rows are read by id, in KiB.
const BY_ID_CACHE_KIB: u32 = 16 * 1024;

/// Where [`for_each`] sends an export's rows, one at a time. A closure
/// taking each row is one (`&mut |row| …`).
///
/// Rows travel boxed: an [`ExportRow`] is most of a kilobyte
/// ([`ROW_BYTES`]), and each hand-over (read, put in order, batched,
/// spared, read into again) copied all of it: 12% of the reader's time on
/// SQLite workbooks (perf). A box moves as one pointer, and boxes go round
/// (`spare`) like the rows' strings.
pub trait RowSink<E> {
    /// Takes the next row; an error stops the export.
    fn row(&mut self, row: Box<ExportRow>) -> Result<(), E>;

    /// A row the sink is done with, for the next to be read into: where
    /// the reader decodes rows itself (PostgreSQL's COPY, SQLite's ordered
    /// statement: `fields`), their strings are overwritten in place
    /// instead of allocated and freed each time.
    fn spare(&mut self) -> Option<Box<ExportRow>> {
        None
    }
}

/// What an [`ExportRow`] takes unboxed: what boxing it saves copying.
pub const ROW_BYTES: usize = std::mem::size_of::<ExportRow>();
const _: () = assert!(ROW_BYTES > 512);

impl<E, F: FnMut(Box<ExportRow>) -> Result<(), E>> RowSink<E> for F {
    fn row(&mut self, row: Box<ExportRow>) -> Result<(), E> {
        self(row)
    }
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
    order: TableOrder,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E>
where
    E: From<diesel::result::Error>,
{
    for_each_within(conn, document_id, filter, order, Limits::default(), sink)
}

/// [`for_each`] within `limits`.
pub fn for_each_within<E>(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &ExportFilter,
    order: TableOrder,
    limits: Limits,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E>
where
    E: From<diesel::result::Error>,
{
    // `InMemory`'s steps, the same on either back end: the queries name
    // their back end, `$mode` says how a statement's rows are read there,
    // and `$database` reads them in the database's order, for a document
    // with too many comments to order here.
    macro_rules! in_memory {
        ($c:expr, $filter:expr, $mode:ty, $database:expr, $by_id:expr) => {{
            let c = $c;
            let filter: &ExportFilter = $filter;
            let places = in_memory::Places::new(
                in_memory::positions!(document_id).load(c)?,
                in_memory::arrivals!(document_id).load(c)?,
            );
            let mut keys = in_memory::Keys::new(&places);
            let query = in_memory::key_query!(document_id, filter, limits.in_memory);
            rows!(c, $mode, query, |row: in_memory::KeyRow| {
                keys.push(row);
                Ok::<_, E>(())
            })?;
            match keys.sorted_ids(limits.in_memory) {
                None => $database(c, document_id, filter, sink),
                Some(ids) => {
                    let mut submitters = submitters::Submitters::default();
                    let mut read = Vec::with_capacity(in_memory::FETCH);
                    let mut count = 0;
                    for batch in ids.chunks(in_memory::FETCH) {
                        $by_id(c, batch, &mut *sink, &mut read)?;
                        let missing = submitters.missing(&read);
                        if !missing.is_empty() {
                            submitters.add(submitters::submitters!(missing).load(c)?);
                        }
                        count += submitters.send(batch, &mut read, sink)?;
                    }
                    Ok(count)
                }
            }
        }};
    }
    // Each row of a statement as it comes: SQLite steps its statement;
    // PostgreSQL, where only `InMemory`'s statements come this way (the
    // ordered rows come by COPY: `copy`), uses libpq's row-by-row mode (a
    // cursor fetching batches costs the client less, but PostgreSQL plans
    // no parallel sort for a cursor, and that cost more: a million rows as
    // CSV took 1.3x as long, median of three).
    macro_rules! rows {
        ($c:expr, $mode:ty, $query:expr, $each:expr) => {{
            let mut each = $each;
            for row in $query.load_iter::<_, $mode>($c)? {
                each(row?)?;
            }
            Ok::<_, E>(())
        }};
    }
    match conn {
        DbConnection::Sqlite(c) if order == TableOrder::InMemory => {
            // Rows read by id walk the table's inner pages over and over:
            // past SQLite's default 2 MB page cache each walk reads them
            // from the file again (a third of the time, measured). The
            // cache is made larger for the export, and its own size after.
            let size: i64 = diesel::select(sql::<diesel::sql_types::BigInt>(
                "(SELECT cache_size FROM pragma_cache_size())",
            ))
            .get_result(c)?;
            c.batch_execute(&format!("PRAGMA cache_size = -{BY_ID_CACHE_KIB}"))?;
            let read = c.transaction(|c| {
                let filter = &hiding_arriving!(c, document_id, filter);
                in_memory!(
                    c,
                    filter,
                    diesel::connection::DefaultLoadingMode,
                    sqlite::for_each,
                    sqlite::by_id
                )
            });
            c.batch_execute(&format!("PRAGMA cache_size = {size}"))?;
            read
        }
        DbConnection::Sqlite(c) => c.transaction(|c| {
            let filter = &hiding_arriving!(c, document_id, filter);
            sqlite::for_each(c, document_id, filter, sink)
        }),
        DbConnection::Postgres(c) => c
            .build_transaction()
            .read_only()
            .repeatable_read()
            .run(|c| {
                // The planner compiles a statement this size to machine code
                // (JIT) for seconds before its first row (measured: 2.5 s of
                // a million-row export's 4 s in the server), more than the
                // compiled code saves in one run.
                c.batch_execute("SET LOCAL jit = off")?;
                let filter = &hiding_arriving!(c, document_id, filter);
                match order {
                    TableOrder::Database => copy::for_each(c, document_id, filter, limits, sink),
                    TableOrder::InMemory => {
                        in_memory!(
                            c,
                            filter,
                            diesel::pg::PgRowByRowLoadingMode,
                            |c, document_id, filter, sink| {
                                copy::for_each(c, document_id, filter, limits, sink)
                            },
                            in_memory::postgres_by_id
                        )
                    }
                }
            }),
    }
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
pub const BLANK: &str = " \t\r\n\u{a0}";

/// The first `limit` comments of the filter that lack a disposition or a
/// response (blank counts as missing), in id order, and how many there are.
pub fn unanswered(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &ExportFilter,
    limit: i64,
) -> QueryResult<(Vec<Unanswered>, i64)> {
    super::read_snapshot(conn, |conn| {
        unanswered_in_snapshot(conn, document_id, filter, limit)
    })
}

fn unanswered_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &ExportFilter,
    limit: i64,
) -> QueryResult<(Vec<Unanswered>, i64)> {
    let filter = &ExportFilter {
        hidden: super::submissions::arriving_in(conn, document_id)?,
        ..filter.clone()
    };
    // Boxed twice (once to count, once to list): a boxed query is not Clone.
    macro_rules! missing {
        () => {{
            let query = comments::table
                .filter(comments::document_id.eq(document_id))
                .filter(
                    comments::disposition
                        .is_null()
                        .or(comments::response.is_null())
                        // Blank: spaces, tabs, line breaks (a bare `trim`
                        // takes only spaces off, on both back ends).
                        .or(sql::<diesel::sql_types::Bool>("trim(comments.response, ")
                            .bind::<diesel::sql_types::Text, _>(BLANK)
                            .sql(") = ''")),
                )
                .into_boxed();
            narrow!(query, filter)
        }};
    }
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
}
