//! CSRF protection for every state-changing form: a random token kept in
//! the signed, encrypted session cookie and repeated in a hidden field. A
//! POST whose field does not match is refused before it changes anything.
//!
//! A URL-encoded form is taken as [`CsrfForm`], which checks the token as
//! the request is extracted, so a handler cannot forget to. The three
//! multipart uploads (parsed first, within the upload limit) and the bulk
//! form (read as raw bytes for its repeated fields) call [`check`]
//! themselves. The API takes no cookie, so it needs no token.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::WebError;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> Result<String, WebError> {
    if let Ok(Some(token)) = session.get::<String>(KEY) {
        return Ok(token);
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    session
        .insert(KEY, &token)
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("session: {e}")))?;
    Ok(token)
}

/// Drops the token, so the next form gets a new one (after sign-in, a
/// token seen before it is worth nothing).
pub fn rotate(session: &Session) {
    let _ = session.remove(KEY);
}

/// Refuses a form whose token is missing or not this session's.
pub fn check(session: &Session, submitted: &str) -> Result<(), WebError> {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) if same(&expected, submitted) => Ok(()),
        _ => Err(WebError::Forbidden(
            "This form has expired or was not sent from this site, so nothing was done. \
             Go back, reload the page and send it again."
                .to_owned(),
        )),
    }
}

/// A form with the hidden CSRF field. Give the field `#[serde(default)]`:
/// a form without it is then refused as a CSRF failure (403), not as one
/// that could not be read (400).
pub trait Tokened {
    /// The token the form carried (empty when it had none).
    fn csrf(&self) -> &str;
}

/// Implements [`Tokened`] for form structs with a `csrf: String` field.
macro_rules! tokened {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::csrf::Tokened for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use tokened;

/// A URL-encoded form (as `web::Form`, with its limit and 400 page) whose
/// CSRF token matched the session's: refused with 403 otherwise, before
/// the handler runs.
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Tokened + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    /// actix extracts a handler's arguments together, so a missing or
    /// forged token may be refused (403) before `SignedIn` has looked the
    /// user up: such a request is refused either way. A real form's token
    /// comes in the same cookie as the session, so it never meets this.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let form = web::Form::<T>::from_request(req, payload);
        Box::pin(async move {
            let form = form.await?.into_inner();
            check(&session, form.csrf())?;
            Ok(CsrfForm(form))
        })
    }
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_exactly() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "ab"));
        assert!(!super::same("", "a"));
    }
}
