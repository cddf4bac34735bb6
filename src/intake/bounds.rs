//! How many cells an XLS or ODS workbook will become before calamine reads
//! it. calamine builds each sheet as a dense grid spanning its first to its
//! last used cell, and reads every XLS sheet when the workbook is opened, so
//! a tiny file with one value at A1 and another at IV65536 (or an ODS row
//! repeated a million times) would take gigabytes. These scans read only
//! the cell positions and refuse such files first. (XLSX is streamed cell
//! by cell and needs no scan.)
//!
//! The same scans charge what calamine is about to build to the file's
//! memory budget (`budget`): its dense grid of cells and their text for XLS
//! and ODS, the shared strings it holds in memory for XLSX.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::IntakeError;
use super::budget::Budget;
use super::limits::Limits;

/// One cell of calamine's dense grids.
const CELL_BYTES: u64 = std::mem::size_of::<calamine::Data>() as u64;

/// The most cells all sheets together may span: a full file of comment rows
/// at the column limit.
fn cell_budget(limits: &Limits) -> u64 {
    (limits.max_rows as u64 + u64::from(super::header::SEARCH_ROWS))
        .saturating_mul(limits.max_columns as u64)
}

fn too_many(cells: u64, limits: &Limits) -> IntakeError {
    IntakeError::TooManyCells {
        cells,
        limit: cell_budget(limits),
    }
}

/// The bounding box of the used cells of one sheet.
#[derive(Default)]
struct Extent {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
}

impl Extent {
    fn add(&mut self, row: u64, last_row: u64, col: u64, last_col: u64) {
        let widen = |range: &mut Option<(u64, u64)>, lo: u64, hi: u64| {
            *range = Some(match *range {
                None => (lo, hi),
                Some((a, b)) => (a.min(lo), b.max(hi)),
            });
        };
        widen(&mut self.rows, row, last_row);
        widen(&mut self.cols, col, last_col);
    }

    /// A cell repeated `cols` times across, on a row repeated `rows` times.
    fn add_block(&mut self, row: u64, rows: u64, col: u64, cols: u64) {
        self.add(
            row,
            row.saturating_add(rows - 1),
            col,
            col.saturating_add(cols - 1),
        );
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1),
            _ => 0,
        }
    }
}

/// XLS: the BIFF record stream of the `Workbook` stream. Every cell record
/// starts with its row and column; each sheet's substream runs from a BOF
/// record to an EOF record.
pub fn check_xls(bytes: &[u8], limits: &Limits, budget: &mut Budget) -> Result<(), IntakeError> {
    let unreadable = |detail: String| {
        IntakeError::damaged(
            "Excel 97-2003 workbook (XLS)",
            "its contents are damaged; open it in a spreadsheet program and save it again",
            detail,
        )
    };
    let mut file =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| unreadable("it holds no workbook stream".to_owned()))?;
    let mut stream = Vec::new();
    file.open_stream(name)
        .and_then(|mut s| s.read_to_end(&mut stream))
        .map_err(|e| unreadable(e.to_string()))?;
    let cells_allowed = cell_budget(limits);
    let (mut total, mut sheet) = (0u64, Extent::default());
    // Every LABELSST cell gets its own copy of its shared string.
    let shared = super::xls_strings::lengths(&stream);
    for (kind, len, data) in super::xls_strings::records(&stream) {
        let u16_at = |i: usize| {
            data.get(i..i + 2)
                .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
        };
        match kind {
            // BOF: a new substream (workbook globals, then one per sheet).
            0x0809 => sheet = Extent::default(),
            // DIMENSIONS: calamine reserves room for every cell it claims,
            // before reading any (a few bytes can claim 2^48 cells).
            0x0200 => budget.charge(dimensions(data).saturating_mul(RESERVED_CELL_BYTES))?,
            // EOF: the substream's cells are all known.
            0x000A => {
                total = total.saturating_add(sheet.cells());
                sheet = Extent::default();
            }
            // LABELSST, NUMBER, RK, LABEL, BOOLERR, FORMULA, BLANK, RSTRING.
            0x00FD | 0x0203 | 0x027E | 0x0204 | 0x0205 | 0x0006 | 0x0201 | 0x00D6 => {
                if let (Some(row), Some(col)) = (u16_at(0), u16_at(2)) {
                    sheet.add(row, row, col, col);
                }
                if kind == 0x00FD
                    && let Some(index) = data.get(6..10)
                {
                    let index = u32::from_le_bytes([index[0], index[1], index[2], index[3]]);
                    // UTF-16 characters become at most 3 bytes of UTF-8.
                    let chars = shared.get(index as usize).copied().unwrap_or(0);
                    budget.charge(chars.saturating_mul(3))?;
                }
            }
            // MULRK, MULBLANK: a run of cells; the last column ends the record.
            0x00BD | 0x00BE => {
                if let (Some(row), Some(col), Some(last)) =
                    (u16_at(0), u16_at(2), u16_at(len.saturating_sub(2)))
                {
                    sheet.add(row, row, col, last.max(col));
                }
            }
            _ => {}
        }
        if total.saturating_add(sheet.cells()) > cells_allowed {
            return Err(too_many(total.saturating_add(sheet.cells()), limits));
        }
    }
    // Every sheet's grid, and text no longer than the stream it is in.
    budget.charge(total.saturating_mul(CELL_BYTES))?;
    budget.charge_bytes(stream.len())
}

