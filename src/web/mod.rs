//! HTTP: routes, error mapping, request logging. Handlers are thin: they
//! parse the request, call `db`/domain code through [`AppState`], and render
//! one askama page struct defined beside them.
//!
//! A request: `TracingLogger` opens its span (`telemetry`) → the handler
//! parses path and form into domain types → `state.db.run(…)` does the
//! database work on a blocking thread → an auto-escaped askama page, or
//! JSON under `/api/`. Any error on the way becomes a status and a page
//! (or JSON) in `errors`, and nowhere else. [`routes`] is every route: the
//! public and sign-in pages itself, each area's through its own `routes`
//! (`submit`, `editor`, `admin`), and the API's through `api::service()`,
//! where each handler carries its own route.

mod admin;
pub mod api;
mod assets;
pub mod auth;
pub mod client;
mod csrf;
pub mod editor;
pub mod errors;
pub mod format;
mod health;
pub mod nul;
mod public;
pub mod rate_limit;
pub mod stream;
pub mod submit;
mod telemetry;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use std::sync::Arc;

use crate::db::Db;
use crate::intake::Limits;
use crate::mail::Mailer;

pub use errors::{ApiError, HtmxError, WebError};
pub use telemetry::{RequestSpan, request_id_header as telemetry_request_id_header};

/// Shared per-instance state: handles, and no data between requests but
/// the rate limits' counts (per instance by design), so any number of
/// instances can serve one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    /// Wakes this instance's mail sender after a message was queued.
    pub outbox: crate::mail::outbox::Wake,
    pub limits: Limits,
    /// What unconfirmed uploads may hold (`[uploads]`).
    pub uploads: crate::db::pending::Caps,
    /// Keys the hash of a client's address stored with its unconfirmed
    /// uploads (derived from the session key, so instances agree).
    pub client_salt: [u8; 32],
    /// `server.public_url` without a trailing slash, for links in e-mails.
    pub public_url: String,
    /// Downloads being written now (`stream::attachment` caps them).
    pub downloads: stream::Downloads,
    /// Documents whose replies are being e-mailed now, one run each.
    pub reply_runs: crate::jobs::reply_mail::ReplyRuns,
    /// Per-client-address limits and sign-in pauses: in this process's
    /// memory, so each instance counts on its own (see `rate_limit`).
    pub rate_limits: Arc<rate_limit::RateLimits>,
}

impl AppState {
    /// What a run of reply e-mails needs of this instance.
    pub fn reply_mail(&self) -> crate::jobs::reply_mail::ReplyMail {
        crate::jobs::reply_mail::ReplyMail {
            db: self.db.clone(),
            mailer: self.mailer.clone(),
            outbox: self.outbox.clone(),
            runs: self.reply_runs.clone(),
            public_url: self.public_url.clone(),
            limits: crate::replies::stored_file_limits(&self.limits),
        }
    }
}

/// Every route docket serves.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .route("/", web::get().to(public::home::show))
        .route("/d/{slug}", web::get().to(public::document::show))
        .route("/d/{slug}/comments", web::get().to(public::comments::show))
        .route(
            "/d/{slug}/template.{extension}",
            web::get().to(public::template::download),
        )
        .configure(submit::routes)
        .route("/login", web::get().to(auth::login::show))
        .route("/login", web::post().to(auth::login::submit))
        .route("/logout", web::post().to(auth::login::logout))
        .route("/invite/{token}", web::get().to(auth::invite::show))
        .route("/invite/{token}", web::post().to(auth::invite::accept))
        .configure(editor::routes)
        .configure(admin::routes)
        .route("/api/openapi.json", web::get().to(api::openapi_json))
        .service(api::service())
        .default_service(web::to(not_found));
}

/// Renders a page with a status other than 200 (a form sent back with its
/// errors, a conflict).
pub fn page(status: StatusCode, page: &impl Template) -> Result<HttpResponse, WebError> {
    let html = page.render().map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The answer to a form that worked: go to `location` with a GET
/// (post/redirect/get, so reloading does not send the form again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .finish()
}

/// Whether htmx sent the request (`HX-Request: true`): it swaps a
/// fragment of the page in place, so it gets the fragment instead of a
/// redirect or a whole page.
pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers()
        .get("HX-Request")
        .is_some_and(|value| value.as_bytes() == b"true")
}

/// URL-encoded forms: a body that does not fit the form (a field missing
/// or not a number) gets docket's 400 page instead of actix's plain text.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|error, _req| {
            WebError::BadRequest(format!(
                "The form could not be read ({error}), so nothing was changed. \
                 Go back, reload the page and send it again."
            ))
            .into()
        })
}

/// Whether a checkbox (or a yes/no query parameter) is on: browsers send
/// a checked box's value (`1`, `on`) and leave an unchecked one out; a
/// script may write `true` or `false`.
pub fn checked(value: &str) -> bool {
    !matches!(value.trim(), "" | "0" | "false" | "off" | "no")
}

/// `value` as a word of vocabulary `T`, else 400 naming `what` and every
/// word it could have been.
pub fn known_word<T>(value: &str, what: &str) -> Result<T, WebError>
where
    T: std::str::FromStr + strum::IntoEnumIterator + AsRef<str>,
{
    let value = value.trim();
    value.parse().map_err(|_| {
        let words: Vec<String> = T::iter().map(|t| t.as_ref().to_owned()).collect();
        WebError::BadRequest(format!(
            "{what} must be one of {}, not “{value}”",
            words.join(", ")
        ))
    })
}

/// Query strings that do not fit (`?page=abc`) get docket's 400 page too.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        WebError::BadRequest(format!("The address could not be read ({error}).")).into()
    })
}

/// Unknown paths: JSON under `/api/`, an HTML page everywhere else.
async fn not_found(req: HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let error = WebError::NotFound(format!("nothing is at {}", req.path()));
    if req.path().starts_with("/api/") {
        ApiError(error).error_response()
    } else {
        error.error_response()
    }
}
