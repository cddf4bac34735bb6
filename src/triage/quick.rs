//! The queue's quick changes. A queue row is one form: its response,
//! typed in the row, travels with whichever of its buttons is pressed (a
//! disposition, "assign to me", "save response"), so what was typed is
//! saved, never dropped when the row is answered and replaced. Everything
//! else stays as stored ([`TriageEdit::keeping`]); the status follows the
//! answer ([`status::settled`](super::status::settled)).
//!
//! Every quick change can be undone: [`Earlier::of`] is the comment's
//! answer, assignee and status before it, and [`QuickChange::Restore`]
//! puts them back. The undo is a save like any other: version-checked
//! (refused if the comment changed since) and audited.

use super::TriageEdit;
use crate::db::DbConnection;
use crate::db::comments::Comment;
use crate::domain::{Disposition, TriageStatus};

/// A row's step besides its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuickStep {
    Answer(Disposition),
    AssignToMe,
}

/// What a comment's answer, assignee and status were before a quick
/// change: what its Undo puts back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Earlier {
    pub disposition: Option<Disposition>,
    pub response: String,
    pub assignee: Option<i64>,
    pub status: TriageStatus,
}

impl Earlier {
    pub fn of(comment: &Comment) -> Self {
        Self {
            disposition: comment.disposition.0,
            response: comment.response.clone().unwrap_or_default(),
            assignee: comment.assignee_id,
            status: comment.status,
        }
    }
}

/// What a queue row asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuickChange {
    /// The row's form: a step, the response as typed (`None`: the form
    /// had none, so the stored one stays), or both.
    Row {
        step: Option<QuickStep>,
        response: Option<String>,
    },
    /// Undo the row's last change.
    Restore(Earlier),
}

impl QuickChange {
    /// The edit [`save`](super::save) applies for user `me`: what is
    /// stored, with this change.
    pub fn edit(
        &self,
        conn: &mut DbConnection,
        comment: &Comment,
        me: i64,
    ) -> diesel::QueryResult<TriageEdit> {
        let mut edit = TriageEdit::keeping(conn, comment)?;
        match self {
            Self::Row { step, response } => {
                match step {
                    Some(QuickStep::Answer(disposition)) => edit.disposition = Some(*disposition),
                    Some(QuickStep::AssignToMe) => edit.assignee = Some(me),
                    None => {}
                }
                if let Some(response) = response {
                    edit.response.clone_from(response);
                }
            }
            Self::Restore(earlier) => {
                edit.disposition = earlier.disposition;
                edit.response.clone_from(&earlier.response);
                edit.assignee = earlier.assignee;
                edit.status = Some(earlier.status);
            }
        }
        Ok(edit)
    }
}

/// What a saved quick change did, from the comment `before` and `after`
/// it, for the row's note (`accepted, response saved`); empty when it
/// changed nothing.
pub fn what_changed(before: &Comment, after: &Comment, me: i64) -> Vec<String> {
    let mut done = Vec::new();
    if before.disposition != after.disposition {
        done.push(match after.disposition.0 {
            Some(d) => d.to_string().replace('_', " "),
            None => "disposition cleared".to_owned(),
        });
    }
    if before.response != after.response {
        done.push(match after.response {
            Some(_) => "response saved".to_owned(),
            None => "response cleared".to_owned(),
        });
    }
    if before.assignee_id != after.assignee_id {
        done.push(match after.assignee_id {
            Some(id) if id == me => "assigned to you".to_owned(),
            Some(_) => "assignee put back".to_owned(),
            None => "assignee cleared".to_owned(),
        });
    }
    if before.status != after.status && done.is_empty() {
        done.push(format!(
            "status {}",
            after.status.to_string().replace('_', " ")
        ));
    }
    done
}
