//! Work an instance does beside the requests, on the same database pool:
//!
//! - every few minutes ([`every`]): the sweep of submissions a dead
//!   process left arriving (`submissions::sweep_abandoned`), and the
//!   re-clustering of documents that received comments
//!   (`triage::recluster_stale`), started by `startup`;
//! - when an admin asks: e-mailing each submitter their replies
//!   ([`reply_mail`]), one run per document.
//!
//! The mail queue's sender (`mail::outbox::run`) runs beside them; it has
//! its own loop, as it is also woken as soon as a message is queued.
//!
//! Every job is safe to run in several instances at once: each claims its
//! work in the database (a lease, a conditional update) before doing it.
//! None holds anything only in memory that a restart would lose: what is
//! left undone is found again by the next pass or the next request.

use std::fmt::Display;
use std::time::Duration;

use crate::db::{Db, DbConnection, DbError};

pub mod reply_mail;

/// Runs `pass` on a pooled connection (on a blocking thread) every
/// `period`, the first time one period after the start, for as long as
/// the process runs. What a pass returns goes to `done`; a failure is
/// logged, naming the job, and the pass is tried again at the next tick.
/// A pass that takes longer than `period` delays the next instead of
/// bunching them up.
pub async fn every<T, E, P, D>(db: Db, job: &'static str, period: Duration, pass: P, done: D)
where
    P: Fn(&mut DbConnection) -> Result<T, E> + Clone + Send + 'static,
    D: Fn(T),
    T: Send + 'static,
    E: From<DbError> + Display + Send + 'static,
{
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match db.run(pass.clone()).await {
            Ok(result) => done(result),
            Err(error) => {
                tracing::warn!(%error, job, "a background job failed; it runs again at its next tick")
            }
        }
    }
}
