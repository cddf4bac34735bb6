//! Pages for signed-in editors and admins, under `/editor`. Every handler
//! takes a [`SignedIn`], so anonymous requests never reach one.
//!
//! Pages that save in place (a queue, the comment page) load htmx from
//! `templates/editor/htmx.html`, set up for the CSP: no inline style, no
//! eval, no scripts in fragments, and 409 and 422 answers swapped in. A
//! request with `HX-Request: true` (`web::is_htmx`) gets a fragment
//! rendered from the same template file the page includes
//! (`editor/queue_row.html`, `editor/comment_triage.html`), so there is one
//! copy of the markup; a plain form post gets a redirect with a flash, or
//! the whole page, and works without JavaScript. An htmx request without
//! a sign-in gets 401 and `HX-Redirect` to the sign-in form
//! (`web::HtmxError`), not the sign-in page swapped into a row.

mod bulk;
mod clusters;
mod comment;
mod dashboard;
pub(crate) mod export;
mod find;
mod home;
pub(crate) mod notify;
mod outline;
mod outline_edit;
mod profile;
mod publish;
mod queue;
mod queue_nav;
mod queue_row;
mod quick;
mod reimport;
mod replies;
mod tags;
mod triage_form;

use actix_session::Session;
use actix_web::web;

use super::auth::SignedIn;
use super::{WebError, csrf};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/editor", web::get().to(home::show))
        .route("/editor/find", web::get().to(find::show))
        .route("/editor/profile", web::get().to(profile::show))
        .route("/editor/profile/tokens", web::post().to(profile::create))
        .route("/editor/profile/keys", web::post().to(profile::keys))
        .route(
            "/editor/profile/tokens/{id}/revoke",
            web::post().to(profile::revoke),
        )
        .route("/editor/d/{slug}", web::get().to(dashboard::show))
        .route("/editor/d/{slug}/outline", web::get().to(outline::show))
        .route(
            "/editor/d/{slug}/outline.{extension}",
            web::get().to(outline::download),
        )
        .route(
            "/editor/d/{slug}/outline/add",
            web::post().to(outline_edit::add),
        )
        .route(
            "/editor/d/{slug}/outline/replace",
            web::post().to(outline_edit::replace),
        )
        .route(
            "/editor/d/{slug}/outline/{id}/edit",
            web::get().to(outline_edit::edit_form),
        )
        .route(
            "/editor/d/{slug}/outline/{id}",
            web::post().to(outline_edit::update),
        )
        .route(
            "/editor/d/{slug}/outline/{id}/delete",
            web::post().to(outline_edit::remove),
        )
        .route(
            "/editor/d/{slug}/outline/{id}/owner",
            web::post().to(outline_edit::set_owner),
        )
        .route("/editor/d/{slug}/export", web::get().to(export::show))
        .route(
            "/editor/d/{slug}/export/download",
            web::get().to(export::download),
        )
        .route("/editor/d/{slug}/publish", web::post().to(publish::publish))
        .route("/editor/d/{slug}/posting", web::post().to(publish::posting))
        .route(
            "/editor/d/{slug}/replies/send",
            web::post().to(publish::send_replies),
        )
        .route("/editor/d/{slug}/reimport", web::get().to(reimport::show))
        .route(
            "/editor/d/{slug}/reimport",
            web::post().to(reimport::upload),
        )
        .route(
            "/editor/d/{slug}/reimport/{token}/apply",
            web::post().to(reimport::apply),
        )
        .route("/editor/d/{slug}/replies.zip", web::get().to(replies::all))
        .route(
            "/editor/submissions/{id}/replies",
            web::get().to(replies::one),
        )
        .route("/editor/d/{slug}/tags", web::get().to(tags::show))
        .route("/editor/d/{slug}/s/{section}", web::get().to(queue::show))
        .route("/editor/d/{slug}/bulk", web::post().to(bulk::apply))
        .route("/editor/d/{slug}/clusters", web::get().to(clusters::show))
        .route(
            "/editor/d/{slug}/clusters/refresh",
            web::post().to(clusters::refresh),
        )
        .route("/editor/comments/{id}/section", web::post().to(tags::retag))
        .route("/editor/comments/{id}/quick", web::post().to(quick::apply))
        .route("/editor/comments/{id}", web::get().to(comment::show))
        .route("/editor/comments/{id}", web::post().to(comment::save));
}

/// What every editor page shows around its content: who is signed in, and
/// the sign-out form (which needs the CSRF token).
pub struct Chrome {
    pub name: String,
    pub admin: bool,
    pub csrf: String,
}

impl Chrome {
    pub fn new(who: &SignedIn, session: &Session) -> Result<Self, WebError> {
        Ok(Self {
            name: who.user.name.clone(),
            admin: who.is_admin(),
            csrf: csrf::token(session)?,
        })
    }
}

/// Page `wanted` (from 1) of a list of `per_page`, loaded by `load(offset,
/// limit)` which also returns the total; past the last page (after the last
/// row of the last page was dealt with), the last page. Returns the rows,
/// the total and the page number shown.
pub fn page_or_last<T, E>(
    wanted: Option<i64>,
    per_page: i64,
    mut load: impl FnMut(i64, i64) -> Result<(Vec<T>, i64), E>,
) -> Result<(Vec<T>, i64, i64), E> {
    let mut page = wanted.unwrap_or(1).clamp(1, i64::from(i32::MAX));
    let (mut rows, total) = load((page - 1) * per_page, per_page)?;
    let last = ((total + per_page - 1) / per_page).max(1);
    if page > last {
        page = last;
        rows = load((last - 1) * per_page, per_page)?.0;
    }
    Ok((rows, total, page))
}

/// The active accounts as a form's choices (id, name).
pub fn account_choices(users: &[crate::db::users::User]) -> Vec<(i64, String)> {
    assignee_choices(users, None)
}

/// The active accounts, and `current` (a comment's assignee) even if its
/// account was turned off since, marked so: a form that left it out would
/// unassign the comment on every save.
pub fn assignee_choices(
    users: &[crate::db::users::User],
    current: Option<i64>,
) -> Vec<(i64, String)> {
    users
        .iter()
        .filter(|u| u.active || Some(u.id) == current)
        .map(|u| {
            let name = if u.active {
                u.name.clone()
            } else {
                format!("{} (turned off)", u.name)
            };
            (u.id, name)
        })
        .collect()
}

const FLASH: &str = "flash";

/// A one-time message for the next page (post/redirect/get).
pub fn flash(session: &Session, message: String) {
    let _ = session.insert(FLASH, message);
}

/// Takes the one-time message, if any.
pub fn take_flash(session: &Session) -> Option<String> {
    session.remove_as::<String>(FLASH).and_then(Result::ok)
}
