//! Data rows under a header become comments: every cell kept verbatim, the
//! known ones parsed, anything odd reported against its row and column.

use serde::Serialize;

use super::grid::{SheetRow, column_letters};
use super::header::{Field, Header};
use super::report::Problem;
use super::values::{self, PageRange};
use crate::domain::CommentType;

/// One comment as read from a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParsedComment {
    pub sheet: Option<String>,
    /// The row number a spreadsheet program shows.
    pub row: u32,
    /// Non-blank cells of columns docket does not map, by header. With the
    /// mapped fields below, this is every non-blank cell of the row, verbatim
    /// (the header of each column is in the sheet's summary).
    pub extra: Vec<(String, String)>,
    pub comment_number: Option<String>,
    pub commenter: Option<String>,
    pub organization: Option<String>,
    pub volume: Option<String>,
    pub type_raw: Option<String>,
    pub comment_type: Option<CommentType>,
    pub severity: Option<&'static str>,
    pub section: Option<String>,
    pub paragraph: Option<String>,
    pub page_raw: Option<String>,
    #[serde(skip)]
    pub pages: Option<PageRange>,
    pub line_raw: Option<String>,
    pub lines: Option<(i32, i32)>,
    /// The comment text; empty when the row had none (and a problem says so).
    pub body: String,
    pub suggested_change: Option<String>,
    pub problems: Vec<Problem>,
}

/// What mapping a sheet's rows found besides comments.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Pre-numbered template rows with nothing else in them.
    pub number_only: usize,
    /// Copies of the header row (templates printed over several pages).
    pub repeated_headers: usize,
}

/// Maps the rows below the header. `rows` are the sheet's rows after it.
pub fn map(
    sheet: Option<&str>,
    header: &Header,
    rows: &[SheetRow],
    skipped: &mut Skipped,
) -> Vec<ParsedComment> {
    let header_cells: Vec<&str> = header.columns.iter().map(|c| c.header.as_str()).collect();
    let number_col = header.column_of(Field::CommentNumber).map(|c| c.index);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if row.dense().into_iter().eq(header_cells.iter().copied()) {
            skipped.repeated_headers += 1;
            continue;
        }
        let only_number = row
            .cells()
            .all(|(i, c)| Some(i) == number_col && looks_preprinted(c));
        if only_number {
            skipped.number_only += 1;
            continue;
        }
        out.push(map_row(sheet, header, row));
    }
    out
}

fn map_row(sheet: Option<&str>, header: &Header, row: &SheetRow) -> ParsedComment {
    let mut c = ParsedComment {
        sheet: sheet.map(str::to_owned),
        row: row.number,
        extra: Vec::new(),
        comment_number: None,
        commenter: None,
        organization: None,
        volume: None,
        type_raw: None,
        comment_type: None,
        severity: None,
        section: None,
        paragraph: None,
        page_raw: None,
        pages: None,
        line_raw: None,
        lines: None,
        body: String::new(),
        suggested_change: None,
        problems: Vec::new(),
    };
    let mut line_end: Option<(&str, &str)> = None;
    for column in &header.columns {
        let value = row.cell(column.index);
        let text = non_blank(value);
        match column.field {
            None | Some(Field::Resolution) => {
                if let Some(text) = text {
                    c.extra
                        .push((column_name(&column.header, column.index), text));
                }
            }
            Some(Field::CommentNumber) => c.comment_number = text,
            Some(Field::Commenter) => c.commenter = text,
            Some(Field::Organization) => c.organization = text,
            Some(Field::Volume) => c.volume = text,
            Some(Field::Section) => c.section = text,
            Some(Field::Paragraph) => c.paragraph = text,
            Some(Field::SuggestedChange) => c.suggested_change = text,
            Some(Field::Comment) => c.body = value.to_owned(),
            Some(Field::Type) => {
                match values::comment_type(value) {
                    Ok(reading) => {
                        c.comment_type = reading.map(|r| r.kind);
                        c.severity = reading.and_then(|r| r.severity);
                    }
                    Err(expected) => {
                        c.comment_type = Some(CommentType::Other);
                        c.problems.push(
                            Problem::at(sheet, row.number)
                                .cell(&column.header, value)
                                .says(expected),
                        );
                    }
                }
                c.type_raw = text;
            }
            Some(Field::Page) => {
                match values::page_range(value) {
                    Ok(pages) => c.pages = pages,
                    Err(expected) => c.problems.push(
                        Problem::at(sheet, row.number)
                            .cell(&column.header, value)
                            .says(expected),
                    ),
                }
                c.page_raw = text;
            }
            Some(Field::Line) => {
                match values::line_range(value) {
                    Ok(lines) => c.lines = lines,
                    Err(expected) => c.problems.push(
                        Problem::at(sheet, row.number)
                            .cell(&column.header, value)
                            .says(expected),
                    ),
                }
                c.line_raw = text;
            }
            Some(Field::LineEnd) => {
                // Parsed into `lines`; its text is kept verbatim in `extra`
                // (there is no raw column for it).
                if let Some(text) = text {
                    c.extra
                        .push((column_name(&column.header, column.index), text));
                }
                line_end = Some((&column.header, value));
            }
        }
    }
    if let Some((column, value)) = line_end {
        match values::line_range(value) {
            Ok(Some((_, end))) => {
                let start = c.lines.map_or(end, |(s, _)| s);
                c.lines = Some((start.min(end), start.max(end)));
            }
            Ok(None) => {}
            Err(expected) => c.problems.push(
                Problem::at(sheet, row.number)
                    .cell(column, value)
                    .says(expected),
            ),
        }
    }
    // Cells right of the header's last column: kept under their letters.
    for (index, value) in row.cells().filter(|(i, _)| *i >= header.columns.len()) {
        if let Some(text) = non_blank(value) {
            c.extra.push((column_name("", index), text));
        }
    }
    if c.body.trim().is_empty() {
        let column = header
            .column_of(Field::Comment)
            .map_or("Comment", |col| col.header.as_str());
        c.problems.push(
            Problem::at(sheet, row.number).cell(column, "").says(
                "is empty: the row has other cells but no comment text; kept for the editors",
            ),
        );
    }
    c
}

