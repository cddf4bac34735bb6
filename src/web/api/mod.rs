//! `/api/v1/`: JSON for scripts and other systems. Documents, their
//! outlines and the disposition vocabulary are public, and anyone may
//! submit comments (as on the web form); reading comments, changing them
//! and the internal disposition table need an editor's API token
//! (`Authorization: Bearer docket_…`, made on `/editor/profile`).
//!
//! Routes and the OpenAPI description come from one place: each handler's
//! `#[utoipa::path]` sits on its actix route macro, and [`service`] both
//! registers the handlers and collects their descriptions, so
//! `/api/openapi.json` cannot list a route that is not served, or miss
//! one that is. The API keeps no session: no cookie is read, so no CSRF
//! token is needed (a cross-site page cannot send the `Authorization`
//! header or a JSON body without CORS, which docket does not grant).

mod auth;
mod comments;
mod documents;
mod model;
mod submissions;

use std::sync::OnceLock;

use actix_web::dev::HttpServiceFactory;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_actix_web::{AppExt, OpenApiFactory};

pub use auth::{ApiUser, MaybeApiUser};

use super::{ApiError, WebError};

/// Every `/api/v1/` route, with its description.
pub fn service() -> impl HttpServiceFactory + OpenApiFactory + 'static {
    utoipa_actix_web::scope("/api/v1")
        .app_data(json_config())
        .app_data(query_config())
        .app_data(path_config())
        .service(documents::list)
        .service(documents::show)
        .service(documents::outline)
        .service(documents::vocabulary)
        .service(submissions::create)
        .service(comments::list)
        .service(comments::show)
        .service(comments::update)
        .service(comments::dispositions)
}

/// What the description says besides the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "docket API",
        description = "Public comments on draft documents: documents and outlines, \
                       submitting comments, triage (dispositions and responses) and \
                       disposition tables. Editors authenticate with an API token from \
                       their profile page: `Authorization: Bearer docket_…`.",
    ),
    modifiers(&BearerToken),
    tags(
        (name = "documents", description = "Drafts open for comment, their outlines"),
        (name = "submissions", description = "Sending comments"),
        (name = "comments", description = "Reading and answering comments (editors)"),
    )
)]
struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some("An editor's API token (`docket_…`)".to_owned());
        components.add_security_scheme(auth::SCHEME, SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI 3.1 description of [`service`], built once.
pub fn description() -> &'static utoipa::openapi::OpenApi {
    static DESCRIPTION: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DESCRIPTION.get_or_init(|| {
        let (_, api) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .service(service())
            .split_for_parts();
        api
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(description())
}

/// JSON bodies: a body that does not fit says where, as JSON.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(4 * 1024 * 1024)
        .error_handler(|error, _req| {
            let message = match &error {
                actix_web::error::JsonPayloadError::ContentType => {
                    "send the body as JSON, with Content-Type: application/json".to_owned()
                }
                actix_web::error::JsonPayloadError::Overflow { limit }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { limit, .. } => {
                    format!("the body is larger than the limit of {limit} bytes")
                }
                other => format!("the body is not the JSON expected: {other}"),
            };
            let error = if matches!(
                error,
                actix_web::error::JsonPayloadError::Overflow { .. }
                    | actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
            ) {
                WebError::TooLarge(message)
            } else {
                WebError::BadRequest(message)
            };
            ApiError(error).into()
        })
}

/// Query strings that do not fit get a JSON 400.
fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        ApiError(WebError::BadRequest(format!(
            "the query string could not be read: {error}"
        )))
        .into()
    })
}

/// Path segments that do not fit (`/comments/abc`) get a JSON 404.
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, req| {
        ApiError(WebError::NotFound(format!(
            "{} names nothing the API has: {error}",
            req.path()
        )))
        .into()
    })
}

/// Handlers' result: errors are JSON.
type ApiResult<T> = Result<T, ApiError>;
