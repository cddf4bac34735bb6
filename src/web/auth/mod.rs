//! Who is signed in. The session cookie (signed and encrypted, see
//! `startup`) carries the user's id and when they signed in; every request
//! to an editor page loads the account again, so a deactivated account or
//! a changed role takes effect at once on every instance.
//!
//! The cookie also carries the account's session epoch, and a request is
//! signed in only while it matches. Signing out, a new password or turning
//! the account off moves the epoch on (`db::users`), which voids every copy
//! of the cookie: a session in a cookie cannot otherwise be taken back.

pub mod invite;
pub mod login;

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::{AppState, WebError};
use crate::db::DbError;
use crate::db::users::User;
use crate::domain::Role;

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";
const EPOCH: &str = "epoch";
/// A sign-in lasts a working day; after that the editor signs in again.
const SESSION_HOURS: i64 = 12;

/// The signed-in editor or admin. As a handler argument it refuses
/// anonymous requests (see `WebError::SignInRequired`).
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
}

impl SignedIn {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Refuses editors what only admins may do.
    pub fn require_admin(&self, what: &str) -> Result<(), WebError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "Only an admin can {what}. Ask an admin of this docket."
            )))
        }
    }
}

/// Records a successful sign-in in the session. The session is renewed
/// first, so an id fixed by someone else before sign-in is worth nothing.
pub fn start(session: &Session, user: &User) -> Result<(), WebError> {
    session.renew();
    super::csrf::rotate(session);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    session
        .insert(USER_ID, user.id)
        .and_then(|()| session.insert(SIGNED_IN_AT, now))
        .and_then(|()| session.insert(EPOCH, user.session_epoch))
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("session: {e}")))
}

/// Forgets the user and everything else in this browser's session.
pub fn end(session: &Session) {
    session.purge();
}

/// The user id and session epoch of a current (not expired) sign-in, if
/// any. A few minutes of clock difference between instances are allowed.
pub fn current(session: &Session) -> Option<(i64, i32)> {
    let id = session.get::<i64>(USER_ID).ok()??;
    let at = session.get::<i64>(SIGNED_IN_AT).ok()??;
    let epoch = session.get::<i32>(EPOCH).ok()??;
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - at;
    (-300..SESSION_HOURS * 3600)
        .contains(&age)
        .then_some((id, epoch))
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    /// Pages get the sign-in redirect; under `/api/` the same refusal is
    /// JSON with 401, and htmx requests get 401 with `HX-Redirect`.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let api = req.path().starts_with("/api/");
        let htmx = super::is_htmx(req);
        let signed_in = Self::from_session(req, payload);
        Box::pin(async move {
            signed_in.await.map_err(|e| {
                if api {
                    super::ApiError(e).into()
                } else if htmx {
                    super::HtmxError(e).into()
                } else {
                    e.into()
                }
            })
        })
    }
}

impl SignedIn {
    fn from_session(
        req: &HttpRequest,
        _: &mut Payload,
    ) -> Pin<Box<dyn Future<Output = Result<Self, WebError>>>> {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let next = match req.uri().path_and_query() {
            Some(pq) if req.method() == actix_web::http::Method::GET => pq.to_string(),
            // After signing in, a form is not re-sent: go back to its page.
            _ => req
                .headers()
                .get("Referer")
                .and_then(|r| r.to_str().ok())
                .and_then(local_path)
                .unwrap_or_else(|| "/editor".to_owned()),
        };
        Box::pin(async move {
            let refuse = || WebError::SignInRequired { next: next.clone() };
            let Some((id, epoch)) = current(&session) else {
                return Err(refuse());
            };
            let state =
                state.ok_or_else(|| WebError::Unexpected(anyhow::anyhow!("no app state")))?;
            let found = state
                .db
                .run(move |conn| crate::db::users::find(conn, id).map_err(DbError::from))
                .await;
            let user = match found {
                Ok(user) if user.active && user.session_epoch == epoch => user,
                Ok(_) => {
                    end(&session);
                    return Err(refuse());
                }
                Err(e) if e.is_not_found() => {
                    end(&session);
                    return Err(refuse());
                }
                Err(e) => return Err(e.into()),
            };
            Ok(SignedIn { user })
        })
    }
}

/// The path of a same-site URL, for redirects after sign-in: never another
/// site (`//evil.example`, `/\t/evil.example`, `https://evil.example/`), so
/// the sign-in form cannot be used as an open redirect. Relative targets
/// are resolved the way a browser would (tabs and newlines dropped, `\\`
/// read as `/`) and must stay on this site; a full URL (a Referer) keeps
/// only its path. The result is percent-encoded, so always a valid header.
pub fn local_path(target: &str) -> Option<String> {
    const HOME: &str = "http://docket.invalid/";
    let url = match url::Url::parse(target) {
        Ok(url) => url,
        Err(_) => {
            let resolved = url::Url::parse(HOME).ok()?.join(target).ok()?;
            if resolved.host_str() != Some("docket.invalid") || !target.starts_with('/') {
                return None;
            }
            resolved
        }
    };
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    (path.starts_with('/') && !path.starts_with("//")).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::{SignedIn, local_path};
    use actix_session::{SessionMiddleware, storage::CookieSessionStore};
    use actix_web::test as http;
    use actix_web::{App, HttpResponse, cookie::Key, web};

    #[actix_web::test]
    async fn anonymous_pages_redirect_and_the_api_answers_401() {
        async fn guarded(_: SignedIn) -> HttpResponse {
            HttpResponse::Ok().finish()
        }
        let app = http::init_service(
            App::new()
                .wrap(SessionMiddleware::new(
                    CookieSessionStore::default(),
                    Key::generate(),
                ))
                .route("/editor/x", web::get().to(guarded))
                .route("/api/v1/x", web::get().to(guarded)),
        )
        .await;
        let page = http::call_service(
            &app,
            http::TestRequest::get().uri("/editor/x?a=1").to_request(),
        )
        .await;
        assert_eq!(page.status(), 303);
        assert_eq!(
            page.headers().get("location").unwrap(),
            "/login?next=%2Feditor%2Fx%3Fa%3D1"
        );
        let api =
            http::call_service(&app, http::TestRequest::get().uri("/api/v1/x").to_request()).await;
        assert_eq!(api.status(), 401);
        let body: serde_json::Value = http::read_body_json(api).await;
        assert_eq!(body["error"]["code"], "unauthorized");
    }

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_path("/editor/d/x").as_deref(), Some("/editor/d/x"));
        assert_eq!(local_path("/a?b=c").as_deref(), Some("/a?b=c"));
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("editor"), None);
        assert_eq!(local_path("/\t/evil.example/x"), None);
        assert_eq!(local_path("/\n/evil.example/x"), None);
        assert_eq!(local_path("\\\\evil.example"), None);
        assert_eq!(
            local_path("/%09/evil.example").as_deref(),
            Some("/%09/evil.example")
        );
        // A full URL (a Referer) keeps only its path, whatever the host.
        assert_eq!(
            local_path("http://127.0.0.1:8080/editor?x=1").as_deref(),
            Some("/editor?x=1")
        );
    }
}
