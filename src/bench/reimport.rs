//! `docket bench reimport`: a submission of ROWS new texts, then a second
//! submission (another sender, another file) of the same texts, each of
//! which joins its twin's cluster as it is inserted
//! (`clusters::stored_clusters`), the twin itself left as it is. The
//! second should take little longer than the first. Runs on the back
//! end the configured database URL names: a scratch SQLite file, or a
//! scratch PostgreSQL database created beside the configured one.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use secrecy::ExposeSecret;

use super::{Report, bench_document, generate_csv, with_scratch_db};
use crate::db::schema::comments;
use crate::db::{DatabaseUrl, DbConnection};
use crate::domain::Channel;
use crate::intake::{self, Limits};
use crate::submissions::{Request, Sender, Stored, Upload};

/// Runs both imports on a fresh database and returns the printed lines.
pub fn reimport(rows: usize, url: &DatabaseUrl) -> anyhow::Result<Report> {
    let (backend, admin) = match url {
        DatabaseUrl::Sqlite(_) => ("sqlite", None),
        DatabaseUrl::Postgres(secret) => ("postgresql", Some(secret.expose_secret())),
    };
    let csv = generate_csv(rows)?;
    // The same rows in another file: not "already received".
    let mut again = csv.clone();
    again.extend_from_slice(b"\n");
    let limits = Limits {
        max_file_bytes: u64::MAX,
        max_rows: rows + 10,
        ..Limits::default()
    }
    .without_memory_budget();
    let (first, second, clustered) = with_scratch_db(admin, |conn| {
        let first = store(conn, &csv, "first@example.org", &limits)?;
        let second = store(conn, &again, "second@example.org", &limits)?;
        // Every comment of the second file joined its twin: a member
        // other than the one whose id names the cluster.
        let clustered: i64 = comments::table
            .filter(comments::cluster_id.ne(comments::id.nullable()))
            .count()
            .get_result(conn)?;
        Ok((first, second, clustered))
    })?;
    anyhow::ensure!(
        clustered == rows as i64,
        "{clustered} comments joined their twins, expected {rows}"
    );
    Ok(Report {
        lines: vec![
            format!(
                "re-import benchmark on {backend}: {rows} rows of new texts, then the same texts from another sender"
            ),
            format!(
                "first import (new texts):       {:>8.2} s",
                first.as_secs_f64()
            ),
            format!(
                "second import (texts seen):     {:>8.2} s",
                second.as_secs_f64()
            ),
            format!(
                "ratio second / first:           {:>8.2}x   ({clustered} joined their twins)",
                second.as_secs_f64() / first.as_secs_f64()
            ),
        ],
    })
}

/// One `docket import` of `bytes` from `email`, timed from reading the file
/// to the commit.
fn store(
    conn: &mut DbConnection,
    bytes: &[u8],
    email: &str,
    limits: &Limits,
) -> anyhow::Result<Duration> {
    let document = match crate::documents::find(conn, "bench") {
        Ok(document) => document,
        Err(_) => bench_document(conn)?,
    };
    let started = Instant::now();
    let read = intake::read("bench.csv", bytes, limits)?;
    let request = Request {
        channel: Channel::Cli,
        file: Some(Upload {
            file_name: "bench.csv",
            content_type: "text/csv",
            bytes,
        }),
        allow_late: true,
        today: time::OffsetDateTime::now_utc().date(),
        transaction_time: crate::submissions::TRANSACTION_TIME,
    };
    let sender = Sender {
        email: Some(email.to_owned()),
        ..Sender::default()
    };
    let stored = crate::submissions::store(conn, &document, &sender, request, &read, &mut |_| {})?;
    anyhow::ensure!(
        matches!(stored, Stored::New { .. }),
        "the file was taken for one already received"
    );
    Ok(started.elapsed())
}
