//! `docket export --format json`: every stored comment of a document, as a
//! JSON array streamed page by page. Keys are only ever added, never removed
//! (scripts depend on them). E-mail addresses are never exported.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::db::DbConnection;
use crate::db::comments::{self, ExportRow};
use crate::db::documents::Document;
use crate::domain::TagSource;

const PAGE: i64 = 1000;

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
    extra: Value,
    problems: Value,
    source_file: Option<&'a str>,
    source_sheet: Option<&'a str>,
    source_row: Option<i32>,
    status: &'a str,
    /// The tagged section (`5.1`, `Table 3`, `Appendix D`), `General`, or
    /// null when unresolved.
    section: Option<String>,
    section_title: Option<&'a str>,
    tag_source: &'a str,
    tag_conflict: Option<&'a str>,
}

/// Writes the array; returns how many comments it holds.
pub fn write(
    conn: &mut DbConnection,
    document: &Document,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    out.write_all(b"[")?;
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = comments::export_page(conn, document.id, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.comment.id;
        for row in &page {
            out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *out, &to_json(row))?;
            count += 1;
        }
    }
    out.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })?;
    out.flush()?;
    Ok(count)
}

fn to_json(row: &ExportRow) -> JsonComment<'_> {
    let c = &row.comment;
    let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
    JsonComment {
        tracking: &c.tracking_number,
        submission: &row.submission_tracking,
        comment_number: c.comment_number.as_deref(),
        submitter: c.commenter.as_deref().unwrap_or(&row.submitter_name),
        organization: c
            .organization
            .as_deref()
            .unwrap_or(&row.submitter_organization),
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
        extra: parse(&c.extra_json),
        problems: parse(&c.problems_json),
        source_file: row.file_name.as_deref(),
        source_sheet: c.source_sheet.as_deref(),
        source_row: c.source_row,
        status: c.status.into(),
        section: match (&row.section, c.tag_source) {
            (Some((number, _, kind)), _) => Some(match kind.as_str() {
                "table" => format!("Table {number}"),
                "figure" => format!("Figure {number}"),
                _ => number.clone(),
            }),
            (None, TagSource::General | TagSource::Manual) => Some("General".to_owned()),
            (None, _) => None,
        },
        section_title: row.section.as_ref().map(|(_, title, _)| title.as_str()),
        tag_source: c.tag_source.into(),
        tag_conflict: c.tag_conflict.as_deref(),
    }
}
