//! E-mailing each submitter their replies once the disposition is
//! published (publishing with the box checked, or "Send the remaining
//! replies"): their own file with the answers attached, or the answers
//! listed in the text for comments typed in.
//!
//! The request only lists who is owed a reply and returns; a background
//! task then makes the messages one submission at a time (each made on a
//! blocking thread, so one file is in memory at a time) and puts each in
//! the mail queue (`mail::outbox`, which sends and retries) in one
//! transaction with the submission's mark (`submissions.reply_sent_at`:
//! the reply is owed to the queue from then on). A failure to make or
//! queue one leaves the submission unmarked for the next "Send the
//! remaining replies"; so does a restart. Logs name tracking numbers and
//! reasons, never addresses.
//!
//! One run per document at a time in this instance ([`ReplyRuns`]); across
//! instances, each submission is claimed with a conditional update before
//! its message is made (`submissions.reply_claimed_at`, taken over only
//! when older than `REPLY_CLAIM_MINUTES`: its instance died), and the mark
//! is conditional too, so two runs never both queue a reply for one
//! submitter. A claim is given up when the message fails, and ends in the
//! mark when it is queued.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::db::outbox::{self, NewMail};
use crate::db::{self, Db, DbError};
use crate::documents::DocumentError;
use crate::intake::Limits;
use crate::mail::Mailer;
use crate::mail::outbox::Wake;
use crate::replies::ReplyError;
use crate::replies::notice::{self, NoticeDocument, Outgoing};

/// Failures in a row after which a run stops: the database or the files
/// are most likely in trouble. The rest wait for "Send the remaining
/// replies".
const GIVE_UP_AFTER: usize = 5;

/// The documents whose replies this instance is e-mailing now.
#[derive(Clone, Default)]
pub struct ReplyRuns(Arc<Mutex<HashSet<i64>>>);

impl ReplyRuns {
    /// Whether replies to `document_id` are being sent now.
    pub fn running(&self, document_id: i64) -> bool {
        self.0.lock().contains(&document_id)
    }

    /// The run of `document_id`, unless one is going already.
    fn claim(&self, document_id: i64) -> Option<RunGuard> {
        self.0.lock().insert(document_id).then(|| RunGuard {
            runs: self.clone(),
            document_id,
        })
    }
}

/// Ends a run when dropped, however the run ends.
struct RunGuard {
    runs: ReplyRuns,
    document_id: i64,
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.runs.0.lock().remove(&self.document_id);
    }
}

/// What a run of reply e-mails needs of the instance.
#[derive(Clone)]
pub struct ReplyMail {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    /// Woken after each message queued.
    pub outbox: Wake,
    pub runs: ReplyRuns,
    /// `server.public_url` without a trailing slash, for links.
    pub public_url: String,
    /// What a stored file may hold when it is read again to be answered
    /// (`replies::stored_file_limits`).
    pub limits: Limits,
}

/// What asking to send the replies did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
    /// This many messages are being sent in the background.
    Sending(usize),
    /// Everyone owed a reply has been sent theirs.
    NoneOwed,
    /// `mail.transport = "off"`.
    MailOff,
    /// A run for this document is going already.
    AlreadyRunning,
    /// The disposition is not published: there is nothing to send yet.
    NotPublished,
}

impl Started {
    /// The flash message saying so.
    pub fn message(self) -> String {
        match self {
            Started::Sending(n) => format!(
                "Sending {n} reply e-mail(s) in the background; this page counts them as they go out."
            ),
            Started::NoneOwed => "No reply e-mails left to send.".to_owned(),
            Started::MailOff => {
                "E-mail is turned off (mail.transport = \"off\"), so no replies were e-mailed."
                    .to_owned()
            }
            Started::AlreadyRunning => {
                "Replies to this document are being e-mailed already; send any left over when that run ends."
                    .to_owned()
            }
            Started::NotPublished => {
                "The disposition is not published, so there are no replies to send yet.".to_owned()
            }
        }
    }
}

/// Starts e-mailing the submitters of document `slug` the replies they
/// are still owed, in the background.
pub async fn start(state: &ReplyMail, slug: String) -> Result<Started, DocumentError> {
    if state.mailer.is_off() {
        return Ok(Started::MailOff);
    }
    let public_url = state.public_url.clone();
    let owed = state
        .db
        .run(move |conn| {
            let document = crate::documents::find(conn, &slug)?;
            if document.published_at.is_none() {
                return Ok(None);
            }
            let ids = db::submissions::replies_unsent(conn, document.id)?;
            let notice = NoticeDocument {
                title: document.title,
                comments_url: document
                    .public_posting
                    .then(|| format!("{public_url}/d/{}/comments", document.slug)),
            };
            Ok::<_, DocumentError>(Some((document.id, notice, ids)))
        })
        .await?;
    let Some((document_id, document, ids)) = owed else {
        return Ok(Started::NotPublished);
    };
    if ids.is_empty() {
        return Ok(Started::NoneOwed);
    }
    let Some(guard) = state.runs.claim(document_id) else {
        return Ok(Started::AlreadyRunning);
    };
    let count = ids.len();
    tracing::info!(
        document = document_id,
        replies = count,
        "reply e-mails started"
    );
    tokio::spawn(run(state.clone(), guard, document, ids));
    Ok(Started::Sending(count))
}

