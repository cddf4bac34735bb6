//! XLSX, XLS and ODS through calamine. XLSX sheets are streamed cell by cell
//! so limits apply while reading; cells become the text Excel shows.

use std::io::Cursor;

use calamine::{
    Data, DataRef, ExcelDateTime, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx,
    open_workbook_from_rs,
};

use super::IntakeError;
use super::budget::Budget;
use super::grid::{RowText, Sheet, SheetRow};
use super::limits::Limits;
use super::sniff::FileFormat;

/// Every sheet of a workbook as rows of text, charged to `budget` as they
/// are kept. XLS and ODS are scanned for their size first (see `bounds`):
/// calamine expands them whole.
pub fn read(
    format: FileFormat,
    bytes: &[u8],
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<Sheet>, IntakeError> {
    let cursor = Cursor::new(bytes);
    match format {
        FileFormat::Xlsx => {
            super::bounds::charge_xlsx_strings(bytes, budget)?;
            read_xlsx(
                open_workbook_from_rs(cursor).map_err(unreadable(format))?,
                limits,
                budget,
            )
        }
        FileFormat::Xls => {
            super::bounds::check_xls(bytes, limits, budget)?;
            let workbook: Xls<_> = open_workbook_from_rs(cursor).map_err(unreadable(format))?;
            read_ranges(workbook, format, limits, budget)
        }
        FileFormat::Ods => {
            super::bounds::check_ods(bytes, limits, budget)?;
            let workbook: Ods<_> = open_workbook_from_rs(cursor).map_err(unreadable(format))?;
            read_ranges(workbook, format, limits, budget)
        }
        FileFormat::Csv | FileFormat::Form => Ok(Vec::new()),
    }
}

fn unreadable<E: std::fmt::Display>(format: FileFormat) -> impl Fn(E) -> IntakeError {
    move |error| {
        let detail = error.to_string();
        if detail.contains("password") {
            return IntakeError::Encrypted;
        }
        IntakeError::damaged(
            format.label(),
            "its contents are damaged, or not what a spreadsheet program writes; \
             open it in one and save it again",
            detail,
        )
    }
}

/// Collects cells into rows as they stream by (rows arrive in order).
struct RowBuilder<'a> {
    limits: &'a Limits,
    budget: &'a mut Budget,
    rows: Vec<SheetRow>,
    /// The row being read, and its cells so far.
    current: Option<u32>,
    text: RowText,
    overflow: Option<(u32, usize)>,
}

impl<'a> RowBuilder<'a> {
    fn new(limits: &'a Limits, budget: &'a mut Budget) -> Self {
        Self {
            limits,
            budget,
            rows: Vec::new(),
            current: None,
            text: RowText::default(),
            overflow: None,
        }
    }

    fn into_sheet(mut self, name: String) -> Result<Sheet, IntakeError> {
        self.finish_row()?;
        Ok(Sheet {
            name: Some(name),
            rows: self.rows,
            overflow: self.overflow,
            hidden: false,
        })
    }

    fn push(&mut self, row: u32, col: u32, text: &str) -> Result<(), IntakeError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let col = col as usize;
        if col >= self.limits.max_columns {
            self.overflow.get_or_insert((row + 1, col + 1));
            return Ok(());
        }
        if self.current.is_some_and(|r| r != row) {
            self.finish_row()?;
        }
        self.current = Some(row);
        // Charged cell by cell: one row of cells that each repeat a long
        // shared string could otherwise pass the budget many times over.
        let added = self.text.push(col, text);
        self.budget.charge_bytes(added)
    }

    fn finish_row(&mut self) -> Result<(), IntakeError> {
        if let Some(row) = self.current.take() {
            // A row of NUL characters only has no cells: not a row.
            if self.text.is_empty() {
                return Ok(());
            }
            let row = self.text.finish(row + 1);
            self.budget.keep_charged()?;
            self.rows.push(row);
        }
        Ok(())
    }
}

fn read_xlsx(
    mut workbook: Xlsx<Cursor<&[u8]>>,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<Sheet>, IntakeError> {
    let (names, hidden) = worksheet_names(&workbook);
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        budget.start_sheet(Some(&name))?;
        let mut cells = workbook
            .worksheet_cells_reader(&name)
            .map_err(unreadable(FileFormat::Xlsx))?;
        let mut builder = RowBuilder::new(limits, budget);
        while let Some(cell) = cells.next_cell().map_err(unreadable(FileFormat::Xlsx))? {
            let (row, col) = cell.get_position();
            builder.push(row, col, &ref_text(cell.get_value()))?;
        }
        sheets.push(builder.into_sheet(name)?);
    }
    sheets.extend(hidden.into_iter().map(Sheet::hidden));
    Ok(sheets)
}

