//! XLSX: the submitter's workbook with two cells added to the header row
//! and to each comment's row of the sheets comments came from. Every other
//! part of the archive is copied as it was, compressed bytes and all; the
//! sheets changed are streamed through quick-xml, event by event, so a
//! large sheet is never held in memory.
//!
//! The new cells go after the rightmost cell the sheet uses anywhere (an
//! Excel row's cells must be in column order), as inline strings, which
//! no spreadsheet evaluates, styled like the row's last cell. Their widths
//! are added unless the sheet's own column widths already cover them.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read, Write};

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{Answers, HEADERS, HeaderRows, ReplyError};
use crate::intake::column_letters;

/// Widths of the two new columns (Excel characters).
const WIDTHS: [u32; 2] = [18, 60];

fn broken(e: impl std::fmt::Display) -> ReplyError {
    ReplyError::Broken(e.to_string())
}

pub fn write(bytes: &[u8], headers: &HeaderRows, answers: &Answers) -> Result<Vec<u8>, ReplyError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let paths = sheet_paths(&mut archive)?;
    // Archive path → (sheet name, header row).
    let mut targets: HashMap<String, (String, u32)> = HashMap::new();
    for sheet in answers.sheets().flatten() {
        if let (Some(path), Some((row, _))) = (paths.get(sheet), headers.of(Some(sheet))) {
            targets.insert(path.clone(), (sheet.to_owned(), row));
        }
    }
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let name = archive
            .by_index_raw(i)
            .map_err(broken)?
            .name()
            .map_err(broken)?
            .into_owned();
        match targets.get(&name) {
            Some((sheet, header_row)) => {
                let used = scan(archive.by_index(i).map_err(broken)?)?;
                let first = used
                    .last_cell
                    .map_or(0, |c| c + 1)
                    .max(headers.of(Some(sheet)).map_or(0, |(_, width)| width));
                let options =
                    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
                out.start_file(name.as_str(), options).map_err(broken)?;
                let plan = Plan {
                    sheet,
                    header_row: *header_row,
                    first,
                    widths: used.last_width.is_none_or(|w| w < first),
                };
                rewrite(
                    archive.by_index(i).map_err(broken)?,
                    &mut out,
                    &plan,
                    answers,
                )?;
            }
            None => out
                .raw_copy_file(archive.by_index_raw(i).map_err(broken)?)
                .map_err(broken)?,
        }
    }
    Ok(out.finish().map_err(broken)?.into_inner())
}

/// What a sheet uses: its rightmost cell and rightmost column width
/// (0-based columns).
#[derive(Default)]
struct Used {
    last_cell: Option<usize>,
    last_width: Option<usize>,
}

fn scan(entry: impl Read) -> Result<Used, ReplyError> {
    let mut reader = Reader::from_reader(BufReader::new(entry));
    let mut buffer = Vec::new();
    let mut used = Used::default();
    // A cell without a reference is the one after the row's previous cell.
    let mut next_col = 0;
    loop {
        match reader.read_event_into(&mut buffer).map_err(broken)? {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.local_name().into_inner() {
                "row" => next_col = 0,
                "c" => {
                    let col = attr(&e, "r")
                        .and_then(|r| column_of(&r))
                        .unwrap_or(next_col);
                    used.last_cell = used.last_cell.max(Some(col));
                    next_col = col + 1;
                }
                "col" => {
                    if let Some(max) = attr(&e, "max").and_then(|m| m.parse::<usize>().ok()) {
                        used.last_width = used.last_width.max(Some(max.saturating_sub(1)));
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buffer.clear();
    }
    Ok(used)
}

/// Where the cells go in one sheet.
struct Plan<'a> {
    sheet: &'a str,
    header_row: u32,
    /// The first new column (0-based).
    first: usize,
    /// Whether to add the new columns' widths.
    widths: bool,
}

fn rewrite(
    entry: impl Read,
    out: &mut impl Write,
    plan: &Plan<'_>,
    answers: &Answers,
) -> Result<(), ReplyError> {
    let mut reader = Reader::from_reader(BufReader::new(entry));
    let mut writer = Writer::new(out);
    let mut buffer = Vec::new();
    let mut row: u32 = 0;
    let mut style: Option<String> = None;
    let mut seen_cols = false;
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(broken)?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if e.local_name().into_inner() == "row" => {
                row = attr(e, "r").and_then(|r| r.parse().ok()).unwrap_or(row + 1);
                style = None;
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().into_inner() == "c" => {
                style = attr(e, "s");
            }
            Event::End(e) if e.local_name().into_inner() == "row" => {
                let prefix = prefix_of(e.name().into_inner());
                cells(&mut writer, &prefix, plan, answers, row, style.as_deref())?;
            }
            Event::Empty(e) if e.local_name().into_inner() == "row" => {
                row = attr(e, "r").and_then(|r| r.parse().ok()).unwrap_or(row + 1);
                if values(plan, answers, row).is_some() {
                    let prefix = prefix_of(e.name().into_inner());
                    writer
                        .write_event(Event::Start(e.clone()))
                        .map_err(broken)?;
                    cells(&mut writer, &prefix, plan, answers, row, None)?;
                    writer
                        .write_event(Event::End(BytesEnd::new(format!("{prefix}row"))))
                        .map_err(broken)?;
                    buffer.clear();
                    continue;
                }
            }
            Event::End(e) if e.local_name().into_inner() == "cols" => {
                seen_cols = true;
                if plan.widths {
                    widths(&mut writer, &prefix_of(e.name().into_inner()), plan)?;
                }
            }
            Event::Empty(e) if e.local_name().into_inner() == "cols" => {
                // `<cols/>`: written out whole, with the new widths in it.
                seen_cols = true;
                if plan.widths {
                    cols(&mut writer, &prefix_of(e.name().into_inner()), plan)?;
                    buffer.clear();
                    continue;
                }
            }
            Event::Start(e) | Event::Empty(e)
                if e.local_name().into_inner() == "sheetData" && !seen_cols && plan.widths =>
            {
                // Columns' widths come right before the data.
                cols(&mut writer, &prefix_of(e.name().into_inner()), plan)?;
            }
            _ => {}
        }
        writer.write_event(event).map_err(broken)?;
        buffer.clear();
    }
    Ok(())
}

/// The two texts for `row`: the headers, a comment's answer, or none.
fn values<'a>(plan: &Plan<'_>, answers: &'a Answers, row: u32) -> Option<[&'a str; 2]> {
    if row == plan.header_row {
        return Some(HEADERS);
    }
    answers
        .on(Some(plan.sheet), row)
        .map(|[d, r]| [d.as_str(), r.as_str()])
}

fn cells<W: Write>(
    writer: &mut Writer<W>,
    prefix: &str,
    plan: &Plan<'_>,
    answers: &Answers,
    row: u32,
    style: Option<&str>,
) -> Result<(), ReplyError> {
    let Some(texts) = values(plan, answers, row) else {
        return Ok(());
    };
    for (i, text) in texts.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let reference = format!("{}{row}", column_letters(plan.first + i));
        let mut cell = BytesStart::new(format!("{prefix}c"));
        cell.push_attribute(("r", reference.as_str()));
        if let Some(s) = style {
            cell.push_attribute(("s", s));
        }
        cell.push_attribute(("t", "inlineStr"));
        let mut t = BytesStart::new(format!("{prefix}t"));
        t.push_attribute(("xml:space", "preserve"));
        let clean: String = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect();
        for event in [
            Event::Start(cell),
            Event::Start(BytesStart::new(format!("{prefix}is"))),
            Event::Start(t),
            Event::Text(BytesText::new(&clean)),
            Event::End(BytesEnd::new(format!("{prefix}t"))),
            Event::End(BytesEnd::new(format!("{prefix}is"))),
            Event::End(BytesEnd::new(format!("{prefix}c"))),
        ] {
            writer.write_event(event).map_err(broken)?;
        }
    }
    Ok(())
}

