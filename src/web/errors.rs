//! The one place errors become HTTP responses.
//!
//! Handlers return `Result<_, WebError>` (pages) or `Result<_, ApiError>`
//! (JSON under `/api/`). Area errors (`DbError`, `DocumentError`, …) convert
//! into `WebError` with `?`; the status each deserves is decided here and only
//! here. 5xx causes are logged with the request's id and never shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::auth::AuthError;
use crate::db::DbError;
use crate::documents::DocumentError;
use crate::triage::TriageError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The message is shown to the user: keep it free of private data.
    #[error("{0}")]
    NotFound(String),
    /// A form without a valid CSRF token, or an action not allowed now.
    #[error("{0}")]
    Forbidden(String),
    /// A request the server cannot read (a broken multipart body).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
    /// A save refused because someone else saved first (optimistic locking).
    #[error("{0}")]
    Conflict(String),
    /// An editor page asked for without a signed-in user: pages redirect to
    /// the sign-in form (coming back to `next` afterwards), the API says 401.
    #[error("sign in to see this page")]
    SignInRequired { next: String },
    /// An API request without a working token (missing, unknown, revoked,
    /// expired, or its account turned off: the message does not say which).
    #[error("{0}")]
    Unauthorized(String),
    /// A save that must name the version it was based on and did not
    /// (`If-Match` missing on an API `PATCH`).
    #[error("{0}")]
    PreconditionRequired(String),
    /// Well-formed but not acceptable (an API body naming an unknown
    /// disposition); the message lists each problem.
    #[error("{0}")]
    Unprocessable(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] DbError),
    /// A write that waited too long for another writer (a large submission
    /// being stored): nothing was written, and the same request a moment
    /// later succeeds. Handlers that hold the user's form show it again
    /// with [`BUSY`] instead.
    #[error("{BUSY}")]
    Contended,
    /// Too many of one kind of work at once (downloads): try again soon.
    #[error("{0}")]
    Busy(String),
    /// A client over one of its rate limits (`web::rate_limit`): 429 with
    /// `Retry-After` (seconds).
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a writer that could not get the database in time is told.
pub const BUSY: &str = "docket is busy storing a large submission. Nothing was lost \
     and nothing was saved: please try again in a few seconds.";

/// Seconds a client is asked to wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u64 = 5;

impl From<DbError> for WebError {
    fn from(error: DbError) -> Self {
        match error {
            e if e.is_not_found() => Self::NotFound("no such record".into()),
            e if e.is_unavailable() => Self::Unavailable(e),
            e if e.is_busy() => {
                tracing::warn!(error = %e, "a write waited too long for another writer");
                Self::Contended
            }
            other => Self::Unexpected(other.into()),
        }
    }
}

impl From<DocumentError> for WebError {
    fn from(error: DocumentError) -> Self {
        match error {
            DocumentError::NotFound(slug) => {
                Self::NotFound(format!("no document is called `{slug}`"))
            }
            DocumentError::NoSuchNode(id) => Self::NotFound(format!(
                "outline node #{id} is not in this document's outline"
            )),
            DocumentError::Database(e) => e.into(),
            other => Self::Unexpected(other.into()),
        }
    }
}

/// What a handler leaves unhandled of a sign-in or account error: its
/// database failures keep their own mapping (503 when the database is
/// gone), the rest is unexpected.
impl From<AuthError> for WebError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Database(e) => e.into(),
            other => Self::Unexpected(other.into()),
        }
    }
}

/// As for [`AuthError`]: handlers answer the triage errors they expect
/// (conflicts, invalid forms) themselves.
impl From<TriageError> for WebError {
    fn from(error: TriageError) -> Self {
        match error {
            TriageError::Database(e) => e.into(),
            other => Self::Unexpected(other.into()),
        }
    }
}

