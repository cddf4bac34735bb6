//! The comment page's triage section (`templates/editor/comment_triage.html`):
//! the form and its values, what is stored now after a conflict, and the
//! history. The page shows it, and an in-place save (htmx) gets it alone
//! ([`TriageFragment`]), so both say the same thing the same way.

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;
use strum::IntoEnumIterator;

use crate::db::audit::AuditEvent;
use crate::db::comments::Comment;
use crate::db::sections::Section;
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::domain::{Disposition, TagSource, TriageStatus};
use crate::triage::{self, SectionChoice, TriageEdit, TriageError};
use crate::web::WebError;

/// The triage section of comment `id`.
pub struct Triage {
    pub csrf: String,
    pub id: i64,
    /// Where the form posts without JavaScript: the comment's page, with
    /// the queue it was opened from (`queue_nav`).
    pub action: String,
    /// The version the form saves on: the stored one, also after a refusal
    /// (saving again then replaces what is stored now).
    pub version: i32,
    pub tracking: String,
    pub filed: String,
    pub tag_source: TagSource,
    pub tag_conflict: Option<String>,
    /// After an in-place save: says so (a whole page gets a flash instead).
    pub saved: Option<String>,
    /// After a conflict: what happened.
    pub notice: Option<String>,
    pub errors: Vec<String>,
    pub history: Vec<HistoryEntry>,
    /// The form: the stored values, or the editor's after a refused save.
    pub form: FormValues,
    /// After a conflict: what is stored now, to compare.
    pub stored: Option<FormValues>,
    pub sections: Vec<(i64, String, i32)>,
    pub users: Vec<(i64, String)>,
    pub statuses: Vec<&'static str>,
    pub dispositions: Vec<&'static str>,
}

/// The triage section alone, with where the comment is filed now (swapped
/// out of band into the page's facts).
#[derive(Template)]
#[template(path = "editor/comment_triage_fragment.html")]
pub struct TriageFragment {
    pub triage: Triage,
}

/// One history entry.
pub struct HistoryEntry {
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

/// The triage form's fields as sent (and as shown back).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FormValues {
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub status: String,
    /// The status the form was shown with: a status left as shown follows
    /// the answer (`triage::status`), one changed is set as chosen.
    #[serde(default)]
    pub status_shown: String,
    #[serde(default)]
    pub disposition: String,
    #[serde(default)]
    pub response: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub duplicate_of: String,
}

impl FormValues {
    fn of(c: &Comment, duplicate_of: String) -> Self {
        Self {
            section: "keep".to_owned(),
            status: c.status.to_string(),
            status_shown: c.status.to_string(),
            disposition: c.disposition.0.map(|d| d.to_string()).unwrap_or_default(),
            response: c.response.clone().unwrap_or_default(),
            assignee: c.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            duplicate_of,
        }
    }

    /// Parses the form into an edit, or says what is wrong with it.
    pub fn parse(&self) -> Result<TriageEdit, Vec<String>> {
        let mut problems = Vec::new();
        let section = match self.section.as_str() {
            "" | "keep" => SectionChoice::Keep,
            "general" => SectionChoice::General,
            id => id.parse().map(SectionChoice::Node).unwrap_or_else(|_| {
                problems.push(format!("Section: “{id}” is not a node of the outline."));
                SectionChoice::Keep
            }),
        };
        let status = self.status.parse().unwrap_or_else(|_| {
            problems.push(format!("Status: “{}” is not a status.", self.status));
            TriageStatus::New
        });
        let disposition = match self.disposition.as_str() {
            "" => None,
            word => word.parse().map(Some).unwrap_or_else(|_| {
                problems.push(format!("Disposition: “{word}” is not a disposition."));
                None
            }),
        };
        let assignee = match self.assignee.as_str() {
            "" => None,
            id => id.parse().map(Some).unwrap_or_else(|_| {
                problems.push(format!("Assignee: “{id}” is not an account."));
                None
            }),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(TriageEdit {
            section,
            status: (self.status != self.status_shown).then_some(status),
            disposition,
            response: self.response.clone(),
            assignee,
            duplicate_of: self.duplicate_of.clone(),
        })
    }
}

/// What the triage section needs besides the comment.
pub struct TriageData {
    pub outline: Vec<Section>,
    pub history: Vec<AuditEvent>,
    pub users: Vec<User>,
    /// The tracking number of the comment it duplicates, or empty.
    pub duplicate_of: String,
}

impl TriageData {
    pub fn load(conn: &mut DbConnection, c: &Comment) -> diesel::QueryResult<Self> {
        Ok(Self {
            outline: db::sections::for_document(conn, c.document_id)?,
            history: db::audit::for_comment(conn, c.id)?,
            users: db::users::list(conn)?,
            duplicate_of: match c.duplicate_of_id {
                Some(other) => db::comments::find(conn, other)?.tracking_number,
                None => String::new(),
            },
        })
    }
}

impl Triage {
    /// The section for comment `c` as stored.
    pub fn new(c: &Comment, data: &TriageData, csrf: String) -> Self {
        let name_of = |user: Option<i64>| {
            user.and_then(|u| data.users.iter().find(|x| x.id == u))
                .map_or_else(|| "docket".to_owned(), |u| u.name.clone())
        };
        Self {
            csrf,
            id: c.id,
            action: format!("/editor/comments/{}", c.id),
            version: c.version,
            tracking: c.tracking_number.clone(),
            filed: triage::filed_now(&data.outline, c),
            tag_source: c.tag_source,
            tag_conflict: c.tag_conflict.clone(),
            saved: None,
            notice: None,
            errors: Vec::new(),
            history: data
                .history
                .iter()
                .map(|e| HistoryEntry {
                    at: format!(
                        "{} {:02}:{:02} UTC",
                        e.created_at.date(),
                        e.created_at.hour(),
                        e.created_at.minute()
                    ),
                    who: name_of(e.user_id),
                    field: e.field.clone().unwrap_or_else(|| e.action.clone()),
                    old: e.old_value.clone().unwrap_or_default(),
                    new: e.new_value.clone().unwrap_or_default(),
                })
                .collect(),
            form: FormValues::of(c, data.duplicate_of.clone()),
            stored: None,
            sections: triage::section_choices(&data.outline),
            users: super::assignee_choices(&data.users, c.assignee_id),
            statuses: TriageStatus::iter().map(Into::into).collect(),
            dispositions: Disposition::iter().map(Into::into).collect(),
        }
    }

    /// Shows a refused save: the editor's `values` go back into the form
    /// (nothing typed is lost) and, after a conflict, what is stored now is
    /// shown beside them. Returns the status to answer with.
    pub fn refuse(
        &mut self,
        failure: TriageError,
        values: FormValues,
    ) -> Result<StatusCode, WebError> {
        let status = match failure {
            TriageError::ChangedMeanwhile(_) => {
                self.notice = Some(
                    "Someone else saved this comment after you opened it, so nothing of yours \
                     was saved. What is stored now is shown beside your values, which are still \
                     in the form; saving again replaces theirs."
                        .to_owned(),
                );
                self.stored = Some(self.form.clone());
                StatusCode::CONFLICT
            }
            TriageError::Invalid(problems) => {
                self.errors = problems;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            TriageError::NoSuchComment(id) => {
                return Err(WebError::NotFound(format!("comment #{id} does not exist")));
            }
            other => return Err(other.into()),
        };
        self.form = values;
        Ok(status)
    }
}
