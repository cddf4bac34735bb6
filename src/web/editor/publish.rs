//! The export page's publication forms (admins): publish the disposition
//! (refused, listing them, while a comment lacks an answer), and post the
//! received comments publicly or stop.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::export::{ExportQuery, refused};
use super::{SignedIn, flash};
use crate::documents::publish::{self, PublishError};
use crate::web::{AppState, WebError, csrf, see_other};

#[derive(serde::Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
}

pub async fn publish(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, &form.csrf)?;
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
            flash(
                &session,
                format!(
                    "Published: {} comment(s) moved to “published”. The public comments page shows the answers.",
                    done.comments
                ),
            );
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
    form: web::Form<PostingForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, &form.csrf)?;
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
