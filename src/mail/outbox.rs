//! The sender job: sends the messages queued in `mail_outbox`.
//!
//! Why a queue: a message sent in the request after the commit is lost if
//! the process dies between the two (a second Confirm finds the submission
//! stored and sends nothing). Requests now insert the message in their own
//! transaction instead, and this job, one per instance, sends what is due:
//! each row claimed first (`db::outbox::claim`, so two instances never send
//! one row twice), marked sent once the mail server accepted it, or tried
//! again later with a doubling delay (`mail.retry_first_secs`, capped at
//! `mail.retry_max_secs`) up to `mail.max_attempts` tries. A request that
//! queues a message wakes the job ([`Wake`]), so mail still leaves within
//! moments; otherwise it looks every `mail.queue_poll_secs`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{Attachment, MailError, Mailer};
use crate::db::outbox::{self, QueuedMail};
use crate::db::{Db, DbConnection, DbError};

/// How many due rows one look takes at a time.
const BATCH: i64 = 20;

/// Sent messages are kept this long (for operators), then forgotten…
const KEEP_SENT: time::Duration = time::Duration::days(30);
/// …by a purge this often.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Wakes this instance's sender job at once (after a request queued a
/// message). A wake while the job is busy is remembered, not lost.
#[derive(Clone, Debug, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    async fn woken(&self) {
        self.0.notified().await;
    }
}

/// How the job retries (from `[mail]`).
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub first: Duration,
    pub max: Duration,
    pub max_attempts: i32,
}

impl Retry {
    /// The wait after the `attempts`-th failed try: `first`, doubled for
    /// each try before it, at most `max`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.first
            .checked_mul(1 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// Sends due messages for as long as the process runs: after each wake,
/// and every `poll` in any case (retries, and rows other instances queued).
pub async fn run(db: Db, mailer: Arc<Mailer>, wake: Wake, retry: Retry, poll: Duration) {
    // Names this instance's claims: only the claimer marks a row.
    let me = hex::encode(rand::random::<[u8; 12]>());
    let mut purged: Option<tokio::time::Instant> = None;
    loop {
        if let Err(error) = send_due(&db, &mailer, &retry, &me).await {
            tracing::warn!(%error, "the mail queue could not be read");
        }
        if purged.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
            purged = Some(tokio::time::Instant::now());
            let purge = write(&db, |conn| {
                outbox::purge_sent_before(conn, crate::db::now() - KEEP_SENT)
            });
            if let Err(error) = purge.await {
                tracing::warn!(%error, "sent mail could not be purged");
            }
        }
        tokio::select! {
            () = wake.woken() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// One look: every due row, batch by batch.
async fn send_due(db: &Db, mailer: &Mailer, retry: &Retry, me: &str) -> Result<(), DbError> {
    let max_attempts = retry.max_attempts;
    loop {
        let ids = db
            .run(move |conn| {
                Ok::<_, DbError>(outbox::due(conn, crate::db::now(), max_attempts, BATCH)?)
            })
            .await?;
        for &id in &ids {
            let by = me.to_owned();
            let claimed = write(db, move |conn| {
                outbox::claim(conn, id, &by, crate::db::now(), max_attempts)
            })
            .await?;
            // Another instance took it first.
            let Some(mail) = claimed else { continue };
            let result = send(mailer, &mail).await;
            record(db, me, retry, &mail, result).await?;
        }
        if (ids.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// Runs `work` in a write transaction off the async workers. Writes go in
/// write transactions: on SQLite a bare UPDATE can meet another writer and
/// fail instead of waiting.
async fn write<T: Send + 'static>(
    db: &Db,
    work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
) -> Result<T, DbError> {
    db.run(move |conn| crate::db::write_transaction(conn, work).map_err(DbError::from))
        .await
}

async fn send(mailer: &Mailer, mail: &QueuedMail) -> Result<(), MailError> {
    match (&mail.attachment_name, &mail.attachment) {
        (Some(file_name), Some(bytes)) => {
            let attachment = Attachment {
                file_name,
                content_type: mail
                    .attachment_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
                bytes: bytes.clone(),
            };
            mailer
                .send_with_attachment(
                    &mail.recipient,
                    &mail.subject,
                    mail.body.clone(),
                    attachment,
                )
                .await
        }
        _ => {
            mailer
                .send(&mail.recipient, &mail.subject, mail.body.clone())
                .await
        }
    }
}

/// Marks the row sent, or notes the failure and when to try again. Logs
/// by row id and reason, never by address.
async fn record(
    db: &Db,
    me: &str,
    retry: &Retry,
    mail: &QueuedMail,
    result: Result<(), MailError>,
) -> Result<(), DbError> {
    let (id, by) = (mail.id, me.to_owned());
    match result {
        Ok(()) => {
            write(db, move |conn| {
                outbox::mark_sent(conn, id, &by, crate::db::now())
            })
            .await?;
        }
        Err(MailError::Build(_)) => {
            // Trying again would build the same message: give it up now.
            let max = retry.max_attempts;
            tracing::warn!(
                mail = id,
                "e-mail given up: it cannot be built (a bad address?)"
            );
            write(db, move |conn| {
                outbox::mark_given_up(conn, id, &by, "the message could not be built", max)
            })
            .await?;
        }
        Err(error) => {
            let reason = error.log_reason();
            let wait = retry.backoff(mail.attempts);
            if mail.attempts >= retry.max_attempts {
                tracing::warn!(mail = id, attempts = mail.attempts, %reason, "e-mail given up");
            } else {
                tracing::warn!(
                    mail = id,
                    attempts = mail.attempts,
                    %reason,
                    retry_in_secs = wait.as_secs(),
                    "e-mail not sent; will retry"
                );
            }
            let next = crate::db::now() + wait;
            write(db, move |conn| {
                outbox::mark_failed(conn, id, &by, &reason, next)
            })
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_first_and_stops_at_the_cap() {
        let retry = Retry {
            first: Duration::from_secs(60),
            max: Duration::from_secs(3600),
            max_attempts: 10,
        };
        let waits: Vec<u64> = (1..=10).map(|a| retry.backoff(a).as_secs()).collect();
        assert_eq!(
            waits,
            [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]
        );
        // Out-of-range counts neither panic nor overflow.
        assert_eq!(retry.backoff(0).as_secs(), 60);
        assert_eq!(retry.backoff(i32::MAX).as_secs(), 3600);
    }
}
