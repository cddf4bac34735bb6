//! `/admin/users`: the accounts, inviting editors (an e-mailed link that
//! sets a password and expires), and turning accounts off and on.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, AuthError};
use crate::db::{self, DbError};
use crate::domain::Role;
use crate::mail::InviteNotice;
use crate::web::auth::SignedIn;
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::editor::{Chrome, flash, take_flash};
use crate::web::{AppState, WebError, page, see_other};

tokened!(ActiveForm, InviteForm);

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    flash: Option<String>,
    errors: Vec<String>,
    me: i64,
    users: Vec<Row>,
    form: InviteForm,
}

struct Row {
    id: i64,
    name: String,
    email: String,
    role: String,
    active: bool,
    state: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn load(state: &AppState, who: &SignedIn, session: &Session) -> Result<UsersPage, WebError> {
    let users = state
        .db
        .run(|conn| db::users::list(conn).map_err(DbError::from))
        .await?;
    Ok(UsersPage {
        chrome: Chrome::new(who, session)?,
        flash: take_flash(session),
        errors: Vec::new(),
        me: who.user.id,
        users: users
            .into_iter()
            .map(|u| Row {
                state: match (u.active, u.password_hash.is_some(), u.last_login_at) {
                    (false, _, _) => "turned off".to_owned(),
                    (true, false, _) => "invited, no password yet".to_owned(),
                    (true, true, Some(at)) => format!("last signed in {}", at.date()),
                    (true, true, None) => "never signed in".to_owned(),
                },
                id: u.id,
                name: u.name,
                email: u.email,
                role: u.role.to_string(),
                active: u.active,
            })
            .collect(),
        form: InviteForm {
            role: "editor".to_owned(),
            ..InviteForm::default()
        },
    })
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("manage accounts")?;
    page(StatusCode::OK, &load(&state, &who, &session).await?)
}

pub async fn invite(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("invite editors")?;
    let form = form.into_inner();
    let role = match form.role.as_str() {
        "admin" => Ok(Role::Admin),
        "editor" => Ok(Role::Editor),
        other => Err(format!("“{other}” is not a role (admin or editor).")),
    };
    let result = match role {
        Err(message) => Err(message),
        Ok(role) => {
            let (email, name) = (form.email.clone(), form.name.clone());
            // The invitation and its e-mail are committed together.
            let mail =
                (!state.mailer.is_off()).then(|| (state.public_url.clone(), who.user.name.clone()));
            let invited = state
                .db
                .run(move |conn| {
                    Ok::<_, DbError>(db::write_transaction(conn, |conn| {
                        let invitation =
                            auth::invite::invite(conn, &email, &name, role, db::now())?;
                        if let Some((public_url, by)) = &mail {
                            queue_invitation(conn, &invitation, public_url, by)?;
                        }
                        Ok::<_, AuthError>(invitation)
                    }))
                })
                .await?;
            match invited {
                Err(AuthError::Database(e)) => return Err(e.into()),
                other => other.map_err(|e| crate::web::format::sentence(&e.to_string())),
            }
        }
    };
    let invitation = match result {
        Ok(invitation) => invitation,
        Err(message) => {
            let mut users_page = load(&state, &who, &session).await?;
            users_page.errors = vec![message];
            users_page.form = form;
            return page(StatusCode::UNPROCESSABLE_ENTITY, &users_page);
        }
    };
    let link = format!("{}/invite/{}", state.public_url, invitation.token);
    let expires = expiry(&invitation);
    let sent = !state.mailer.is_off();
    if sent {
        state.outbox.wake();
    }
    flash(
        &session,
        if sent {
            format!(
                "Invited {}: the link to set a password is on its way by e-mail and works until {expires} UTC.",
                invitation.user.name
            )
        } else {
            // Without mail the admin passes the link on; it is shown to them alone, once.
            format!(
                "Invited {}, but the e-mail could not be sent. Pass this link on yourself (it works once, until {expires} UTC): {link}",
                invitation.user.name
            )
        },
    );
    Ok(see_other("/admin/users"))
}

/// When an invitation's link stops working, as the admin and the
/// invitee read it (UTC).
fn expiry(invitation: &auth::invite::Invitation) -> String {
    format!(
        "{} {:02}:{:02}",
        invitation.expires_at.date(),
        invitation.expires_at.hour(),
        invitation.expires_at.minute()
    )
}

/// Queues the invitation's e-mail (`mail::outbox`), in the caller's
/// transaction.
fn queue_invitation(
    conn: &mut db::DbConnection,
    invitation: &auth::invite::Invitation,
    public_url: &str,
    invited_by: &str,
) -> Result<(), AuthError> {
    let link = format!("{public_url}/invite/{}", invitation.token);
    let expires = expiry(invitation);
    let role = invitation.user.role.to_string();
    let notice = InviteNotice {
        name: &invitation.user.name,
        invited_by,
        role: &role,
        link: &link,
        expires: &expires,
    };
    let (subject, body) = (notice.subject(), notice.body());
    db::outbox::enqueue(
        conn,
        &db::outbox::NewMail::text(&invitation.user.email, &subject, &body),
    )?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: CsrfForm<ActiveForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("turn accounts off or on")?;
    let id = id.into_inner();
    if id == who.user.id {
        return Err(WebError::BadRequest(
            "You cannot turn off your own account; ask another admin.".to_owned(),
        ));
    }
    let active = form.active == "1";
    let changed = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                // Turning an account off ends its API tokens for good: an
                // account turned off because a token leaked must not get
                // that token back when it is turned on again.
                if !active {
                    db::auth_tokens::void_unused(
                        conn,
                        id,
                        crate::auth::api_token::KIND,
                        db::now(),
                    )?;
                }
                db::users::set_active(conn, id, active)
            })
            .map_err(DbError::from)
        })
        .await?;
    if changed == 0 {
        return Err(WebError::NotFound(format!("account #{id} does not exist")));
    }
    flash(
        &session,
        if active {
            format!("Account #{id} is on again.")
        } else {
            format!(
                "Account #{id} is off: it cannot sign in, is signed out now, and its API tokens are revoked."
            )
        },
    );
    Ok(see_other("/admin/users"))
}
