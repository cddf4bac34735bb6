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

use super::fields::{self, FIELDS};
use super::{ExportComment, ExportFilter, RowSink, SORT_KEYS};
use crate::db::schema::{comments, sections, submission_files, submissions};
use crate::domain::TriageStatus;
use input::Input;

mod input;

thread_local! {
    /// The filter of the COPY this thread is starting ([`filter_sql`]),
    /// read by [`ThisExport`] while diesel builds the statement.
    static FILTER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The statement COPY runs: `ordered!`'s joins, columns and order, with
/// the filter of the export at hand ([`ThisExport`]). Built once.
static SELECT: LazyLock<Box<dyn QueryFragment<Pg> + Send + Sync>> =
    LazyLock::new(|| Box::new(in_table_order!(with_section!().filter(ThisExport))));

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
    sql
}

/// [`SELECT`] as the target of a COPY, without its sort keys: they lead
/// each row for the sort's sake (`sort_keys!`), and are of no use to the
/// reader. `SELECT c7, … FROM (SELECT …) AS ordered (c1, …)` leaves them
/// in the server: six fields a row fewer to send and decode (a million
/// rows read: 2.45 s against 2.63 s, median of 3). A subquery's
/// `ORDER BY` holds the planner to a `Subquery Scan` over the sort, which
/// keeps its order; `export::rows_ordered_in_memory_come_as_the_database_sorts_them`
/// holds every row's place to that.
struct Ordered;

/// The text around [`SELECT`] in [`Ordered`].
static AROUND: LazyLock<(String, String)> = LazyLock::new(|| {
    let names: Vec<String> = (1..=SORT_KEYS + FIELDS).map(|n| format!("c{n}")).collect();
    (
        format!("(SELECT {} FROM (", names[SORT_KEYS..].join(", ")),
        format!(") AS ordered ({}))", names.join(", ")),
    )
});

impl CopyTarget for Ordered {
    type Table = comments::table;
    // Used by diesel's typed `load` only; the rows are read raw here.
    type SqlType = Integer;

    fn walk_target(mut pass: AstPass<'_, '_, Pg>) -> QueryResult<()> {
        let (before, after) = &*AROUND;
        pass.push_sql(before);
        SELECT.walk_ast(pass.reborrow())?;
        pass.push_sql(after);
        Ok(())
    }
}

/// Sends every row of the export to `sink` in table order; returns how
/// many there were. Each row is read into one the sink spares, if any.
pub fn for_each<E: From<Error>>(
    conn: &mut PgConnection,
    document_id: i64,
    filter: &ExportFilter,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E> {
    FILTER.set(filter_sql(document_id, filter));
    let started = diesel::copy_to(Ordered)
        .with_format(CopyFormat::Binary)
        .load_raw(conn);
    FILTER.set(String::new());
    let mut input = Input::new(started?)?;
    let mut count = 0;
    loop {
        let mut row = sink.spare().unwrap_or_else(fields::blank);
        if !input.row(&mut row)? {
            input.end()?;
            return Ok(count);
        }
        sink.row(row)?;
        count += 1;
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
        };
        assert_eq!(
            filter_sql(7, &filter),
            "comments.document_id = 7 AND comments.section_id IN (3, 5) \
             AND comments.status = 'resolved' \
             AND comments.disposition = 'accepted_with_modification' \
             AND comments.status <> 'withdrawn'"
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

    #[test]
    fn the_statement_is_built_only_with_a_filter() {
        use std::fmt::Write;
        let mut sql = String::new();
        FILTER.set(String::new());
        assert!(write!(sql, "{}", diesel::debug_query::<Pg, _>(&*SELECT)).is_err());
        FILTER.set(filter_sql(7, &ExportFilter::default()));
        write!(sql, "{}", diesel::debug_query::<Pg, _>(&*SELECT)).unwrap();
        FILTER.set(String::new());
        assert!(
            sql.contains(" WHERE comments.document_id = 7 ORDER BY 1, 2, 3, 4, 5, 6"),
            "{sql}"
        );
    }

    #[test]
    fn the_copy_leaves_the_sort_keys_out() {
        // The statement sorts by its first SORT_KEYS columns…
        let keys: Vec<String> = (1..=SORT_KEYS).map(|n| n.to_string()).collect();
        assert_eq!(keys.join(", "), "1, 2, 3, 4, 5, 6");
        // …which the COPY names and does not send.
        let (before, after) = &*AROUND;
        assert!(before.starts_with("(SELECT c7, c8, "), "{before}");
        assert!(before.ends_with(", c41 FROM ("), "{before}");
        assert!(after.starts_with(") AS ordered (c1, c2, "), "{after}");
        assert!(after.ends_with(", c41))"), "{after}");
        assert_eq!(before.matches(", c").count() + 1, FIELDS);
    }
}