/// Makes and queues each submission in `ids` its reply, in turn.
async fn run(state: ReplyMail, guard: RunGuard, document: NoticeDocument, ids: Vec<i64>) {
    let limits = state.limits.clone();
    let (mut queued_replies, mut failed, mut in_a_row) = (0usize, 0usize, 0usize);
    for id in ids {
        if in_a_row >= GIVE_UP_AFTER {
            tracing::warn!(
                document = guard.document_id,
                failures = in_a_row,
                "reply e-mails stopped after failures in a row; the rest wait for “Send the remaining replies”"
            );
            break;
        }
        let made = {
            let (document, limits) = (document.clone(), limits.clone());
            state
                .db
                .run(move |conn| {
                    // Each write in a write transaction: on SQLite a bare
                    // UPDATE can meet another writer (the re-clustering
                    // pass) and fail at once instead of queueing.
                    let claimed = db::write_transaction(conn, |conn| {
                        db::submissions::claim_reply(conn, id, db::now())
                    })?;
                    if !claimed {
                        // Sent meanwhile, or another instance is sending it.
                        return Ok(None);
                    }
                    notice::outgoing(conn, id, &document, &limits).map(Some)
                })
                .await
        };
        let outgoing = match made {
            Ok(Some(Some(outgoing))) => outgoing,
            // Not ours to send.
            Ok(None) => continue,
            // Ours, and nothing is owed after all (no published answer).
            Ok(Some(None)) => {
                release(&state, id).await;
                continue;
            }
            Err(error) => {
                log_unmade(id, &error);
                release(&state, id).await;
                failed += 1;
                in_a_row += 1;
                continue;
            }
        };
        let tracking = outgoing.tracking_number.clone();
        if !crate::mail::is_address(&outgoing.to) {
            // Left unmarked: once the address is corrected, "Send the
            // remaining replies" sends it.
            tracing::warn!(%tracking, "reply e-mail not queued: its address is not one");
            release(&state, id).await;
            failed += 1;
            in_a_row += 1;
            continue;
        }
        let queued = state
            .db
            .run(move |conn| {
                db::write_transaction(conn, |conn| queue(conn, &outgoing)).map_err(DbError::from)
            })
            .await;
        match queued {
            Ok(true) => {
                state.outbox.wake();
                in_a_row = 0;
                queued_replies += 1;
            }
            // Marked meanwhile by another run: nothing queued here.
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%tracking, %error, "reply e-mail not queued");
                release(&state, id).await;
                failed += 1;
                in_a_row += 1;
            }
        }
    }
    tracing::info!(
        document = guard.document_id,
        queued = queued_replies,
        failed,
        "reply e-mails queued"
    );
}

/// Marks the submission's reply sent and queues its message, in the
/// caller's transaction; `false` (nothing queued) when another run marked
/// it first.
fn queue(conn: &mut db::DbConnection, outgoing: &Outgoing) -> diesel::QueryResult<bool> {
    if !db::submissions::mark_reply_sent(conn, outgoing.submission_id, db::now())? {
        return Ok(false);
    }
    let attachment = outgoing.attachment.as_ref();
    let message = NewMail {
        attachment_name: attachment.map(|a| a.file_name.as_str()),
        attachment_type: attachment.map(|a| a.content_type),
        attachment: attachment.map(|a| a.bytes.as_slice()),
        ..NewMail::text(&outgoing.to, &outgoing.subject, &outgoing.body)
    };
    outbox::enqueue(conn, &message)?;
    Ok(true)
}

/// Gives up this run's claim on a reply it did not send.
async fn release(state: &ReplyMail, id: i64) {
    let released = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| db::submissions::release_reply(conn, id))
                .map_err(DbError::from)
        })
        .await;
    if let Err(error) = released {
        tracing::warn!(submission = id, %error, "a reply's claim was not given up; it is taken over in 10 minutes");
    }
}

fn log_unmade(submission: i64, error: &ReplyError) {
    tracing::warn!(submission, %error, "reply e-mail not made");
}
