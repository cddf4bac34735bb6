//! CSV and tab-separated text as Excel and others save it: UTF-8 with or
//! without a byte-order mark, UTF-16 with one (Excel's "Unicode Text"), or
//! Windows-1252; separated by `,`, `;` (European Excel) or tabs.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::IntakeError;
use super::budget::Budget;
use super::grid::{Sheet, SheetRow};
use super::limits::Limits;

/// Text of the file and the name of the encoding it was read in.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding.name());
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text.into_owned(), encoding.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), UTF_8.name()),
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), WINDOWS_1252.name())
        }
    }
}

/// UTF-16 saved without a byte-order mark: ASCII text then has a zero in
/// every other byte (odd bytes for little-endian).
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 8 {
        return None;
    }
    let zeros = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let pairs = sample.len() / 2;
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 10 >= pairs * 9 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 9 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Whether decoded text looks like a table rather than binary data.
pub fn looks_like_text(text: &str) -> bool {
    let sample: Vec<char> = text.chars().take(64 * 1024).collect();
    if sample.contains(&'\0') {
        return false;
    }
    let control = sample
        .iter()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    control * 100 <= sample.len()
}

/// Reads the table. Rows are charged to `budget` as they are kept, so a
/// huge file is refused while reading rather than after.
pub fn read(text: &str, limits: &Limits, budget: &mut Budget) -> Result<Sheet, IntakeError> {
    budget.start_sheet(None)?;
    let delimiter = sniff_delimiter(text);
    if let Some(row) = unclosed_quote(text, delimiter) {
        return Err(IntakeError::UnclosedQuote { row });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Spreadsheet row numbers: blank lines count (a spreadsheet shows them
    // as rows), line breaks inside quoted cells do not.
    let mut number: u32 = 0;
    let mut previous: Option<(u64, u64)> = None;
    let mut overflow = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let reason = match error.position() {
                    Some(at) => format!("line {} cannot be read as CSV text", at.line()),
                    None => "it cannot be read as CSV text".to_owned(),
                };
                return Err(IntakeError::damaged("CSV", reason, error));
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        let breaks = record
            .iter()
            .map(|f| f.matches('\n').count() as u64)
            .sum::<u64>();
        let advance = match previous {
            None => line.max(1),
            Some((previous_line, previous_breaks)) => {
                line.saturating_sub(previous_line + previous_breaks).max(1)
            }
        };
        number = number.saturating_add(u32::try_from(advance).unwrap_or(u32::MAX));
        previous = Some((line, breaks));
        // Values right of the column limit are not kept; the first is noted.
        if let Some(last) = (0..record.len())
            .rev()
            .find(|i| !record[*i].trim().is_empty())
            && last >= limits.max_columns
        {
            overflow.get_or_insert((number, last + 1));
        }
        let row = SheetRow::new(number, record.iter().take(limits.max_columns));
        if row.width() == 0 {
            continue;
        }
        budget.keep(&row)?;
        rows.push(row);
    }
    Ok(Sheet {
        name: None,
        rows,
        overflow,
        hidden: false,
    })
}

/// The separator that splits the first records into the most rows of the
/// same width (Excel pads every row to the sheet's width). Commas win ties.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let widths: Vec<usize> = reader
            .records()
            .take(50)
            .filter_map(Result::ok)
            .map(|r| r.len())
            .collect();
        let mut counts = std::collections::HashMap::new();
        for w in widths.iter().filter(|w| **w > 1) {
            *counts.entry(*w).or_insert(0usize) += 1;
        }
        let (width, same) = counts
            .into_iter()
            .max_by_key(|(w, n)| (*n, *w))
            .unwrap_or((0, 0));
        if (same, width) > (best.1, best.2) {
            best = (delimiter, same, width);
        }
    }
    best.0
}

