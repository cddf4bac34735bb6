//! `/receipt/{token}`: the tracking number of a confirmed submission. The
//! token is the private link sent in the e-mail; tracking numbers alone are
//! sequential and so never links.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::outbox::Delivery;
use crate::db::{DbError, comments, documents, outbox, pending, submissions};
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
    /// Whether the receipt e-mail failed (it is retried, see `mail::outbox`).
    mail_failed: bool,
    /// Whether to say a receipt e-mail was sent…
    mail_sent: bool,
    /// …or is on its way (queued, not tried yet). Neither: mail is off,
    /// or the submission predates the mail queue.
    mail_queued: bool,
}

/// The receipt: tracking number, count and range of comment numbers.
pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<ReceiptPage, WebError> {
    let token = token.into_inner();
    let (document, submission, count, delivery) = state
        .db
        .run(move |conn| {
            let submission_id = pending::find_without_file(conn, &token)?
                .and_then(|p| p.submission_id)
                .ok_or(diesel::result::Error::NotFound)?;
            let submission = submissions::find(conn, submission_id)?;
            let document = documents::find_by_id(conn, submission.document_id)?;
            let count = comments::count_for_submission(conn, submission.id)?;
            let delivery = outbox::delivery(conn, &super::receipt_reference(submission.id))?;
            Ok::<_, DbError>((document, submission, count, delivery))
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
        mail_failed: delivery == Some(Delivery::Failing),
        mail_sent: delivery == Some(Delivery::Sent),
        mail_queued: delivery == Some(Delivery::Queued),
    })
}
