//! Reading an export's rows into rows the writer is done with, the same
//! way from PostgreSQL's COPY stream (`copy::input`) and from SQLite's
//! statement (`sqlite`): each field overwrites the spared row's, strings
//! in place, so a steady export allocates and frees next to nothing.
//! Where the rows are freed by the reader after another thread read them,
//! that was a sixth of the reader's time (SQLite, a million rows as CSV,
//! measured), and the reader is the slower side there.

use std::str::FromStr;

use diesel::result::{Error, QueryResult};

use super::{ExportComment, ExportRow};
use crate::db::comments::OptionalText;
use crate::domain::{TagSource, TriageStatus};

/// How many fields an [`ExportComment`] has.
pub(super) const COMMENT_FIELDS: usize = 30;

/// How many fields a row has: those of an [`ExportComment`], then those
/// of the submission.
pub(super) const FIELDS: usize = COMMENT_FIELDS + 5;

/// A row's fields, one after another, as some source gives them.
pub(super) trait Fields {
    fn text(&mut self, into: &mut String) -> QueryResult<()>;
    fn optional_text(&mut self, into: &mut Option<String>) -> QueryResult<()>;
    /// A word of a closed vocabulary, parsed without a copy.
    fn word<T: FromStr<Err = strum::ParseError>>(&mut self) -> QueryResult<Option<T>>;
    fn int4(&mut self) -> QueryResult<Option<i32>>;
    fn int8(&mut self) -> QueryResult<Option<i64>>;
}

/// Overwrites every field of `row` from `fields`, which give them in the
/// order of `row_columns!`.
pub(super) fn fill(fields: &mut impl Fields, row: &mut ExportRow) -> QueryResult<()> {
    fill_comment(fields, &mut row.comment)?;
    fields.text(&mut row.submission_tracking)?;
    fields.text(&mut row.submitter_name)?;
    fields.text(&mut row.submitter_organization)?;
    fields.optional_text(&mut row.submitter_email)?;
    fields.optional_text(&mut row.file_name)?;
    Ok(())
}

/// Overwrites every field of `c` from `fields`, which give them in the
/// `Selectable` order of [`ExportComment`]: the struct's own.
pub(super) fn fill_comment(fields: &mut impl Fields, c: &mut ExportComment) -> QueryResult<()> {
    fields.text(&mut c.tracking_number)?;
    fields.optional_text(&mut c.source_sheet)?;
    c.source_row = fields.int4()?;
    fields.text(&mut c.extra_json)?;
    fields.text(&mut c.problems_json)?;
    fields.optional_text(&mut c.comment_number)?;
    fields.optional_text(&mut c.commenter)?;
    fields.optional_text(&mut c.organization)?;
    fields.optional_text(&mut c.volume_raw)?;
    fields.optional_text(&mut c.type_raw)?;
    c.comment_type = OptionalText(fields.word()?);
    fields.optional_text(&mut c.severity)?;
    fields.optional_text(&mut c.section_raw)?;
    fields.optional_text(&mut c.paragraph_raw)?;
    fields.optional_text(&mut c.page_raw)?;
    fields.optional_text(&mut c.page_start)?;
    fields.optional_text(&mut c.page_end)?;
    fields.optional_text(&mut c.line_raw)?;
    c.line_start = fields.int4()?;
    c.line_end = fields.int4()?;
    fields.text(&mut c.body)?;
    fields.optional_text(&mut c.suggested_change)?;
    c.section_id = fields.int8()?;
    c.tag_source = fields.word()?.ok_or_else(null)?;
    fields.optional_text(&mut c.tag_conflict)?;
    c.status = fields.word()?.ok_or_else(null)?;
    c.disposition = OptionalText(fields.word()?);
    fields.optional_text(&mut c.disposition_raw)?;
    fields.optional_text(&mut c.response)?;
    c.version = fields.int4()?.ok_or_else(null)?;
    Ok(())
}

/// A row to read into when the caller has none to spare. Every field is
/// overwritten by [`fill`]; the words are placeholders.
pub(super) fn blank() -> Box<ExportRow> {
    Box::new(ExportRow {
        comment: ExportComment {
            tracking_number: String::new(),
            source_sheet: None,
            source_row: None,
            extra_json: String::new(),
            problems_json: String::new(),
            comment_number: None,
            commenter: None,
            organization: None,
            volume_raw: None,
            type_raw: None,
            comment_type: OptionalText(None),
            severity: None,
            section_raw: None,
            paragraph_raw: None,
            page_raw: None,
            page_start: None,
            page_end: None,
            line_raw: None,
            line_start: None,
            line_end: None,
            body: String::new(),
            suggested_change: None,
            section_id: None,
            tag_source: TagSource::None,
            tag_conflict: None,
            status: TriageStatus::New,
            disposition: OptionalText(None),
            disposition_raw: None,
            response: None,
            version: 0,
        },
        submission_tracking: String::new(),
        submitter_name: String::new(),
        submitter_organization: String::new(),
        submitter_email: None,
        file_name: None,
    })
}

/// A reused string's buffer is kept up to this size, or twice its new
/// text: one long comment's buffer is not held on to for all the short
/// ones after it, so what the rows in flight hold stays near their text.
pub(super) const KEEP: usize = 1024;

pub(super) fn overwrite(into: &mut String, text: &str) {
    if into.capacity() > KEEP.max(2 * text.len()) {
        *into = text.to_owned();
    } else {
        into.clear();
        into.push_str(text);
    }
}

/// `into` made `text`, or `None` for NULL, keeping its string's buffer.
pub(super) fn overwrite_optional(into: &mut Option<String>, text: Option<&str>) {
    match (text, into.as_mut()) {
        (None, _) => *into = None,
        (Some(text), Some(kept)) => overwrite(kept, text),
        (Some(text), None) => *into = Some(text.to_owned()),
    }
}

pub(super) fn broken(why: impl std::fmt::Display) -> Error {
    Error::DeserializationError(format!("reading the export's rows: {why}").into())
}

/// `text` as a word of `T`'s vocabulary; an unknown word is refused,
/// naming it and the vocabulary.
pub(super) fn word<T: FromStr<Err = strum::ParseError>>(text: &str) -> QueryResult<T> {
    text.parse().map_err(|_| {
        let vocabulary = std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("word");
        broken(format!("{text:?} is not a {vocabulary}"))
    })
}

pub(super) fn null() -> Error {
    broken("a column that cannot be NULL is")
}
