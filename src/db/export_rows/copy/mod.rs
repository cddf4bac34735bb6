//! An export's ordered rows on PostgreSQL, by
//! `COPY (SELECT …) TO STDOUT (FORMAT binary)`.
//!
//! In libpq's row-by-row mode every row is a result of its own, made with
//! a copy of the statement's 41 column descriptions: reading a million
//! rows that way took the reader thread 2.1 s of CPU (perf), while a
//! workbook's writer needs a core of its own. COPY sends the same rows as
//! one stream of bytes, decoded here into rows the writer is done with
//! (`input`): 0.9 s. The server still sorts them in parallel (it plans no
//! parallel sort for a cursor; see `rows!`).
//!
//! COPY takes no bind parameters, so the filter's values are written into
//! the statement ([`filter_sql`]: integers, and words of the closed
//! vocabularies, quoted). Diesel asks a COPY's target for its SQL through
//! its type, not a value (`CopyTarget::walk_target` takes no `self`), so
//! the filter of the COPY being started goes to the statement in a
//! thread-local ([`FILTER`]), set and read within the one call that starts
//! it. Reading the values from settings of the transaction instead (one
//! fixed text) made the planner estimate 6 rows for `(p = '' OR col = p)`
//! and choose a merge join with a sort of its own: 0.6 s slower.

use std::cell::RefCell;
use std::sync::LazyLock;

