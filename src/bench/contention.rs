//! `docket bench contention`: how long an editor's save waits while a
//! large submission is being stored into the same document, and whether
//! any save fails. The baseline is the same saves with nothing else
//! writing, measured in the same run on the same database.
//!
//! The import runs in its own thread and connection, as a Confirm or a
//! `docket import` beside the server would; the saves change comments'
//! status in sections the import also files comments under, so on
//! PostgreSQL they meet the import's section tallies, and on SQLite its
//! write lock.

use std::time::{Duration, Instant};

use anyhow::Context;

use super::triage::{Fixture, generate};
use super::{Report, generate_csv, with_scratch_url};
use crate::db::{self, ConnectOptions, DatabaseUrl, DbConnection};
use crate::domain::{Channel, TriageStatus};
use crate::intake::{self, Limits};
use crate::submissions::{Request, Sender, Upload};
use crate::triage::{SectionChoice, TriageEdit, save};

/// Comments the saves go over, and sections they are filed under.
const SEEDED: usize = 2_000;
const SECTIONS: usize = 50;

/// Latencies of one series of saves, and the saves that failed.
struct Series {
    latencies: Vec<Duration>,
    failures: Vec<String>,
}

impl Series {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let Some(last) = sorted.len().checked_sub(1) else {
            return 0.0;
        };
        let at = ((last as f64) * p).round() as usize;
        sorted[at.min(last)].as_secs_f64() * 1e3
    }

    fn max(&self) -> f64 {
        self.latencies
            .iter()
            .max()
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
}

/// Runs the measurement on SQLite and, given a URL, on PostgreSQL.
pub fn contention(rows: usize, postgres_admin: Option<&str>) -> anyhow::Result<Report> {
    let csv = generate_csv(rows)?;
    let mut lines = vec![
        format!(
            "contention benchmark: editors' saves while a {rows}-row CSV ({:.1} MB) is stored into the same document",
            csv.len() as f64 / 1e6
        ),
        format!(
            "{:<10} {:<13} {:>6} {:>8} {:>8} {:>9} {:>8} {:>9}  target",
            "backend", "saves", "count", "p50 ms", "p99 ms", "max ms", "errors", "import s"
        ),
    ];
    let mut backends = vec![("sqlite", None)];
    if let Some(admin) = postgres_admin {
        backends.push(("postgresql", Some(admin)));
    }
    for (name, admin) in backends {
        let (alone, beside, import) = with_scratch_url(admin, |conn, url| {
            let fixture = generate(conn, SEEDED, SECTIONS)?;
            let user_id = db::users::find_by_email(conn, "bench@example.org")?.id;
            let mut saver = Saver::new(
                db::connect(url, &ConnectOptions::default())?,
                &fixture,
                user_id,
                conn,
            )?;
            let alone = saver.run_for(Duration::from_secs(3), || false);
            let (beside, import) = beside_import(url, &csv, fixture.document_id, &mut saver)?;
            Ok((alone, beside, import))
        })?;
        for (label, series, import) in [
            ("alone", &alone, None),
            ("beside import", &beside, Some(import)),
        ] {
            lines.push(format!(
                "{name:<10} {label:<13} {:>6} {:>8.1} {:>8.1} {:>9.1} {:>8} {:>9}  {}",
                series.latencies.len(),
                series.percentile(0.5),
                series.percentile(0.99),
                series.max(),
                series.failures.len(),
                import.map_or(String::new(), |d: Duration| format!(
                    "{:.1}",
                    d.as_secs_f64()
                )),
                if import.is_some() {
                    "p99 <= 1000 ms, 0 errors"
                } else {
                    ""
                }
            ));
            for failure in series.failures.iter().take(3) {
                lines.push(format!("    failed: {failure}"));
            }
        }
    }
    Ok(Report { lines })
}

/// Saves in a loop on a connection of its own, while `import` stores the
/// CSV from another thread; returns the saves and the import's time.
fn beside_import(
    url: &DatabaseUrl,
    csv: &[u8],
    document_id: i64,
    saver: &mut Saver,
) -> anyhow::Result<(Series, Duration)> {
    let limits = Limits::default();
    let read = intake::read("contention.csv", csv, &limits)?;
    let mut conn = db::connect(url, &ConnectOptions::default())?;
    let document = db::documents::find_by_id(&mut conn, document_id)?;
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let importer = scope.spawn(|| {
            let started = Instant::now();
            let request = Request {
                channel: Channel::Cli,
                file: Some(Upload {
                    file_name: "contention.csv",
                    content_type: "text/csv",
                    bytes: csv,
                }),
                allow_late: true,
                today: time::OffsetDateTime::now_utc().date(),
                transaction_time: crate::submissions::TRANSACTION_TIME,
            };
            let stored = crate::submissions::store(
                &mut conn,
                &document,
                &Sender::default(),
                request,
                &read,
                &mut |_| {},
            );
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            stored.map(|_| started.elapsed())
        });
        // Let the import take the document first, as it would in practice
        // (a save arriving while a submission is being stored).
        std::thread::sleep(Duration::from_millis(200));
        let series = saver.run_for(Duration::from_secs(3600), || {
            done.load(std::sync::atomic::Ordering::SeqCst)
        });
        let import = importer
            .join()
            .map_err(|_| anyhow::anyhow!("the import thread panicked"))?
            .context("the import failed")?;
        Ok((series, import))
    })
}

/// Saves comments one after the other, as an editor working down the
/// queue would (each at the version it last saw).
struct Saver {
    conn: DbConnection,
    comments: Vec<(i64, i32)>,
    user_id: i64,
    next: usize,
}

impl Saver {
    fn new(
        conn: DbConnection,
        fixture: &Fixture,
        user_id: i64,
        reader: &mut DbConnection,
    ) -> anyhow::Result<Self> {
        let comments: Vec<(i64, i32)> = {
            use crate::db::schema::comments::dsl;
            use diesel::prelude::*;
            dsl::comments
                .filter(dsl::document_id.eq(fixture.document_id))
                .order(dsl::id)
                .limit(500)
                .select((dsl::id, dsl::version))
                .load(reader)?
        };
        anyhow::ensure!(!comments.is_empty(), "no comments were generated");
        Ok(Self {
            conn,
            comments,
            user_id,
            next: 0,
        })
    }

    /// Saves until `stop` says so or `limit` has passed.
    fn run_for(&mut self, limit: Duration, stop: impl Fn() -> bool) -> Series {
        let mut series = Series {
            latencies: Vec::new(),
            failures: Vec::new(),
        };
        let started = Instant::now();
        while !stop() && started.elapsed() < limit {
            let slot = self.next % self.comments.len();
            let (id, version) = self.comments[slot];
            let edit = TriageEdit {
                section: SectionChoice::Keep,
                // Alternating, so every save changes the section's tallies.
                status: Some(if self.next.is_multiple_of(2) {
                    TriageStatus::InReview
                } else {
                    TriageStatus::Resolved
                }),
                disposition: None,
                response: format!("Answer {}", self.next),
                assignee: None,
                duplicate_of: String::new(),
            };
            let at = Instant::now();
            match save(&mut self.conn, id, version, &edit, self.user_id) {
                Ok(saved) => {
                    series.latencies.push(at.elapsed());
                    self.comments[slot].1 = saved.comment.version;
                }
                Err(error) => {
                    series.latencies.push(at.elapsed());
                    series.failures.push(error.to_string());
                }
            }
            self.next += 1;
        }
        series
    }
}
