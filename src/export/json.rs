//! JSON: every comment of the export as an array of objects, streamed.
//! Keys are only ever added, never removed (scripts depend on them); a
//! public export leaves the editors' own keys out. E-mail addresses are
//! never in JSON. The preset does not apply: JSON has one layout.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use super::{ExportError, Line, Prepared, Sink};
use crate::domain::TagSource;

#[derive(Debug, Serialize)]
struct JsonComment<'a> {
    tracking: &'a str,
    submission: &'a str,
    comment_number: Option<&'a str>,
    /// The row's own commenter column, else the submitter.
    submitter: &'a str,
    /// The row's own organisation column, else the submission's.
    organization: &'a str,
    #[serde(rename = "type")]
    comment_type: Option<&'a str>,
    type_raw: Option<&'a str>,
    severity: Option<&'a str>,
    volume: Option<&'a str>,
    section_raw: Option<&'a str>,
    paragraph_raw: Option<&'a str>,
    page_raw: Option<&'a str>,
    page_start: Option<&'a str>,
    page_end: Option<&'a str>,
    line_raw: Option<&'a str>,
    line_start: Option<i32>,
    line_end: Option<i32>,
    comment: &'a str,
    suggested_change: Option<&'a str>,
    /// Columns docket did not know; left out of public exports (they can
    /// hold anything, e-mail addresses included).
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_file: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_sheet: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_row: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    /// The tagged section (`5.1`, `Table 3`, `63A 5.1`), `General`, or
    /// null when unresolved.
    section: Option<&'a str>,
    section_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_conflict: Option<Option<&'a str>>,
    disposition: Option<&'a str>,
    /// The body's own word, when the disposition came from a file.
    disposition_raw: Option<&'a str>,
    response: Option<&'a str>,
}

/// The array, written one object at a time.
pub struct Array<W: Write> {
    out: std::io::BufWriter<W>,
    public: bool,
    count: usize,
}

impl<W: Write> Array<W> {
    pub fn new(prepared: &Prepared, out: W) -> Result<Self, ExportError> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        out.write_all(b"[")?;
        Ok(Self {
            out,
            public: prepared.request.public,
            count: 0,
        })
    }

    pub fn finish(mut self) -> Result<(), ExportError> {
        self.out
            .write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Sink for Array<W> {
    fn row(&mut self, line: &Line<'_>) -> Result<(), ExportError> {
        self.out
            .write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, &to_json(line, self.public))?;
        self.count += 1;
        Ok(())
    }
}

fn to_json<'a>(line: &'a Line<'_>, public: bool) -> JsonComment<'a> {
    let row = line.row;
    let c = &row.comment;
    let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
    let filed = line.json_section();
    JsonComment {
        tracking: &c.tracking_number,
        submission: &row.submission.tracking_number,
        comment_number: c.comment_number.as_deref(),
        submitter: line.submitter(),
        organization: line.organization(),
        comment_type: c.comment_type.0.map(|t| t.into()),
        type_raw: c.type_raw.as_deref(),
        severity: c.severity.as_deref(),
        volume: c.volume_raw.as_deref(),
        section_raw: c.section_raw.as_deref(),
        paragraph_raw: c.paragraph_raw.as_deref(),
        page_raw: c.page_raw.as_deref(),
        page_start: c.page_start.as_deref(),
        page_end: c.page_end.as_deref(),
        line_raw: c.line_raw.as_deref(),
        line_start: c.line_start,
        line_end: c.line_end,
        comment: &c.body,
        suggested_change: c.suggested_change.as_deref(),
        extra: (!public).then(|| parse(&c.extra_json)),
        problems: (!public).then(|| parse(&c.problems_json)),
        source_file: (!public).then_some(row.file_name.as_deref()),
        source_sheet: (!public).then_some(c.source_sheet.as_deref()),
        source_row: (!public).then_some(c.source_row),
        status: (!public).then(|| c.status.into()),
        section: match (filed, c.tag_source) {
            (Some((label, _)), _) => Some(label),
            (None, TagSource::General | TagSource::Manual) => Some("General"),
            (None, _) => None,
        },
        section_title: filed.map(|(_, title)| title),
        tag_source: (!public).then(|| c.tag_source.into()),
        tag_conflict: (!public).then_some(c.tag_conflict.as_deref()),
        disposition: c.disposition.0.map(Into::into),
        disposition_raw: c.disposition_raw.as_deref(),
        response: c.response.as_deref(),
    }
}
