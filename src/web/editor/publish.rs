//! The export page's publication forms (admins): publish the disposition
//! (refused, listing them, while a comment lacks an answer), and with it,
//! unless the box is cleared, e-mail each submitter their replies
//! (`jobs::reply_mail`); send the replies still owed; post the received
//! comments publicly or stop.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::export::{ExportQuery, refused};
use super::{SignedIn, flash};
use crate::documents::publish::{self, PublishError};
use crate::jobs::reply_mail::{self, Started};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, see_other};

tokened!(PostingForm, PublishForm);

#[derive(serde::Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    /// The box "E-mail each submitter their file with the answers": `1`
    /// when checked, absent when not (as browsers send checkboxes).
    #[serde(default)]
    reply_mail: String,
}

impl PublishForm {
    fn reply_mail(&self) -> bool {
        crate::web::checked(&self.reply_mail)
    }
}

pub async fn publish(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: CsrfForm<PublishForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("publish a disposition")?;
    let slug = slug.into_inner();
    let user_id = who.user.id;
    let lookup = slug.clone();
    let outcome = state
        .db
        .run(move |conn| Ok::<_, crate::db::DbError>(publish::publish(conn, &lookup, user_id)))
        .await?;
    match outcome {
        Ok(done) => {
            tracing::info!(
                user = user_id,
                comments = done.comments,
                "disposition published"
            );
            let mut message = format!(
                "Published: {} comment(s) moved to “published”. The public comments page shows the answers.",
                done.comments
            );
            // After the commit: a message never announces answers that a
            // rolled-back publication did not publish.
            if form.reply_mail() {
                message.push(' ');
                match reply_mail::start(&state.reply_mail(), slug.clone()).await {
                    Ok(started) => message.push_str(&started.message()),
                    // Published all the same: say so, not a bare error page.
                    Err(error) => {
                        tracing::warn!(%error, "reply e-mails not started");
                        message.push_str(
                            "The reply e-mails could not be started; send them with “Send the remaining replies”.",
                        );
                    }
                }
            }
            flash(&session, message);
            Ok(see_other(&format!("/editor/d/{slug}/export")))
        }
        Err(PublishError::Unanswered { rows, total }) => {
            refused(
                &state,
                &who,
                &session,
                slug,
                ExportQuery::default(),
                &rows,
                total,
            )
            .await
        }
        Err(PublishError::Document(e)) => Err(e.into()),
    }
}

/// "Send the remaining replies": the replies a failure (or a publication
/// without the box) left unsent.
pub async fn send_replies(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _: CsrfForm<PublishForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("e-mail the replies")?;
    let slug = slug.into_inner();
    let started = reply_mail::start(&state.reply_mail(), slug.clone()).await?;
    if started == Started::NotPublished {
        return Err(WebError::Conflict(started.message()));
    }
    tracing::info!(user = who.user.id, "remaining replies asked for");
    flash(&session, started.message());
    Ok(see_other(&format!("/editor/d/{slug}/export")))
}

#[derive(serde::Deserialize)]
pub struct PostingForm {
    #[serde(default)]
    csrf: String,
    /// `on` or `off`.
    posting: String,
}

pub async fn posting(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: CsrfForm<PostingForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("change whether comments are posted publicly")?;
    let on = match form.posting.as_str() {
        "on" => true,
        "off" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "posting must be “on” or “off”, not “{other}”"
            )));
        }
    };
    let slug = slug.into_inner();
    let lookup = slug.clone();
    state
        .db
        .run(move |conn| publish::set_public_posting(conn, &lookup, on))
        .await
        .map_err(WebError::from)?;
    flash(
        &session,
        if on {
            format!("Received comments are now posted at /d/{slug}/comments.")
        } else {
            "Received comments are no longer posted publicly.".to_owned()
        },
    );
    Ok(see_other(&format!("/editor/d/{slug}/export")))
}
