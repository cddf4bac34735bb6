//! `docket bench triage`: a generated document of COMMENTS comments over
//! SECTIONS sections, served by docket on loopback, measured with `wrk`
//! under a 2-connection load: the section queue (plain, filtered, searched),
//! the dashboard, a comment's page, the clusters, "Sections to check", and
//! comment saves per second; each page's weight (bytes sent, read once with
//! curl). Needs `wrk` and `curl` (Debian: `apt install wrk curl`).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

use super::{Report, with_scratch_url};
use crate::db::comments::{self, NewComment};
use crate::db::submissions::{self, NewSubmission};
use crate::db::{self, DatabaseUrl, DbConnection};
use crate::documents::{self, DocumentSpec};
use crate::domain::{Channel, Role};
use crate::outline::{Outline, OutlineFormat};

const WORDS: [&str; 24] = [
    "identity",
    "proofing",
    "device",
    "authentication",
    "privacy",
    "vehicle",
    "network",
    "firmware",
    "update",
    "medical",
    "consumer",
    "label",
    "risk",
    "supply",
    "chain",
    "crypto",
    "incident",
    "access",
    "standard",
    "sensor",
    "gateway",
    "cloud",
    "pairing",
    "audit",
];
const PASSWORD: &str = "benchmark password";

/// Runs the measurements on SQLite and, given an admin URL, PostgreSQL.
pub fn triage(
    comments: usize,
    sections: usize,
    postgres_admin: Option<&str>,
    seconds: u64,
) -> anyhow::Result<Report> {
    for tool in ["wrk", "curl"] {
        Command::new(tool)
            .arg("--version")
            .output()
            .with_context(|| {
                format!("`{tool}` is needed for this benchmark (apt install {tool})")
            })?;
    }
    let mut lines = vec![format!(
        "triage benchmark: {comments} comments over {sections} sections; wrk, 2 connections, {seconds} s per measurement"
    )];
    lines.push(format!(
        "{:<10} {:<28} {:>9} {:>9} {:>9} {:>8}  target",
        "backend", "request", "p50 ms", "p95 ms", "req/s", "KB"
    ));
    let mut backends = vec![("sqlite", None)];
    if let Some(admin) = postgres_admin {
        backends.push(("postgresql", Some(admin)));
    }
    for (name, admin) in backends {
        let rows = with_scratch_url(admin, |conn, url| {
            let started = Instant::now();
            let fixture = generate(conn, comments, sections)?;
            eprintln!(
                "{name}: {comments} comments generated in {:.0?}",
                started.elapsed()
            );
            // Clustered once, as the background pass would after the
            // import, so the measurements run in the steady state.
            let started = Instant::now();
            let clusters = crate::triage::recluster(conn, fixture.document_id)?
                .context("a re-clustering pass held the new document")?;
            eprintln!(
                "{name}: re-clustered {} comments in {:.1?} ({} clusters, {} changed)",
                clusters.comments,
                started.elapsed(),
                clusters.clusters,
                clusters.changed
            );
            // Generating and clustering rewrote every row twice; on
            // PostgreSQL, autovacuum would vacuum and analyze the tables
            // within a minute or two, and the checkpointer would write the
            // gigabyte of changed pages out within five. Done here, so every
            // run measures that state (an import long finished) rather than
            // wherever autovacuum and the checkpointer have got to.
            if let DbConnection::Postgres(_) = conn {
                let started = Instant::now();
                diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM (ANALYZE)"), conn)?;
                // Needs superuser or `pg_checkpoint`; without, measure anyway.
                let checkpoint =
                    diesel::RunQueryDsl::execute(diesel::sql_query("CHECKPOINT"), conn);
                eprintln!("{name}: vacuumed in {:.1?}", started.elapsed());
                if let Err(e) = checkpoint {
                    eprintln!("{name}: no CHECKPOINT ({e}): the checkpointer may still be writing");
                }
            }
            let rows = measure(url, &fixture, seconds)?;
            // Every save answered 303; check they are stored, too.
            let stored: i64 = {
                use crate::db::schema::comments::dsl;
                use diesel::prelude::*;
                dsl::comments
                    .filter(dsl::disposition.eq("noted"))
                    .count()
                    .get_result(conn)?
            };
            eprintln!("{name}: {stored} saves stored");
            Ok(rows)
        })?;
        for (request, m, target) in rows {
            let weight = m
                .bytes
                .map_or_else(|| "-".to_owned(), |b| format!("{:.0}", b as f64 / 1024.0));
            lines.push(format!(
                "{name:<10} {request:<28} {:>9.1} {:>9.1} {:>9.0} {weight:>8}  {target}",
                m.p50_ms, m.p95_ms, m.per_second
            ));
        }
    }
    Ok(Report { lines })
}

