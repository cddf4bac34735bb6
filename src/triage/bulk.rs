//! One change applied to many comments at once from a queue: assign them,
//! answer them (disposition and response), or mark them as duplicates of one
//! comment. Each comment goes through [`save`](super::save) with the version
//! its row showed, inside one transaction: a comment someone changed since
//! is left alone and reported, the others are saved, each with its own
//! audit events.

use super::{Saved, TriageEdit, TriageError, save};
use crate::db::comments::{self, Comment};
use crate::db::{self, DbConnection};
use crate::domain::Disposition;

/// What to do to every selected comment.
#[derive(Clone, Debug)]
pub enum BulkAction {
    /// `None`: unassign.
    Assign(Option<i64>),
    Answer {
        disposition: Disposition,
        response: String,
    },
    /// The tracking number of the comment they duplicate.
    DuplicateOf(String),
}

/// What a bulk change did.
#[derive(Clone, Debug, Default)]
pub struct BulkOutcome {
    pub saved: Vec<Saved>,
    /// Tracking numbers of comments changed by someone else meanwhile.
    pub stale: Vec<String>,
}

/// Applies `action` to each `(comment id, version)` of `document_id`.
pub fn bulk(
    conn: &mut DbConnection,
    document_id: i64,
    items: &[(i64, i32)],
    action: &BulkAction,
    user_id: i64,
) -> Result<BulkOutcome, TriageError> {
    db::write_transaction(conn, |conn| {
        let mut outcome = BulkOutcome::default();
        for &(id, version) in items {
            let comment = comments::find(conn, id).map_err(|e| match e {
                diesel::result::Error::NotFound => TriageError::NoSuchComment(id),
                other => other.into(),
            })?;
            if comment.document_id != document_id {
                return Err(TriageError::NoSuchComment(id));
            }
            let edit = edit_for(&comment, action, conn)?;
            match save(conn, id, version, &edit, user_id) {
                Ok(saved) => outcome.saved.push(saved),
                Err(TriageError::ChangedMeanwhile(now)) => outcome.stale.push(now.tracking_number),
                Err(TriageError::Invalid(problems)) => {
                    return Err(TriageError::Invalid(
                        problems
                            .into_iter()
                            .map(|p| format!("{}: {p}", comment.tracking_number))
                            .collect(),
                    ));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(outcome)
    })
}

/// The comment's current triage values with the action applied.
fn edit_for(
    comment: &Comment,
    action: &BulkAction,
    conn: &mut DbConnection,
) -> Result<TriageEdit, TriageError> {
    let mut edit = TriageEdit::keeping(conn, comment)?;
    match action {
        BulkAction::Assign(user) => edit.assignee = *user,
        BulkAction::Answer {
            disposition,
            response,
        } => {
            edit.disposition = Some(*disposition);
            edit.response = response.clone();
            if *disposition != Disposition::Duplicate {
                edit.duplicate_of = String::new();
            }
        }
        BulkAction::DuplicateOf(tracking) => {
            edit.disposition = Some(Disposition::Duplicate);
            edit.duplicate_of = tracking.clone();
        }
    }
    Ok(edit)
}
