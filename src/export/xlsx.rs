//! XLSX: title rows, a bold frozen header row with an autofilter, every
//! cell wrapped and top-aligned (as in NIST's comment template); an "All
//! comments" sheet, optionally a sheet per top-level section, and a
//! "Summary" of counts by section and disposition.
//!
//! Worksheets are in rust_xlsxwriter's constant-memory mode: each row goes
//! to a temporary file as soon as the next one starts, so memory stays flat
//! however many comments there are. Every cell is written as a string,
//! which no spreadsheet program evaluates (formula injection).

use std::io::Write;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use strum::IntoEnumIterator;

use super::line::disposition_label;
use super::{Column, ExportError, Line, Prepared, Sink, columns};
use crate::domain::Disposition;

/// Rows above the header: title, what the table holds, a blank line.
const HEADER_ROW: u32 = 3;
/// Excel's limit on a sheet's name, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;
const ALL_SHEET: &str = "All comments";
const SUMMARY_SHEET: &str = "Summary";

pub struct Table {
    workbook: Workbook,
    columns: Vec<&'static Column>,
    formats: Formats,
    title: String,
    subtitle: String,
    all: Sheet,
    /// `Some` when a sheet per top-level section is wanted.
    parts: Option<Vec<Sheet>>,
    /// The top-level section of the last part sheet.
    part_top: Option<Option<i64>>,
    summary: Vec<Tally>,
    last_section: Option<Option<i64>>,
}

struct Sheet {
    name: String,
    worksheet: Worksheet,
    next_row: u32,
}

struct Formats {
    title: Format,
    /// The line under the title: on one line, where every other cell wraps.
    plain: Format,
    header: Format,
    bold: Format,
}

/// The summary's counts for one section: one per disposition, then none.
struct Tally {
    section: String,
    counts: [u64; 7],
}

impl Table {
    pub fn new(prepared: &Prepared) -> Result<Self, ExportError> {
        let mut workbook = Workbook::new();
        // Every cell wraps its text and sits at the top of its row, as in
        // NIST's own comment template (beside a long comment, a value at
        // the bottom of a tall row is easy to miss, and a disposition cut
        // off by the next column is unread). Set once as the workbook's
        // default, not on each of millions of cells: see `Sheet::close`.
        // 20 and 64 are the default font's row height and column width.
        let cell = Format::new().set_align(FormatAlign::Top).set_text_wrap();
        workbook.set_default_format(&cell, 20, 64)?;
        let columns = columns(prepared.request.preset, prepared.request.public);
        // A format that gives an alignment of its own does not wrap; one
        // that gives none takes the default's.
        let plain = Format::new().set_align(FormatAlign::Top);
        let formats = Formats {
            title: plain.clone().set_bold().set_font_size(14),
            plain,
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(Color::RGB(0xDDE4EE))
                .set_border_bottom(FormatBorder::Thin),
            bold: Format::new().set_bold(),
        };
        let title = prepared.document.title.clone();
        let subtitle = super::subtitle(prepared);
        let all = Sheet::new(
            &mut workbook,
            "All comments",
            &columns,
            &formats,
            &title,
            &subtitle,
        )?;
        Ok(Self {
            workbook,
            parts: prepared.request.sheet_per_section.then(Vec::new),
            columns,
            formats,
            title,
            subtitle,
            all,
            part_top: None,
            summary: Vec::new(),
            last_section: None,
        })
    }

    /// Adds the summary and writes the workbook to `out`.
    pub fn finish(mut self, mut out: impl Write + Send) -> Result<(), ExportError> {
        let mut summary = self.workbook.new_worksheet_with_constant_memory()?;
        self.write_summary(&mut summary)?;
        self.all.close(&self.columns)?;
        self.workbook.push_worksheet(self.all.worksheet);
        for mut part in self.parts.into_iter().flatten() {
            part.close(&self.columns)?;
            self.workbook.push_worksheet(part.worksheet);
        }
        self.workbook.push_worksheet(summary);
        self.workbook.save_to_writer(&mut out)?;
        // The zip writer does not flush: a full disk must fail here, not
        // pass unseen when the buffer is dropped.
        out.flush()?;
        Ok(())
    }

