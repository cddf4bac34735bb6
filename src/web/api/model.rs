//! The API's JSON shapes. Keys are only ever added in `v1`, never removed
//! or renamed; e-mail addresses are never part of them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::comments::Comment;
use crate::db::documents::{Document, Period};
use crate::db::sections::Section;

/// A UTC timestamp as RFC 3339 (`2026-11-28T22:30:00Z`), for machines.
fn rfc3339(t: time::PrimitiveDateTime) -> String {
    t.assume_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// A draft open (or once open) for comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiDocument {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Tracking numbers start with this (`NISTIR-8200`).
    pub tracking_prefix: String,
    /// First day comments are accepted (`YYYY-MM-DD`), if any.
    pub opens_on: Option<String>,
    /// Last day comments are accepted, inclusive.
    pub closes_on: Option<String>,
    /// `upcoming`, `open` or `closed`, today (UTC).
    pub period: &'static str,
    /// Received comments are listed publicly at `/d/{slug}/comments`.
    pub public_posting: bool,
    /// When the disposition was published (RFC 3339, UTC).
    pub published_at: Option<String>,
    /// The blank comment templates, relative to the site.
    pub template_csv: String,
    pub template_xlsx: String,
}

impl From<&Document> for ApiDocument {
    fn from(d: &Document) -> Self {
        let period = match d.period_on(time::OffsetDateTime::now_utc().date()) {
            Period::Upcoming => "upcoming",
            Period::Open => "open",
            Period::Closed => "closed",
        };
        Self {
            slug: d.slug.clone(),
            title: d.title.clone(),
            description: d.description.clone(),
            tracking_prefix: d.tracking_prefix.clone(),
            opens_on: d.opens_on.map(|day| day.to_string()),
            closes_on: d.closes_on.map(|day| day.to_string()),
            period,
            public_posting: d.public_posting,
            published_at: d.published_at.map(rfc3339),
            template_csv: format!("/d/{}/template.csv", d.slug),
            template_xlsx: format!("/d/{}/template.xlsx", d.slug),
        }
    }
}

/// One node of a draft's outline, in document order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSection {
    /// Use it as `section_id` in comment filters and as `section` in a
    /// change to a comment.
    pub id: i64,
    pub parent_id: Option<i64>,
    /// The volume of a multi-volume draft; empty otherwise.
    pub volume: String,
    /// `front`, `section`, `appendix`, `table`, `figure`…
    pub kind: String,
    pub number: String,
    /// How readers cite it: `5.1`, `Table 3`, `Appendix D`.
    pub label: String,
    pub title: String,
    pub depth: i32,
    pub page_start: Option<String>,
    pub page_end: Option<String>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
}

impl From<&Section> for ApiSection {
    fn from(s: &Section) -> Self {
        Self {
            id: s.id,
            parent_id: s.parent_id,
            volume: s.volume.clone(),
            kind: s.kind.to_string(),
            number: s.number.clone(),
            label: s.cited(),
            title: s.title.clone(),
            depth: s.depth,
            page_start: s.page_start.clone(),
            page_end: s.page_end.clone(),
            line_start: s.line_start,
            line_end: s.line_end,
        }
    }
}

/// Where a comment is filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Filed {
    /// The outline node; null for General and for comments not yet placed.
    pub section_id: Option<i64>,
    /// `5.1`, `Table 3`, `General`, or `Not found`.
    pub label: String,
    pub title: Option<String>,
    /// How the tag was made: `section`, `line`, `page`, `title`,
    /// `manual`, `general`, or `none` (not found).
    pub source: String,
    /// When the section, line and page cells disagreed, what they said.
    pub conflict: Option<String>,
}

/// The submission a comment came in, without its e-mail address.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Sender {
    /// The submission's tracking number.
    pub tracking: String,
    /// The row's own commenter column, else the submitter's name.
    pub name: String,
    pub organization: String,
}

/// One comment with its triage fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiComment {
    pub id: i64,
    /// Send it back as `If-Match` to change the comment.
    pub version: i32,
    /// `NISTIR-8200-0042-7`.
    pub tracking: String,
    pub submission: Sender,
    pub comment_number: Option<String>,
    /// `editorial`, `general`, `technical`, `other`, or null.
    #[serde(rename = "type")]
    pub comment_type: Option<String>,
    pub type_raw: Option<String>,
    pub section_raw: Option<String>,
    pub page_raw: Option<String>,
    pub line_raw: Option<String>,
    pub comment: String,
    pub suggested_change: Option<String>,
    pub filed: Filed,
    /// `new`, `in_review`, `resolved`, `published`, `withdrawn`.
    pub status: String,
    /// `accepted`, `accepted_with_modification`, `declined`, `noted`,
    /// `deferred`, `duplicate`, or null.
    pub disposition: Option<String>,
    /// The body's own word, when the disposition came from a file.
    pub disposition_raw: Option<String>,
    pub response: Option<String>,
    pub assignee_id: Option<i64>,
    /// The tracking number of the comment this one duplicates.
    pub duplicate_of: Option<String>,
    /// Comments with the same cluster id read alike (form letters); a
    /// comment alone has its own id. Null for a text without words, and
    /// until a comment's cluster is known.
    pub cluster_id: Option<i64>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// What a page of comments needs besides the comments: their senders
/// and the tracking numbers their duplicates point at.
#[derive(Debug, Default)]
pub struct Context {
    pub outline: Vec<Section>,
    pub senders: HashMap<i64, Sender>,
    pub trackings: HashMap<i64, String>,
}

