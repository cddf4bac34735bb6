//! `POST /editor/comments/{id}/quick`: a queue row's quick controls, one
//! change on top of what is stored:
//!
//! - `disposition=accepted` (or another of `queue_row::QUICK`; never
//!   "duplicate", which needs the comment it duplicates) sets the
//!   disposition, keeps the response, section, assignee and duplicate-of as
//!   they are, and moves the status from "new" to "in review" (any other
//!   status stays: a resolved comment answered again stays resolved);
//! - `assign=me` assigns the comment to the editor, nothing else.
//!
//! Both go through `triage::save`, as the comment page's form does, so the
//! version check (`version`: the row's, as the queue showed it), the audit
//! events and the assignment e-mail are the same.
//!
//! htmx (`HX-Request: true`) gets the row alone, as stored after the
//! request: 200 saved; 409 someone saved the comment after the queue was
//! shown, so nothing was saved and the row shows what is stored now and by
//! whom; 422 refused, and why. A plain form post (no JavaScript) is sent
//! back to `back` (the queue, kept on this site) with a flash message
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
use crate::triage::{self, QuickChange, Saved, TriageError};
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
    /// The queue the row is on, to go back to.
    #[serde(default)]
    back: String,
}

impl QuickForm {
    fn change(&self) -> Result<QuickChange, String> {
        match (self.disposition.as_str(), self.assign.as_str()) {
            ("", "me") => Ok(QuickChange::AssignToMe),
            ("", "") => Err("Choose a disposition or “assign to me”.".to_owned()),
            ("", other) => Err(format!("“{other}” is not someone to assign to here; only “me” is.")),
            ("duplicate", "") => Err("A duplicate names the comment it duplicates: mark it on the comment's page, or select it and use “mark as duplicates of”.".to_owned()),
            (word, "") => quick_disposition(word)
                .map(QuickChange::Answer)
                .ok_or_else(|| format!("“{word}” is not a disposition.")),
            _ => Err("Choose a disposition or “assign to me”, not both.".to_owned()),
        }
    }
}

/// What the row's note says was done.
fn what_was_done(change: QuickChange) -> String {
    match change {
        QuickChange::Answer(disposition) => disposition.to_string().replace('_', " "),
        QuickChange::AssignToMe => "assigned to you".to_owned(),
    }
}

/// The save's outcome and what the row needs to show the comment now.
struct Done {
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
            let result = match asked {
                Ok(change) => {
                    let edit = change.edit(conn, &c, me)?;
                    triage::save(conn, id, version, &edit, me)
                }
                Err(problem) => Err(TriageError::Invalid(vec![problem])),
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
        result,
        now,
        outline,
        users,
        slug,
        changed_by,
    } = done;
    let back = local_path(&form.back).unwrap_or_else(|| format!("/editor/d/{slug}/s/all"));
    let (status, note) = match result {
        Ok(saved) => {
            super::notify::assigned(&state, &who.user, std::slice::from_ref(&saved)).await;
            let what = change.map(what_was_done).unwrap_or_default();
            (StatusCode::OK, RowNote::saved(format!("Saved: {what}.")))
        }
        Err(TriageError::ChangedMeanwhile(_)) => {
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
        Err(TriageError::Invalid(problems)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            RowNote::invalid(format!("Nothing was saved: {}", problems.join(" "))),
        ),
        Err(other) => return Err(other.into()),
    };

    if !is_htmx(&req) {
        flash(&session, format!("{}: {}", now.tracking_number, note.text));
        return Ok(see_other(&back));
    }
    let words = searched(&back);
    let mut row = QueueRow::new(now, &outline, &words, &|user| name_in(&users, user));
    row.note = Some(note);
    page(
        status,
        &RowFragment {
            row,
            csrf: csrf::token(&session)?,
            here: back,
            quick: &QUICK,
        },
    )
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
    use super::{QuickChange, QuickForm, searched};
    use crate::domain::Disposition;

    fn form(disposition: &str, assign: &str) -> QuickForm {
        QuickForm {
            csrf: String::new(),
            version: 1,
            disposition: disposition.to_owned(),
            assign: assign.to_owned(),
            back: String::new(),
        }
    }

    #[test]
    fn one_change_at_a_time_and_never_a_duplicate() {
        assert_eq!(
            form("declined", "").change(),
            Ok(QuickChange::Answer(Disposition::Declined))
        );
        assert_eq!(form("", "me").change(), Ok(QuickChange::AssignToMe));
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
    fn the_queues_search_words_come_from_back() {
        assert_eq!(
            searched("/editor/d/x/s/all?type=technical&q=Device+pairing&page=2"),
            ["device", "pairing"]
        );
        assert!(searched("/editor/d/x/s/all").is_empty());
    }
}
