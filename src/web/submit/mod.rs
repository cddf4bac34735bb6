//! Public submission: `/d/{slug}/submit` (upload a filled-in template or type
//! comments) → a preview of every row read, with its warnings → Confirm →
//! stored as a whole → the receipt page and a receipt e-mail.
//!
//! Between preview and Confirm the upload waits in `pending_uploads`, so any
//! instance can take the Confirm. Its random token is also the private link
//! to the receipt (tracking numbers are sequential, so they are not links).

mod confirm;
mod form;
pub use form::MAX_TYPED;
mod preview;
mod receipt;

use std::sync::{Arc, LazyLock};

use actix_multipart::form::MultipartFormConfig;
use actix_web::web;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::db::documents::{Document, Period};
use crate::intake::{self, FormRow, Intake, IntakeError, Limits};
use crate::web::WebError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/d/{slug}/submit", web::get().to(form::show))
        .route("/d/{slug}/submit", web::post().to(form::send))
        .route("/d/{slug}/submit/{token}", web::get().to(preview::show))
        .route(
            "/d/{slug}/submit/{token}/confirm",
            web::post().to(confirm::confirm),
        )
        .route(
            "/d/{slug}/submit/{token}/cancel",
            web::post().to(preview::cancel),
        )
        .route("/receipt/{token}", web::get().to(receipt::show));
}

/// Room for the text fields of the submission form beside the file.
const FORM_OVERHEAD: usize = 1024 * 1024;

/// Limits the whole form to the file limit plus room for its text fields;
/// an upload over it gets a page saying so (413), nothing stored.
pub fn multipart_config(file_limit: u64) -> MultipartFormConfig {
    let limit = usize::try_from(file_limit)
        .unwrap_or(usize::MAX)
        .saturating_add(FORM_OVERHEAD);
    MultipartFormConfig::default()
        .total_limit(limit)
        .memory_limit(limit)
        .error_handler(move |error, _req| {
            if matches!(
                error,
                actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow)
            ) {
                WebError::TooLarge(format!(
                    "The upload is larger than the limit of {}, so nothing was stored. \
                     Split the comments over several files, or save the file without images.",
                    intake::size_text(file_limit)
                ))
                .into()
            } else {
                let message = error.to_string();
                WebError::BadRequest(format!(
                    "The form could not be read ({message}). Nothing was stored."
                ))
                .into()
            }
        })
}

/// Why the public may not submit to a document today, if they may not.
pub fn closed_reason(document: &Document) -> Option<String> {
    let today = time::OffsetDateTime::now_utc().date();
    match document.period_on(today) {
        Period::Open => None,
        Period::Closed => Some(match document.closes_on {
            Some(date) => format!(
                "The comment period for this document closed on {}. Comments can no longer be submitted here; \
                 if you have a question, contact the document's editors.",
                crate::web::format::date(date)
            ),
            None => "The comment period for this document is closed.".to_owned(),
        }),
        Period::Upcoming => Some(match document.opens_on {
            Some(date) => format!(
                "The comment period for this document opens on {}. Please come back then.",
                crate::web::format::date(date)
            ),
            None => "The comment period for this document has not opened yet.".to_owned(),
        }),
    }
}

/// What was sent: a file, or typed comments.
#[derive(Clone, Debug)]
pub enum Sent {
    File { name: String, bytes: Vec<u8> },
    Typed(Vec<FormRow>),
}

/// Reads what was sent, off the async workers (big files take a while),
/// and hands it back with what was read. At most one read per CPU runs at a
/// time in this instance: each may take its file's memory budget (see
/// `intake::budget`), so a burst of uploads or Confirms waits its turn
/// instead of multiplying the server's memory.
pub async fn read(
    sent: Sent,
    limits: Limits,
) -> Result<(Sent, Result<Intake, IntakeError>), WebError> {
    static READS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
        Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, usize::from),
        ))
    });
    let permit = Arc::clone(&READS)
        .acquire_owned()
        .await
        .map_err(|e| WebError::Unexpected(e.into()))?;
    // The permit goes with the read: a request whose client went away
    // still holds it until its read ends.
    web::block(move || {
        let intake = match &sent {
            Sent::File { name, bytes } => intake::read(name, bytes, &limits),
            Sent::Typed(rows) => intake::from_form(rows, &limits),
        };
        drop(permit);
        (sent, intake)
    })
    .await
    .map_err(|e| WebError::Unexpected(e.into()))
}

/// The key of [`client_key`], from the session key: every instance
/// sharing the session key (as they must) counts a client alike.
pub fn client_salt(session_key: &actix_web::cookie::Key) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"docket: unconfirmed uploads by client\0");
    hasher.update(session_key.signing());
    hasher.finalize().into()
}

/// What an unconfirmed upload stores of its sender's address: a keyed hash,
/// enough to count a client's waiting uploads, never the address itself.
/// Counted as the rate limits count (an IPv6 client by its /64).
pub fn client_key(salt: &[u8; 32], client: crate::web::client::ClientAddr) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(client.key().to_string().as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

/// How a submission's receipt is named in the mail queue, so its receipt
/// page can say how the e-mail is doing.
pub fn receipt_reference(submission_id: i64) -> String {
    format!("receipt:{submission_id}")
}

/// Queues the receipt e-mail of submission `submission_id` to `to`, in the
/// caller's transaction (the submission's own: stored comments always have
/// their receipt owed). Confirm and the API both send it.
pub(crate) fn queue_receipt(
    conn: &mut crate::db::DbConnection,
    submission_id: i64,
    to: &str,
    receipt: &crate::mail::Receipt<'_>,
) -> Result<(), crate::db::DbError> {
    let reference = receipt_reference(submission_id);
    let (subject, body) = (receipt.subject(), receipt.body());
    crate::db::outbox::enqueue(
        conn,
        &crate::db::outbox::NewMail {
            reference: Some(&reference),
            ..crate::db::outbox::NewMail::text(to, &subject, &body)
        },
    )?;
    Ok(())
}