impl ApiComment {
    pub fn new(c: Comment, context: &Context) -> Self {
        let section = c
            .section_id
            .and_then(|id| context.outline.iter().find(|s| s.id == id));
        let label = match (section, c.tag_source) {
            (Some(s), _) => s.cited(),
            (None, crate::domain::TagSource::None) => "Not found".to_owned(),
            (None, _) => "General".to_owned(),
        };
        let mut submission = context
            .senders
            .get(&c.submission_id)
            .cloned()
            .unwrap_or_else(|| Sender {
                tracking: String::new(),
                name: String::new(),
                organization: String::new(),
            });
        if let Some(name) = c.commenter.clone() {
            submission.name = name;
        }
        if let Some(organization) = c.organization.clone() {
            submission.organization = organization;
        }
        Self {
            id: c.id,
            version: c.version,
            submission,
            comment_number: c.comment_number,
            comment_type: c.comment_type.0.map(|t| t.to_string()),
            type_raw: c.type_raw,
            section_raw: c.section_raw,
            page_raw: c.page_raw,
            line_raw: c.line_raw,
            comment: c.body,
            suggested_change: c.suggested_change,
            filed: Filed {
                section_id: c.section_id,
                label,
                title: section.map(|s| s.title.clone()),
                source: c.tag_source.to_string(),
                conflict: c.tag_conflict,
            },
            status: c.status.to_string(),
            disposition: c.disposition.0.map(|d| d.to_string()),
            disposition_raw: c.disposition_raw,
            response: c.response,
            assignee_id: c.assignee_id,
            duplicate_of: c
                .duplicate_of_id
                .and_then(|id| context.trackings.get(&id).cloned()),
            cluster_id: c.cluster_id,
            updated_at: rfc3339(c.updated_at),
            tracking: c.tracking_number,
        }
    }
}

/// One page of a comment list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPage {
    /// Comments matching the filters; a search stops counting past 10,000
    /// and then says 10001 with `capped`.
    pub total: i64,
    pub capped: bool,
    pub page: i64,
    pub per_page: i64,
    pub comments: Vec<ApiComment>,
}

/// A change to a comment's triage fields: only the keys sent change.
/// `null` clears a field (`disposition`, `response`, `assignee_id`,
/// `duplicate_of`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentPatch {
    /// Set as given; left out, the status follows the answer when the
    /// answer changes (a disposition and a response: `resolved`; part of
    /// one: `in_review`).
    pub status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub disposition: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub response: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// The tracking number of the comment this one duplicates.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub duplicate_of: Option<Option<String>>,
    /// An outline node id (a number, or a string of one), or `general`
    /// to file it under General.
    #[schema(value_type = Option<String>)]
    pub section: Option<PatchSection>,
}

/// Where a change files a comment.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PatchSection {
    Id(i64),
    Word(String),
}

/// Tells a key sent as `null` (`Some(None)`) from a key left out (`None`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Comments sent as JSON: the web form's fields, per comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    pub name: String,
    #[serde(default)]
    pub organization: String,
    /// Where the receipt goes. Never published, never in the API's answers.
    pub email: String,
    pub comments: Vec<NewComment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// `G`, `T`, `E` or the words (`general`, `technical`, `editorial`).
    #[serde(default, rename = "type")]
    pub comment_type: String,
    /// `5.1`, `Table 3`, `Appendix D`, `General`…
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub line: String,
    pub comment: String,
    #[serde(default)]
    pub suggested_change: String,
}

/// A problem with one comment or field, as on the upload preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiProblem {
    /// The comment's position in `comments`, from 1.
    pub row: Option<u32>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl From<&crate::intake::Problem> for ApiProblem {
    fn from(p: &crate::intake::Problem) -> Self {
        Self {
            row: p.row,
            column: p.column.clone(),
            value: p.value.clone(),
            message: p.message.clone(),
        }
    }
}

/// What became of a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionReceipt {
    /// Null for a dry run, which stores nothing.
    pub tracking: Option<String>,
    /// The submitter's receipt page (private: whoever has it sees it).
    pub receipt_url: Option<String>,
    pub comments: usize,
    /// Kept as sent, but worth a look (an unknown type word, a page
    /// outside the draft).
    pub problems: Vec<ApiProblem>,
    pub stored: bool,
    /// Whether a receipt e-mail was queued with the submission (false for
    /// a dry run, or when this docket sends no mail). It is sent within
    /// moments, and retried while the mail server fails; the receipt page
    /// says when it could not be sent yet.
    pub receipt_sent: bool,
    /// Each comment's tracking number and where it was filed, in order.
    pub filed: Vec<FiledComment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiledComment {
    pub tracking: String,
    pub section: String,
}

/// A word of the vocabulary and how people read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Word {
    pub value: &'static str,
    pub label: &'static str,
}

/// The words the API takes and gives.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabulary {
    pub dispositions: Vec<Word>,
    pub statuses: Vec<Word>,
    pub types: Vec<Word>,
}

/// A change refused because the comment moved on (412): the comment as
/// it is now, to merge with and send again at its new version.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaleBody {
    pub error: ErrorDetail,
    pub current: ApiComment,
}

/// Every error: `{"error": {"code": "not_found", "message": "…"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `not_found`, `unauthorized`, `conflict`, `bad_request`…
    pub code: String,
    pub message: String,
}