/// The cells an XLS DIMENSIONS record claims, read as calamine reads it.
fn dimensions(data: &[u8]) -> u64 {
    let u16_at = |i: usize| {
        data.get(i..i + 2)
            .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |i: usize| {
        data.get(i..i + 4).map_or(0, |b| {
            u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        })
    };
    let (first_row, last_row, first_col, last_col) = match data.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    (last_row.saturating_sub(first_row) + 1).saturating_mul(last_col.saturating_sub(first_col) + 1)
}

/// A cell calamine reserves room for while reading an XLS sheet.
const RESERVED_CELL_BYTES: u64 = std::mem::size_of::<calamine::Cell<calamine::Data>>() as u64;

/// A `String` in calamine's list of shared strings, besides its text.
const STRING_BYTES: u64 = std::mem::size_of::<String>() as u64;

/// XLSX: calamine holds the workbook's shared strings (every distinct text)
/// in memory while the sheets stream by, and first reserves room for as
/// many as the file's `uniqueCount` says. Charged before calamine opens the
/// file: the entry's unpacked size (more than its text) and a `String` for
/// each string it holds or claims. (The sizes were verified against the
/// data when the file was sniffed.)
pub fn charge_xlsx_strings(bytes: &[u8], budget: &mut Budget) -> Result<(), IntakeError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // calamine names what is wrong with the file.
        return Ok(());
    };
    let names: Vec<String> = archive
        .file_names()
        .flatten()
        .filter(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        .map(std::borrow::Cow::into_owned)
        .collect();
    for name in names {
        let Ok(entry) = archive.by_name(&name) else {
            continue;
        };
        budget.charge(entry.size())?;
        let mut reader = Reader::from_reader(std::io::BufReader::new(entry));
        let mut buf = Vec::new();
        let (mut strings, mut claimed) = (0u64, 0u64);
        // A damaged entry ends the count; calamine names the damage.
        while let Ok(event) = reader.read_event_into(&mut buf) {
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) if local(&e) == "sst" => {
                    claimed = attribute(&e, "uniqueCount").unwrap_or(0);
                }
                Event::Start(e) | Event::Empty(e) if local(&e) == "si" => strings += 1,
                _ => {}
            }
            buf.clear();
        }
        budget.charge(strings.max(claimed).saturating_mul(STRING_BYTES))?;
    }
    Ok(())
}

/// A numeric attribute, if present and a number.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| a.value.trim().parse().ok())
}

/// An element's name without its namespace prefix (`x:sst` is `sst`).
fn local<'a>(e: &'a BytesStart<'_>) -> &'a str {
    let name = e.name().0;
    name.rsplit(':').next().unwrap_or(name)
}

