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

use super::fields::{
    self, COMMENT_FIELDS, FIELDS, Fields, broken, null, overwrite, overwrite_optional,
};
use super::in_memory::{ById, comments_by_id};
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
        width(&row, SORT_KEYS + FIELDS)?;
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

/// The comments of `ids` (a batch of an export ordered in memory), each
/// read into a row the sink spares, if any, with its id and submission's
/// (`submitters::Submitters` fills in the submission's fields).
pub fn by_id<E: From<diesel::result::Error>>(
    conn: &mut SqliteConnection,
    ids: &[i64],
    sink: &mut impl RowSink<E>,
    into: &mut Vec<ById>,
) -> Result<(), E> {
    const WIDTH: usize = 2 + COMMENT_FIELDS;
    for row in conn.load(comments_by_id!(ids))? {
        let row = row?;
        width(&row, WIDTH)?;
        let mut columns = Columns { row: &row, next: 0 };
        let id = columns.int8()?.ok_or_else(null)?;
        let submission = columns.int8()?.ok_or_else(null)?;
        let mut spare = sink.spare().unwrap_or_else(fields::blank);
        fields::fill_comment(&mut columns, &mut spare.comment)?;
        into.push(ById {
            id,
            submission,
            row: spare,
        });
    }
    Ok(())
}

/// Refuses a row that is not `expected` columns wide: the column reader
/// reads by position, so a statement and its reading out of step would
/// put one field's value in another.
fn width<'a>(row: &impl Row<'a, Sqlite>, expected: usize) -> diesel::QueryResult<()> {
    let found = row.field_count();
    if found == expected {
        Ok(())
    } else {
        Err(broken(format!("a row has {found} columns, not {expected}")))
    }
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
        self.next(|value| value.map(|v| fields::word(v.read_text())).transpose())
    }

    fn int4(&mut self) -> diesel::QueryResult<Option<i32>> {
        self.next(|value| Ok(value.map(|v| v.read_integer())))
    }

    fn int8(&mut self) -> diesel::QueryResult<Option<i64>> {
        self.next(|value| Ok(value.map(|v| v.read_long())))
    }
}

#[cfg(test)]
mod tests {
    use diesel::Connection;

    use super::*;
    use crate::domain::{Disposition, TriageStatus};

    /// The one row of `$select` (a bare SELECT of literals), in `$row`.
    macro_rules! with_row {
        ($select:expr, |$columns:ident| $body:block) => {{
            let mut conn = SqliteConnection::establish(":memory:").unwrap();
            let mut rows = conn.load(diesel::sql_query($select)).unwrap();
            let row = rows.next().unwrap().unwrap();
            let mut $columns = Columns { row: &row, next: 0 };
            $body
        }};
    }

    #[test]
    fn columns_are_read_in_turn_into_the_strings_given() {
        with_row!(
            "SELECT 'text', NULL, 'kept', 7, 8000000000, 'accepted', NULL",
            |c| {
                let mut text = String::from("an earlier row's");
                c.text(&mut text).unwrap();
                assert_eq!(text, "text");
                let mut optional = Some(String::from("an earlier row's"));
                c.optional_text(&mut optional).unwrap();
                assert_eq!(optional, None);
                c.optional_text(&mut optional).unwrap();
                assert_eq!(optional.as_deref(), Some("kept"));
                assert_eq!(c.int4().unwrap(), Some(7));
                assert_eq!(c.int8().unwrap(), Some(8_000_000_000));
                assert_eq!(
                    c.word::<Disposition>().unwrap(),
                    Some(Disposition::Accepted)
                );
                assert_eq!(c.word::<Disposition>().unwrap(), None);
            }
        );
    }

    #[test]
    fn a_null_where_text_must_be_is_refused() {
        with_row!("SELECT NULL", |c| {
            let error = c.text(&mut String::new()).unwrap_err().to_string();
            assert!(error.contains("a column that cannot be NULL is"), "{error}");
        });
    }

    #[test]
    fn an_unknown_word_is_refused_by_name() {
        with_row!("SELECT 'shelved'", |c| {
            let error = c.word::<TriageStatus>().unwrap_err().to_string();
            assert!(
                error.contains("\"shelved\" is not a TriageStatus"),
                "{error}"
            );
        });
    }

    #[test]
    fn a_row_of_another_width_than_expected_is_refused() {
        with_row!("SELECT 1, 2", |c| {
            assert_eq!(c.int4().unwrap(), Some(1));
            assert!(width(c.row, 2).is_ok());
            let error = width(c.row, 3).unwrap_err().to_string();
            assert!(error.contains("a row has 2 columns, not 3"), "{error}");
        });
    }

    #[test]
    fn a_row_narrower_than_its_reading_is_refused() {
        with_row!("SELECT 1", |c| {
            assert_eq!(c.int4().unwrap(), Some(1));
            let error = c.int4().unwrap_err().to_string();
            assert!(error.contains("fewer columns"), "{error}");
        });
    }
}
