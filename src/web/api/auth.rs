//! Who is calling: an editor's API token in `Authorization: Bearer …`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::auth::api_token;
use crate::db::users::User;
use crate::web::{ApiError, AppState, WebError};

/// The security scheme's name in the OpenAPI description (the handlers'
/// `security(("token" = []))` spell it out: utoipa takes a literal there).
pub const SCHEME: &str = "token";

/// An editor calling with a working token; anything else is 401.
#[derive(Clone, Debug)]
pub struct ApiUser {
    pub user: User,
}

/// The caller's token if one was sent: none is anonymous, but a token that
/// does not work is still 401 (a script with a revoked token should hear
/// so, not be treated as the public).
#[derive(Clone, Debug)]
pub struct MaybeApiUser(pub Option<ApiUser>);

fn refuse(message: &str) -> WebError {
    WebError::Unauthorized(format!(
        "{message}: send `Authorization: Bearer <token>` with an API token made on your \
         profile page (/editor/profile)"
    ))
}

/// The token in the header: `None` when there is no header.
fn presented(req: &HttpRequest) -> Result<Option<String>, WebError> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| refuse("the Authorization header is not readable"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(refuse("the Authorization header is not a Bearer token")),
    }
}

async fn resolve(state: Option<web::Data<AppState>>, token: String) -> Result<ApiUser, WebError> {
    let state = state.ok_or_else(|| WebError::Unexpected(anyhow::anyhow!("no app state")))?;
    let now = crate::db::now();
    let user = state
        .db
        .run(move |conn| api_token::user_for(conn, &token, now))
        .await?;
    user.map(|user| ApiUser { user })
        .ok_or_else(|| refuse("this token does not work (unknown, revoked or expired)"))
}

/// The caller's user when a token was sent (`None` without one), or why
/// the token sent does not work.
fn caller(req: &HttpRequest) -> impl Future<Output = Result<Option<ApiUser>, WebError>> + use<> {
    let token = presented(req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    async move {
        match token? {
            None => Ok(None),
            Some(token) => resolve(state, token).await.map(Some),
        }
    }
}

impl FromRequest for ApiUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller(req);
        Box::pin(async move {
            caller
                .await
                .and_then(|user| user.ok_or_else(|| refuse("this needs an editor's API token")))
                .map_err(|e| ApiError(e).into())
        })
    }
}

impl FromRequest for MaybeApiUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller(req);
        Box::pin(async move { caller.await.map(Self).map_err(|e| ApiError(e).into()) })
    }
}
