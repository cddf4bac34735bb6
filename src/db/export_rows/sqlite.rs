//! An export's ordered rows on SQLite, read from the statement's columns
//! into rows the writer is done with (`fields`), instead of a new row of
//! new strings each time that the reader frees again once the writer has
//! read it.

use diesel::connection::LoadConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::row::{Field, Row};
use diesel::sql_types::Integer;
use diesel::sqlite::{Sqlite, SqliteConnection, SqliteValue};

use super::fields::{self, FIELDS, Fields, broken, null, overwrite, overwrite_optional};
use super::{ExportComment, ExportFilter, RowSink, SORT_KEYS};
use crate::db::schema::{comments, sections, submission_files, submissions};
use crate::domain::TriageStatus;

/// Sends every row of the export to `sink` in table order; returns how
/// many there were. Each row is read into one the sink spares, if any.
pub fn for_each<E: From<diesel::result::Error>>(
    conn: &mut SqliteConnection,
    document_id: i64,
    filter: &ExportFilter,
    sink: &mut impl RowSink<E>,
) -> Result<usize, E> {
    let query = ordered!(document_id, filter);
    let mut count = 0;
    for row in conn.load(query)? {
        let row = row?;
        if row.field_count() != SORT_KEYS + FIELDS {
            let found = row.field_count();
            return Err(broken(format!(
                "a row has {found} columns, not {}",
                SORT_KEYS + FIELDS
            ))
            .into());
        }
        let mut columns = Columns {
            row: &row,
            // The sort keys are there for the sort only.
            next: SORT_KEYS,
        };
        let mut spare = sink.spare().unwrap_or_else(fields::blank);
        fields::fill(&mut columns, &mut spare)?;
        sink.row(spare)?;
        count += 1;
    }
    Ok(count)
}

/// A statement's row, read a column at a time.
struct Columns<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'a, R: Row<'a, Sqlite>> Columns<'_, R> {
    /// The next column's value (`None`: NULL), decoded by `decode`.
    fn next<T>(
        &mut self,
        decode: impl FnOnce(Option<&mut SqliteValue<'_, '_, '_>>) -> diesel::QueryResult<T>,
    ) -> diesel::QueryResult<T> {
        let field = self
            .row
            .get(self.next)
            .ok_or_else(|| broken("a row has fewer columns than it is read from"))?;
        self.next += 1;
        decode(field.value().as_mut())
    }
}

impl<'a, R: Row<'a, Sqlite>> Fields for Columns<'_, R> {
    fn text(&mut self, into: &mut String) -> diesel::QueryResult<()> {
        self.next(|value| {
            overwrite(into, value.ok_or_else(null)?.read_text());
            Ok(())
        })
    }

    fn optional_text(&mut self, into: &mut Option<String>) -> diesel::QueryResult<()> {
        self.next(|value| {
            overwrite_optional(into, value.map(|v| v.read_text()));
            Ok(())
        })
    }

    fn word<T: std::str::FromStr<Err = strum::ParseError>>(
        &mut self,
    ) -> diesel::QueryResult<Option<T>> {
        self.next(|value| {
            value
                .map(|v| v.read_text().parse().map_err(broken))
                .transpose()
        })
    }

    fn int4(&mut self) -> diesel::QueryResult<Option<i32>> {
        self.next(|value| Ok(value.map(|v| v.read_integer())))
    }

    fn int8(&mut self) -> diesel::QueryResult<Option<i64>> {
        self.next(|value| Ok(value.map(|v| v.read_long())))
    }
}