impl WebError {
    fn public_message(&self) -> String {
        match self {
            Self::NotFound(message)
            | Self::Forbidden(message)
            | Self::BadRequest(message)
            | Self::TooLarge(message)
            | Self::Conflict(message)
            | Self::Unauthorized(message)
            | Self::PreconditionRequired(message)
            | Self::Unprocessable(message)
            | Self::Busy(message)
            | Self::TooManyRequests { message, .. } => message.clone(),
            Self::SignInRequired { .. } => "Sign in to see this page.".into(),
            Self::Contended => BUSY.into(),
            Self::Unavailable(_) => {
                "The database is not answering. Please try again in a moment.".into()
            }
            Self::Unexpected(_) => "Something went wrong on our side. It has been logged.".into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::BadRequest(_) => "bad_request",
            Self::TooLarge(_) => "too_large",
            Self::Conflict(_) => "conflict",
            Self::SignInRequired { .. } | Self::Unauthorized(_) => "unauthorized",
            Self::PreconditionRequired(_) => "precondition_required",
            Self::Unprocessable(_) => "unprocessable",
            Self::Unavailable(_) => "unavailable",
            Self::Busy(_) | Self::Contended => "busy",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unexpected(_) => "internal",
        }
    }

    /// `Retry-After` on a rate-limited request's answer and on every 503:
    /// clients (and the API's users) learn the request may simply be sent
    /// again.
    fn retry_after(&self, response: &mut actix_web::HttpResponseBuilder) {
        let seconds = match self {
            Self::TooManyRequests { retry_after, .. } => *retry_after,
            Self::Unavailable(_) | Self::Busy(_) | Self::Contended => RETRY_AFTER_SECONDS,
            _ => return,
        };
        response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
    }

    fn log_if_server_side(&self) {
        // Logged at warn where it was made: busy is not a fault of ours.
        if self.status_code().is_server_error() && !matches!(self, Self::Contended) {
            // `{:#}` prints the whole cause chain on one line.
            tracing::error!(error = %format!("{:#}", anyhow::Error::msg(chain(self))), "request failed");
        }
    }
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The error page (404, 500, 503…).
#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    status: u16,
    reason: &'static str,
    message: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::SignInRequired { .. } => StatusCode::SEE_OTHER,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) | Self::Busy(_) | Self::Contended => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_server_side();
        if let Self::SignInRequired { next } = self {
            return HttpResponse::SeeOther()
                .insert_header(("Location", sign_in_path(next)))
                .finish();
        }
        let status = self.status_code();
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.public_message(),
        };
        let mut response = HttpResponse::build(status);
        self.retry_after(&mut response);
        match page.render() {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(_) => response
                .content_type("text/plain; charset=utf-8")
                .body(page.message),
        }
    }
}

/// The sign-in form, coming back to `next` afterwards.
fn sign_in_path(next: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    format!("/login?{query}")
}

/// A `WebError` answering an htmx request. The browser follows a redirect
/// inside the request, so a 303 to the sign-in form would have htmx swap
/// the sign-in page into a table row: instead 401 with `HX-Redirect`, and
/// htmx sends the whole page there. Other errors are the usual page (htmx
/// swaps no error responses but 409 and 422, see `editor/htmx.html`).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HtmxError(#[from] pub WebError);

