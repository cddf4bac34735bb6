//! `docket bench intake`: full intake (read, map, validate, store) against
//! the raw ceiling measured in the same run (the csv crate's serde parse or
//! calamine's sheet read, then a batch insert of the same rows), on SQLite
//! and, given a URL, PostgreSQL. Each measurement gets a fresh database.
//!
//! `docket bench tagging` ([`tagging`], here too) times section tagging
//! alone against a synthetic outline. The other benchmarks have a module
//! each: `triage`, `export`, `reimport` and `contention`. Those that store
//! use scratch databases, and most set docket beside a raw ceiling or a
//! baseline measured in the same run, so a figure means something on any
//! machine. The figures themselves are in `docs/performance.md`.

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use diesel::{Connection, RunQueryDsl};
use rust_xlsxwriter::Workbook;
use secrecy::SecretString;

use crate::db::comments::{self, NewComment};
use crate::db::submissions::{self, NewSubmission};
use crate::db::{self, ConnectOptions, DatabaseUrl, DbConnection};
use crate::documents::{self, DocumentSpec};
use crate::domain::Channel;
use crate::intake::{self, Limits};
use crate::submissions::{Request, Sender, Upload};

mod contention;
mod export;
mod reimport;
mod triage;

pub use contention::contention;
pub use export::{Step as ExportStep, export_bench, export_seed, export_step};
pub use reimport::reimport;
pub use triage::triage;

const HEADER: [&str; 9] = [
    "Comment #",
    "Submitter",
    "Organization",
    "Type",
    "Section",
    "Page #",
    "Line #",
    "Comment\n(Include rationale for comment)",
    "Suggested Change",
];

/// One generated row (also what the raw CSV ceiling deserialises into).
#[derive(Debug, serde::Deserialize)]
struct RawRow {
    number: String,
    submitter: String,
    organization: String,
    kind: String,
    section: String,
    page: String,
    line: String,
    comment: String,
    change: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Input {
    Csv,
    Xlsx,
}

pub struct Report {
    pub lines: Vec<String>,
}

/// Runs every measurement and returns the printed table.
pub fn intake(rows: usize, postgres_admin: Option<&str>, repeat: usize) -> anyhow::Result<Report> {
    let csv = generate_csv(rows)?;
    let xlsx = generate_xlsx(rows)?;
    let mut lines = vec![
        format!(
            "intake benchmark: {rows} rows of 9 text columns; CSV {:.1} MB, XLSX {:.1} MB; best of {repeat}",
            csv.len() as f64 / 1e6,
            xlsx.len() as f64 / 1e6
        ),
        format!(
            "{:<10} {:<5} {:>15} {:>15} {:>7}",
            "backend", "input", "ceiling rows/s", "docket rows/s", "ratio"
        ),
    ];
    let mut backends = vec![("sqlite", None)];
    if let Some(url) = postgres_admin {
        backends.push(("postgresql", Some(url)));
    }
    let limits = Limits {
        max_file_bytes: u64::MAX,
        max_rows: rows + 10,
        ..Limits::default()
    }
    .without_memory_budget();
    for (backend, admin) in backends {
        for (input, bytes) in [(Input::Csv, &csv), (Input::Xlsx, &xlsx)] {
            let mut best_raw = Duration::MAX;
            let mut best_full = Duration::MAX;
            for _ in 0..repeat.max(1) {
                best_raw = best_raw.min(with_scratch_db(admin, |conn| raw(conn, input, bytes))?);
                best_full = best_full.min(with_scratch_db(admin, |conn| {
                    full(conn, input, bytes, &limits)
                })?);
            }
            let rate = |d: Duration| rows as f64 / d.as_secs_f64();
            lines.push(format!(
                "{:<10} {:<5} {:>15.0} {:>15.0} {:>6.2}x",
                backend,
                if input == Input::Csv { "csv" } else { "xlsx" },
                rate(best_raw),
                rate(best_full),
                best_raw.as_secs_f64() / best_full.as_secs_f64()
            ));
        }
    }
    let peak = peak_rss_of_import(&xlsx)?;
    lines.push(format!(
        "peak RSS of a process importing the {rows}-row XLSX into SQLite: {:.0} MB",
        peak as f64 / 1e6
    ));
    Ok(Report { lines })
}

fn generate_rows(rows: usize) -> impl Iterator<Item = [String; 9]> {
    (1..=rows).map(|i| {
        let section = format!("{}.{}.{}", i % 12 + 1, i % 7 + 1, i % 5 + 1);
        [
            i.to_string(),
            format!("Reviewer {}", i % 500),
            format!("Organization {}", i % 97),
            ["E", "G", "T"][i % 3].to_owned(),
            section.clone(),
            (i % 180 + 1).to_string(),
            format!("{} - {}", i % 4000 + 1, i % 4000 + 12),
            format!(
                "Comment {i} on section {section}: the requirement in this paragraph is ambiguous about \
                 which party verifies the claimant and when; the text should say so explicitly and \
                 give an example so that implementers reach the same reading. See also the related \
                 discussion in the appendix, which uses different terms for the same roles."
            ),
            format!("Replace the paragraph with a precise statement of who verifies what ({i})."),
        ]
    })
}

fn generate_csv(rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "Comment Template for: Benchmark Draft",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ])?;
    writer.write_record(HEADER)?;
    for row in generate_rows(rows) {
        writer.write_record(&row)?;
    }
    Ok(writer.into_inner()?)
}

