//! `POST /editor/comments/{id}/quick`: a queue row's form, one change on
//! top of what is stored (`triage::QuickChange`):
//!
//! - `disposition=accepted` (or another of `queue_row::QUICK`; never
//!   "duplicate", which needs the comment it duplicates) sets the
//!   disposition; `assign=me` assigns the comment to the editor;
//! - `response`, the row's text box, goes with either, or alone ("save
//!   response"), so what was typed is saved with the answer;
//! - `undo=1` puts back the `was_` fields a saved change's note carried
//!   (disposition, response, assignee, status): an Undo, version-checked
//!   like any save, so it is refused if the comment changed since.
//!
//! All go through `triage::save`, as the comment page's form does, so the
//! version check (`version`: the row's, as the queue showed it), the
//! status rule, the audit events and the assignment e-mail are the same.
//!
//! htmx (`HX-Request: true`) gets the row alone, as stored after the
//! request: 200 saved (with an Undo, unless it was one); 409 someone saved
//! the comment after the queue was shown, so nothing was saved and the row
//! shows what is stored now and by whom; 422 refused, and why. A refused
//! row keeps the response as typed. A plain form post (no JavaScript) is
//! sent back to `back` (the queue, kept on this site) with a flash message
//! saying the same.

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::queue_row::{QUICK, QueueRow, RowFragment, RowNote, name_in, quick_disposition};
use super::{SignedIn, flash};
use crate::db::comments::Comment;
use crate::db::queue::search_words;
use crate::db::{self, DbError, sections::Section, users::User};
use crate::domain::{Disposition, TriageStatus};
use crate::triage::{self, Earlier, QuickChange, QuickStep, Saved, TriageError};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, auth::local_path, csrf, is_htmx, page, see_other};

tokened!(QuickForm);

#[derive(Deserialize)]
pub struct QuickForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    assign: String,
    /// The response as typed in the row; absent: the stored one stays.
    response: Option<String>,
    /// `1`: undo the row's last change, putting back the `was_` fields.
    #[serde(default)]
    undo: String,
    #[serde(default)]
    was_disposition: String,
    #[serde(default)]
    was_response: String,
    #[serde(default)]
    was_assignee: String,
    #[serde(default)]
    was_status: String,
    /// The queue the row is on, to go back to.
    #[serde(default)]
    back: String,
}

impl QuickForm {
    fn change(&self) -> Result<QuickChange, String> {
        if self.undo == "1" {
            return self.earlier().map(QuickChange::Restore);
        }
        let step = match (self.disposition.as_str(), self.assign.as_str()) {
            ("", "me") => Some(QuickStep::AssignToMe),
            ("", "") if self.response.is_some() => None,
            ("", "") => return Err("Choose a disposition or “assign to me”, or type a response.".to_owned()),
            ("", other) => return Err(format!("“{other}” is not someone to assign to here; only “me” is.")),
            ("duplicate", "") => return Err("A duplicate names the comment it duplicates: mark it on the comment's page, or select it and use “mark as duplicates of”.".to_owned()),
            (word, "") => Some(
                quick_disposition(word)
                    .map(QuickStep::Answer)
                    .ok_or_else(|| format!("“{word}” is not a disposition."))?,
            ),
            _ => return Err("Choose a disposition or “assign to me”, not both.".to_owned()),
        };
        Ok(QuickChange::Row {
            step,
            response: self.response.clone(),
        })
    }

    /// What an Undo puts back, as the row that offered it carried it.
    fn earlier(&self) -> Result<Earlier, String> {
        let disposition = match self.was_disposition.as_str() {
            "" => None,
            word => Some(
                word.parse::<Disposition>()
                    .map_err(|_| format!("“{word}” is not a disposition."))?,
            ),
        };
        let assignee = match self.was_assignee.as_str() {
            "" => None,
            id => Some(
                id.parse::<i64>()
                    .map_err(|_| format!("“{id}” is not an account."))?,
            ),
        };
        let status = self
            .was_status
            .parse::<TriageStatus>()
            .map_err(|_| format!("“{}” is not a status.", self.was_status))?;
        Ok(Earlier {
            disposition,
            response: self.was_response.clone(),
            assignee,
            status,
        })
    }
}