/// A `<cols>` element holding just the new columns' widths.
fn cols<W: Write>(writer: &mut Writer<W>, prefix: &str, plan: &Plan<'_>) -> Result<(), ReplyError> {
    writer
        .write_event(Event::Start(BytesStart::new(format!("{prefix}cols"))))
        .map_err(broken)?;
    widths(writer, prefix, plan)?;
    writer
        .write_event(Event::End(BytesEnd::new(format!("{prefix}cols"))))
        .map_err(broken)?;
    Ok(())
}

fn widths<W: Write>(
    writer: &mut Writer<W>,
    prefix: &str,
    plan: &Plan<'_>,
) -> Result<(), ReplyError> {
    for (i, width) in WIDTHS.iter().enumerate() {
        let n = (plan.first + i + 1).to_string();
        let mut col = BytesStart::new(format!("{prefix}col"));
        col.push_attribute(("min", n.as_str()));
        col.push_attribute(("max", n.as_str()));
        col.push_attribute(("width", width.to_string().as_str()));
        col.push_attribute(("customWidth", "1"));
        writer.write_event(Event::Empty(col)).map_err(broken)?;
    }
    Ok(())
}

/// `x:` of `x:row`, or nothing.
fn prefix_of(name: &str) -> String {
    name.rsplit_once(':')
        .map_or_else(String::new, |(prefix, _)| format!("{prefix}:"))
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == key)
        .and_then(|a| {
            let raw = a.value.to_string();
            quick_xml::escape::unescape(&raw)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The 0-based column of a reference like `AB12`.
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let n = letters
        .iter()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1));
    Some(n - 1)
}

/// Sheet name → its part in the archive (`xl/worksheets/sheet1.xml`).
fn sheet_paths(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
) -> Result<HashMap<String, String>, ReplyError> {
    let mut ids = Vec::new();
    each_element(archive, "xl/workbook.xml", "sheet", |e| {
        if let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id")) {
            ids.push((name, id));
        }
    })?;
    let mut targets = HashMap::new();
    each_element(archive, "xl/_rels/workbook.xml.rels", "Relationship", |e| {
        if let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target")) {
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_owned(),
                None => format!("xl/{target}"),
            };
            targets.insert(id, path);
        }
    })?;
    Ok(ids
        .into_iter()
        .filter_map(|(name, id)| targets.get(&id).map(|path| (name, path.clone())))
        .collect())
}

fn each_element(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    path: &str,
    local: &str,
    mut each: impl FnMut(&BytesStart<'_>),
) -> Result<(), ReplyError> {
    let entry = archive.by_name(path).map_err(broken)?;
    let mut reader = Reader::from_reader(BufReader::new(entry));
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).map_err(broken)? {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().into_inner() == local => each(&e),
            _ => {}
        }
        buffer.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_prefixes() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("H12"), Some(7));
        assert_eq!(column_of("AA3"), Some(26));
        assert_eq!(column_of("12"), None);
        assert_eq!(prefix_of("x:row"), "x:");
        assert_eq!(prefix_of("row"), "");
    }
}
