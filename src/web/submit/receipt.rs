//! `/receipt/{token}`: the tracking number of a confirmed submission. The
//! token is the private link sent in the e-mail; tracking numbers alone are
//! sequential and so never links.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::{DbError, comments, documents, pending, schema};
use crate::web::{AppState, WebError, format};

#[derive(Template, WebTemplate)]
#[template(path = "submit/receipt.html")]
pub struct ReceiptPage {
    slug: String,
    title: String,
    tracking: String,
    comments: usize,
    first: String,
    last: String,
    received: String,
    submitter: String,
    mail_failed: bool,
}

#[derive(Debug, Deserialize)]
pub struct ReceiptQuery {
    mail: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<ReceiptQuery>,
) -> Result<ReceiptPage, WebError> {
    let token = token.into_inner();
    let (document, submission, count) = state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            let submission_id = pending::find(conn, &token)?
                .and_then(|p| p.submission_id)
                .ok_or(diesel::result::Error::NotFound)?;
            let submission = schema::submissions::table
                .find(submission_id)
                .select(crate::db::submissions::Submission::as_select())
                .first(conn)?;
            let document = schema::documents::table
                .find(submission.document_id)
                .select(documents::Document::as_select())
                .first(conn)?;
            let count = comments::count_for_submission(conn, submission.id)?;
            Ok::<_, DbError>((document, submission, count))
        })
        .await
        .map_err(|e| match WebError::from(e) {
            WebError::NotFound(_) => {
                WebError::NotFound("There is no receipt at this address.".to_owned())
            }
            other => other,
        })?;
    let count = usize::try_from(count).unwrap_or_default();
    Ok(ReceiptPage {
        first: comments::tracking_number(&submission.tracking_number, 1),
        last: comments::tracking_number(&submission.tracking_number, count as i32),
        slug: document.slug,
        title: document.title,
        comments: count,
        received: format::date(submission.received_at.date()),
        submitter: submission.submitter_name,
        tracking: submission.tracking_number,
        mail_failed: query.mail.as_deref() == Some("failed"),
    })
}