/// A comment number a template prints in advance (`12`, `AFNOR-001`,
/// `**-002`, `3.`): short, one word, with a digit. Real text in the number
/// column keeps its row.
fn looks_preprinted(cell: &str) -> bool {
    let cell = cell.trim();
    cell.len() <= 16
        && !cell.contains(char::is_whitespace)
        && cell.chars().any(|c| c.is_ascii_digit())
}

fn non_blank(value: &str) -> Option<String> {
    (!value.trim().is_empty()).then(|| value.to_owned())
}

/// An unknown column's key in `extra`: its header, or `Column H` when blank.
fn column_name(header: &str, index: usize) -> String {
    if header.trim().is_empty() {
        format!("Column {}", column_letters(index))
    } else {
        header.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::header;

    fn row(number: u32, cells: &[&str]) -> SheetRow {
        SheetRow::new(number, cells)
    }

    fn nist_header() -> Header {
        let (_, h) = header::find(&[row(
            3,
            &[
                "#",
                "Type",
                "Section",
                "Page #",
                "Line #",
                "Comment",
                "Suggested Change",
                "Your Name",
            ],
        )])
        .unwrap();
        h
    }

    #[test]
    fn maps_and_parses_every_known_cell() {
        let mut skipped = Skipped::default();
        let rows = [row(
            4,
            &[
                "1",
                "T",
                "5.1",
                "iii",
                "156-\n161",
                "Text",
                "Change",
                "Ann",
                "stray",
            ],
        )];
        let comments = map(Some("Sheet1"), &nist_header(), &rows, &mut skipped);
        let c = &comments[0];
        assert_eq!(c.row, 4);
        assert_eq!(c.comment_number.as_deref(), Some("1"));
        assert_eq!(c.comment_type, Some(CommentType::Technical));
        assert_eq!(c.section.as_deref(), Some("5.1"));
        assert_eq!(
            c.pages.as_ref().map(|p| p.start.to_string()),
            Some("iii".to_owned())
        );
        assert_eq!(c.lines, Some((156, 161)));
        assert_eq!(c.line_raw.as_deref(), Some("156-\n161"));
        assert_eq!(c.body, "Text");
        assert_eq!(
            c.extra,
            [
                ("Your Name".to_owned(), "Ann".to_owned()),
                ("Column I".to_owned(), "stray".to_owned())
            ]
        );
        assert!(c.problems.is_empty());
    }

    #[test]
    fn odd_cells_are_reported_and_the_row_kept() {
        let mut skipped = Skipped::default();
        let rows = [row(14, &["2", "X", "", "Figure 3", "", "", "", ""])];
        let c = &map(Some("Sheet1"), &nist_header(), &rows, &mut skipped)[0];
        assert_eq!(c.comment_type, Some(CommentType::Other));
        let said: Vec<String> = c.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            said[0],
            r#"Sheet1 row 14, "Type": "X" is not one of E, G, T; kept as other"#
        );
        assert!(
            said[1].starts_with(r#"Sheet1 row 14, "Page #": "Figure 3" is not a page number"#),
            "{}",
            said[1]
        );
        assert!(said[2].contains("no comment text"), "{}", said[2]);
    }

    #[test]
    fn an_ending_line_is_parsed_and_kept_verbatim() {
        let (_, h) =
            header::find(&[row(1, &["Starting Line #", "Ending Line #", "Comment"])]).unwrap();
        let mut skipped = Skipped::default();
        let c = &map(None, &h, &[row(2, &["156", "161", "Text"])], &mut skipped)[0];
        assert_eq!(c.lines, Some((156, 161)));
        assert_eq!(c.line_raw.as_deref(), Some("156"));
        assert_eq!(c.extra, [("Ending Line #".to_owned(), "161".to_owned())]);
    }

    #[test]
    fn text_in_the_number_column_is_a_comment_row() {
        let mut skipped = Skipped::default();
        let rows = [row(5, &["See the whole of section 4"])];
        let comments = map(None, &nist_header(), &rows, &mut skipped);
        assert_eq!(comments.len(), 1);
        assert!(comments[0].problems[0].message.contains("no comment text"));
        assert_eq!(skipped.number_only, 0);
    }

    #[test]
    fn number_only_rows_and_repeated_headers_are_skipped() {
        let mut skipped = Skipped::default();
        let h = nist_header();
        let header_again: Vec<&str> = h.columns.iter().map(|c| c.header.as_str()).collect();
        let rows = [
            row(5, &["3"]),
            row(6, &header_again),
            row(7, &["4", "", "", "", "", "Real"]),
        ];
        let comments = map(None, &h, &rows, &mut skipped);
        assert_eq!(comments.len(), 1);
        assert_eq!((skipped.number_only, skipped.repeated_headers), (1, 1));
    }
}
