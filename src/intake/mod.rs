//! Intake: a submitter's file in, typed comments and a precise report out.
//!
//! Pure functions over bytes, with no database and no HTTP, so the CLI, the
//! web upload, the benchmark and tests all call the same code:
//! `sniff` (what the bytes are) → `csvfile` / `workbook` (a grid of text per
//! sheet) → `header` (which row, which columns) → `metadata` (rows above it)
//! → `rows` (typed comments, problems per row and column).
//!
//! A [`Problem`] is a warning that keeps its row, every cell verbatim, so
//! nothing a submitter wrote is lost to an odd cell. An [`IntakeError`]
//! refuses the whole file, and nothing is stored. Comments typed into the
//! web form or sent as JSON go through [`from_form`], the same path as a
//! file. Hostile files are refused while read, not after: `limits` and
//! `budget` bound what one file may take in memory, and `bounds` sizes an
//! XLS or ODS workbook before calamine expands it.

mod bounds;
mod budget;
mod csvfile;
mod grid;
pub mod header;
mod limits;
mod metadata;
mod report;
mod rows;
mod sniff;
pub mod template;
pub mod values;
mod workbook;
mod xls_strings;

use serde::{Deserialize, Serialize};

pub use csvfile::{decode as decode_text, sniff_delimiter as csv_delimiter};
pub use grid::{Sheet, SheetRow, column_letters};
pub use header::{Column, Field, Profile};
pub use limits::Limits;
pub use metadata::Metadata;
pub use report::Problem;
pub use rows::ParsedComment;
pub use sniff::FileFormat;

/// Everything read from one file.
#[derive(Clone, Debug, Serialize)]
pub struct Intake {
    pub format: FileFormat,
    /// The text encoding of a CSV file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// The sheets comments were read from.
    pub sheets: Vec<SheetSummary>,
    /// Sheets without a comment header (instructions, notes), by name.
    pub skipped_sheets: Vec<String>,
    pub metadata: Metadata,
    pub comments: Vec<ParsedComment>,
    /// File-level notes (rows skipped and why).
    pub notes: Vec<Problem>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SheetSummary {
    pub name: Option<String>,
    pub header_row: u32,
    pub profile: Profile,
    pub columns: Vec<Column>,
    pub comments: usize,
}

impl Intake {
    /// Every problem: file notes first, then each row's, in sheet order.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.notes
            .iter()
            .chain(self.comments.iter().flat_map(|c| c.problems.iter()))
    }
}

/// Why a whole file was refused. Nothing of it is stored.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IntakeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {} and the limit is {}", size_text(*size), size_text(*limit))]
    TooLarge { size: u64, limit: u64 },
    #[error("this is not a spreadsheet docket can read: {0}")]
    NotASpreadsheet(String),
    #[error(
        "the workbook is protected with a password; save a copy without the password and upload that"
    )]
    Encrypted,
    #[error(
        "the workbook was not opened because it would unpack to far more data than any comment sheet holds: {0}"
    )]
    ZipBomb(String),
    #[error("the {format} cannot be read: {reason}")]
    Unreadable {
        format: &'static str,
        reason: String,
    },
    #[error(
        "row {row}: a quoted cell opens with \" and never closes, so the rest of the file would read as one cell; check the quotes in that row"
    )]
    UnclosedQuote { row: u32 },
    #[error("{}row {row} has a value in column {} (column {columns}); docket reads at most {limit} columns",
        sheet.as_ref().map(|s| format!("sheet \"{s}\" ")).unwrap_or_default(), grid::column_letters(columns.saturating_sub(1)))]
    TooManyColumns {
        sheet: Option<String>,
        row: u32,
        columns: usize,
        limit: usize,
    },
    #[error(
        "the workbook's sheets span {cells} cells (rows × columns from the first to the last used cell); docket reads at most {limit}, so it was not opened"
    )]
    TooManyCells { cells: u64, limit: u64 },
    #[error(
        "the file unpacks to more cells and text than docket reads from a file of its size \
         (at most {} for a file of {}); remove formatting or values far below or to the right \
         of the comments, or split the comments over several files",
        size_text(*limit), size_text(*file_bytes)
    )]
    TooMuchContent { file_bytes: u64, limit: u64 },
    #[error("the file holds {} comment rows; the limit is {limit}", rows.map_or_else(|| "more than the limit of".to_owned(), |n| n.to_string()))]
    TooManyRows { rows: Option<usize>, limit: usize },
    #[error(
        "no header row was found in the first {} rows of {}: docket looks for a row naming the comment column (\"Comment\") and at least one other, such as \"Comment #\", \"Section\", \"Page #\", \"Line #\", \"Type\" or \"Suggested Change\"",
        header::SEARCH_ROWS, where_.join(", ")
    )]
    NoHeader { where_: Vec<String> },
    #[error("the header row was found ({where_}) but there are no comment rows below it")]
    NoComments { where_: String },
}

