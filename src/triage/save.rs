//! Saving the triage form of one comment: section, status, disposition,
//! response, assignee and duplicate-of, all at once. The save applies only
//! to the version the form was opened on; every field that changes gets its
//! own audit event, stored together with the change (in one transaction, or
//! on PostgreSQL, when the section is kept, in one statement).

use super::status::Answer;
use super::{TriageError, filed_now, filed_under};
use crate::db::audited_update::FieldChange;
use crate::db::comments::{self, Comment, TriageFields};
use crate::db::{self, DbConnection, sections, users};
use crate::domain::{Disposition, TagSource, TriageStatus};

/// Longest response docket stores; a disposition table cell holds 32,767.
pub const MAX_RESPONSE_CHARS: usize = 20_000;

/// Where the form files the comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionChoice {
    /// As it is (automatic tags stay automatic).
    Keep,
    General,
    Node(i64),
}

/// What the editor's form says, parsed at the edge.
#[derive(Clone, Debug)]
pub struct TriageEdit {
    pub section: SectionChoice,
    /// The status the edit sets; `None`: it follows the answer
    /// ([`status::settled`](super::status::settled)).
    pub status: Option<TriageStatus>,
    pub disposition: Option<Disposition>,
    pub response: String,
    pub assignee: Option<i64>,
    /// The tracking number of the comment this one duplicates, or empty.
    pub duplicate_of: String,
}

impl TriageEdit {
    /// Everything as stored, the section kept: where an edit that changes
    /// one thing starts (a quick control, a bulk change, a table sent
    /// back), so that all of them keep the rest alike.
    pub fn keeping(conn: &mut DbConnection, comment: &Comment) -> diesel::QueryResult<Self> {
        let duplicate_of = match comment.duplicate_of_id {
            Some(other) => comments::find(conn, other)?.tracking_number,
            None => String::new(),
        };
        Ok(Self {
            section: SectionChoice::Keep,
            status: None,
            disposition: comment.disposition.0,
            response: comment.response.clone().unwrap_or_default(),
            assignee: comment.assignee_id,
            duplicate_of,
        })
    }
}

/// A saved comment, and to whom the save newly assigned it (for the
/// assignment e-mail).
#[derive(Clone, Debug)]
pub struct Saved {
    pub comment: Comment,
    pub newly_assigned_to: Option<i64>,
}

/// Applies `edit` to comment `id` if it is still at `version`.
pub fn save(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    edit: &TriageEdit,
    user_id: i64,
) -> Result<Saved, TriageError> {
    // On PostgreSQL, a save that keeps the section needs no transaction:
    // the update applies only at `version`, the version the reads below
    // saw, and writes its audit events in the same statement. That spares
    // the editor two round trips (`BEGIN`, `COMMIT`) on every save. Moving
    // a comment locks the document (so its new node cannot be removed
    // meanwhile), which takes a transaction; so does every SQLite save,
    // where the write lock is taken up front (`write_transaction`).
    match conn {
        DbConnection::Postgres(_) if edit.section == SectionChoice::Keep => {
            apply(conn, id, version, edit, user_id)
        }
        _ => db::write_transaction(conn, |conn| apply(conn, id, version, edit, user_id)),
    }
}

