//! NUL characters refused at the edge, on every route, before a handler
//! reads its form or JSON: PostgreSQL cannot store a NUL in text (it fails
//! the whole statement, which was a 500) and SQLite can, so without this the
//! two back ends would answer the same request differently.
//!
//! - a NUL (`%00`) in the path: 404, nothing is at such an address;
//! - in the query string: 400;
//! - in a field of a URL-encoded form, or a string (or key) of a JSON body
//!   (any `*/json` or `+json` type): 400 naming the field. Such a body sent
//!   compressed (`Content-Encoding`) is refused with 400: actix would
//!   unpack it after this check, and no browser compresses what it sends.
//!
//! Those bodies are read into memory to be checked, up to `TEXT_CAP` (at
//! least every such extractor's own limit), then handed on unchanged. A body
//! over the cap is handed on unchecked: the extractor refuses it as too
//! large. Multipart forms (uploads) are not read here: buffering a 50 MB
//! upload before the handler's rate limit and CSRF check would let anyone
//! spend the server's memory; their handlers check their own text fields
//! with [`refused_field`] (a file may hold NUL bytes; intake takes them out
//! of cells), as does the bulk form, read as raw bytes whatever its type.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use super::{ApiError, WebError};

/// A body as a stream, as actix-web's payloads take it.
type BoxedStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>>;

/// The kinds of body that are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    Form,
    Json,
}

/// Longest URL-encoded form or JSON body checked: above `form_config`'s
/// 64 KiB and the API's 4 MiB.
const TEXT_CAP: usize = 4 * 1024 * 1024;

/// The middleware (see the module doc).
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if let Some(error) = in_address(&req) {
        return Ok(refuse(req, error));
    }
    if let Some(kind) = body_kind(&req) {
        let compressed = req
            .headers()
            .get(actix_web::http::header::CONTENT_ENCODING)
            .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
        if compressed {
            return Ok(refuse(
                req,
                WebError::BadRequest(
                    "A form or JSON body sent compressed is not accepted; send it uncompressed."
                        .to_owned(),
                ),
            ));
        }
        let cap = TEXT_CAP;
        let payload = req.take_payload();
        let (body, rest) = read_up_to(payload, cap).await;
        match rest {
            Rest::Done => {
                let found = match kind {
                    Body::Form => in_form(&body),
                    Body::Json => in_json(&body),
                };
                if let Some(field) = found {
                    return Ok(refuse(req, refused_field(&field)));
                }
                req.set_payload(Payload::from(body));
            }
            Rest::Over(rest) => req.set_payload(rest),
            Rest::Failed(error) => {
                // Hand the failure on: the extractor reports it as ever.
                let stream = futures_util::stream::iter([Ok(body), Err(error)]);
                req.set_payload(Payload::from(Box::pin(stream) as BoxedStream));
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn refuse<B>(req: ServiceRequest, error: WebError) -> ServiceResponse<EitherBody<B>> {
    let response = if req.path().starts_with("/api/") {
        ApiError(error).error_response()
    } else {
        error.error_response()
    };
    req.into_response(response).map_into_right_body()
}

fn has_nul(raw: &str) -> bool {
    raw.contains('\0') || raw.contains("%00")
}

/// A NUL in the path or the query string, as the error to answer.
fn in_address(req: &ServiceRequest) -> Option<WebError> {
    if has_nul(req.uri().path()) {
        return Some(WebError::NotFound(
            "nothing is at an address with a NUL character (%00) in it".to_owned(),
        ));
    }
    has_nul(req.query_string()).then(|| {
        WebError::BadRequest(
            "The address holds a NUL character (%00) in its query, which docket does not accept."
                .to_owned(),
        )
    })
}

/// The answer to a field holding a NUL: 400, naming it.
pub fn refused_field(field: &str) -> WebError {
    let mut shown: String = field.chars().take(100).collect::<String>();
    shown = shown.escape_debug().to_string();
    WebError::BadRequest(format!(
        "The field `{shown}` holds a NUL character, which docket does not accept. \
         Nothing was stored; remove it and send again."
    ))
}

fn body_kind(req: &ServiceRequest) -> Option<Body> {
    let mime: mime_guess::mime::Mime = req
        .headers()
        .get(CONTENT_TYPE)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    use mime_guess::mime;
    match (mime.type_(), mime.subtype(), mime.suffix()) {
        (mime::APPLICATION, mime::WWW_FORM_URLENCODED, _) => Some(Body::Form),
        (_, mime::JSON, _) | (_, _, Some(mime::JSON)) => Some(Body::Json),
        _ => None,
    }
}

/// What is left of a body after reading up to the cap.
enum Rest {
    /// All of it was read.
    Done,
    /// Over the cap: the whole body again, as a stream, unchecked.
    Over(Payload),
    /// Reading failed after what was read.
    Failed(PayloadError),
}

async fn read_up_to(mut payload: Payload, cap: usize) -> (Bytes, Rest) {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() > cap => {
                body.extend_from_slice(&chunk);
                let read = futures_util::stream::iter([Ok(body.freeze())]);
                let whole = read.chain(payload);
                return (
                    Bytes::new(),
                    Rest::Over(Payload::from(Box::pin(whole) as BoxedStream)),
                );
            }
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(error) => return (body.freeze(), Rest::Failed(error)),
        }
    }
    (body.freeze(), Rest::Done)
}

/// The first field of a URL-encoded form holding a NUL (`%00` or a raw
/// NUL byte), in its name or its value.
pub fn in_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.into_owned())
}

/// Where in a JSON body a string or key holds a NUL (`\u0000`), as
/// `comments[0].comment`. A body that is not JSON is left to the extractor.
fn in_json(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    find_in_json(&value, String::new())
}

fn find_in_json(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    let root = || {
        if at.is_empty() {
            "(the body)".to_owned()
        } else {
            at.clone()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(root()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_in_json(item, format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains('\0') {
                Some(path)
            } else {
                find_in_json(item, path)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_with_a_nul_are_named() {
        assert_eq!(in_form(b"a=1&name=x%00y"), Some("name".to_owned()));
        assert_eq!(in_form(b"a=1&name=x\0y"), Some("name".to_owned()));
        assert_eq!(in_form(b"a=1&name=x%2500y"), None);
    }

    #[test]
    fn json_strings_with_a_nul_are_named() {
        assert_eq!(
            in_json(br#"{"name":"a","comments":[{"comment":"ok"},{"comment":"x\u0000"}]}"#),
            Some("comments[1].comment".to_owned())
        );
        // An escaped backslash before `u0000` is text, not a NUL.
        assert_eq!(in_json(br#"{"comment":"x\\u0000"}"#), None);
        assert_eq!(in_json(br#""\u0000""#), Some("(the body)".to_owned()));
        assert_eq!(in_json(b"not json"), None);
    }
}