/// The save's outcome and what the row needs to show the comment now.
struct Done {
    /// The comment as the request found it (what an Undo puts back).
    before: Comment,
    /// The comment's submission: (id, tracking number, name, organisation).
    senders: Vec<(i64, String, String, String)>,
    result: Result<Saved, TriageError>,
    now: Comment,
    outline: Vec<Section>,
    users: Vec<User>,
    slug: String,
    /// After a refused save: who made the last recorded change, when that
    /// change is the comment's latest (`Some(None)`: docket itself).
    changed_by: Option<Option<i64>>,
}

pub async fn apply(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    form: CsrfForm<QuickForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let change = form.change();
    let (me, version, asked) = (who.user.id, form.version, change.clone());
    let done = state
        .db
        .run(move |conn| {
            let c = db::comments::find(conn, id)?;
            let result = match &asked {
                Ok(change) => {
                    let edit = change.edit(conn, &c, me)?;
                    triage::save(conn, id, version, &edit, me)
                }
                Err(problem) => Err(TriageError::Invalid(vec![problem.clone()])),
            };
            let result = match result {
                Err(TriageError::Database(e)) => return Err(e),
                other => other,
            };
            let now = match &result {
                Ok(saved) => saved.comment.clone(),
                Err(TriageError::ChangedMeanwhile(now)) => (**now).clone(),
                // Refused (or gone meanwhile: then 404).
                Err(_) => db::comments::find(conn, id)?,
            };
            let changed_by = match &result {
                Err(TriageError::ChangedMeanwhile(_)) => last_change_by(conn, &now)?,
                _ => None,
            };
            Ok::<_, DbError>(Done {
                before: c,
                senders: db::submissions::senders(conn, &[now.submission_id])?,
                outline: db::sections::for_document(conn, now.document_id)?,
                users: db::users::list(conn)?,
                slug: db::documents::find_by_id(conn, now.document_id)?.slug,
                result,
                now,
                changed_by,
            })
        })
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => WebError::NotFound(format!("comment #{id} does not exist")),
            other => other.into(),
        })?;

    let Done {
        before,
        senders,
        result,
        now,
        outline,
        users,
        slug,
        changed_by,
    } = done;
    let back = local_path(&form.back).unwrap_or_else(|| format!("/editor/d/{slug}/s/all"));
    // What was typed in the row, when it was not saved: the row shows it
    // again rather than lose it.
    let mut typed = None;
    let (status, note) = match result {
        Ok(saved) => {
            super::notify::assigned(&state, &who.user, std::slice::from_ref(&saved)).await;
            let done = triage::what_changed(&before, &saved.comment, me);
            match change {
                _ if done.is_empty() => (
                    StatusCode::OK,
                    RowNote::saved("Nothing to change.".to_owned()),
                ),
                Ok(QuickChange::Restore(_)) => (
                    StatusCode::OK,
                    RowNote::saved(format!("Undone: {}.", done.join(", "))),
                ),
                _ => {
                    let mut note = RowNote::saved(format!("Saved: {}.", done.join(", ")));
                    note.undo = Some(Earlier::of(&before));
                    (StatusCode::OK, note)
                }
            }
        }
        Err(TriageError::ChangedMeanwhile(_)) => {
            typed = typed_response(&change);
            let by = match changed_by {
                Some(Some(user)) if user == me => "you (in another window)".to_owned(),
                Some(Some(user)) => name_in(&users, Some(user)),
                Some(None) => "docket".to_owned(),
                None => "someone else".to_owned(),
            };
            (
                StatusCode::CONFLICT,
                RowNote::conflict(format!(
                    "Changed by {by} meanwhile, so nothing was saved; this is how it is stored now."
                )),
            )
        }
        Err(TriageError::Invalid(problems)) => {
            typed = typed_response(&change);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                RowNote::invalid(format!("Nothing was saved: {}", problems.join(" "))),
            )
        }
        Err(other) => return Err(other.into()),
    };

    if !is_htmx(&req) {
        flash(&session, format!("{}: {}", now.tracking_number, note.text));
        return Ok(see_other(&back));
    }
    let words = searched(&back);
    let mut row = QueueRow::new(
        now,
        &outline,
        &words,
        &|user| name_in(&users, user),
        &senders,
    );
    if let Some(typed) = typed {
        row.response = typed;
    }
    row.note = Some(note);
    page(
        status,
        &RowFragment {
            row,
            csrf: csrf::token(&session)?,
            here: back,
            quick: &QUICK,
            keys: who.user.key_shortcuts,
        },
    )
}

