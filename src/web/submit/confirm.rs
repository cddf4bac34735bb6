//! Confirm: stores the previewed upload (submission, original file, every
//! comment) and queues its receipt e-mail in the transaction that makes it
//! visible (`submissions::store_then`).

use actix_web::{HttpResponse, web};
use askama::Template;

use super::preview::{TokenForm, load_with_file, read_again};
use super::{Sent, closed_reason, queue_receipt};
use crate::db::documents::Document;
use crate::db::pending::{self, PendingUpload};
use crate::db::{DbConnection, DbError};
use crate::domain::Channel;
use crate::intake::Intake;
use crate::mail::Receipt;
use crate::submissions::{self, Request, Sender, Stored, SubmitError, Upload};
use crate::web::csrf::CsrfForm;
use crate::web::errors::BUSY;
use crate::web::rate_limit::{Confirm, Limited};
use crate::web::see_other;
use crate::web::{AppState, WebError};

/// Stores the upload and queues the receipt; a file the same address sent
/// before gets the "already received" page instead. Limited per client
/// address (`web::rate_limit`): each confirm may send an e-mail.
pub async fn confirm(
    _: Limited<Confirm>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _: CsrfForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let (path_slug, token) = path.into_inner();
    let (document, mut pending) = load_with_file(&state, path_slug.clone(), token.clone()).await?;
    if pending.submission_id.is_some() {
        return Ok(see_other(&format!("/receipt/{token}")));
    }
    if let Some(reason) = closed_reason(&document) {
        return Err(WebError::Forbidden(format!("{reason} Nothing was stored.")));
    }
    let (sent, intake) = read_again(&state, &mut pending).await?;
    let title = document.title.clone();
    // The receipt goes into the mail queue in the submission's own
    // transaction: stored comments always have their receipt owed.
    let receipt = (!state.mailer.is_off()).then(|| ReceiptMail {
        title: title.clone(),
        url: format!("{}/receipt/{token}", state.public_url),
    });
    let stored = state
        .db
        .run(move |conn| store(conn, &document, &pending, &sent, &intake, receipt))
        .await
        .map_err(|error| match error {
            WebError::Contended => WebError::Busy(format!(
                "{BUSY} Your upload is kept: go back and press Confirm again."
            )),
            other => other,
        })?;
    match stored {
        Confirmed::Fresh => state.outbox.wake(),
        Confirmed::Before { tracking } => {
            // No link to the earlier receipt: whoever sends a copy of a file
            // with someone's address learns only the tracking number.
            let page = AlreadyPage {
                slug: path_slug,
                title,
                tracking,
            };
            let html = page.render().map_err(|e| WebError::Unexpected(e.into()))?;
            return Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html));
        }
        Confirmed::Raced => {}
    }
    Ok(see_other(&format!("/receipt/{token}")))
}

/// Shown when the same file from the same address was stored before.
#[derive(Template)]
#[template(path = "submit/already.html")]
struct AlreadyPage {
    slug: String,
    title: String,
    tracking: String,
}

/// What the receipt e-mail says besides the submission's own details.
struct ReceiptMail {
    title: String,
    /// The receipt page's private address.
    url: String,
}

/// What confirming did.
enum Confirmed {
    /// A new submission, its receipt queued (when mail is on).
    Fresh,
    /// The same file from the same address was stored before, as this.
    Before { tracking: String },
    /// Another request confirmed this upload first.
    Raced,
}

/// Stores the submission and marks the upload confirmed, together: a
/// second Confirm (another tab, another instance) finds it done.
fn store(
    conn: &mut DbConnection,
    document: &Document,
    pending: &PendingUpload,
    sent: &Sent,
    intake: &Intake,
    receipt: Option<ReceiptMail>,
) -> Result<Confirmed, WebError> {
    let sender = Sender {
        name: Some(pending.submitter_name.clone()),
        organization: Some(pending.organization.clone()),
        email: Some(pending.email.clone()),
    };
    let (channel, file) = match sent {
        Sent::File { name, bytes } => (
            Channel::Upload,
            Some(Upload {
                file_name: name,
                content_type: pending
                    .content_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
                bytes,
            }),
        ),
        Sent::Typed(_) => (Channel::Form, None),
    };
    let request = Request {
        channel,
        file,
        allow_late: false,
        today: time::OffsetDateTime::now_utc().date(),
        transaction_time: crate::submissions::TRANSACTION_TIME,
    };
    // The upload is marked confirmed, and the receipt queued, in the
    // transaction that makes the submission visible.
    let stored = submissions::store_then(
        conn,
        document,
        &sender,
        request,
        intake,
        &mut |_| {},
        |conn, submission, comments| {
            if !pending::mark_confirmed(conn, &pending.token, submission.id)
                .map_err(DbError::from)?
            {
                // Someone confirmed it meanwhile: undo ours, show theirs.
                return Err(ConfirmError::Raced);
            }
            if let Some(receipt) = &receipt {
                let message = Receipt {
                    document_title: &receipt.title,
                    tracking_number: &submission.tracking_number,
                    comments,
                    submitter_name: &pending.submitter_name,
                    receipt_url: &receipt.url,
                };
                queue_receipt(conn, submission.id, &pending.email, &message)?;
            }
            Ok(())
        },
    );
    match stored {
        Ok(Stored::New { .. }) => Ok(Confirmed::Fresh),
        Ok(Stored::AlreadyReceived { submission }) => {
            // An earlier upload of the same file, or this one confirmed
            // in another tab and still arriving: that one marks the
            // upload confirmed when it arrives, so it is kept for it.
            if !submission.arriving {
                crate::db::write_transaction(conn, |conn| pending::delete(conn, &pending.token))
                    .map_err(DbError::from)?;
            }
            Ok(Confirmed::Before {
                tracking: submission.tracking_number,
            })
        }
        Err(error) => Err(error),
    }
    .or_else(|error| match error {
        ConfirmError::Raced => Ok(Confirmed::Raced),
        ConfirmError::Submit(SubmitError::Database(e)) => Err(e.into()),
        ConfirmError::Submit(other) => {
            Err(WebError::Forbidden(format!("{other}. Nothing was stored.")))
        }
    })
}

#[derive(Debug)]
enum ConfirmError {
    Raced,
    Submit(SubmitError),
}

impl From<SubmitError> for ConfirmError {
    fn from(e: SubmitError) -> Self {
        Self::Submit(e)
    }
}

impl From<DbError> for ConfirmError {
    fn from(e: DbError) -> Self {
        Self::Submit(SubmitError::Database(e))
    }
}

impl From<diesel::result::Error> for ConfirmError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Submit(e.into())
    }
}