/// What the generated data gives the measurements.
pub(super) struct Fixture {
    pub(super) document_id: i64,
    section_id: i64,
    first_comment: i64,
}

pub(super) fn generate(
    conn: &mut DbConnection,
    count: usize,
    sections: usize,
) -> anyhow::Result<Fixture> {
    let tops = sections.div_ceil(10).max(1);
    let mut toml = String::new();
    let mut n = 0;
    'outer: for top in 1..=tops {
        toml.push_str(&format!(
            "[[section]]\nnumber = \"{top}\"\ntitle = \"Part {top}\"\n"
        ));
        n += 1;
        for sub in 1..=9 {
            if n >= sections {
                break 'outer;
            }
            toml.push_str(&format!(
                "[[section]]\nnumber = \"{top}.{sub}\"\ntitle = \"Topic {top}.{sub}\"\n"
            ));
            n += 1;
        }
    }
    let outline: Outline = crate::outline::parse(&toml, OutlineFormat::Toml)?;
    let spec = DocumentSpec {
        slug: "bench".to_owned(),
        title: "Benchmark draft".to_owned(),
        tracking_prefix: None,
        description: String::new(),
        opens_on: None,
        closes_on: None,
    };
    let (document, _) = documents::create_with_outline(conn, &spec, &outline)?;
    crate::auth::create_user(conn, "bench@example.org", "Bench", Role::Admin, PASSWORD)?;
    let ids: Vec<i64> = db::sections::for_document(conn, document.id)?
        .iter()
        .map(|s| s.id)
        .collect();
    let statuses = ["new", "new", "in_review", "resolved"];
    let types = ["editorial", "general", "technical", "technical"];
    let now = db::now();
    let mut seq_total = 0usize;
    let mut first_comment = None;
    let per_submission = 10_000;
    while seq_total < count {
        let in_this = per_submission.min(count - seq_total);
        let seq = db::documents::take_submission_seq(conn, document.id)?;
        db::write_transaction(conn, |conn| -> anyhow::Result<()> {
            let submission = submissions::insert(
                conn,
                NewSubmission {
                    document_id: document.id,
                    seq,
                    tracking_number: &submissions::tracking_number(&document.tracking_prefix, seq),
                    channel: Channel::Cli,
                    submitter_name: "Bench Submitter",
                    organization: "Bench Org",
                    email: None,
                    sha256: None,
                    metadata_json: "{}",
                    report_json: "{}",
                    late: false,
                    received_at: now,
                    arriving: false,
                },
            )?;
            for start in (0..in_this).step_by(comments::BATCH) {
                let end = (start + comments::BATCH).min(in_this);
                let owned: Vec<(String, String)> = (start..end)
                    .map(|i| {
                        let k = seq_total + i;
                        let body = (0..12)
                            .map(|j| WORDS[(k * 7 + j * 13 + j * k % 5) % WORDS.len()])
                            .collect::<Vec<_>>()
                            .join(" ");
                        (
                            comments::tracking_number(&submission.tracking_number, (i + 1) as i32),
                            body,
                        )
                    })
                    .collect();
                let rows: Vec<NewComment<'_>> = owned
                    .iter()
                    .enumerate()
                    .map(|(j, (tracking, body))| {
                        let k = seq_total + start + j;
                        NewComment {
                            id: None,
                            document_id: document.id,
                            submission_id: submission.id,
                            seq: (start + j + 1) as i32,
                            tracking_number: tracking,
                            source_sheet: None,
                            source_row: None,
                            extra_json: "{}",
                            problems_json: "[]",
                            comment_number: None,
                            commenter: None,
                            organization: None,
                            volume_raw: None,
                            type_raw: None,
                            comment_type: Some(types[k % types.len()]),
                            severity: None,
                            section_raw: None,
                            paragraph_raw: None,
                            page_raw: None,
                            page_start: None,
                            page_end: None,
                            page_sort: Some((k % 200) as i32),
                            line_raw: None,
                            line_start: Some((k % 5000) as i32),
                            line_end: None,
                            body,
                            suggested_change: None,
                            // One in fifty for "Sections to check": a
                            // section not found, or signals that disagree.
                            section_id: (k % 100 != 7).then(|| ids[k % ids.len()]),
                            tag_source: if k % 100 == 7 { "none" } else { "section" },
                            tag_span: None,
                            tag_conflict: (k % 100 == 3)
                                .then_some("the section column says 5.3 but line 2500 lies in D.1"),
                            assignee_id: None,
                            text_hash: None,
                            cluster_id: None,
                            created_at: now,
                            updated_at: now,
                        }
                    })
                    .collect();
                comments::insert_batch(conn, &rows)?;
            }
            Ok(())
        })?;
        seq_total += in_this;
        if first_comment.is_none() {
            first_comment = Some(comments::for_tag_review(conn, document.id, true, 0, 1)?.0[0].id);
        }
    }
    // Statuses spread without touching versions (saves start from version 1).
    for (i, status) in statuses.iter().enumerate() {
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE comments SET status = '{status}' WHERE id % {} = {i}",
                statuses.len()
            )),
            conn,
        )?;
    }
    Ok(Fixture {
        document_id: document.id,
        section_id: ids[ids.len() / 2],
        first_comment: first_comment.context("no comments generated")?,
    })
}

