//! `POST /editor/d/{slug}/bulk`: the queue's "with the selected comments"
//! form. Rows carry `id:version`, so a comment changed since the queue was
//! shown is left alone and named in the report instead of overwritten.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::{SignedIn, flash};
use crate::db::DbError;
use crate::documents;
use crate::domain::Disposition;
use crate::triage::{self, BulkAction, TriageError};
use crate::web::{AppState, WebError, csrf, see_other};

/// The most comments one bulk change may touch (a queue page shows 50).
const MAX_SELECTED: usize = 500;

/// The form, read by hand: it repeats `c` once per selected row, which
/// `web::Form` cannot hold.
#[derive(Debug, Default)]
struct BulkForm {
    csrf: String,
    selected: Vec<(i64, i32)>,
    action: String,
    assignee: String,
    disposition: String,
    response: String,
    duplicate_of: String,
    back: String,
}

impl BulkForm {
    fn read(body: &[u8]) -> Result<Self, WebError> {
        let mut form = Self::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => form.csrf = value,
                "c" => {
                    let parsed = value
                        .split_once(':')
                        .and_then(|(id, version)| Some((id.parse().ok()?, version.parse().ok()?)));
                    let Some(item) = parsed else {
                        return Err(WebError::BadRequest(format!(
                            "“{value}” is not a selected comment; reload the page and try again."
                        )));
                    };
                    form.selected.push(item);
                }
                "action" => form.action = value,
                "assignee" => form.assignee = value,
                "disposition" => form.disposition = value,
                "response" => form.response = value,
                "duplicate_of" => form.duplicate_of = value,
                "back" => form.back = value,
                _ => {}
            }
        }
        Ok(form)
    }

    fn action(&self) -> Result<BulkAction, String> {
        match self.action.as_str() {
            "assign" => match self.assignee.as_str() {
                "" | "none" => Ok(BulkAction::Assign(None)),
                id => id
                    .parse()
                    .map(|id| BulkAction::Assign(Some(id)))
                    .map_err(|_| format!("“{id}” is not an account.")),
            },
            "answer" => {
                let disposition: Disposition = self
                    .disposition
                    .parse()
                    .map_err(|_| "Choose a disposition for the selected comments.".to_owned())?;
                Ok(BulkAction::Answer {
                    disposition,
                    response: self.response.clone(),
                })
            }
            "duplicate" if self.duplicate_of.trim().is_empty() => {
                Err("Give the tracking number of the comment they duplicate.".to_owned())
            }
            "duplicate" => Ok(BulkAction::DuplicateOf(self.duplicate_of.trim().to_owned())),
            _ => Err("Choose what to do with the selected comments.".to_owned()),
        }
    }
}

pub async fn apply(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    // Read as raw bytes whatever its type, so the edge's NUL check (which
    // goes by the type) may not have seen it.
    if let Some(field) = crate::web::nul::in_form(&body) {
        return Err(crate::web::nul::refused_field(&field));
    }
    let form = BulkForm::read(&body)?;
    csrf::check(&session, &form.csrf)?;
    let slug = slug.into_inner();
    let back = crate::web::auth::local_path(&form.back)
        .unwrap_or_else(|| format!("/editor/d/{slug}/s/all"));
    if form.selected.is_empty() {
        flash(
            &session,
            "Select at least one comment; nothing was changed.".to_owned(),
        );
        return Ok(see_other(&back));
    }
    if form.selected.len() > MAX_SELECTED {
        return Err(WebError::BadRequest(format!(
            "At most {MAX_SELECTED} comments can be changed at once; nothing was changed."
        )));
    }
    let action = match form.action() {
        Ok(action) => action,
        Err(message) => {
            flash(&session, format!("{message} Nothing was changed."));
            return Ok(see_other(&back));
        }
    };
    let lookup = slug.clone();
    let document = state
        .db
        .run(move |conn| documents::find(conn, &lookup))
        .await?;
    let user = who.user.id;
    let items = form.selected.clone();
    let result = state
        .db
        .run(move |conn| Ok::<_, DbError>(triage::bulk(conn, document.id, &items, &action, user)))
        .await?;
    let message = match result {
        Ok(outcome) => {
            super::notify::assigned(&state, &who.user, &outcome.saved).await;
            let mut text = format!("Saved {} comment(s).", outcome.saved.len());
            if !outcome.stale.is_empty() {
                text.push_str(&format!(
                    " Left alone, because someone changed them after this page was shown: {}.",
                    outcome.stale.join(", ")
                ));
            }
            text
        }
        Err(TriageError::Invalid(problems)) => {
            format!("Nothing was changed: {}", problems.join(" "))
        }
        Err(TriageError::NoSuchComment(id)) => {
            format!("Nothing was changed: comment #{id} is not in this document.")
        }
        Err(other) => return Err(other.into()),
    };
    flash(&session, message);
    Ok(see_other(&back))
}
