//! The offline round trip: a disposition table exported by docket (any
//! preset, XLSX or CSV), edited in a spreadsheet and sent back. Rows are
//! matched by tracking number; [`plan`] says what would change, what
//! conflicts and what cannot be matched, without writing anything;
//! [`apply`] writes the changes through the same save as the comment page
//! (version-checked, with audit events).
//!
//! A blank cell leaves docket's value as it is: clearing an answer is done
//! in docket, never by an emptied cell. A row whose comment was saved in
//! docket after the export (its version moved on) and that the file would
//! change is a conflict, left for the editor to decide on the comment's
//! page. A table without the version column cannot tell: its changes
//! apply, and the preview says so.

mod sheet;

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::comments::Comment;
use crate::db::schema::comments;
use crate::db::{self, DbConnection, DbError};
use crate::domain::Disposition;
use crate::intake::{self, IntakeError, Limits};
use crate::triage::{self, MAX_RESPONSE_CHARS, TriageEdit, TriageError};

pub use sheet::{Answer, CellProblem, Layout};

/// Changes written per transaction: a large table does not hold SQLite's
/// write lock long enough to make other editors' saves wait.
const APPLY_CHUNK: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ReimportError {
    #[error(transparent)]
    Unreadable(#[from] IntakeError),
    /// No sheet has a tracking column beside a disposition or response one.
    #[error(
        "no disposition table was found: docket looks in the first 30 rows of each sheet for a header with the tracking number (\"Tracking #\" or \"CID\") and a disposition or response column (\"Disposition\", \"Response\", \"Resn Status\", \"Resolution\" or \"Observations of the secretariat\"), as docket's exports have"
    )]
    NoTable,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for ReimportError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// One comment the file would change.
#[derive(Clone, Debug)]
pub struct CommentChange {
    pub row: u32,
    pub comment: Comment,
    pub disposition: Option<Disposition>,
    pub response: Option<String>,
}

/// A row that changes a comment edited in docket since the export.
#[derive(Clone, Debug)]
pub struct Conflict {
    pub row: u32,
    pub comment: Comment,
    pub answer: Answer,
}

/// A row whose tracking number is not a comment of this document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub row: u32,
    pub tracking: String,
}

/// What a table sent back would do.
#[derive(Clone, Debug)]
pub struct Plan {
    pub layout: Layout,
    pub changes: Vec<CommentChange>,
    pub conflicts: Vec<Conflict>,
    pub unmatched: Vec<Unmatched>,
    pub problems: Vec<CellProblem>,
    pub unchanged: usize,
    /// Other sheets with a tracking column (a sheet per section): not
    /// read, so edits made there do not count; the preview says so.
    pub other_sheets: Vec<String>,
}