/// The response typed in the row, if the refused change carried one.
fn typed_response(change: &Result<QuickChange, String>) -> Option<String> {
    match change {
        Ok(QuickChange::Row {
            response: Some(typed),
            ..
        }) => Some(typed.clone()),
        _ => None,
    }
}

/// Who made the comment's latest change, if the history has it: its last
/// event, when that event was written with the comment's latest update (a
/// change without one, such as automatic re-tagging, names nobody).
fn last_change_by(
    conn: &mut db::DbConnection,
    now: &Comment,
) -> Result<Option<Option<i64>>, DbError> {
    let history = db::audit::for_comment(conn, now.id)?;
    Ok(history
        .last()
        .filter(|event| {
            (now.updated_at - event.created_at).unsigned_abs() <= Duration::from_secs(5)
        })
        .map(|event| event.user_id))
}

/// The words the queue at `back` searched for, to mark them in the row.
fn searched(back: &str) -> Vec<String> {
    let query = back.split_once('?').map_or("", |(_, query)| query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "q")
        .map(|(_, words)| search_words(&words))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{QuickChange, QuickForm, QuickStep, searched};
    use crate::domain::{Disposition, TriageStatus};
    use crate::triage::Earlier;

    fn form(disposition: &str, assign: &str) -> QuickForm {
        QuickForm {
            csrf: String::new(),
            version: 1,
            disposition: disposition.to_owned(),
            assign: assign.to_owned(),
            response: None,
            undo: String::new(),
            was_disposition: String::new(),
            was_response: String::new(),
            was_assignee: String::new(),
            was_status: String::new(),
            back: String::new(),
        }
    }

    fn row(step: Option<QuickStep>, response: Option<&str>) -> QuickChange {
        QuickChange::Row {
            step,
            response: response.map(str::to_owned),
        }
    }

    #[test]
    fn one_step_at_a_time_and_never_a_duplicate() {
        assert_eq!(
            form("declined", "").change(),
            Ok(row(Some(QuickStep::Answer(Disposition::Declined)), None))
        );
        assert_eq!(
            form("", "me").change(),
            Ok(row(Some(QuickStep::AssignToMe), None))
        );
        assert!(
            form("duplicate", "")
                .change()
                .unwrap_err()
                .contains("names the comment")
        );
        assert!(
            form("bogus", "")
                .change()
                .unwrap_err()
                .contains("“bogus” is not")
        );
        assert!(form("", "").change().is_err());
        assert!(form("", "7").change().is_err());
        assert!(
            form("noted", "me")
                .change()
                .unwrap_err()
                .contains("not both")
        );
    }

    #[test]
    fn the_typed_response_goes_with_a_step_or_alone() {
        let mut typed = form("accepted", "");
        typed.response = Some("Done.".into());
        assert_eq!(
            typed.change(),
            Ok(row(
                Some(QuickStep::Answer(Disposition::Accepted)),
                Some("Done.")
            ))
        );
        let mut alone = form("", "");
        alone.response = Some(String::new());
        assert_eq!(alone.change(), Ok(row(None, Some(""))));
    }

    #[test]
    fn an_undo_puts_back_what_its_row_carried() {
        let mut undo = form("", "");
        undo.undo = "1".into();
        undo.was_status = "new".into();
        assert_eq!(
            undo.change(),
            Ok(QuickChange::Restore(Earlier {
                disposition: None,
                response: String::new(),
                assignee: None,
                status: TriageStatus::New,
            }))
        );
        undo.was_disposition = "duplicate".into();
        undo.was_response = "Merged.".into();
        undo.was_assignee = "7".into();
        undo.was_status = "resolved".into();
        assert_eq!(
            undo.change(),
            Ok(QuickChange::Restore(Earlier {
                disposition: Some(Disposition::Duplicate),
                response: "Merged.".into(),
                assignee: Some(7),
                status: TriageStatus::Resolved,
            }))
        );
        undo.was_status = "lost".into();
        assert!(
            undo.change()
                .unwrap_err()
                .contains("“lost” is not a status")
        );
        undo.was_status = "new".into();
        undo.was_assignee = "me".into();
        assert!(undo.change().is_err());
    }

    #[test]
    fn the_queues_search_words_come_from_back() {
        assert_eq!(
            searched("/editor/d/x/s/all?type=technical&q=Device+pairing&page=2"),
            ["device", "pairing"]
        );
        assert!(searched("/editor/d/x/s/all").is_empty());
    }
}