fn generate_xlsx(rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.write_string(0, 0, "Comment Template for: Benchmark Draft")?;
    for (col, header) in HEADER.iter().enumerate() {
        sheet.write_string(1, col as u16, *header)?;
    }
    for (i, row) in generate_rows(rows).enumerate() {
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(i as u32 + 2, col as u16, value)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The ceiling: parse with the plain library call, then batch-insert.
fn raw(conn: &mut DbConnection, input: Input, bytes: &[u8]) -> anyhow::Result<Duration> {
    let document = bench_document(conn)?;
    let started = Instant::now();
    let rows: Vec<RawRow> = match input {
        Input::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes);
            reader.deserialize().skip(2).collect::<Result<_, _>>()?
        }
        Input::Xlsx => {
            let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))?;
            let range = workbook.worksheet_range("Sheet1")?;
            let text = |d: &Data| d.to_string();
            range
                .rows()
                .skip(2)
                .map(|r| RawRow {
                    number: text(&r[0]),
                    submitter: text(&r[1]),
                    organization: text(&r[2]),
                    kind: text(&r[3]),
                    section: text(&r[4]),
                    page: text(&r[5]),
                    line: text(&r[6]),
                    comment: text(&r[7]),
                    change: text(&r[8]),
                })
                .collect()
        }
    };
    conn.transaction(|conn| {
        let now = db::now();
        let seq = db::documents::take_submission_seq(conn, document.id)?;
        let tracking = submissions::tracking_number(&document.tracking_prefix, seq);
        let submission = submissions::insert(
            conn,
            NewSubmission {
                document_id: document.id,
                seq,
                tracking_number: &tracking,
                channel: Channel::Cli,
                submitter_name: "",
                organization: "",
                email: None,
                sha256: None,
                metadata_json: "{}",
                report_json: "{}",
                late: false,
                received_at: now,
                arriving: false,
            },
        )?;
        for (chunk_index, chunk) in rows.chunks(comments::BATCH).enumerate() {
            let trackings: Vec<String> = (0..chunk.len())
                .map(|i| {
                    comments::tracking_number(
                        &tracking,
                        (chunk_index * comments::BATCH + i + 1) as i32,
                    )
                })
                .collect();
            // The same rows docket stores include the text hash, an
            // indexed column: without it the ceiling would skip filling an
            // index that docket must fill.
            let hashes: Vec<String> = chunk
                .iter()
                .map(|r| crate::triage::similar::hash_of(&r.comment).0)
                .collect();
            let batch: Vec<NewComment<'_>> = chunk
                .iter()
                .zip(&trackings)
                .enumerate()
                .map(|(i, (r, t))| NewComment {
                    id: None,
                    document_id: document.id,
                    submission_id: submission.id,
                    seq: (chunk_index * comments::BATCH + i + 1) as i32,
                    tracking_number: t,
                    source_sheet: None,
                    source_row: None,
                    extra_json: "{}",
                    problems_json: "[]",
                    comment_number: Some(&r.number),
                    commenter: Some(&r.submitter),
                    organization: Some(&r.organization),
                    volume_raw: None,
                    type_raw: Some(&r.kind),
                    comment_type: None,
                    severity: None,
                    section_raw: Some(&r.section),
                    paragraph_raw: None,
                    page_raw: Some(&r.page),
                    page_start: None,
                    page_end: None,
                    page_sort: None,
                    line_raw: Some(&r.line),
                    line_start: None,
                    line_end: None,
                    body: &r.comment,
                    suggested_change: Some(&r.change),
                    section_id: None,
                    tag_source: "none",
                    tag_span: None,
                    tag_conflict: None,
                    assignee_id: None,
                    text_hash: Some(&hashes[i]),
                    cluster_id: None,
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            comments::insert_batch(conn, &batch)?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(started.elapsed())
}

/// docket's own path, as `docket import` runs it.
fn full(
    conn: &mut DbConnection,
    input: Input,
    bytes: &[u8],
    limits: &Limits,
) -> anyhow::Result<Duration> {
    let document = bench_document(conn)?;
    let name = if input == Input::Csv {
        "bench.csv"
    } else {
        "bench.xlsx"
    };
    let started = Instant::now();
    let read = intake::read(name, bytes, limits)?;
    let request = Request {
        channel: Channel::Cli,
        file: Some(Upload {
            file_name: name,
            content_type: "application/octet-stream",
            bytes,
        }),
        allow_late: true,
        today: time::OffsetDateTime::now_utc().date(),
        transaction_time: crate::submissions::TRANSACTION_TIME,
    };
    crate::submissions::store(
        conn,
        &document,
        &Sender::default(),
        request,
        &read,
        &mut |_| {},
    )?;
    Ok(started.elapsed())
}

fn bench_document(conn: &mut DbConnection) -> anyhow::Result<db::documents::Document> {
    Ok(documents::create(
        conn,
        &DocumentSpec {
            slug: "bench".to_owned(),
            title: "Benchmark draft".to_owned(),
            tracking_prefix: None,
            description: String::new(),
            opens_on: None,
            closes_on: None,
        },
    )?)
}

/// Runs `f` on a migrated, empty database of its own: a temporary SQLite
/// file, or a PostgreSQL database created beside `admin` and dropped after.
fn with_scratch_db<T>(
    admin: Option<&str>,
    f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    with_scratch_url(admin, |conn, _| f(conn))
}

/// `with_scratch_db`, also handing over the scratch database's URL (for a
/// server to open it).
fn with_scratch_url<T>(
    admin: Option<&str>,
    f: impl FnOnce(&mut DbConnection, &DatabaseUrl) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let options = ConnectOptions::default();
    match admin {
        None => {
            let dir = tempfile::tempdir()?;
            let url = DatabaseUrl::Sqlite(dir.path().join("bench.sqlite3"));
            let mut conn = db::connect(&url, &options)?;
            crate::startup::prepare_database(&mut conn, false)?;
            f(&mut conn, &url)
        }
        Some(admin) => {
            let admin_url = DatabaseUrl::parse(admin)?;
            let mut admin_conn = db::connect(&admin_url, &options)?;
            let name = format!("docket_bench_{}", std::process::id());
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin_conn)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin_conn)?;
            let mut url = url::Url::parse(admin).context("the PostgreSQL URL")?;
            url.set_path(&name);
            let result = (|| {
                let url = DatabaseUrl::Postgres(SecretString::from(url.to_string()));
                let mut conn = db::connect(&url, &options)?;
                crate::startup::prepare_database(&mut conn, false)?;
                f(&mut conn, &url)
            })();
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin_conn)?;
            result
        }
    }
}

/// Peak resident set of a fresh `docket bench import-rss FILE` process: the
/// whole import (read, map, store) with nothing else in memory.
fn peak_rss_of_import(xlsx: &[u8]) -> anyhow::Result<u64> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.xlsx");
    std::fs::write(&path, xlsx)?;
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["bench", "import-rss"])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "the import-rss child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
}

