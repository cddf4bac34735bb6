//! One span per request, with an id that is also sent back as `X-Request-Id`,
//! so a user's report can be matched with the log line.
//!
//! Only the method, the route pattern, the path (never the query string) and
//! the status are recorded: e-mail addresses and comment text stay out of
//! logs, and so do secrets in paths (invitation, receipt and preview
//! tokens): see [`loggable_path`].

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// What a path segment that held a secret is logged as.
const MASK: &str = "***";
/// Route parameters that hold secrets (`/invite/{token}`,
/// `/receipt/{token}`, `/d/{slug}/submit/{token}`…): any new route with a
/// secret in its path must name its parameter `token`.
const SECRET_PARAMETERS: &[&str] = &["{token}"];
/// Shorter segments of hex or `docket_…` are not taken for tokens.
const MIN_TOKEN_CHARS: usize = 16;

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let pattern = request.match_pattern();
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            route = %pattern.as_deref().unwrap_or("-"),
            path = %loggable_path(request.path(), pattern.as_deref()),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

/// The path as logged: withheld whole when it holds something that looks
/// like an e-mail address (no docket route does; a mistyped or hostile URL
/// might), else with every secret segment replaced by `***`: the segments
/// of the matched route's `{token}` parameters, and, for any path, matched
/// or not (a token with a typo after it, `/receipt/<token>/x`), every
/// segment that looks like a token: 16 or more hex digits, or an API
/// token (`docket_…`).
pub fn loggable_path(path: &str, pattern: Option<&str>) -> String {
    if path.contains('@') || path.contains("%40") {
        return "(withheld: contains @)".to_owned();
    }
    let secret_at: Vec<bool> = pattern
        .map(|pattern| {
            pattern
                .split('/')
                .map(|segment| SECRET_PARAMETERS.contains(&segment))
                .collect()
        })
        .unwrap_or_default();
    path.split('/')
        .enumerate()
        .map(|(i, segment)| {
            if secret_at.get(i).copied().unwrap_or(false) || looks_like_token(segment) {
                MASK
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn looks_like_token(segment: &str) -> bool {
    segment.starts_with(crate::auth::api_token::PREFIX)
        || (segment.len() >= MIN_TOKEN_CHARS && segment.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Copies the request id into the `X-Request-Id` response header.
pub async fn request_id_header(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| actix_web::http::header::HeaderValue::from_str(&id).ok())
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn tokens_in_paths_are_masked() {
        let token = "3f9a0c77e1b24d5e8a6b0c1d2e3f4a5b6c7d8e9f0a1b2c3d";
        for (path, pattern, logged) in [
            (
                format!("/invite/{token}"),
                Some("/invite/{token}"),
                "/invite/***",
            ),
            (
                format!("/receipt/{token}"),
                Some("/receipt/{token}"),
                "/receipt/***",
            ),
            (
                format!("/d/nistir-8200/submit/{token}/confirm"),
                Some("/d/{slug}/submit/{token}/confirm"),
                "/d/nistir-8200/submit/***/confirm",
            ),
            // A short or odd token is masked by the route all the same.
            (
                "/invite/abc".to_owned(),
                Some("/invite/{token}"),
                "/invite/***",
            ),
            // Unmatched paths: by the token's look.
            (format!("/receipt/{token}/x"), None, "/receipt/***/x"),
            (format!("/nope/{token}"), None, "/nope/***"),
            ("/api/v1/docket_abc".to_owned(), None, "/api/v1/***"),
            // Other segments stay readable.
            (
                "/editor/d/nistir-8200/s/12".to_owned(),
                Some("/editor/d/{slug}/s/{section}"),
                "/editor/d/nistir-8200/s/12",
            ),
            ("/d/deadbeef".to_owned(), Some("/d/{slug}"), "/d/deadbeef"),
            ("/".to_owned(), Some("/"), "/"),
            ("/x@example.org".to_owned(), None, "(withheld: contains @)"),
        ] {
            assert_eq!(loggable_path(&path, pattern), logged, "{path}");
        }
    }
}