impl ResponseError for HtmxError {
    fn status_code(&self) -> StatusCode {
        match self.0 {
            WebError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            ref other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match &self.0 {
            WebError::SignInRequired { next } => HttpResponse::Unauthorized()
                .insert_header(("HX-Redirect", sign_in_path(next)))
                .finish(),
            other => other.error_response(),
        }
    }
}

/// A `WebError` rendered as JSON: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub WebError);

/// Area errors reach the API's JSON the way they reach pages.
macro_rules! api_from {
    ($($area:ty),*) => {$(
        impl From<$area> for ApiError {
            fn from(error: $area) -> Self {
                Self(error.into())
            }
        }
    )*};
}

api_from!(DbError, DocumentError, AuthError, TriageError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self.0 {
            WebError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            ref other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log_if_server_side();
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"docket\""));
        }
        self.0.retry_after(&mut response);
        response.json(serde_json::json!({
            "error": { "code": self.0.code(), "message": self.0.public_message() }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body(response: HttpResponse) -> String {
        let bytes = response.into_body().try_into_bytes().unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn internal_errors_get_a_500_page_without_their_cause() {
        let error = WebError::Unexpected(anyhow::anyhow!("password=hunter2 in a driver message"));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = body(response);
        assert!(
            html.contains("<h1><span class=\"status\">500</span> Internal Server Error</h1>"),
            "{html}"
        );
        assert!(html.contains("Something went wrong on our side"));
        assert!(!html.contains("hunter2"));
    }

    #[test]
    fn a_lost_database_is_503_whichever_area_error_carries_it() {
        use diesel::result::{DatabaseErrorKind, Error};
        let lost = || {
            DbError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new("server closed the connection".to_owned()),
            ))
        };
        for error in [
            WebError::from(lost()),
            WebError::from(AuthError::Database(lost())),
            WebError::from(TriageError::Database(lost())),
        ] {
            assert_eq!(
                error.error_response().status(),
                StatusCode::SERVICE_UNAVAILABLE
            );
        }
        let missing = TriageError::Database(DbError::Query(Error::NotFound));
        assert_eq!(
            WebError::from(missing).error_response().status(),
            StatusCode::NOT_FOUND
        );
        let other = WebError::from(AuthError::EmptyName);
        assert_eq!(
            other.error_response().status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn api_errors_are_json_with_the_same_status() {
        let error = ApiError(WebError::Unexpected(anyhow::anyhow!("secret")));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
        assert_eq!(json["error"]["code"], "internal");
        assert!(!json.to_string().contains("secret"));
    }

    #[test]
    fn anonymous_pages_redirect_to_sign_in_and_the_api_says_401() {
        let page = WebError::SignInRequired {
            next: "/editor/d/x/outline?a=1&b=2".into(),
        }
        .error_response();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            page.headers().get("Location").unwrap(),
            "/login?next=%2Feditor%2Fd%2Fx%2Foutline%3Fa%3D1%26b%3D2"
        );
        let api = ApiError(WebError::SignInRequired {
            next: "/api/v1/x".into(),
        });
        assert_eq!(api.status_code(), StatusCode::UNAUTHORIZED);
        let json: serde_json::Value = serde_json::from_str(&body(api.error_response())).unwrap();
        assert_eq!(json["error"]["code"], "unauthorized");
    }

    #[test]
    fn htmx_requests_are_sent_to_sign_in_with_hx_redirect() {
        let error = HtmxError(WebError::SignInRequired {
            next: "/editor/d/x/s/all?q=a".into(),
        });
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers().get("HX-Redirect").unwrap(),
            "/login?next=%2Feditor%2Fd%2Fx%2Fs%2Fall%3Fq%3Da"
        );
        let forbidden = HtmxError(WebError::Forbidden("no".into())).error_response();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert!(forbidden.headers().get("HX-Redirect").is_none());
    }

    #[test]
    fn missing_rows_are_404_and_lost_databases_503() {
        let not_found: WebError = DbError::Query(diesel::result::Error::NotFound).into();
        assert_eq!(not_found.status_code(), StatusCode::NOT_FOUND);
        let cancelled: WebError = DbError::Cancelled("panicked".into()).into();
        assert_eq!(cancelled.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let unreachable: WebError = DbError::Connect(crate::db::ConnectError::CreateDir {
            dir: "data".into(),
            reason: std::io::Error::other("read-only file system"),
        })
        .into();
        assert_eq!(unreachable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let closed: WebError = DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new("terminating connection due to administrator command".to_owned()),
        ))
        .into();
        assert_eq!(closed.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_locked_database_is_503_with_retry_after_never_500() {
        use diesel::result::{DatabaseErrorKind, Error};
        let causes = [
            Error::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new("database is locked".to_owned()),
            ),
            Error::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new("canceling statement due to lock timeout".to_owned()),
            ),
            Error::DatabaseError(
                DatabaseErrorKind::SerializationFailure,
                Box::new("could not serialize access".to_owned()),
            ),
        ];
        for cause in causes {
            let error: WebError = DbError::Query(cause).into();
            assert!(matches!(error, WebError::Contended), "{error:?}");
            let page = error.error_response();
            assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(page.headers().get("Retry-After").unwrap(), "5");
            assert!(body(page).contains("try again in a few seconds"));
            let api = ApiError(
                DbError::Query(Error::DatabaseError(
                    DatabaseErrorKind::Unknown,
                    Box::new("database is locked".to_owned()),
                ))
                .into(),
            )
            .error_response();
            assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(api.headers().get("Retry-After").unwrap(), "5");
            let json: serde_json::Value = serde_json::from_str(&body(api)).unwrap();
            assert_eq!(json["error"]["code"], "busy");
        }
        let other: WebError = DbError::Query(Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("database or disk is full".to_owned()),
        ))
        .into();
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