impl IntakeError {
    /// A file a parser could not read: the submitter is told in docket's
    /// words (`reason`) what is wrong; the parser's own message, which
    /// names its internals (XML entities, zip records), goes to the log at
    /// debug level.
    pub(crate) fn damaged(
        format: &'static str,
        reason: impl Into<String>,
        detail: impl std::fmt::Display,
    ) -> Self {
        // A parser's message may quote the file (comment text, an
        // address): only at debug level, which is off unless asked for.
        tracing::info!(format, "an uploaded file could not be read");
        tracing::debug!(format, %detail, "the parser's words");
        IntakeError::Unreadable {
            format,
            reason: reason.into(),
        }
    }
}

/// `50.0 MB`, `2000 bytes`: sizes in messages.
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// One comment typed into the web form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormRow {
    pub kind: String,
    pub section: String,
    pub page: String,
    pub line: String,
    pub comment: String,
    pub suggested_change: String,
}

impl FormRow {
    pub fn is_blank(&self) -> bool {
        [
            &self.kind,
            &self.section,
            &self.page,
            &self.line,
            &self.comment,
            &self.suggested_change,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
    }
}

/// Reads comments typed into the web form exactly like a filled-in
/// template (the same parsing, the same problems); row N is comment N.
pub fn from_form(rows: &[FormRow], limits: &Limits) -> Result<Intake, IntakeError> {
    let header = SheetRow::new(0, template::COLUMNS);
    let mut grid = vec![header];
    // Row N is the form's row N, blank rows between comments included.
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let cells = vec![
            (i + 1).to_string(),
            r.kind.clone(),
            r.section.clone(),
            r.page.clone(),
            r.line.clone(),
            r.comment.clone(),
            r.suggested_change.clone(),
        ];
        grid.push(SheetRow::new(i as u32 + 1, cells));
    }
    assemble(
        FileFormat::Form,
        None,
        vec![Sheet {
            name: None,
            rows: grid,
            ..Sheet::default()
        }],
        limits,
    )
}

/// Reads one file. `name` only words messages (the bytes decide the format).
pub fn read(name: &str, bytes: &[u8], limits: &Limits) -> Result<Intake, IntakeError> {
    let (format, sheets, encoding) = read_sheets(name, bytes, limits)?;
    assemble(format, encoding, sheets, limits)
}

