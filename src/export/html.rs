//! Printable HTML: one self-contained page (styles inline), a table per
//! top-level section, each starting a printed page with its header row
//! repeated. Written piece by piece through askama, which escapes every
//! value, so the page streams like the other formats.

use std::borrow::Cow;
use std::io::Write;

use askama::Template;

use super::{Column, ExportError, Line, Prepared, Sink, columns};

#[derive(Template)]
#[template(path = "export/start.html")]
struct Start<'a> {
    title: &'a str,
    subtitle: &'a str,
}

#[derive(Template)]
#[template(path = "export/part.html")]
struct Part<'a> {
    first: bool,
    heading: &'a str,
    headers: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "export/row.html")]
struct Row<'a> {
    tracking: &'a str,
    /// Each cell's text and whether it is long text (a wider column).
    cells: Vec<(Cow<'a, str>, bool)>,
}

#[derive(Template)]
#[template(path = "export/end.html")]
struct End {
    rows: usize,
}

pub struct Table<W: Write> {
    out: std::io::BufWriter<W>,
    columns: Vec<&'static Column>,
    top: Option<Option<i64>>,
    rows: usize,
}

impl<W: Write> Table<W> {
    pub fn new(prepared: &Prepared, out: W) -> Result<Self, ExportError> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        Start {
            title: &prepared.document.title,
            subtitle: &super::subtitle(prepared),
        }
        .write_into(&mut out)?;
        Ok(Self {
            out,
            columns: columns(prepared.request.preset, prepared.request.public),
            top: None,
            rows: 0,
        })
    }

    pub fn finish(mut self) -> Result<(), ExportError> {
        End { rows: self.rows }.write_into(&mut self.out)?;
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Sink for Table<W> {
    fn row(&mut self, line: &Line<'_>) -> Result<(), ExportError> {
        let top = line.top();
        if self.top != Some(top) {
            Part {
                first: self.top.is_none(),
                heading: &line.top_heading(),
                headers: self.columns.iter().map(|c| c.header).collect(),
            }
            .write_into(&mut self.out)?;
            self.top = Some(top);
        }
        Row {
            tracking: line.tracking(),
            cells: self
                .columns
                .iter()
                .map(|c| ((c.value)(line), c.wrap))
                .collect(),
        }
        .write_into(&mut self.out)?;
        self.rows += 1;
        Ok(())
    }
}