/// XLS and ODS: calamine reads each sheet whole (they have no cell stream).
fn read_ranges<RS, R>(
    mut workbook: R,
    format: FileFormat,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<Sheet>, IntakeError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let (names, hidden) = worksheet_names(&workbook);
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        budget.start_sheet(Some(&name))?;
        let range = workbook
            .worksheet_range(&name)
            .map_err(unreadable(format))?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut builder = RowBuilder::new(limits, budget);
        for (r, cells) in range.rows().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                builder.push(first_row + r as u32, first_col + c as u32, &data_text(cell))?;
            }
        }
        sheets.push(builder.into_sheet(name)?);
    }
    sheets.extend(hidden.into_iter().map(Sheet::hidden));
    Ok(sheets)
}

/// The worksheets to read, and the hidden ones (not read: templates hide
/// lookup lists there; the report names them).
fn worksheet_names<RS, R: Reader<RS>>(workbook: &R) -> (Vec<String>, Vec<String>)
where
    RS: std::io::Read + std::io::Seek,
{
    let (visible, hidden): (Vec<_>, Vec<_>) = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .partition(|s| s.visible == SheetVisible::Visible);
    let names =
        |sheets: Vec<&calamine::Sheet>| sheets.into_iter().map(|s| s.name.clone()).collect();
    (names(visible), names(hidden))
}

/// The text Excel shows for a streamed cell.
fn ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(d) => datetime_text(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// The text Excel shows for a cell of a whole range.
fn data_text(value: &Data) -> String {
    match value {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(d) => datetime_text(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_owned()
}

/// Numbers as Excel's General format shows them: 15 significant digits at
/// most (`5.1`, never `5.0999…`), integers without `.0`.
pub fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{f:.0}");
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    rounded.to_string()
}

/// Dates as ISO dates; date-times and times with their clock time.
fn datetime_text(d: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
    let time = (hour, minute, second) != (0, 0, 0);
    if d.is_duration() || d.as_f64() < 1.0 {
        return format!("{hour:02}:{minute:02}:{second:02}");
    }
    if time {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::float_text;

    /// Prose of `words` words from a small vocabulary, different each row:
    /// it packs about as tightly as comments do.
    fn prose(seed: u64, words: usize) -> String {
        const VOCABULARY: [&str; 24] = [
            "the",
            "section",
            "should",
            "define",
            "identity",
            "proofing",
            "assurance",
            "level",
            "verifier",
            "which",
            "requirement",
            "applies",
            "when",
            "authenticator",
            "is",
            "lost",
            "and",
            "recovery",
            "may",
            "not",
            "be",
            "clear",
            "to",
            "agencies",
        ];
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..words)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                VOCABULARY[(x >> 33) as usize % VOCABULARY.len()]
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_text_heavy_workbook_fits_its_memory_budget() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, header) in ["Comment #", "Section", "Comment", "Suggested Change"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        for row in 1..=8_000u32 {
            sheet.write_number(row, 0, f64::from(row)).unwrap();
            sheet
                .write_string(row, 1, format!("{}.{}", row % 9, row % 5))
                .unwrap();
            sheet
                .write_string(row, 2, prose(u64::from(row), 60))
                .unwrap();
            sheet
                .write_string(row, 3, prose(u64::from(row) + 1_000_000, 30))
                .unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        // The ratio alone, without the floor: its text is about 4.6 times
        // the file, held as shared strings and again in the rows.
        let limits = crate::intake::Limits {
            read_memory_floor: 0,
            ..crate::intake::Limits::default()
        };
        let intake = crate::intake::read("comments.xlsx", &bytes, &limits).unwrap();
        assert_eq!(intake.comments.len(), 8_000);
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(float_text(5.1), "5.1");
        assert_eq!(float_text(4.0), "4");
        assert_eq!(float_text(0.1 + 0.2), "0.3");
        assert_eq!(float_text(-12.0), "-12");
        assert_eq!(float_text(386.0), "386");
        assert_eq!(float_text(1.25), "1.25");
    }
}