/// Reads the file and compares it with what is stored. Writes nothing.
pub fn plan(
    conn: &mut DbConnection,
    document_id: i64,
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Plan, ReimportError> {
    let (_, sheets, _) = intake::read_sheets(file_name, bytes, limits)?;
    let mut tables = sheet::tables(&sheets);
    let (s, header, layout) = tables.next().ok_or(ReimportError::NoTable)?;
    let other_sheets = tables.filter_map(|(_, _, l)| l.sheet).collect();
    let mut plan = Plan {
        other_sheets,
        layout,
        changes: Vec::new(),
        conflicts: Vec::new(),
        unmatched: Vec::new(),
        problems: Vec::new(),
        unchanged: 0,
    };
    let mut answers = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in &sheets[s].rows[header + 1..] {
        match plan.layout.read(row) {
            None => {}
            Some(Err(problem)) => plan.problems.push(problem),
            Some(Ok(answer)) => {
                if let Some(first) = seen.insert(answer.tracking.clone(), answer.row) {
                    plan.problems.push(CellProblem {
                        row: answer.row,
                        column: String::new(),
                        message: format!(
                            "{} is also on row {first}; only that row is read",
                            answer.tracking
                        ),
                    });
                    seen.insert(answer.tracking.clone(), first);
                    continue;
                }
                answers.push(answer);
            }
        }
    }
    let stored = by_tracking(conn, document_id, &answers)?;
    for answer in answers {
        let Some(comment) = stored.get(&answer.tracking) else {
            plan.unmatched.push(Unmatched {
                row: answer.row,
                tracking: answer.tracking,
            });
            continue;
        };
        let disposition = answer.disposition.or(comment.disposition.0);
        let response = answer.response.clone().or_else(|| comment.response.clone());
        let same_response =
            response.as_deref().map(str::trim) == comment.response.as_deref().map(str::trim);
        // ISO's column as exported for a response without a disposition.
        let same_as_exported = comment.disposition.0.is_none()
            && answer.as_written.is_some()
            && answer.as_written.as_deref().map(str::trim)
                == comment.response.as_deref().map(str::trim);
        if (disposition == comment.disposition.0 && same_response) || same_as_exported {
            plan.unchanged += 1;
            continue;
        }
        if answer.version.is_some_and(|v| v != comment.version) {
            plan.conflicts.push(Conflict {
                row: answer.row,
                comment: comment.clone(),
                answer,
            });
            continue;
        }
        if let Some(message) = refused(comment, disposition, response.as_deref()) {
            plan.problems.push(CellProblem {
                row: answer.row,
                column: plan.layout.answer_headers().join(" / "),
                message,
            });
            continue;
        }
        plan.changes.push(CommentChange {
            row: answer.row,
            comment: comment.clone(),
            disposition,
            response,
        });
    }
    Ok(plan)
}

/// What the comment page's save would refuse, said before trying.
fn refused(
    comment: &Comment,
    disposition: Option<Disposition>,
    response: Option<&str>,
) -> Option<String> {
    let duplicate = disposition == Some(Disposition::Duplicate);
    if duplicate && comment.duplicate_of_id.is_none() {
        return Some(format!(
            "{} is answered “duplicate” but docket does not know which comment it duplicates; set “Duplicate of” on its page",
            comment.tracking_number
        ));
    }
    if !duplicate && comment.duplicate_of_id.is_some() {
        return Some(format!(
            "{} is marked in docket as a duplicate of another comment; change that on its page first",
            comment.tracking_number
        ));
    }
    let chars = response.map_or(0, |r| r.trim().chars().count());
    (chars > MAX_RESPONSE_CHARS).then(|| {
        format!("the response has {chars} characters; a response may have {MAX_RESPONSE_CHARS}")
    })
}

/// The stored comments the answers name, by tracking number.
fn by_tracking(
    conn: &mut DbConnection,
    document_id: i64,
    answers: &[Answer],
) -> QueryResult<HashMap<String, Comment>> {
    let mut found = HashMap::with_capacity(answers.len());
    // Comments still arriving are not there yet.
    let hidden = crate::db::submissions::arriving_in(conn, document_id)?;
    for chunk in answers.chunks(500) {
        let wanted: Vec<&str> = chunk.iter().map(|a| a.tracking.as_str()).collect();
        let rows: Vec<Comment> = comments::table
            .filter(comments::document_id.eq(document_id))
            .filter(comments::submission_id.ne_all(&hidden))
            .filter(comments::tracking_number.eq_any(wanted))
            .select(Comment::as_select())
            .load(conn)?;
        found.extend(rows.into_iter().map(|c| (c.tracking_number.clone(), c)));
    }
    Ok(found)
}

/// What an apply did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    pub saved: usize,
    /// Comments saved by someone else between the plan and the save.
    pub conflicts: Vec<String>,
    /// Saves refused for what the file says (tracking number, why).
    pub refused: Vec<(String, String)>,
}

/// Saves every change of `plan` as `user_id`, each only at the version
/// the plan saw, with its audit events. Its status follows its answer
/// (`triage::status`): a disposition and a response resolve it.
pub fn apply(conn: &mut DbConnection, plan: &Plan, user_id: i64) -> Result<Applied, ReimportError> {
    let mut applied = Applied::default();
    for chunk in plan.changes.chunks(APPLY_CHUNK) {
        db::write_transaction(conn, |conn| -> Result<(), ReimportError> {
            for change in chunk {
                save(conn, change, user_id, &mut applied)?;
            }
            Ok(())
        })?;
    }
    Ok(applied)
}

fn save(
    conn: &mut DbConnection,
    change: &CommentChange,
    user_id: i64,
    applied: &mut Applied,
) -> Result<(), ReimportError> {
    let c = &change.comment;
    let edit = TriageEdit {
        disposition: change.disposition,
        response: change.response.clone().unwrap_or_default(),
        ..TriageEdit::keeping(conn, c)?
    };
    match triage::save(conn, c.id, c.version, &edit, user_id) {
        Ok(_) => applied.saved += 1,
        Err(TriageError::ChangedMeanwhile(_) | TriageError::Stale { .. }) => {
            applied.conflicts.push(c.tracking_number.clone());
        }
        Err(TriageError::Invalid(problems)) => {
            applied
                .refused
                .push((c.tracking_number.clone(), problems.join(" ")));
        }
        Err(TriageError::NoSuchComment(_)) => {
            applied.refused.push((
                c.tracking_number.clone(),
                "the comment was removed".to_owned(),
            ));
        }
        Err(TriageError::Database(e)) => return Err(e.into()),
        Err(TriageError::NoSuchSection(_)) => {}
    }
    Ok(())
}