/// The child side: imports `path` into a scratch SQLite database and
/// returns this process's peak resident set in bytes.
pub fn import_rss(path: &Path) -> anyhow::Result<u64> {
    let bytes = std::fs::read(path)?;
    let limits = Limits {
        max_file_bytes: u64::MAX,
        max_rows: usize::MAX / 2,
        ..Limits::default()
    }
    .without_memory_budget();
    let input = if path.extension().is_some_and(|e| e == "csv") {
        Input::Csv
    } else {
        Input::Xlsx
    };
    with_scratch_db(None, |conn| full(conn, input, &bytes, &limits))?;
    peak_rss()
}

/// This process's peak resident set in bytes (Linux).
fn peak_rss() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .context("no VmHWM in /proc/self/status")?;
    Ok(kb * 1024)
}

/// `docket bench tagging`: section tagging alone, on one core, against a
/// synthetic outline of `nodes` sections with line and page ranges; the
/// comments cycle through the ways real sheets cite a place.
pub fn tagging(comments: usize, nodes: usize) -> anyhow::Result<Report> {
    use crate::db::sections::Section;
    use crate::domain::SectionKind;
    use crate::tagging::{Signals, Tagger};

    // 1 … N top-level sections, each with 9 subsections of 20 lines each.
    let tops = nodes.div_ceil(10).max(1);
    let mut sections = Vec::with_capacity(nodes);
    let mut line = 1;
    for top in 1..=tops {
        let top_id = sections.len() as i64 + 1;
        let top_start = line;
        let mut push =
            |id: i64, parent: Option<i64>, number: String, depth: i32, lines: (i32, i32)| {
                sections.push(Section {
                    id,
                    document_id: 1,
                    parent_id: parent,
                    volume: String::new(),
                    kind: SectionKind::Section,
                    lookup_key: number.clone(),
                    title: format!("Title of {number}"),
                    number,
                    position: id as i32,
                    depth,
                    page_start: Some((lines.0 / 40 + 1).to_string()),
                    page_end: Some((lines.1 / 40 + 1).to_string()),
                    line_start: Some(lines.0),
                    line_end: Some(lines.1),
                    owner_id: None,
                });
            };
        push(
            top_id,
            None,
            top.to_string(),
            0,
            (top_start, top_start + 9 * 20 - 1),
        );
        for sub in 1..=9 {
            push(
                top_id + sub,
                Some(top_id),
                format!("{top}.{sub}"),
                1,
                (line, line + 19),
            );
            line += 20;
        }
    }
    sections.truncate(nodes.max(1));
    let tagger = Tagger::new(&sections);
    let last_line = line;
    let cells: Vec<(String, Option<i32>, Option<String>)> = (0..1000)
        .map(|i| {
            let top = i % tops + 1;
            let sub = i % 9 + 1;
            match i % 8 {
                0 => (format!("{top}.{sub}"), None, None),
                1 => (
                    format!("§ {top}.{sub}"),
                    Some((i as i32 * 7) % last_line),
                    None,
                ),
                2 => (format!("Section {top}.{sub}.4 Identity"), None, None),
                3 => (String::new(), Some((i as i32 * 13) % last_line + 1), None),
                4 => (String::new(), None, Some(((i * 3) % 100 + 1).to_string())),
                5 => ("General".to_owned(), None, None),
                6 => (format!("Title of {top}.{sub}"), None, None),
                _ => (
                    format!("{top}.{sub} - {top}.{}", sub % 9 + 1),
                    Some(42),
                    Some("2".to_owned()),
                ),
            }
        })
        .collect();
    let started = Instant::now();
    let mut tagged = 0usize;
    for i in 0..comments {
        let (section, line, page) = &cells[i % cells.len()];
        let tag = tagger.tag(Signals {
            volume: None,
            section: Some(section.as_str()).filter(|s| !s.is_empty()),
            line: *line,
            page: page.as_deref(),
        });
        tagged += usize::from(tag.section_id.is_some());
    }
    let elapsed = started.elapsed();
    Ok(Report {
        lines: vec![format!(
            "tagging benchmark: {comments} comments against a {}-node outline, one core: {:.0} comments/s ({tagged} tagged to a node, {:.2} s)",
            sections.len(),
            comments as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64()
        )],
    })
}
