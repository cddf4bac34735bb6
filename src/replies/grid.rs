//! XLS and ODS, which docket does not write: a new XLSX holding the values
//! of the same sheets, at the same rows and columns, with the replies
//! added. The submitter's formatting is lost; the text is not.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Answers, HEADERS, HeaderRows, ReplyError};
use crate::intake::Sheet;

pub fn write(
    sheets: &[Sheet],
    headers: &HeaderRows,
    answers: &Answers,
) -> Result<Vec<u8>, ReplyError> {
    build(sheets, headers, answers).map_err(|e| ReplyError::Broken(e.to_string()))
}

fn build(sheets: &[Sheet], headers: &HeaderRows, answers: &Answers) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (i, sheet) in sheets.iter().enumerate() {
        // Hidden sheets were not read (intake says so); nothing to copy.
        if sheet.hidden {
            continue;
        }
        let worksheet = workbook.add_worksheet();
        let name = sheet
            .name
            .clone()
            .unwrap_or_else(|| format!("Sheet{}", i + 1));
        worksheet.set_name(&name)?;
        let place = headers.of(sheet.name.as_deref());
        for row in &sheet.rows {
            let r = row.number.saturating_sub(1);
            for (c, text) in row.cells() {
                worksheet.write_string(r, c as u16, text)?;
            }
            let Some((header_row, width)) = place else {
                continue;
            };
            let width = width as u16;
            if row.number == header_row {
                worksheet.write_string_with_format(r, width, HEADERS[0], &bold)?;
                worksheet.write_string_with_format(r, width + 1, HEADERS[1], &bold)?;
            } else if let Some([disposition, response]) =
                answers.on(sheet.name.as_deref(), row.number)
            {
                worksheet.write_string(r, width, disposition)?;
                worksheet.write_string_with_format(r, width + 1, response, &wrap)?;
            }
        }
        if let Some((_, width)) = place {
            worksheet.set_column_width(width as u16, 18)?;
            worksheet.set_column_width(width as u16 + 1, 60)?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::intake::SheetRow;

    #[test]
    fn values_and_answers_land_on_the_same_rows() {
        let row = |number: u32, cells: &[&str]| SheetRow::new(number, cells);
        let sheets = vec![Sheet {
            name: Some("Comments".to_owned()),
            rows: vec![
                row(1, &["Title"]),
                row(3, &["Comment #", "Comment", "Suggested Change"]),
                row(4, &["1", "=1+1 as text", ""]),
            ],
            ..Sheet::default()
        }];
        let headers = super::super::header_rows(&sheets);
        let mut answers = Answers::default();
        answers.by_row.insert(
            (Some("Comments".to_owned()), 4),
            ["Accepted".to_owned(), "Done.".to_owned()],
        );
        let bytes = write(&sheets, &headers, &answers).expect("written");
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("readable");
        let range = book.worksheet_range("Comments").expect("sheet");
        let at = |r, c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(0, 0), Data::String("Title".into()));
        assert_eq!(at(2, 3), Data::String("Disposition".into()));
        assert_eq!(
            at(3, 1),
            Data::String("=1+1 as text".into()),
            "a string, not a formula"
        );
        assert_eq!(at(3, 3), Data::String("Accepted".into()));
        assert_eq!(at(3, 4), Data::String("Done.".into()));
    }
}
