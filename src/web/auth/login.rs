//! `/login` and `/logout`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use actix_web::http::header::{HeaderValue, RETRY_AFTER};

use crate::auth::throttle::Admission;
use crate::auth::{self, AuthError};
use crate::db::DbError;
use crate::db::users::User;
use crate::web::client::ClientAddr;
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::rate_limit::{Limited, SignIn};
use crate::web::{AppState, WebError, csrf, page, see_other};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

tokened!(LoginForm, LogoutForm);

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Where to go after signing in: a page of this site, else the editor home.
fn next_or_home(next: Option<&str>) -> String {
    next.and_then(super::local_path)
        .unwrap_or_else(|| "/editor".to_owned())
}

/// The sign-in form. Already signed in: straight on to `next`. Arriving
/// from another site (a link in an e-mail): the browser has withheld the
/// `SameSite=Strict` cookie, so answering with a new session would sign the
/// editor out; a same-site hop to this page first lets the cookie come along.
pub async fn show(
    req: HttpRequest,
    session: Session,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, WebError> {
    let next = next_or_home(query.next.as_deref());
    if super::current(&session).is_some() {
        return Ok(see_other(&next));
    }
    let cross_site = req
        .headers()
        .get("Sec-Fetch-Site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site {
        let here = format!(
            "/login?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next)
                .finish()
        );
        return page(StatusCode::OK, &BouncePage { to: here });
    }
    page(
        StatusCode::OK,
        &LoginPage {
            csrf: csrf::token(&session)?,
            email: String::new(),
            next,
            error: None,
        },
    )
}

/// A page that reloads itself from this site (see `show`).
#[derive(Template)]
#[template(path = "auth/bounce.html")]
struct BouncePage {
    to: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

/// Signs in. Sign-in attempts are limited per client address (the
/// `Limited<SignIn>` budget, 429 with `Retry-After`), and five failures in
/// a row with one e-mail address from one client address pause that pair
/// for a quarter of an hour (`auth::throttle`), answered alike for unknown
/// and real addresses.
pub async fn submit(
    _: Limited<SignIn>,
    client: ClientAddr,
    state: web::Data<AppState>,
    session: Session,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let LoginForm {
        email,
        password,
        next,
        ..
    } = form.into_inner();
    let next = next_or_home(next.as_deref());
    let result = sign_in(&state, client, email.clone(), password).await?;
    match result {
        Ok(user) => {
            super::start(&session, &user)?;
            tracing::info!(user = user.id, "signed in");
            Ok(see_other(&next))
        }
        Err(error @ (AuthError::BadCredentials | AuthError::Paused(_))) => {
            tracing::info!(reason = %error, "sign-in refused");
            let (status, retry_after) = match error {
                AuthError::Paused(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some(
                        (until - time::OffsetDateTime::now_utc())
                            .whole_seconds()
                            .max(1),
                    ),
                ),
                _ => (StatusCode::UNAUTHORIZED, None),
            };
            let mut response = page(
                status,
                &LoginPage {
                    csrf: csrf::token(&session)?,
                    email,
                    next,
                    error: Some(crate::web::format::sentence(&error.to_string())),
                },
            )?;
            if let Some(secs) = retry_after
                && let Ok(value) = HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

/// Signs in without holding a database connection during the password
/// check (argon2 takes tens of milliseconds and 19 MiB), and with at most
/// one check per CPU at a time, so a flood of sign-ins cannot starve the
/// pool or the machine. A paused pair of client and e-mail address is
/// refused before anything is looked up.
async fn sign_in(
    state: &AppState,
    client: ClientAddr,
    email: String,
    password: String,
) -> Result<Result<User, AuthError>, WebError> {
    static CHECKS: LazyLock<Semaphore> = LazyLock::new(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    });
    let pauses = &state.rate_limits.sign_in_pauses;
    let key = client.key();
    if let Admission::Paused(until) = pauses.admit(key, &email, time::OffsetDateTime::now_utc()) {
        return Ok(Err(AuthError::Paused(until)));
    }
    let lookup = email.clone();
    let attempt = state
        .db
        .run(move |conn| Ok::<_, DbError>(auth::begin_sign_in(conn, &lookup)))
        .await??;
    let permit = CHECKS
        .acquire()
        .await
        .map_err(|e| WebError::Unexpected(e.into()))?;
    let (attempt, matches) = web::block(move || {
        let matches = auth::check_password(&attempt, &password);
        (attempt, matches)
    })
    .await
    .map_err(|e| WebError::Unexpected(e.into()))?;
    drop(permit);
    let now = crate::db::now();
    let outcome = state
        .db
        .run(move |conn| Ok::<_, DbError>(auth::finish_sign_in(conn, attempt, matches, now)))
        .await?;
    Ok(match outcome {
        Ok(user) => {
            pauses.succeeded(key, &email);
            Ok(user)
        }
        Err(AuthError::BadCredentials) => {
            match pauses.failed(key, &email, time::OffsetDateTime::now_utc()) {
                Some(until) => Err(AuthError::Paused(until)),
                None => Err(AuthError::BadCredentials),
            }
        }
        Err(other) => Err(other),
    })
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Signs the account out everywhere: this browser's cookie is dropped and
/// the account's session epoch moves on, so any copy of the cookie (another
/// tab, another device, a stolen one) stops working too.
pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    _: CsrfForm<LogoutForm>,
) -> Result<HttpResponse, WebError> {
    if let Some((id, _)) = super::current(&session) {
        state
            .db
            .run(move |conn| crate::db::users::end_sessions(conn, id).map_err(DbError::from))
            .await?;
    }
    super::end(&session);
    Ok(see_other("/"))
}