/// Reads one file into its sheets of text cells, with every bound of
/// `limits` checked (size, zip bombs, columns), but no header looked for:
/// what other readers of spreadsheets (a disposition table sent back)
/// build on. Returns the format, the sheets and, for CSV, the encoding.
pub fn read_sheets(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(FileFormat, Vec<Sheet>, Option<&'static str>), IntakeError> {
    let format = sniff::sniff(name, bytes, limits)?;
    let mut budget = budget::Budget::for_file(bytes.len(), limits);
    let (sheets, encoding) = match format {
        FileFormat::Csv => {
            let (text, encoding) = csvfile::decode(bytes);
            if text.trim().is_empty() {
                return Err(IntakeError::Empty);
            }
            if !csvfile::looks_like_text(&text) {
                return Err(IntakeError::NotASpreadsheet(
                    "it holds binary data, not a workbook nor CSV text".to_owned(),
                ));
            }
            budget.charge_bytes(text.capacity())?;
            (
                vec![csvfile::read(&text, limits, &mut budget)?],
                Some(encoding),
            )
        }
        _ => (workbook::read(format, bytes, limits, &mut budget)?, None),
    };
    Ok((format, sheets, encoding))
}

/// Finds each sheet's header and maps its rows.
pub fn assemble(
    format: FileFormat,
    encoding: Option<&'static str>,
    sheets: Vec<Sheet>,
    limits: &Limits,
) -> Result<Intake, IntakeError> {
    let mut intake = Intake {
        format,
        encoding,
        sheets: Vec::new(),
        skipped_sheets: Vec::new(),
        metadata: Metadata::default(),
        comments: Vec::new(),
        notes: Vec::new(),
    };
    let mut headers_without_rows = Vec::new();
    let mut searched = Vec::new();
    for sheet in sheets {
        let label = sheet
            .name
            .clone()
            .map_or_else(|| "the file".to_owned(), |n| format!("sheet \"{n}\""));
        if sheet.hidden {
            intake.notes.push(Problem::file(format!(
                "{label} is hidden and was not read; unhide it and send the file again if it holds comments"
            )));
            intake.skipped_sheets.extend(sheet.name);
            continue;
        }
        let Some((position, header)) = header::find(&sheet.rows) else {
            // A sheet with rows below the search window may be a comment
            // sheet whose header sits too low: say so. (Short sheets are
            // instructions.)
            if sheet
                .rows
                .last()
                .is_some_and(|r| r.number > header::SEARCH_ROWS)
                && sheet.name.is_some()
            {
                intake.notes.push(Problem::file(format!(
                    "{label} has no comment header in its first {} rows and was not read",
                    header::SEARCH_ROWS
                )));
            }
            searched.push(label);
            intake.skipped_sheets.extend(sheet.name);
            continue;
        };
        if let Some((row, columns)) = sheet.overflow {
            return Err(IntakeError::TooManyColumns {
                sheet: sheet.name,
                row,
                columns,
                limit: limits.max_columns,
            });
        }
        let mut skipped = rows::Skipped::default();
        let comments = rows::map(
            sheet.name.as_deref(),
            &header,
            &sheet.rows[position + 1..],
            &mut skipped,
        );
        let place = |n: usize, what: &str| {
            let mut p = Problem::file(format!("{n} {what} skipped"));
            p.sheet.clone_from(&sheet.name);
            p
        };
        if skipped.number_only > 0 {
            intake.notes.push(place(
                skipped.number_only,
                "template row(s) holding only a pre-printed number were",
            ));
        }
        if skipped.repeated_headers > 0 {
            intake.notes.push(place(
                skipped.repeated_headers,
                "repeated header row(s) were",
            ));
        }
        if comments.is_empty() {
            headers_without_rows.push(format!("{label}, row {}", header.row));
        }
        intake
            .metadata
            .merge(Metadata::read(&sheet.rows[..position]));
        intake.sheets.push(SheetSummary {
            name: sheet.name,
            header_row: header.row,
            profile: header.profile,
            columns: header.columns,
            comments: comments.len(),
        });
        intake.comments.extend(comments);
        if intake.comments.len() > limits.max_rows {
            return Err(IntakeError::TooManyRows {
                rows: Some(intake.comments.len()),
                limit: limits.max_rows,
            });
        }
    }
    if intake.sheets.is_empty() {
        if searched.is_empty() {
            searched.push("the file".to_owned());
        }
        return Err(IntakeError::NoHeader { where_: searched });
    }
    if intake.comments.is_empty() {
        return Err(IntakeError::NoComments {
            where_: headers_without_rows.join("; "),
        });
    }
    Ok(intake)
}