struct Measured {
    p50_ms: f64,
    p95_ms: f64,
    per_second: f64,
    /// A page's size as sent (not for saves).
    bytes: Option<u64>,
}

fn measure(
    url: &DatabaseUrl,
    fixture: &Fixture,
    seconds: u64,
) -> anyhow::Result<Vec<(String, Measured, &'static str)>> {
    let database = match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
        DatabaseUrl::Postgres(_) => url
            .postgres_secret()
            .context("no PostgreSQL URL")?
            .to_owned(),
    };
    let settings = crate::config::Settings::from_layers(&[&format!(
        "[server]\nbind = \"127.0.0.1:0\"\nworkers = 2\n[database]\nurl = \"{database}\"\n[mail]\ntransport = \"off\"\n[log]\nfilter = \"warn\"\n"
    )])?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let app = crate::startup::Application::build(&settings).await?;
        let base = format!("http://{}", app.addr());
        tokio::spawn(app.into_server());
        let base_for_work = base.clone();
        let first = fixture.first_comment;
        let section = fixture.section_id;
        tokio::task::spawn_blocking(move || run_wrk(&base_for_work, section, first, seconds))
            .await?
    })
}

fn run_wrk(
    base: &str,
    section: i64,
    first_comment: i64,
    seconds: u64,
) -> anyhow::Result<Vec<(String, Measured, &'static str)>> {
    let dir = tempfile::tempdir()?;
    let (cookie, csrf) = sign_in(base, dir.path())?;
    let report = dir.path().join("report.lua");
    std::fs::write(
        &report,
        "done = function(summary, latency, requests)\n  io.write(string.format(\"DOCKET %f %f %d %d %d\\n\", latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests, summary.duration, summary.errors.status))\nend\n",
    )?;
    let save = dir.path().join("save.lua");
    let mut script = std::fs::File::create(&save)?;
    // `wrk.format` with its own header table would drop the session cookie
    // given with -H, so the content type joins `wrk.headers` instead. Each
    // thread counts answers other than 303 (a save that did not happen).
    write!(
        script,
        "wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
         local threads = {{}}\n\
         setup = function(thread) thread:set(\"tid\", #threads) thread:set(\"bad\", 0) table.insert(threads, thread) end\n\
         local n = 0\n\
         request = function()\n  n = n + 1\n  local id = {first_comment} + tid + 2 * n\n  \
         return wrk.format(\"POST\", \"/editor/comments/\" .. id, nil, \
         \"csrf={csrf}&version=1&section=keep&status=in_review&disposition=noted&response=Noted.&assignee=&duplicate_of=\")\nend\n\
         response = function(status, headers, body) if status ~= 303 then bad = bad + 1 end end\n\
         done = function(summary, latency, requests)\n  local bad = 0\n  for _, t in ipairs(threads) do bad = bad + t:get(\"bad\") end\n  \
         io.write(string.format(\"DOCKET %f %f %d %d %d\\n\", latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests, summary.duration, summary.errors.status + bad))\nend\n"
    )?;
    let queue = format!("{base}/editor/d/bench/s/{section}");
    let runs: Vec<(String, String, Option<std::path::PathBuf>, &'static str)> = vec![
        ("queue".into(), queue.clone(), None, "p95 <= 50 ms"),
        (
            "queue, filtered".into(),
            format!("{queue}?status=new&type=technical"),
            None,
            "p95 <= 50 ms",
        ),
        (
            "queue, searched".into(),
            format!("{queue}?q=firmware"),
            None,
            "p95 <= 50 ms",
        ),
        (
            "all comments, searched".into(),
            format!("{base}/editor/d/bench/s/all?q=firmware+gateway"),
            None,
            "p95 <= 50 ms",
        ),
        (
            "dashboard".into(),
            format!("{base}/editor/d/bench"),
            None,
            "p95 <= 100 ms",
        ),
        (
            "comment page".into(),
            format!("{base}/editor/comments/{first_comment}?from=/editor/d/bench/s/{section}"),
            None,
            "",
        ),
        (
            "clusters".into(),
            format!("{base}/editor/d/bench/clusters"),
            None,
            "",
        ),
        (
            "sections to check".into(),
            format!("{base}/editor/d/bench/tags"),
            None,
            "p95 <= 200 ms, <= 200 KB",
        ),
        (
            "comment saves".into(),
            format!("{base}/"),
            Some(save.clone()),
            ">= 1000 saves/s",
        ),
    ];
    let mut out = Vec::new();
    for (name, target_url, script, target) in runs {
        let bytes = match script {
            Some(_) => None,
            None => Some(page_bytes(&target_url, &cookie)?),
        };
        let script = script.unwrap_or_else(|| report.clone());
        let output = Command::new("wrk")
            .args(["-t", "2", "-c", "2", "-d", &format!("{seconds}s")])
            .arg("-H")
            .arg(format!("Cookie: {cookie}"))
            .arg("-s")
            .arg(&script)
            .arg(&target_url)
            .output()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("DOCKET "))
            .with_context(|| format!("wrk gave no report for {name}: {text}"))?;
        let f: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        anyhow::ensure!(f.len() == 5, "unreadable wrk report: {line}");
        anyhow::ensure!(
            f[4] == 0.0,
            "{name}: {} responses were errors (4xx/5xx)",
            f[4]
        );
        out.push((
            name,
            Measured {
                p50_ms: f[0],
                p95_ms: f[1],
                per_second: f[2] / (f[3] / 1_000_000.0),
                bytes,
            },
            target,
        ));
    }
    Ok(out)
}