/// ODS: `content.xml`, streamed. Rows and cells may carry repeat counts;
/// only repeats of cells with content make calamine's grid bigger.
pub fn check_ods(bytes: &[u8], limits: &Limits, budget: &mut Budget) -> Result<(), IntakeError> {
    let unreadable = |detail: String| {
        IntakeError::damaged(
            "OpenDocument spreadsheet (ODS)",
            "its contents are damaged, or not what a spreadsheet program writes; \
             open it in one and save it again",
            detail,
        )
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let content = archive
        .by_name("content.xml")
        .map_err(|e| unreadable(e.to_string()))?;
    let mut reader = Reader::from_reader(std::io::BufReader::new(content));
    let cells_allowed = cell_budget(limits);
    let mut buf = Vec::new();
    let (mut total, mut sheet) = (0u64, Extent::default());
    // The text calamine will hold: each cell's, times its repeats.
    let (mut text, mut cell_text) = (0u64, 0u64);
    // Position within the sheet and the row being read.
    let (mut row, mut col, mut row_repeat) = (0u64, 0u64, 1u64);
    // The cell being read: its repeat count and whether it holds anything.
    let mut cell: Option<(u64, bool)> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| unreadable(e.to_string()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().0 == "table:table" => {
                sheet = Extent::default();
                row = 0;
            }
            Event::End(e) if e.name().0 == "table:table" => {
                total = total.saturating_add(sheet.cells());
                sheet = Extent::default();
            }
            Event::Start(e) if e.name().0 == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                col = 0;
            }
            Event::Empty(e) if e.name().0 == "table:table-row" => {
                row = row.saturating_add(repeat(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().0 == "table:table-row" => {
                row = row.saturating_add(row_repeat);
            }
            Event::Start(e) if is_cell(&e) => {
                cell = Some((repeat(&e, "table:number-columns-repeated"), has_value(&e)));
                cell_text = attribute_text(&e);
            }
            Event::Text(t) if cell.is_some() => {
                cell_text = cell_text.saturating_add(t.len() as u64);
            }
            // `<text:s text:c="N"/>`: N spaces in calamine's text.
            Event::Empty(e) if cell.is_some() && e.name().0 == "text:s" => {
                cell_text = cell_text.saturating_add(repeat(&e, "text:c"));
            }
            Event::Empty(e) if is_cell(&e) => {
                let n = repeat(&e, "table:number-columns-repeated");
                if has_value(&e) {
                    sheet.add_block(row, row_repeat, col, n);
                    text = text.saturating_add(
                        attribute_text(&e)
                            .saturating_mul(n)
                            .saturating_mul(row_repeat),
                    );
                }
                col = col.saturating_add(n);
            }
            Event::Start(e) | Event::Empty(e) if e.name().0 == "text:p" => {
                if let Some((_, content)) = cell.as_mut() {
                    *content = true;
                }
            }
            Event::End(e)
                if matches!(e.name().0, "table:table-cell" | "table:covered-table-cell") =>
            {
                if let Some((n, content)) = cell.take() {
                    if content {
                        sheet.add_block(row, row_repeat, col, n);
                        text = text
                            .saturating_add(cell_text.saturating_mul(n).saturating_mul(row_repeat));
                    }
                    col = col.saturating_add(n);
                }
            }
            _ => {}
        }
        if total.saturating_add(sheet.cells()) > cells_allowed {
            return Err(too_many(total.saturating_add(sheet.cells()), limits));
        }
        buf.clear();
    }
    budget.charge(total.saturating_mul(CELL_BYTES))?;
    budget.charge(text)
}

fn is_cell(e: &BytesStart<'_>) -> bool {
    matches!(e.name().0, "table:table-cell" | "table:covered-table-cell")
}

/// A repeat attribute's count (1 when absent or unreadable).
fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The text calamine copies from a cell's attributes into each cell it
/// repeats to (a string value, a formula).
fn attribute_text(e: &BytesStart<'_>) -> u64 {
    e.attributes()
        .flatten()
        .filter(|a| matches!(a.key.0, "office:string-value" | "table:formula"))
        .map(|a| a.value.len() as u64)
        .sum()
}

fn has_value(e: &BytesStart<'_>) -> bool {
    e.attributes()
        .flatten()
        .any(|a| a.key.0 == "office:value-type")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), IntakeError> {
        super::check_xls(bytes, limits, &mut Budget::for_file(bytes.len(), limits))
    }

    fn check_ods(bytes: &[u8], limits: &Limits) -> Result<(), IntakeError> {
        super::check_ods(bytes, limits, &mut Budget::for_file(bytes.len(), limits))
    }

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    /// An XLS file holding `stream` as its workbook stream.
    fn workbook(stream: &[u8]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook")
            .unwrap()
            .write_all(stream)
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    /// An XLS whose one sheet has a number at (0, 0) and at (`row`, `col`).
    fn xls(row: u16, col: u16) -> Vec<u8> {
        let number = |r: u16, c: u16| {
            let mut data = r.to_le_bytes().to_vec();
            data.extend(c.to_le_bytes());
            data.extend([0u8; 10]);
            record(0x0203, &data)
        };
        xls_with(&[number(0, 0), number(row, col)])
    }

    #[test]
    fn an_xls_spanning_a_whole_sheet_is_refused_before_calamine_expands_it() {
        assert_eq!(check_xls(&xls(500, 8), &Limits::default()), Ok(()));
        let error = check_xls(&xls(65535, 255), &Limits::default()).unwrap_err();
        assert_eq!(
            error,
            IntakeError::TooManyCells {
                cells: 65536 * 256,
                limit: 200_030 * 64
            }
        );
    }

    fn ods(content: &str) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file("mimetype", options).unwrap();
        writer
            .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        writer.start_file("content.xml", options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
        writer.finish().unwrap().into_inner()
    }

    fn sheet(rows: &str) -> String {
        format!(
            "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"S\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
        )
    }

    #[test]
    fn an_ods_row_repeated_a_million_times_is_refused() {
        let row = |repeat: u64| {
            format!(
                "<table:table-row table:number-rows-repeated=\"{repeat}\"><table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"63\" office:value-type=\"float\"/></table:table-row>"
            )
        };
        assert_eq!(
            check_ods(&ods(&sheet(&row(1000))), &Limits::default()),
            Ok(())
        );
        let error = check_ods(&ods(&sheet(&row(1_000_000))), &Limits::default()).unwrap_err();
        assert!(
            matches!(
                error,
                IntakeError::TooManyCells {
                    cells: 64_000_000,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn a_tiny_ods_within_the_cell_limit_is_refused_by_its_memory() {
        // One row of 64 numbers, repeated to just under the row limit:
        // 12.8 million cells, each a calamine cell in memory, from a file
        // of under a kilobyte.
        let rows = "<table:table-row table:number-rows-repeated=\"199998\"><table:table-cell table:number-columns-repeated=\"64\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
        let file = ods(&sheet(rows));
        assert!(file.len() < 2048, "{}", file.len());
        let limits = Limits::default();
        assert!(
            matches!(
                check_ods(&file, &limits),
                Err(IntakeError::TooMuchContent { .. })
            ),
            "{:?}",
            check_ods(&file, &limits)
        );
        // Repeated text counts once per cell it fills.
        let mut budget = Budget::for_file(0, &limits.clone().without_memory_budget());
        let text = "<table:table-row table:number-rows-repeated=\"10\"><table:table-cell table:number-columns-repeated=\"2\" office:value-type=\"string\"><text:p>abcd</text:p></table:table-cell></table:table-row>";
        super::check_ods(&ods(&sheet(text)), &limits, &mut budget).unwrap();
        assert_eq!(budget.spent(), 20 * CELL_BYTES + 20 * 4);
        // So do spaces a cell only counts, and values in its attributes.
        let mut budget = Budget::for_file(0, &limits.clone().without_memory_budget());
        let text = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"1000\"/></text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"3\" office:value-type=\"string\" office:string-value=\"abcdef\"/></table:table-row>";
        super::check_ods(&ods(&sheet(text)), &limits, &mut budget).unwrap();
        assert_eq!(budget.spent(), 4 * CELL_BYTES + 1001 + 3 * 6);
    }

    #[test]
    fn cells_and_strings_a_file_only_claims_are_charged_before_calamine_reserves_them() {
        let limits = Limits::default();
        // An XLS sheet whose DIMENSIONS claim 2^32 rows by 256 columns.
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(255u16.to_le_bytes());
        dims.extend([0, 0]);
        let stream: Vec<u8> = [
            record(0x0809, &[0; 16]),
            record(0x0200, &dims),
            record(0x000A, &[]),
        ]
        .concat();
        let xls = workbook(&stream);
        assert!(matches!(
            check_xls(&xls, &limits),
            Err(IntakeError::TooMuchContent { .. })
        ));

        // An XLSX whose shared strings claim a trillion entries.
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file("xl/workbook.xml", options).unwrap();
        writer.write_all(b"<workbook/>").unwrap();
        writer.start_file("xl/sharedStrings.xml", options).unwrap();
        writer
            .write_all(b"<x:sst xmlns:x=\"s\" count=\"1\" uniqueCount=\"1000000000000\"><x:si><x:t>a</x:t></x:si></x:sst>")
            .unwrap();
        let xlsx = writer.finish().unwrap().into_inner();
        let error = crate::intake::read("x.xlsx", &xlsx, &limits).unwrap_err();
        assert!(
            matches!(error, IntakeError::TooMuchContent { .. }),
            "{error:?}"
        );
    }

    /// An XLS workbook stream with `records` in one sheet.
    fn xls_with(records: &[Vec<u8>]) -> Vec<u8> {
        let mut stream = [
            record(0x0809, &[0; 16]),
            record(0x000A, &[]),
            record(0x0809, &[0; 16]),
        ]
        .concat();
        for r in records {
            stream.extend(r);
        }
        stream.extend(record(0x000A, &[]));
        workbook(&stream)
    }

    /// An SST of one string of `chars` one-byte characters.
    fn sst(chars: usize) -> Vec<u8> {
        let mut data = 1u32.to_le_bytes().to_vec();
        data.extend(1u32.to_le_bytes());
        data.extend((chars as u16).to_le_bytes());
        data.push(0);
        data.extend(vec![b'x'; chars]);
        data
    }

    #[test]
    fn every_cell_s_copy_of_a_long_shared_string_is_charged() {
        let label = |row: u16| {
            let mut data = row.to_le_bytes().to_vec();
            data.extend(0u16.to_le_bytes());
            data.extend(0u16.to_le_bytes());
            data.extend(0u32.to_le_bytes());
            record(0x00FD, &data)
        };
        // 8,000 characters shared by 10,000 cells: 80 million in memory.
        let mut records = vec![record(0x00FC, &sst(8_000))];
        records.extend((0..10_000).map(label));
        let file = xls_with(&records);
        assert!(file.len() < 200_000, "{}", file.len());
        assert!(matches!(
            check_xls(&file, &Limits::default()),
            Err(IntakeError::TooMuchContent { .. })
        ));
        // Ten such cells are nothing.
        let mut records = vec![record(0x00FC, &sst(8_000))];
        records.extend((0..10).map(label));
        assert_eq!(check_xls(&xls_with(&records), &Limits::default()), Ok(()));
    }

    #[test]
    fn a_parser_s_words_stay_out_of_the_refusal() {
        let rows = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>&xxe;</text:p></table:table-cell></table:table-row>";
        let error =
            crate::intake::read("x.ods", &ods(&sheet(rows)), &Limits::default()).unwrap_err();
        let said = error.to_string();
        assert!(
            said.starts_with(
                "the OpenDocument spreadsheet (ODS) cannot be read: its contents are damaged"
            ),
            "{said}"
        );
        assert!(
            !said.contains("xxe") && !said.to_lowercase().contains("xml"),
            "{said}"
        );
    }

    #[test]
    fn empty_repeats_written_by_calc_do_not_count() {
        // LibreOffice pads every sheet with empty repeated rows and columns.
        let rows = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Comment</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"16383\"/></table:table-row><table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>";
        assert_eq!(check_ods(&ods(&sheet(rows)), &Limits::default()), Ok(()));
    }
}