    fn write_summary(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        sheet.set_name(SUMMARY_SHEET)?;
        sheet.write_string_with_format(0, 0, &self.title, &self.formats.title)?;
        sheet.write_string_with_format(1, 0, &self.subtitle, &self.formats.plain)?;
        sheet.set_column_width(0, 40)?;
        let mut header = vec!["Section"];
        header.extend(Disposition::iter().map(disposition_label));
        header.extend(["No disposition yet", "Total"]);
        for (col, text) in header.iter().enumerate() {
            sheet.write_string_with_format(HEADER_ROW, col as u16, *text, &self.formats.header)?;
            if col > 0 {
                sheet.set_column_width(col as u16, 13)?;
            }
        }
        let mut totals = [0u64; 7];
        let mut row = HEADER_ROW + 1;
        for tally in &self.summary {
            sheet.write_string(row, 0, &tally.section)?;
            for (i, n) in tally.counts.iter().enumerate() {
                sheet.write_number(row, (i + 1) as u16, *n as f64)?;
                totals[i] += n;
            }
            sheet.write_number(row, 8, tally.counts.iter().sum::<u64>() as f64)?;
            row += 1;
        }
        sheet.write_string_with_format(row, 0, "Total", &self.formats.bold)?;
        for (i, n) in totals.iter().enumerate() {
            sheet.write_number_with_format(row, (i + 1) as u16, *n as f64, &self.formats.bold)?;
        }
        sheet.write_number_with_format(
            row,
            8,
            totals.iter().sum::<u64>() as f64,
            &self.formats.bold,
        )?;
        sheet.set_freeze_panes(HEADER_ROW + 1, 1)?;
        Ok(())
    }

    fn tally(&mut self, line: &Line<'_>) {
        let section = line.row.comment.section_id;
        if self.last_section != Some(section) {
            self.last_section = Some(section);
            let name = match line.section_title() {
                "" if section.is_none() => "General and not found".to_owned(),
                title => format!("{} {title}", line.section()).trim().to_owned(),
            };
            self.summary.push(Tally {
                section: name,
                counts: [0; 7],
            });
        }
        let slot = line
            .disposition()
            .and_then(|d| Disposition::iter().position(|x| x == d))
            .unwrap_or(6);
        if let Some(tally) = self.summary.last_mut() {
            tally.counts[slot] += 1;
        }
    }
}

impl Sink for Table {
    fn row(&mut self, line: &Line<'_>) -> Result<(), ExportError> {
        self.tally(line);
        self.all.write(line, &self.columns)?;
        if let Some(parts) = &mut self.parts {
            let top = line.top();
            if self.part_top != Some(top) {
                self.part_top = Some(top);
                // The workbook's own sheets are taken too.
                let mut taken: Vec<&str> = vec![ALL_SHEET, SUMMARY_SHEET];
                taken.extend(parts.iter().map(|p| p.name.as_str()));
                let name = sheet_name(&line.top_heading(), &taken);
                let sheet = Sheet::new(
                    &mut self.workbook,
                    &name,
                    &self.columns,
                    &self.formats,
                    &self.title,
                    &format!("{}: {}", self.subtitle, line.top_heading()),
                )?;
                parts.push(sheet);
            }
            if let Some(sheet) = parts.last_mut() {
                sheet.write(line, &self.columns)?;
            }
        }
        Ok(())
    }
}

impl Sheet {
    fn new(
        workbook: &mut Workbook,
        name: &str,
        columns: &[&Column],
        formats: &Formats,
        title: &str,
        subtitle: &str,
    ) -> Result<Self, XlsxError> {
        let mut worksheet = workbook.new_worksheet_with_constant_memory()?;
        worksheet.set_name(name)?;
        worksheet.write_string_with_format(0, 0, title, &formats.title)?;
        worksheet.write_string_with_format(1, 0, subtitle, &formats.plain)?;
        for (i, column) in columns.iter().enumerate() {
            worksheet.write_string_with_format(
                HEADER_ROW,
                i as u16,
                column.header,
                &formats.header,
            )?;
        }
        worksheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
        worksheet.set_landscape();
        worksheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        Ok(Self {
            name: name.to_owned(),
            worksheet,
            next_row: HEADER_ROW + 1,
        })
    }

