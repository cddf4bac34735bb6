//! `/invite/{token}`: the page an invitation e-mail links to, where the
//! invitee chooses a password and is signed in. A used or expired link gets
//! 410 and a clear word on what to do.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, AuthError, password};
use crate::db::{self, DbError};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, csrf, page, see_other};

tokened!(AcceptForm);

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage {
    csrf: String,
    token: String,
    /// `None`: the link no longer works.
    name: Option<String>,
    errors: Vec<String>,
}

async fn invited(state: &AppState, token: String) -> Result<Option<String>, WebError> {
    let found = state
        .db
        .run(move |conn| Ok::<_, DbError>(auth::invite::invited(conn, &token, db::now())))
        .await?
        .map_err(WebError::from)?;
    Ok(found.filter(|u| u.active).map(|u| u.name))
}

fn gone(csrf: String, token: String) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::GONE,
        &InvitePage {
            csrf,
            token,
            name: None,
            errors: Vec::new(),
        },
    )
}

pub async fn show(
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let token = token.into_inner();
    let csrf = csrf::token(&session)?;
    match invited(&state, token.clone()).await? {
        Some(name) => page(
            StatusCode::OK,
            &InvitePage {
                csrf,
                token,
                name: Some(name),
                errors: Vec::new(),
            },
        ),
        None => gone(csrf, token),
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

pub async fn accept(
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<AcceptForm>,
) -> Result<HttpResponse, WebError> {
    let token = token.into_inner();
    let Some(name) = invited(&state, token.clone()).await? else {
        return gone(csrf::token(&session)?, token);
    };
    let AcceptForm {
        password, again, ..
    } = form.into_inner();
    let mut errors = Vec::new();
    if password != again {
        errors.push("The two passwords differ; type the same one twice.".to_owned());
    } else if let Err(e) = password::hash(&password) {
        errors.push(crate::web::format::sentence(&e.to_string()));
    }
    if !errors.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InvitePage {
                csrf: csrf::token(&session)?,
                token,
                name: Some(name),
                errors,
            },
        );
    }
    let used = token.clone();
    let accepted = state
        .db
        .run(move |conn| Ok::<_, DbError>(auth::invite::accept(conn, &used, &password, db::now())))
        .await?;
    match accepted {
        Ok(Some(user)) => {
            super::start(&session, &user)?;
            tracing::info!(user = user.id, "invitation accepted");
            Ok(see_other("/editor"))
        }
        Ok(None) => gone(csrf::token(&session)?, token),
        Err(AuthError::Password(e)) => Err(WebError::BadRequest(e.to_string())),
        Err(other) => Err(other.into()),
    }
}
