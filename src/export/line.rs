//! One comment as a disposition table shows it: every field as text.

use std::borrow::Cow;

use super::Prepared;
use crate::db::export_rows::ExportRow;
use crate::domain::{CommentType, Disposition, TagSource, TriageStatus};

/// A row of the table: the stored row and what the export knows around it.
pub struct Line<'a> {
    pub row: &'a ExportRow,
    prepared: &'a Prepared,
}

impl<'a> Line<'a> {
    pub fn new(row: &'a ExportRow, prepared: &'a Prepared) -> Self {
        Self { row, prepared }
    }

    pub fn tracking(&self) -> &str {
        &self.row.comment.tracking_number
    }

    pub fn comment_number(&self) -> &str {
        self.row.comment.comment_number.as_deref().unwrap_or("")
    }

    /// The row's own commenter column, else the submitter.
    pub fn submitter(&self) -> &str {
        self.row
            .comment
            .commenter
            .as_deref()
            .unwrap_or(&self.row.submission.submitter_name)
    }

    /// The row's own organisation column, else the submission's.
    pub fn organization(&self) -> &str {
        self.row
            .comment
            .organization
            .as_deref()
            .unwrap_or(&self.row.submission.organization)
    }

    pub fn email(&self) -> &str {
        self.row.submission.email.as_deref().unwrap_or("")
    }

    pub fn comment_type(&self) -> Option<CommentType> {
        self.row.comment.comment_type.0
    }

    /// `Editorial`, …, or the submitter's own word when it was not one
    /// docket knows.
    pub fn type_label(&self) -> &str {
        match self.comment_type() {
            Some(CommentType::Editorial) => "Editorial",
            Some(CommentType::General) => "General",
            Some(CommentType::Technical) => "Technical",
            Some(CommentType::Other) | None => self.row.comment.type_raw.as_deref().unwrap_or(""),
        }
    }

    /// The section the comment is filed under as readers cite it
    /// (`4.2`, `Table 3`, `63A 5.1`); `General`; or, when tagging found
    /// nothing, what the submitter wrote.
    pub fn section(&self) -> Cow<'_, str> {
        if let Some((cited, _)) = self.prepared.outline.cited(self.row.comment.section_id) {
            return cited.into();
        }
        match self.row.comment.tag_source {
            TagSource::General | TagSource::Manual => "General".into(),
            _ => self.row.comment.section_raw.as_deref().unwrap_or("").into(),
        }
    }

    /// The filed node's label as JSON gives it, and its title.
    pub fn json_section(&self) -> Option<(&str, &str)> {
        self.prepared.outline.json(self.row.comment.section_id)
    }

    pub fn section_title(&self) -> &str {
        self.prepared
            .outline
            .cited(self.row.comment.section_id)
            .map_or("", |(_, title)| title)
    }

    /// The top-level section it lies under (`None`: General, not found).
    pub fn top(&self) -> Option<i64> {
        self.prepared.outline.top(self.row.comment.section_id)
    }

    /// The top-level section's citation and title, for headings.
    pub fn top_heading(&self) -> String {
        match self.prepared.outline.cited(self.top()) {
            Some((cited, title)) => format!("{cited} {title}").trim().to_owned(),
            None => "General and not found".to_owned(),
        }
    }

    pub fn page(&self) -> &str {
        let c = &self.row.comment;
        c.page_raw
            .as_deref()
            .or(c.page_start.as_deref())
            .unwrap_or("")
    }

    pub fn line(&self) -> Cow<'_, str> {
        let c = &self.row.comment;
        match (&c.line_raw, c.line_start, c.line_end) {
            (Some(raw), _, _) => raw.as_str().into(),
            (None, Some(s), Some(e)) if s != e => format!("{s}-{e}").into(),
            (None, Some(s), _) => s.to_string().into(),
            (None, None, _) => "".into(),
        }
    }

    pub fn paragraph(&self) -> &str {
        self.row.comment.paragraph_raw.as_deref().unwrap_or("")
    }

    pub fn comment(&self) -> &str {
        &self.row.comment.body
    }

    pub fn suggested_change(&self) -> &str {
        self.row.comment.suggested_change.as_deref().unwrap_or("")
    }

    pub fn disposition(&self) -> Option<Disposition> {
        self.row.comment.disposition.0
    }

    /// `Accepted with modification`, or empty.
    pub fn disposition_label(&self) -> &'static str {
        self.disposition().map_or("", disposition_label)
    }

    pub fn response(&self) -> &str {
        self.row.comment.response.as_deref().unwrap_or("")
    }

    pub fn status(&self) -> TriageStatus {
        self.row.comment.status
    }

    /// `In review`.
    pub fn status_label(&self) -> &'static str {
        status_label(self.status())
    }
}

/// A triage status for reading (`In review`).
pub fn status_label(s: TriageStatus) -> &'static str {
    match s {
        TriageStatus::New => "New",
        TriageStatus::InReview => "In review",
        TriageStatus::Resolved => "Resolved",
        TriageStatus::Published => "Published",
        TriageStatus::Withdrawn => "Withdrawn",
    }
}

/// docket's own word for a disposition, for reading.
pub fn disposition_label(d: Disposition) -> &'static str {
    match d {
        Disposition::Accepted => "Accepted",
        Disposition::AcceptedWithModification => "Accepted with modification",
        Disposition::Declined => "Declined",
        Disposition::Noted => "Noted",
        Disposition::Deferred => "Deferred",
        Disposition::Duplicate => "Duplicate",
    }
}