use diesel::dsl::sql;
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::pg::{CopyFormat, CopyTarget, Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::Error;
use diesel::sql_types::{Bool, Integer};

use super::fields::{self, COMMENT_FIELDS, FIELDS, Fields};
use super::submitters::{self, Submitters};
use super::{ExportComment, ExportFilter, ExportRow, Limits, RowSink, SORT_KEYS};
use crate::db::schema::{comments, sections, submission_files, submissions};
use crate::domain::TriageStatus;
use input::{Input, Row};

mod input;

thread_local! {
    /// The filter of the COPY this thread is starting ([`filter_sql`]),
    /// read by [`ThisExport`] while diesel builds the statement.
    static FILTER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A statement COPY runs, with the filter of the export at hand
/// ([`ThisExport`]), and the text around it that leaves its sort keys in
/// the server ([`Statement::new`]). Each is built once.
struct Statement {
    select: Box<dyn QueryFragment<Pg> + Send + Sync>,
    before: String,
    after: String,
}

/// `ordered!`'s joins, columns and order: the submission's fields with
/// each comment, for a document with more submissions than are held
/// (`submitters::SUBMITTERS`).
static WITH_SUBMITTERS: LazyLock<Statement> = LazyLock::new(|| {
    Statement::new(
        Box::new(in_table_order!(
            with_section!().filter(ThisExport),
            row_columns!()
        )),
        FIELDS,
    )
});

/// How many fields a row of [`BY_SUBMISSION`] has: the comment's, then
/// its submission's id.
const BY_SUBMISSION_FIELDS: usize = COMMENT_FIELDS + 1;

/// The same order, with each comment its submission's id where its
/// fields are held (`submitters::Submitters::all`): the submissions' text
/// is then neither carried through the sort nor sent once a comment
/// (a million comments: the first row 0.14 s sooner, the whole COPY 0.2 s
/// quicker in the server, measured), and their files are not joined.
static BY_SUBMISSION: LazyLock<Statement> = LazyLock::new(|| {
    Statement::new(
        Box::new(in_table_order!(
            with_section!(comments::table.inner_join(submissions::table)).filter(ThisExport),
            (ExportComment::as_select(), comments::submission_id)
        )),
        BY_SUBMISSION_FIELDS,
    )
});

/// The filter of the COPY being started on this thread, as SQL.
#[derive(Clone, Copy, Debug, QueryId, ValidGrouping)]
struct ThisExport;

impl Expression for ThisExport {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for ThisExport {}

impl QueryFragment<Pg> for ThisExport {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        FILTER.with_borrow(|sql| {
            if sql.is_empty() {
                // Never run unfiltered: that would be every document's rows.
                return Err(Error::QueryBuilderError(
                    "an export's COPY was started without its filter".into(),
                ));
            }
            pass.push_sql(sql);
            Ok(())
        })
    }
}

/// `narrow!`'s filter of `document_id`'s comments, with the values
/// written in: integers, and vocabulary words (quoted all the same).
fn filter_sql(document_id: i64, filter: &ExportFilter) -> String {
    let word = |word: String| format!("'{}'", word.replace('\'', "''"));
    let mut sql = format!("comments.document_id = {document_id}");
    if let Some(ids) = &filter.sections {
        if ids.is_empty() {
            sql.push_str(" AND false");
        } else {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            sql.push_str(&format!(" AND comments.section_id IN ({})", ids.join(", ")));
        }
    }
    if filter.general_only {
        sql.push_str(" AND comments.section_id IS NULL");
    }
    if let Some(status) = filter.status {
        sql.push_str(&format!(" AND comments.status = {}", word(status.into())));
    }
    if let Some(disposition) = filter.disposition {
        sql.push_str(&format!(
            " AND comments.disposition = {}",
            word(disposition.into())
        ));
    }
    if filter.without_withdrawn {
        let withdrawn = word(TriageStatus::Withdrawn.into());
        sql.push_str(&format!(" AND comments.status <> {withdrawn}"));
    }
    if !filter.hidden.is_empty() {
        let ids: Vec<String> = filter.hidden.iter().map(i64::to_string).collect();
        sql.push_str(&format!(
            " AND comments.submission_id NOT IN ({})",
            ids.join(", ")
        ));
    }
    sql
}

impl Statement {
    /// `select` (sort keys, then `fields` fields) as the target of a COPY,
    /// without its sort keys: they lead each row for the sort's sake
    /// (`sort_keys!`), and are of no use to the reader. `SELECT c7, … FROM
    /// (SELECT …) AS ordered (c1, …)` leaves them in the server: six fields
    /// a row fewer to send and decode (a million rows read: 2.45 s against
    /// 2.63 s, median of 3). A subquery's `ORDER BY` holds the planner to a
    /// `Subquery Scan` over the sort, which keeps its order;
    /// `export::rows_ordered_in_memory_come_as_the_database_sorts_them`
    /// holds every row's place to that.
    fn new(select: Box<dyn QueryFragment<Pg> + Send + Sync>, fields: usize) -> Self {
        let names: Vec<String> = (1..=SORT_KEYS + fields).map(|n| format!("c{n}")).collect();
        Self {
            select,
            before: format!("(SELECT {} FROM (", names[SORT_KEYS..].join(", ")),
            after: format!(") AS ordered ({}))", names.join(", ")),
        }
    }

    fn walk<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        pass.push_sql(&self.before);
        self.select.walk_ast(pass.reborrow())?;
        pass.push_sql(&self.after);
        Ok(())
    }
}

/// [`WITH_SUBMITTERS`] as COPY's target. (Diesel asks a target for its
/// SQL through its type: one type a statement.)
struct WithSubmitters;

/// [`BY_SUBMISSION`] as COPY's target.
struct BySubmission;

macro_rules! copy_target {
    ($target:ty, $statement:expr) => {
        impl CopyTarget for $target {
            type Table = comments::table;
            // Used by diesel's typed `load` only; the rows are read raw here.
            type SqlType = Integer;

            fn walk_target(pass: AstPass<'_, '_, Pg>) -> QueryResult<()> {
                $statement.walk(pass)
            }
        }
    };
}
copy_target!(WithSubmitters, WITH_SUBMITTERS);
copy_target!(BySubmission, BY_SUBMISSION);

/// Sends every row of the export to `sink` in table order; returns how
/// many there were. Each row is read into one the sink spares, if any.
///
/// The document's submissions are read first, in the same snapshot; where
/// there are no more than `limits.submitters`, the COPY sends each
/// comment's submission id and they fill in its fields.
pub fn for_each<E: From<Error>>(
    conn: &mut PgConnection,
    document_id: i64,
    filter: &ExportFilter,
    limits: Limits,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E> {
    let found = submitters::of_document!(document_id, limits.submitters).load(conn)?;
    let filter = filter_sql(document_id, filter);
    match Submitters::all(found, limits.submitters) {
        Some(known) => stream(conn, BySubmission, filter, Submission::Held(&known), sink),
        None => stream(conn, WithSubmitters, filter, Submission::InRow, sink),
    }
}

/// The rows of `target`'s COPY (`filter`: its WHERE clause), each read as
/// `submission` says, sent to `sink`.
fn stream<T: CopyTarget, E: From<Error>>(
    conn: &mut PgConnection,
    target: T,
    filter: String,
    submission: Submission<'_>,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E> {
    FILTER.set(filter);
    let started = diesel::copy_to(target)
        .with_format(CopyFormat::Binary)
        .load_raw(conn);
    FILTER.set(String::new());
    let mut input = Input::new(started?)?;
    let mut count = 0;
    loop {
        let mut row = sink.spare().unwrap_or_else(fields::blank);
        if !input.row(submission.fields(), |columns| {
            submission.read(columns, &mut row)
        })? {
            input.end()?;
            return Ok(count);
        }
        sink.row(row)?;
        count += 1;
    }
}

/// Where a COPY's row has its submission's fields.
#[derive(Clone, Copy)]
enum Submission<'a> {
    /// After the comment's ([`WITH_SUBMITTERS`]).
    InRow,
    /// In the map, by the id that follows the comment ([`BY_SUBMISSION`]).
    Held(&'a Submitters),
}

impl Submission<'_> {
    /// How many fields a row has.
    fn fields(self) -> usize {
        match self {
            Self::InRow => FIELDS,
            Self::Held(_) => BY_SUBMISSION_FIELDS,
        }
    }

    /// Overwrites every field of `row` from the COPY's row `columns`.
    fn read(self, columns: &mut Row<'_>, row: &mut ExportRow) -> QueryResult<()> {
        match self {
            Self::InRow => fields::fill(columns, row),
            Self::Held(known) => {
                fields::fill_comment(columns, &mut row.comment)?;
                let submission = columns.int8()?.ok_or_else(fields::null)?;
                known.fill(submission, row)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Disposition;

    #[test]
    fn the_filter_is_written_with_its_values() {
        assert_eq!(
            filter_sql(7, &ExportFilter::default()),
            "comments.document_id = 7"
        );
        let filter = ExportFilter {
            sections: Some(vec![3, 5]),
            general_only: false,
            status: Some(TriageStatus::Resolved),
            disposition: Some(Disposition::AcceptedWithModification),
            without_withdrawn: true,
            hidden: vec![11, 12],
        };
        assert_eq!(
            filter_sql(7, &filter),
            "comments.document_id = 7 AND comments.section_id IN (3, 5) \
             AND comments.status = 'resolved' \
             AND comments.disposition = 'accepted_with_modification' \
             AND comments.status <> 'withdrawn' \
             AND comments.submission_id NOT IN (11, 12)"
        );
        let none = ExportFilter {
            sections: Some(Vec::new()),
            general_only: true,
            ..ExportFilter::default()
        };
        assert_eq!(
            filter_sql(7, &none),
            "comments.document_id = 7 AND false AND comments.section_id IS NULL"
        );
    }

    /// The SQL of `statement`'s SELECT, built with `filter`.
    fn sql_of(statement: &Statement, filter: String) -> Result<String, std::fmt::Error> {
        use std::fmt::Write;
        let mut sql = String::new();
        FILTER.set(filter);
        let written = write!(sql, "{}", diesel::debug_query::<Pg, _>(&statement.select));
        FILTER.set(String::new());
        written.map(|()| sql)
    }

    #[test]
    fn the_statements_are_built_only_with_a_filter() {
        for statement in [&*WITH_SUBMITTERS, &*BY_SUBMISSION] {
            assert!(sql_of(statement, String::new()).is_err());
            let sql = sql_of(statement, filter_sql(7, &ExportFilter::default())).unwrap();
            assert!(
                sql.contains(" WHERE comments.document_id = 7 ORDER BY 1, 2, 3, 4, 5, 6"),
                "{sql}"
            );
        }
    }

    #[test]
    fn the_statement_by_submission_sends_its_id_and_joins_no_files() {
        let filter = || filter_sql(7, &ExportFilter::default());
        let with = sql_of(&WITH_SUBMITTERS, filter()).unwrap();
        let by = sql_of(&BY_SUBMISSION, filter()).unwrap();
        assert!(
            with.contains("\"submission_files\".\"file_name\""),
            "{with}"
        );
        assert!(!by.contains("submission_files"), "{by}");
        assert!(by.contains("\"comments\".\"submission_id\" FROM"), "{by}");
        // The same order: the sort's keys come from the same joins.
        let keys = |sql: &str| {
            sql.split("\"comments\".\"tracking_number\"")
                .next()
                .map(str::to_owned)
        };
        assert_eq!(keys(&with), keys(&by));
    }

    #[test]
    fn the_copy_leaves_the_sort_keys_out() {
        // The statements sort by their first SORT_KEYS columns…
        let keys: Vec<String> = (1..=SORT_KEYS).map(|n| n.to_string()).collect();
        assert_eq!(keys.join(", "), "1, 2, 3, 4, 5, 6");
        // …which the COPY names and does not send.
        for (statement, fields) in [
            (&*WITH_SUBMITTERS, FIELDS),
            (&*BY_SUBMISSION, BY_SUBMISSION_FIELDS),
        ] {
            let last = SORT_KEYS + fields;
            let (before, after) = (&statement.before, &statement.after);
            assert!(before.starts_with("(SELECT c7, c8, "), "{before}");
            assert!(before.ends_with(&format!(", c{last} FROM (")), "{before}");
            assert!(after.starts_with(") AS ordered (c1, c2, "), "{after}");
            assert!(after.ends_with(&format!(", c{last}))")), "{after}");
            assert_eq!(before.matches(", c").count() + 1, fields);
        }
    }
}
