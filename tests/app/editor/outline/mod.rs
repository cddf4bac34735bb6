//! `/editor/d/{slug}/outline`: editors look and download; admins edit, add
//! and remove nodes or replace the whole outline. A change that breaks a
//! rule (422), was made against an outline changed since (409), comes from
//! an editor or without this session's token (403) stores nothing.

mod access;
mod conflicts;
mod nodes;
mod page;
mod replace;

use docket::db::sections::Section;

use crate::helpers::{Multipart, texts};

const CSV_HEADER: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end\n";

/// The flash's tail when no comment moved.
fn retag_none(checked: usize) -> String {
    format!(
        "Re-tagging checked {checked} comment(s); 0 changed section or note (hand-made tags stay)."
    )
}

/// The labels in the Node column of the outline table, in order.
fn labels(page: &scraper::Html) -> Vec<String> {
    texts(page, "table.outline td.number")
}

/// Every stored node as `(label, title)`.
fn labelled(sections: &[Section]) -> Vec<(String, String)> {
    sections
        .iter()
        .map(|s| (s.label(), s.title.clone()))
        .collect()
}

/// A file part as a browser sends it.
fn file(form: Multipart, name: &str, text: &str) -> Multipart {
    let content_type = if name.ends_with(".csv") {
        "text/csv"
    } else {
        "application/octet-stream"
    };
    form.file("file", name, content_type, text.as_bytes())
        .text("text", "")
        .text("format", "csv")
}

/// Pasted text, no file chosen.
fn pasted(form: Multipart, text: &str, format: &str) -> Multipart {
    form.file("file", "", "application/octet-stream", b"")
        .text("text", text)
        .text("format", format)
}