    /// One row, its cells in the workbook's default format (`Table::new`).
    fn write(&mut self, line: &Line<'_>, columns: &[&Column]) -> Result<(), XlsxError> {
        for (i, column) in columns.iter().enumerate() {
            let value = (column.value)(line);
            if !value.is_empty() {
                self.worksheet
                    .write_string(self.next_row, i as u16, fitted(&value).as_ref())?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// The autofilter spans the header and every row written. Column
    /// widths go in last: rust_xlsxwriter writes them when the workbook is
    /// saved, and while any column has settings of its own it looks each
    /// cell's column up in them, twice, to find a format (5% of a
    /// million-row workbook's writer, 0.3 s, by perf), where an empty map
    /// answers at once.
    fn close(&mut self, columns: &[&Column]) -> Result<(), XlsxError> {
        let last_row = (self.next_row - 1).max(HEADER_ROW);
        self.worksheet.autofilter(
            HEADER_ROW,
            0,
            last_row,
            columns.len().saturating_sub(1) as u16,
        )?;
        for (i, column) in columns.iter().enumerate() {
            self.worksheet.set_column_width(i as u16, column.width)?;
        }
        Ok(())
    }
}

/// Most characters an Excel cell holds, in UTF-16 code units.
const CELL_MAX: usize = 32_767;

/// `text`, cut to what a cell holds with a note saying so: one comment
/// longer than Excel allows must not stop the whole workbook (CSV, HTML
/// and JSON carry the full text).
fn fitted(text: &str) -> std::borrow::Cow<'_, str> {
    // A UTF-8 byte count is never below the UTF-16 unit count.
    if text.len() <= CELL_MAX {
        return text.into();
    }
    let units: usize = text.chars().map(char::len_utf16).sum();
    if units <= CELL_MAX {
        return text.into();
    }
    let note = format!(
        " … [cut here: the full text has {} characters; see the CSV or JSON export]",
        text.chars().count()
    );
    let room = CELL_MAX - note.encode_utf16().count();
    let mut cut = utf16_prefix(text, room).to_owned();
    cut.push_str(&note);
    cut.into()
}

/// The longest start of `text` of whole characters within `max` UTF-16
/// code units (how Excel counts a cell's and a sheet name's length).
fn utf16_prefix(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &text[..at];
        }
    }
    text
}

/// A sheet name Excel accepts: none of `[]:*?/\` or `'`, at most 31 characters,
/// and unlike the names `taken` (ignoring case, as Excel does).
fn sheet_name(heading: &str, taken: &[&str]) -> String {
    let clean: String = heading
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { ' ' } else { c })
        .collect();
    let short = |s: &str, max: usize| utf16_prefix(s, max).trim().to_owned();
    let mut name = short(clean.trim(), SHEET_NAME_MAX);
    let mut n = 1;
    while name.is_empty() || taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        n += 1;
        let suffix = format!(" ({n})");
        name = short(clean.trim(), SHEET_NAME_MAX - suffix.len()) + &suffix;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        assert_eq!(
            sheet_name("4 Security: what/why?", &[]),
            "4 Security  what why"
        );
        let long = sheet_name(&"x".repeat(50), &[]);
        assert_eq!(long.chars().count(), 31);
        let emoji = sheet_name(&"\u{1F510}".repeat(20), &[]);
        assert_eq!(emoji.encode_utf16().count(), 30, "whole characters only");
        let again = sheet_name(&"x".repeat(50), &[&long]);
        assert_eq!(again.chars().count(), 31);
        assert!(again.ends_with(" (2)"), "{again}");
        assert_eq!(
            sheet_name("General", &["general", "General (2)"]),
            "General (3)"
        );
    }

    #[test]
    fn long_cells_are_cut_with_a_note() {
        use super::{CELL_MAX, fitted};
        assert_eq!(fitted("short"), "short");
        let long = "é".repeat(CELL_MAX + 10);
        let cut = fitted(&long);
        assert_eq!(cut.encode_utf16().count(), CELL_MAX);
        assert!(cut.ends_with("the full text has 32777 characters; see the CSV or JSON export]"));
        let wide = "\u{1F510}".repeat(CELL_MAX);
        assert!(fitted(&wide).encode_utf16().count() <= CELL_MAX);
    }
}
