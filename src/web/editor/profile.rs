//! `/editor/profile`: the signed-in editor's own account, whether the
//! queue's single-key shortcuts are on (WCAG 2.1.4: speech input and some
//! assistive tools type letters, so they can be turned off), and the API
//! tokens they made. A new token is shown once, on the answer to the form
//! that made it (never stored, never redirected through the session).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, SignedIn, flash, take_flash};
use crate::auth::api_token::{self, MAX_ACTIVE, MAX_LABEL_CHARS, TokenError};
use crate::db::auth_tokens::AuthToken;
use crate::export::when;
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, page, see_other};

tokened!(NewTokenForm, RevokeForm, KeysForm);

#[derive(Template)]
#[template(path = "editor/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    flash: Option<String>,
    email: String,
    role: String,
    key_shortcuts: bool,
    tokens: Vec<TokenRow>,
    /// The token just made, shown this once.
    new_token: Option<String>,
    error: Option<String>,
    label: String,
    days: String,
    max_label: usize,
    max_active: i64,
}

struct TokenRow {
    id: i64,
    label: String,
    created: String,
    expires: String,
    /// Empty while it works; else why not.
    ended: String,
}

impl TokenRow {
    fn new(token: &AuthToken, now: time::PrimitiveDateTime) -> Self {
        Self {
            id: token.id,
            label: token.label.clone().unwrap_or_default(),
            created: when(token.created_at),
            expires: token.expires_at.map_or_else(|| "never".to_owned(), when),
            ended: match (token.used_at, token.expires_at) {
                (Some(at), _) => format!("revoked {}", when(at)),
                (None, Some(at)) if at <= now => "expired".to_owned(),
                _ => String::new(),
            },
        }
    }
}

async fn load(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
) -> Result<ProfilePage, WebError> {
    let user_id = who.user.id;
    let tokens = state
        .db
        .run(move |conn| api_token::list(conn, user_id))
        .await?;
    let now = crate::db::now();
    Ok(ProfilePage {
        chrome: Chrome::new(who, session)?,
        flash: take_flash(session),
        email: who.user.email.clone(),
        role: who.user.role.to_string(),
        key_shortcuts: who.user.key_shortcuts,
        tokens: tokens.iter().map(|t| TokenRow::new(t, now)).collect(),
        new_token: None,
        error: None,
        label: String::new(),
        days: "90".to_owned(),
        max_label: MAX_LABEL_CHARS,
        max_active: MAX_ACTIVE,
    })
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    page(StatusCode::OK, &load(&state, &who, &session).await?)
}

#[derive(serde::Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    /// Days it lasts; blank: until revoked.
    #[serde(default)]
    days: String,
}

pub async fn create(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<NewTokenForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let days = match form.days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| TokenError::BadExpiry),
    };
    let user_id = who.user.id;
    let label = form.label.clone();
    let created = match days {
        Ok(days) => {
            state
                .db
                .run(move |conn| {
                    Ok::<_, crate::db::DbError>(api_token::create(conn, user_id, &label, days))
                })
                .await?
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(created) => {
            tracing::info!(user = user_id, token = created.row.id, "API token created");
            let mut profile = load(&state, &who, &session).await?;
            profile.new_token = Some(created.token);
            let mut response = page(StatusCode::CREATED, &profile)?;
            // The one page that holds the secret: never kept by a cache.
            response.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        Err(TokenError::Auth(e)) => Err(e.into()),
        Err(problem) => {
            let mut profile = load(&state, &who, &session).await?;
            profile.error = Some(format!("No token was made: {problem}."));
            profile.label = form.label;
            profile.days = form.days;
            page(StatusCode::UNPROCESSABLE_ENTITY, &profile)
        }
    }
}

#[derive(serde::Deserialize)]
pub struct KeysForm {
    #[serde(default)]
    csrf: String,
    /// The checkbox: present (`on`) when ticked.
    #[serde(default)]
    keys: String,
}

pub async fn keys(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<KeysForm>,
) -> Result<HttpResponse, WebError> {
    let (user_id, on) = (who.user.id, !form.into_inner().keys.is_empty());
    state
        .db
        .run(move |conn| {
            Ok::<_, crate::db::DbError>(crate::db::users::set_key_shortcuts(conn, user_id, on)?)
        })
        .await?;
    flash(
        &session,
        if on {
            "Single-key shortcuts are on: they work while a queue's table has the focus."
        } else {
            "Single-key shortcuts are off: a queue's buttons and links work as they are."
        }
        .to_owned(),
    );
    Ok(see_other("/editor/profile"))
}

#[derive(serde::Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, WebError> {
    let (user_id, id) = (who.user.id, id.into_inner());
    let revoked = state
        .db
        .run(move |conn| api_token::revoke(conn, user_id, id))
        .await?;
    if revoked {
        tracing::info!(user = user_id, token = id, "API token revoked");
        flash(&session, "Revoked: that token no longer works.".to_owned());
    } else {
        flash(
            &session,
            "That token was not revoked: it is not one of yours, or it was revoked already."
                .to_owned(),
        );
    }
    Ok(see_other("/editor/profile"))
}
