//! CSV: the same records in the same order (blank lines left out), with
//! the same separator, the header and each comment's record longer by two
//! fields. Written as UTF-8 with a byte-order mark (whatever the file came
//! in), so Excel shows the accents. Every field is quoted and every cell,
//! the submitter's and the two added, goes through the CSV rule of
//! `export::cells` (a `'` before a formula's first character wherever a
//! spreadsheet could start a cell), so no cell runs as a formula whatever
//! separator the program opening the file splits it at.

use super::{Answers, HEADERS, HeaderRows, ReplyError};
use crate::export::cells::to_csv_cell;
use crate::intake::{self, Sheet};

pub fn write(
    bytes: &[u8],
    sheets: &[Sheet],
    headers: &HeaderRows,
    answers: &Answers,
) -> Result<Vec<u8>, ReplyError> {
    let broken = |e: csv::Error| ReplyError::Broken(e.to_string());
    let (text, _) = intake::decode_text(bytes);
    let Some(sheet) = sheets.first() else {
        return Err(ReplyError::Broken("the file holds no table".to_owned()));
    };
    let (header_row, width) = headers
        .of(None)
        .ok_or_else(|| ReplyError::Broken("the file's header row was not found".to_owned()))?;
    let mut out = csv::WriterBuilder::new()
        .delimiter(intake::csv_delimiter(&text))
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer("\u{feff}".as_bytes().to_vec());
    // Rows keep intake's numbers (comments name their row by them); blank
    // lines, which are no records, are left out.
    for row in &sheet.rows {
        let added: Option<[&str; 2]> = if row.number == header_row {
            Some(HEADERS)
        } else {
            answers
                .on(None, row.number)
                .map(|[d, r]| [d.as_str(), r.as_str()])
        };
        let mut cells: Vec<String> = row
            .dense()
            .into_iter()
            .map(|c| to_csv_cell(c).into_owned())
            .collect();
        if let Some(added) = added {
            cells.resize(width, String::new());
            cells.extend(added.iter().map(|a| to_csv_cell(a).into_owned()));
        }
        out.write_record(&cells).map_err(broken)?;
    }
    out.into_inner()
        .map_err(|e| ReplyError::Broken(e.to_string()))
}
