//! What editors do to comments. Every change checks the comment's version
//! (optimistic locking: a form opened before someone else's save is
//! refused, never applied over it) and writes an audit event in the same
//! transaction.
//!
//! Every triage change goes through [`save()`]: the comment page, a queue's
//! quick controls and bulk form (`bulk`), a disposition table sent back
//! (`reimport`) and the API's `PATCH`, so the version check and the audit
//! events are the same whichever way an editor works. Filing a comment by
//! hand from the tags page is [`retag_by_hand`], checked the same way.
//! Where the status goes when the answer changes, on every path, is
//! [`status`]. Clusters (`similar`) are derived data: recomputing them
//! bumps no version, so open forms stay valid.

mod bulk;
mod quick;
mod recluster;
mod save;
mod section_name;
pub mod similar;
pub mod status;

pub use bulk::{BulkAction, BulkOutcome, bulk};
pub use quick::{Earlier, QuickChange, QuickStep, what_changed};
pub use save::{MAX_RESPONSE_CHARS, Saved, SectionChoice, TriageEdit, save};
pub use section_name::section_named;
pub use similar::{ClusterReport, recluster};

use crate::db::audit::{self, NewAuditEvent};
use crate::db::comments::{self, Comment};
use crate::db::sections::{self, Section};
use crate::db::{self, DbConnection, DbError};
use crate::domain::TagSource;

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("comment #{0} does not exist")]
    NoSuchComment(i64),
    #[error("outline node #{0} is not in this comment's document")]
    NoSuchSection(i64),
    /// Someone saved the comment after the form was opened; `filed` says
    /// where it is now.
    #[error("{tracking} was changed by someone else since this form was opened")]
    Stale { tracking: String, filed: String },
    /// The comment as it is now, saved by someone else after the form was
    /// opened (the form's values are kept by the caller).
    #[error("comment #{} was changed by someone else since this form was opened", .0.id)]
    ChangedMeanwhile(Box<Comment>),
    /// What the form says cannot be saved; one line per problem.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for TriageError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// Where a comment was filed before and after a hand-made tag.
#[derive(Clone, Debug)]
pub struct Refiled {
    pub comment: Comment,
    pub from: String,
    pub to: String,
}

/// Files comment `id` under `section_id` (`None`: the document's General
/// bucket) by hand. Automatic tagging never moves it again, unless that
/// section is removed from the outline.
pub fn retag_by_hand(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    section_id: Option<i64>,
    user_id: i64,
) -> Result<Refiled, TriageError> {
    db::write_transaction(conn, |conn| {
        let comment = comments::find(conn, id).map_err(|e| match e {
            diesel::result::Error::NotFound => TriageError::NoSuchComment(id),
            other => other.into(),
        })?;
        // Serialised with outline changes, so the section chosen cannot be
        // removed between this check and the update.
        db::documents::lock(conn, comment.document_id)?;
        let outline = sections::for_document(conn, comment.document_id)?;
        if let Some(target) = section_id
            && !outline.iter().any(|s| s.id == target)
        {
            return Err(TriageError::NoSuchSection(target));
        }
        let from = filed_now(&outline, &comment);
        if comment.version != version || !comments::set_manual_tag(conn, id, version, section_id)? {
            return Err(TriageError::Stale {
                tracking: comment.tracking_number,
                filed: from,
            });
        }
        let to = filed_under(&outline, section_id);
        audit::record(
            conn,
            NewAuditEvent {
                document_id: Some(comment.document_id),
                comment_id: Some(id),
                user_id: Some(user_id),
                action: "retag",
                field: Some("section"),
                old_value: Some(&from),
                new_value: Some(&to),
                created_at: db::now(),
            },
        )?;
        let comment = comments::find(conn, id)?;
        Ok(Refiled { comment, from, to })
    })
}

/// Where a comment is filed now, in words (`not found` for unresolved).
pub fn filed_now(outline: &[Section], comment: &Comment) -> String {
    if comment.tag_source == TagSource::None {
        "not found".to_owned()
    } else {
        filed_under(outline, comment.section_id)
    }
}

/// Every node of an outline as a form's choice: id, `filed_under` words,
/// and depth (capped at 6, for indenting).
pub fn section_choices(outline: &[Section]) -> Vec<(i64, String, i32)> {
    outline
        .iter()
        .map(|s| (s.id, filed_under(outline, Some(s.id)), s.depth.min(6)))
        .collect()
}

/// `4.3 Identity proofing` (`SP 800-63A 4.3 Identity proofing` in a
/// multi-volume draft), or `General`.
pub fn filed_under(outline: &[Section], section_id: Option<i64>) -> String {
    section_id
        .and_then(|id| outline.iter().find(|s| s.id == id))
        .map_or_else(
            || "General".to_owned(),
            |s| format!("{} {}", s.cited(), s.title).trim().to_owned(),
        )
}