/// The size of the page at `url` as sent (uncompressed), read once with
/// curl; anything but 200 is an error.
fn page_bytes(url: &str, cookie: &str) -> anyhow::Result<u64> {
    let output = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
        ])
        .arg("-H")
        .arg(format!("Cookie: {cookie}"))
        .arg(url)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (status, size) = text
        .split_once(' ')
        .with_context(|| format!("curl said {text:?} for {url}"))?;
    anyhow::ensure!(status == "200", "{url} answered {status}");
    Ok(size.trim().parse()?)
}

/// Signs in with curl; returns the session cookie and the form token.
fn sign_in(base: &str, dir: &std::path::Path) -> anyhow::Result<(String, String)> {
    let jar = dir.join("cookies.txt");
    let token_of = |html: &str| -> anyhow::Result<String> {
        let at = html
            .find("name=\"csrf\" value=\"")
            .context("no csrf field")?
            + 19;
        Ok(html[at..].chars().take_while(|c| *c != '"').collect())
    };
    let curl = |args: &[&str]| -> anyhow::Result<String> {
        let output = Command::new("curl")
            .arg("-s")
            .arg("-c")
            .arg(&jar)
            .arg("-b")
            .arg(&jar)
            .args(args)
            .output()?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let form = curl(&[&format!("{base}/login")])?;
    let token = token_of(&form)?;
    curl(&[
        "-d",
        &format!("csrf={token}&email=bench%40example.org&password=benchmark+password"),
        &format!("{base}/login"),
    ])?;
    let editor = curl(&[&format!("{base}/editor")])?;
    let csrf = token_of(&editor).context("sign-in failed")?;
    let jar_text = std::fs::read_to_string(&jar)?;
    let value = jar_text
        .lines()
        .find_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.len() >= 7 && fields[5] == "docket_session").then(|| fields[6].to_owned())
        })
        .context("no session cookie after sign-in")?;
    Ok((format!("docket_session={value}"), csrf))
}
