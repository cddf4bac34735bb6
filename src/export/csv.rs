//! CSV (RFC 4180, UTF-8): the header row, then one row per comment.
//!
//! A comment or a name is the submitter's text, and a spreadsheet must never
//! run it as a formula, whichever separator it splits the file at (`,`, or
//! `;` as Excel in much of Europe and LibreOffice may) and whether or not
//! it honours the quotes. So every field is written quoted, and every cell
//! goes through `cells::to_csv_cell`: a `'` before a formula's first
//! character (`=` `+` `-` `@` tab CR), a `'` or an inner `"` wherever a
//! reader could start a cell, at the start and after each `,` `;` tab `|`
//! or line break. `cells::from_csv_cell` undoes it when the table comes
//! back (`reimport`).

use std::io::Write;

use super::{Column, ExportError, Line, Prepared, Sink, cells, columns};

pub struct Table<W: Write> {
    out: csv::Writer<W>,
    columns: Vec<&'static Column>,
    record: csv::ByteRecord,
}

impl<W: Write> Table<W> {
    pub fn new(prepared: &Prepared, mut out: W) -> Result<Self, ExportError> {
        if prepared.request.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let columns = columns(prepared.request.preset, prepared.request.public);
        let mut out = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(out);
        out.write_record(columns.iter().map(|c| c.header))?;
        Ok(Self {
            out,
            columns,
            record: csv::ByteRecord::new(),
        })
    }

    pub fn finish(mut self) -> Result<(), ExportError> {
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Sink for Table<W> {
    fn row(&mut self, line: &Line<'_>) -> Result<(), ExportError> {
        self.record.clear();
        for column in &self.columns {
            self.record
                .push_field(cells::to_csv_cell(&(column.value)(line)).as_bytes());
        }
        self.out.write_byte_record(&self.record)?;
        Ok(())
    }
}
