//! Replies in each submitter's own file: the file a submission came in,
//! with two columns added after the submitter's own, `Disposition` and
//! `Response`, filled in on each comment's row. Everything else stays as
//! the submitter wrote it, as far as the format allows:
//!
//! - XLSX: the workbook's own XML with cells added (`xlsx.rs`): sheets,
//!   title rows, styles, widths, merged cells and formulas untouched;
//! - CSV: the same records, separator and row numbers (`csv.rs`), UTF-8;
//! - XLS and ODS, which docket does not write: a new XLSX of the same
//!   sheets' values (`grid.rs`).
//!
//! `notice.rs` makes the e-mail each submitter is sent when the
//! disposition is published, with this file attached.

mod csv;
mod grid;
pub mod notice;
mod xlsx;

use std::collections::HashMap;

use crate::db::comments::Comment;
use crate::db::{DbConnection, DbError, comments, submissions};
use crate::export::disposition_label;
use crate::intake::{self, FileFormat, IntakeError, Limits, Sheet, SheetRow};

/// Headers of the two columns added.
pub const HEADERS: [&str; 2] = ["Disposition", "Response"];

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The submission was typed into the web form: there is no file.
    #[error("this submission was typed in, not sent as a file")]
    NoFile,
    #[error(transparent)]
    Unreadable(#[from] IntakeError),
    /// The stored file is not what its format promises (it was read at
    /// intake, so this is a fault, not the submitter's).
    #[error("the stored file could not be rewritten: {0}")]
    Broken(String),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for ReplyError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// A submitter's file with the replies in it.
#[derive(Clone, Debug)]
pub struct Reply {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The answer of each comment row: (sheet, row) → (disposition, response).
#[derive(Clone, Debug, Default)]
pub struct Answers {
    by_row: HashMap<(Option<String>, u32), [String; 2]>,
}

impl Answers {
    pub fn of(comments: &[Comment]) -> Self {
        let mut by_row = HashMap::new();
        for c in comments {
            let Some(row) = c.source_row.and_then(|r| u32::try_from(r).ok()) else {
                continue;
            };
            by_row.insert(
                (c.source_sheet.clone(), row),
                [
                    c.disposition.0.map_or("", disposition_label).to_owned(),
                    c.response.clone().unwrap_or_default(),
                ],
            );
        }
        Self { by_row }
    }

    /// The answer on `row` of `sheet` (`None` for CSV), if a comment is there.
    fn on(&self, sheet: Option<&str>, row: u32) -> Option<&[String; 2]> {
        self.by_row.get(&(sheet.map(str::to_owned), row))
    }

    /// The sheets comments came from.
    fn sheets(&self) -> impl Iterator<Item = Option<&str>> {
        let mut names: Vec<Option<&str>> = self.by_row.keys().map(|(s, _)| s.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter()
    }
}

/// The intake limits, but without the file and row caps: a stored file
/// was accepted under the limits of its day, which may have been higher,
/// and is rewritten whatever its size.
pub fn stored_file_limits(limits: &Limits) -> Limits {
    Limits {
        max_file_bytes: u64::MAX,
        max_rows: usize::MAX / 2,
        ..limits.clone()
    }
    .without_memory_budget()
}

/// Submission `submission_id`'s file with its replies.
pub fn for_submission(
    conn: &mut DbConnection,
    submission_id: i64,
    limits: &Limits,
) -> Result<Reply, ReplyError> {
    let file = match submissions::file(conn, submission_id) {
        Err(diesel::result::Error::NotFound) => return Err(ReplyError::NoFile),
        other => other?,
    };
    let comments = comments::for_submission(conn, submission_id)?;
    write(
        &file.file_name,
        &file.bytes,
        &Answers::of(&comments),
        limits,
    )
}

/// `bytes` (a file named `name`) with `answers` added.
pub fn write(
    name: &str,
    bytes: &[u8],
    answers: &Answers,
    limits: &Limits,
) -> Result<Reply, ReplyError> {
    let (format, sheets, _) = intake::read_sheets(name, bytes, limits)?;
    let headers = header_rows(&sheets);
    let stem = stem(name);
    match format {
        FileFormat::Csv => Ok(Reply {
            file_name: format!("{stem} (replies).csv"),
            content_type: "text/csv; charset=utf-8",
            bytes: csv::write(bytes, &sheets, &headers, answers)?,
        }),
        FileFormat::Xlsx => Ok(Reply {
            file_name: format!("{stem} (replies).{}", extension(name, "xlsx")),
            content_type: XLSX,
            bytes: xlsx::write(bytes, &headers, answers)?,
        }),
        FileFormat::Xls | FileFormat::Ods | FileFormat::Form => Ok(Reply {
            file_name: format!("{stem} (replies).xlsx"),
            content_type: XLSX,
            bytes: grid::write(&sheets, &headers, answers)?,
        }),
    }
}

const XLSX: &str = crate::export::Format::Xlsx.content_type();

/// The name a reply is downloaded, mailed and zipped under starts with
/// this: the submitter's file name, cleaned by the one function every
/// attachment name goes through (`mail::safe_file_name`: the last path
/// part only, no control characters, no leading dots), then without its
/// extension. An upload named `../../etc/passwd` is `passwd (replies).csv`
/// wherever it goes, never a path.
fn stem(name: &str) -> String {
    let clean = crate::mail::safe_file_name(name);
    match clean.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim_end().to_owned(),
        _ => clean,
    }
}

/// `xlsm` stays `xlsm` (its macros are kept); anything else is `fallback`.
fn extension(name: &str, fallback: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext)) if ext.eq_ignore_ascii_case("xlsm") => "xlsm".to_owned(),
        _ => fallback.to_owned(),
    }
}

/// Each sheet's header row (as intake found it) and the number of columns
/// its rows use: the replies go in the two columns after them.
#[derive(Clone, Debug, Default)]
pub struct HeaderRows {
    rows: HashMap<Option<String>, (u32, usize)>,
}

impl HeaderRows {
    fn of(&self, sheet: Option<&str>) -> Option<(u32, usize)> {
        self.rows.get(&sheet.map(str::to_owned)).copied()
    }
}

fn header_rows(sheets: &[Sheet]) -> HeaderRows {
    let mut rows = HashMap::new();
    for sheet in sheets {
        if let Some((_, header)) = intake::header::find(&sheet.rows) {
            let width = sheet.rows.iter().map(SheetRow::width).max().unwrap_or(0);
            rows.insert(sheet.name.clone(), (header.row, width));
        }
    }
    HeaderRows { rows }
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn reply_names_are_cleaned_file_names() {
        for (name, expected) in [
            ("comments.csv", "comments"),
            ("Données 2024.xlsx", "Données 2024"),
            ("../../etc/passwd.csv", "passwd"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\a\\b.xlsx", "b"),
            ("a\nb\u{1b}[31m.csv", "a_b_[31m"),
            (".hidden.csv", "hidden"),
            ("../", "attachment"),
        ] {
            assert_eq!(stem(name), expected, "{name:?}");
        }
    }
}