/// The record number of a quoted cell that opens and never closes, which
/// the csv crate would otherwise read as one cell running to the end.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<u32> {
    // Bytes, not chars: every byte that matters here is ASCII, and UTF-8
    // never uses ASCII bytes inside a multi-byte character.
    let bytes = text.as_bytes();
    let mut record: u32 = 1;
    let mut at_field_start = true;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if at_field_start => {
                let opened_at = record;
                // Skip to the closing quote (a doubled quote is an escape).
                loop {
                    i += 1;
                    match memchr_quote(&bytes[i..]) {
                        None => return Some(opened_at),
                        Some(offset) => {
                            i += offset;
                            if bytes.get(i + 1) == Some(&b'"') {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                at_field_start = false;
            }
            b if b == delimiter => at_field_start = true,
            b'\n' => {
                record += 1;
                at_field_start = true;
            }
            b'\r' => {}
            _ => at_field_start = false,
        }
        i += 1;
    }
    None
}

fn memchr_quote(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_default(text: &str) -> Result<Sheet, IntakeError> {
        let limits = Limits::default();
        read(text, &limits, &mut Budget::for_file(text.len(), &limits))
    }

    fn cells(text: &str) -> Vec<Vec<String>> {
        read_default(text)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.dense().into_iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn decodes_boms_utf8_and_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").0, "a,b");
        assert_eq!(decode(b"\xFF\xFEa\0,\0b\0").0, "a,b");
        assert_eq!(decode(b"\xFF\xFEa\0,\0b\0").1, "UTF-16LE");
        assert_eq!(decode("caf\u{e9}".as_bytes()).0, "caf\u{e9}");
        assert_eq!(
            decode(b"caf\xe9 \x93q\x94").0,
            "caf\u{e9} \u{201c}q\u{201d}"
        );
        assert_eq!(decode(b"caf\xe9").1, "windows-1252");
        let utf16le: Vec<u8> = "Comment #\tComment\r\n1\tx\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            decode(&utf16le),
            ("Comment #\tComment\r\n1\tx\r\n".to_owned(), "UTF-16LE")
        );
        let utf16be: Vec<u8> = "Comment #,Comment\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&utf16be).1, "UTF-16BE");
    }

    #[test]
    fn sniffs_separators() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1, x;2;3\nno, comma;4;5\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n1,5\t2\t3\n"), b'\t');
    }

    #[test]
    fn numbers_records_not_lines_and_skips_blank_ones() {
        let rows = read_default("title,,\n,,\n\"a\nb\",c,\nx,y,z\n")
            .unwrap()
            .rows;
        let numbers: Vec<u32> = rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4]);
        assert_eq!(cells("\"a\nb\",c,\n")[0], ["a\nb", "c"]);
    }

    #[test]
    fn an_unclosed_quote_names_its_record() {
        assert_eq!(
            unclosed_quote("a,b\n\"ok \"\"q\"\"\",x\n1,\"never closed\n2,3\n", b','),
            Some(3)
        );
        assert_eq!(unclosed_quote("a,5\" screen,b\n", b','), None);
        // Line breaks inside an earlier quoted cell do not count as rows.
        assert_eq!(
            unclosed_quote("h,c\n1,\"one\ntwo\"\n2,\"never\n3,x\n", b','),
            Some(3)
        );
        // A quote after another separator inside an unquoted cell is text.
        assert_eq!(unclosed_quote("a,b\nsee x;\"y,z\n", b','), None);
        assert!(matches!(
            read_default("a,b\n1,\"oops\n"),
            Err(IntakeError::UnclosedQuote { row: 2 })
        ));
    }

    #[test]
    fn rows_past_the_memory_budget_refuse_the_file_while_reading() {
        let limits = Limits {
            read_memory_floor: 0,
            read_memory_ratio: 1,
            ..Limits::default()
        };
        // One value at column BL a row: 64 cells a row if padded.
        let text = format!("{}x\n", ",".repeat(63)).repeat(1000);
        let mut budget = Budget::for_file(text.len(), &limits);
        assert!(matches!(
            read(&text, &limits, &mut budget),
            Err(IntakeError::TooMuchContent { .. })
        ));
        // Kept unpadded (padded, a row would take 64 cells' room, over
        // 1.5 KB), the same rows fit in twice their size.
        let limits = Limits {
            read_memory_ratio: 2,
            ..limits
        };
        let mut budget = Budget::for_file(text.len(), &limits);
        let sheet = read(&text, &limits, &mut budget).unwrap();
        assert_eq!(sheet.rows.len(), 1000);
        assert_eq!(sheet.rows[0].cell(63), "x");
        assert_eq!(sheet.rows[0].width(), 64);
        assert!(budget.spent() < 2 * text.len() as u64, "{}", budget.spent());
    }

    #[test]
    fn binary_is_not_text() {
        assert!(looks_like_text("a,b\r\n1,2\r\n"));
        assert!(!looks_like_text("a\0b"));
        assert!(!looks_like_text(&"\u{1}\u{2}x".repeat(10)));
    }
}
