//! The blank comment template a document offers for download, in NIST's
//! layout (title rows, submitter fields, header on row 8) so that docket's
//! own reader recognises every column of a filled-in copy.

use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};
use time::Date;

/// The columns, as the header row writes them.
pub const COLUMNS: [&str; 7] = [
    "Comment #",
    "Type\n(E, G, T)",
    "Section",
    "Page #",
    "Line #",
    "Comment\n(Include rationale for comment)",
    "Suggested Change",
];

/// NIST's definitions of the comment types, for the instructions sheet.
pub const TYPES: [(&str, &str); 3] = [
    ("E", "Editorial: spelling, grammar, formatting."),
    (
        "G",
        "General: how the information is presented (organisation, phrasing, terminology).",
    ),
    (
        "T",
        "Technical: what is presented (correctness, assumptions, level of detail).",
    ),
];

/// Row (0-based) of the header; rows above it are titles and the submitter.
const HEADER_ROW: u32 = 7;
/// Pre-formatted rows below the header (type validation, wrapping).
const BLANK_ROWS: u32 = 200;

/// What of a document its template shows.
pub struct TemplateInfo<'a> {
    pub title: &'a str,
    pub closes_on: Option<Date>,
}

fn title_rows(info: &TemplateInfo<'_>) -> [String; 2] {
    [
        format!("Comment Template for: {}", info.title),
        match info.closes_on {
            Some(date) => format!("Please submit comments by {date}, one comment per row."),
            None => "Please submit comments one per row.".to_owned(),
        },
    ]
}

const SUBMITTER_LABELS: [&str; 3] = [
    "Organization:",
    "Name of Submitter/POC:",
    "Email Address of Submitter/POC:",
];

/// The XLSX template: a "Comments" sheet and an "Instructions" sheet.
pub fn xlsx(info: &TemplateInfo<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#D9E1F2")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let sheet = workbook.add_worksheet();
    sheet.set_name("Comments")?;
    let [title, note] = title_rows(info);
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    sheet.write_string(1, 0, &note)?;
    for (i, label) in SUBMITTER_LABELS.iter().enumerate() {
        sheet.write_string_with_format(3 + i as u32, 0, *label, &bold)?;
    }
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *name, &header)?;
    }
    for (col, width) in [10.0, 9.0, 12.0, 9.0, 10.0, 60.0, 45.0]
        .into_iter()
        .enumerate()
    {
        sheet.set_column_width(col as u16, width)?;
        sheet.set_column_format(col as u16, &wrap)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    let types = DataValidation::new()
        .allow_list_strings(&["E", "G", "T"])?
        .set_error_message("Use E (editorial), G (general) or T (technical).")?;
    sheet.add_data_validation(HEADER_ROW + 1, 1, HEADER_ROW + BLANK_ROWS, 1, &types)?;

    let help = workbook.add_worksheet();
    help.set_name("Instructions")?;
    help.set_column_width(0, 12.0)?;
    help.set_column_width(1, 90.0)?;
    help.write_string_with_format(0, 0, &title, &bold)?;
    help.write_string(
        2,
        0,
        "Fill in the Comments sheet: your organisation, name and e-mail, then one comment per row.",
    )?;
    help.write_string(3, 0, "Give the section, page and line numbers of the draft the comment is about, and the change you suggest.")?;
    help.write_string_with_format(5, 0, "Type", &bold)?;
    help.write_string_with_format(5, 1, "Meaning", &bold)?;
    for (i, (code, meaning)) in TYPES.iter().enumerate() {
        help.write_string(6 + i as u32, 0, *code)?;
        help.write_string(6 + i as u32, 1, *meaning)?;
    }
    workbook.save_to_buffer()
}

/// The CSV template: the same rows as the XLSX "Comments" sheet (UTF-8 with
/// a byte-order mark, so Excel opens it in the right encoding).
pub fn csv(info: &TemplateInfo<'_>) -> Vec<u8> {
    let width = COLUMNS.len();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let padded = |first: &str| {
        let mut row = vec![String::new(); width];
        row[0] = first.to_owned();
        row
    };
    let [title, note] = title_rows(info);
    rows.push(padded(&title));
    rows.push(padded(&note));
    rows.push(padded(""));
    for label in SUBMITTER_LABELS {
        rows.push(padded(label));
    }
    rows.push(padded(""));
    rows.push(COLUMNS.iter().map(|c| (*c).to_owned()).collect());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows {
        // The title is the document's: guarded like every CSV docket
        // writes (`export::cells`). Writing to a Vec cannot fail.
        let _ = writer.write_record(
            row.iter()
                .map(|c| crate::export::cells::to_csv_cell(c).into_owned()),
        );
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::{self, IntakeError, Limits};

    fn info() -> TemplateInfo<'static> {
        TemplateInfo {
            title: "Draft NISTIR 8200",
            closes_on: None,
        }
    }

    #[test]
    fn blank_templates_are_recognised_with_the_header_on_row_8() {
        for (name, bytes) in [("t.xlsx", xlsx(&info()).unwrap()), ("t.csv", csv(&info()))] {
            match intake::read(name, &bytes, &Limits::default()) {
                Err(IntakeError::NoComments { where_ }) => {
                    assert!(where_.contains("row 8"), "{where_}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_filled_in_csv_template_reads_back_every_field() {
        let mut bytes = csv(&info());
        bytes.extend_from_slice(b"1,T,5.1,12,340 - 352,Too vague.,Say who verifies.\r\n");
        let read = intake::read("t.csv", &bytes, &Limits::default()).unwrap();
        let c = &read.comments[0];
        assert_eq!(c.row, 9);
        assert_eq!(c.comment_type, Some(crate::domain::CommentType::Technical));
        assert_eq!(c.section.as_deref(), Some("5.1"));
        assert_eq!(c.lines, Some((340, 352)));
        assert_eq!(c.body, "Too vague.");
        assert_eq!(c.suggested_change.as_deref(), Some("Say who verifies."));
        assert!(c.extra.is_empty());
    }
}