fn apply(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    edit: &TriageEdit,
    user_id: i64,
) -> Result<Saved, TriageError> {
    let comment = comments::find(conn, id).map_err(|e| match e {
        diesel::result::Error::NotFound => TriageError::NoSuchComment(id),
        other => other.into(),
    })?;
    if comment.version != version {
        return Err(TriageError::ChangedMeanwhile(Box::new(comment)));
    }
    // Only a change of section needs the outline, and the document's
    // lock (so the node cannot be removed meanwhile); other saves of
    // one document do not wait for each other.
    let moves = match edit.section {
        SectionChoice::Keep => false,
        SectionChoice::Node(node) => Some(node) != comment.section_id,
        SectionChoice::General => true,
    };
    let outline = if moves {
        db::documents::lock(conn, comment.document_id)?;
        sections::for_document(conn, comment.document_id)?
    } else {
        Vec::new()
    };
    let mut problems = Vec::new();

    let (section_id, tag_source, tag_span, tag_conflict) = match edit.section {
        SectionChoice::Node(node) if Some(node) == comment.section_id => keep(&comment),
        SectionChoice::Keep => keep(&comment),
        SectionChoice::General => (None, TagSource::Manual, None, None),
        SectionChoice::Node(node) => {
            if !outline.iter().any(|s| s.id == node) {
                problems.push(format!(
                    "Section: outline node #{node} is not in this document's outline."
                ));
            }
            (Some(node), TagSource::Manual, None, None)
        }
    };
    // A new assignee must be an active account; keeping the one the
    // comment has is always allowed, even if that account was turned
    // off since (its comments can still be answered).
    let assignee = match edit.assignee {
        Some(user) if Some(user) == comment.assignee_id => Some(users::find(conn, user)?),
        Some(user) => match users::find(conn, user) {
            Ok(found) if found.active => Some(found),
            Ok(_) | Err(diesel::result::Error::NotFound) => {
                problems.push("Assignee: that account does not exist or is inactive.".into());
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let duplicate_of = match edit.duplicate_of.trim() {
        "" => None,
        tracking => match comments::find_by_tracking(conn, comment.document_id, tracking)? {
            Some(other) if other.id == comment.id => {
                problems.push("Duplicate of: a comment cannot duplicate itself.".into());
                None
            }
            Some(other) => Some(other),
            None => {
                problems.push(format!(
                        "Duplicate of: no comment of this document has the tracking number “{tracking}”."
                    ));
                None
            }
        },
    };
    match (edit.disposition, edit.duplicate_of.trim().is_empty()) {
        (Some(Disposition::Duplicate), true) => problems.push(
            "Duplicate of: a comment answered as a duplicate names the comment it duplicates."
                .into(),
        ),
        (d, false) if d != Some(Disposition::Duplicate) => {
            problems.push("Disposition: set it to “duplicate”, or clear “duplicate of”.".into())
        }
        _ => {}
    }
    let response = edit.response.trim();
    if response.chars().count() > MAX_RESPONSE_CHARS {
        problems.push(format!(
            "Response: {} characters is more than the {MAX_RESPONSE_CHARS} a response may have.",
            response.chars().count()
        ));
    }
    if !problems.is_empty() {
        return Err(TriageError::Invalid(problems));
    }

    let status = super::status::settled(
        comment.status,
        edit.status,
        Answer::new(comment.disposition.0, comment.response.as_deref()),
        Answer::new(edit.disposition, Some(response)),
    );
    let fields = TriageFields {
        section_id,
        tag_source: tag_source.into(),
        tag_span: tag_span.as_deref(),
        tag_conflict: tag_conflict.as_deref(),
        status: status.into(),
        disposition: edit.disposition.map(Into::into),
        response: (!response.is_empty()).then_some(response),
        assignee_id: assignee.as_ref().map(|u| u.id),
        duplicate_of_id: duplicate_of.as_ref().map(|c| c.id),
    };
    let mut changes: Vec<FieldChange> = Vec::new();
    if (section_id, tag_source) != (comment.section_id, comment.tag_source) {
        let now = if section_id.is_none() {
            "General".to_owned()
        } else {
            filed_under(&outline, section_id)
        };
        changes.push(FieldChange::new(
            "section",
            Some(filed_now(&outline, &comment)),
            Some(now),
        ));
    }
    if status != comment.status {
        changes.push(FieldChange::new(
            "status",
            Some(comment.status.to_string()),
            Some(status.to_string()),
        ));
    }
    if edit.disposition != comment.disposition.0 {
        changes.push(FieldChange::new(
            "disposition",
            comment.disposition.0.map(|d| d.to_string()),
            edit.disposition.map(|d| d.to_string()),
        ));
    }
    if fields.response != comment.response.as_deref() {
        changes.push(FieldChange::new(
            "response",
            comment.response.clone(),
            fields.response.map(str::to_owned),
        ));
    }
    if fields.assignee_id != comment.assignee_id {
        let name =
            |id: Option<i64>, conn: &mut DbConnection| -> Result<Option<String>, TriageError> {
                Ok(match id {
                    Some(id) => Some(users::find(conn, id)?.name),
                    None => None,
                })
            };
        let old = name(comment.assignee_id, conn)?;
        changes.push(FieldChange::new(
            "assignee",
            old,
            assignee.as_ref().map(|u| u.name.clone()),
        ));
    }
    if fields.duplicate_of_id != comment.duplicate_of_id {
        let old = match comment.duplicate_of_id {
            Some(other) => Some(comments::find(conn, other)?.tracking_number),
            None => None,
        };
        changes.push(FieldChange::new(
            "duplicate_of",
            old,
            duplicate_of.map(|c| c.tracking_number),
        ));
    }
    if changes.is_empty() {
        // Nothing to store: the version stays, so no other editor's
        // open form goes stale, and the history gets no empty entry.
        return Ok(Saved {
            comment,
            newly_assigned_to: None,
        });
    }
    let Some(saved) = comments::save_triage(conn, id, version, &fields, user_id, &changes)? else {
        return Err(TriageError::ChangedMeanwhile(Box::new(comments::find(
            conn, id,
        )?)));
    };
    let newly_assigned_to = fields
        .assignee_id
        .filter(|a| Some(*a) != comment.assignee_id);
    Ok(Saved {
        comment: saved,
        newly_assigned_to,
    })
}

type Tag = (Option<i64>, TagSource, Option<String>, Option<String>);

fn keep(comment: &Comment) -> Tag {
    (
        comment.section_id,
        comment.tag_source,
        comment.tag_span.clone(),
        comment.tag_conflict.clone(),
    )
}
