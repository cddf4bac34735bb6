//! `docket bench export`: a generated document of COMMENTS comments (half
//! of them answered) exported as CSV and XLSX by docket, against the raw
//! libraries writing the same cells in the same run: a bare `csv::Writer`,
//! and rust_xlsxwriter in constant-memory mode with no formatting. Each
//! measurement runs in a fresh child process (`docket bench export-step`),
//! so its peak RSS is its own.
//!
//! The raw writers get their cells from memory (loaded from docket's own
//! CSV export before the clock starts); docket reads them from the database
//! as it goes, so its time includes the ordered read, which the figures
//! also give alone ("read only").
//!
//! Each step runs `runs` times, docket and the raw writer in turn, and the
//! median time counts: on a shared two-core machine one run of the same
//! step varies by a tenth.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use secrecy::ExposeSecret;

use super::{Report, peak_rss, with_scratch_url};
use crate::db::export_rows::{self, ExportFilter};
use crate::db::{self, ConnectOptions, DatabaseUrl};
use crate::export::{self, ExportRequest, Format, Preset};

/// What one child process measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Step {
    /// docket's export of the bench document to FILE.
    Docket,
    /// The ordered rows read from the database, nothing written.
    ReadOnly,
    /// The raw library writing the cells of CELLS (a CSV) to FILE.
    Raw,
    /// CSV only: one hand-written SQL statement reading the same rows in
    /// the same order, each written by a bare `csv::Writer`: the least an
    /// exporter that reads a database does.
    RawSql,
}

/// One child's figures.
struct Measured {
    seconds: f64,
    peak_bytes: u64,
    rows: usize,
}

/// Runs the measurements on SQLite and, given an admin URL, PostgreSQL.
pub fn export_bench(
    comments: usize,
    sections: usize,
    postgres_admin: Option<&str>,
    runs: u32,
) -> anyhow::Result<Report> {
    anyhow::ensure!(runs > 0, "at least one run is needed");
    let mut lines = vec![
        format!(
            "export benchmark: {comments} comments over {sections} sections, half answered; NIST preset, internal (16 columns); median of {runs} runs"
        ),
        format!(
            "{:<10} {:<5} {:<22} {:>9} {:>11} {:>9} {:>14}",
            "backend", "fmt", "writer", "seconds", "rows/s", "peak MB", "ratio"
        ),
    ];
    let mut backends = vec![("sqlite", None)];
    if let Some(admin) = postgres_admin {
        backends.push(("postgresql", Some(admin)));
    }
    for (name, admin) in backends {
        let found = with_scratch_url(admin, |conn, url| {
            let started = Instant::now();
            seed(conn, comments, sections)?;
            eprintln!(
                "{name}: {comments} comments generated in {:.0?}",
                started.elapsed()
            );
            let dir = tempfile::tempdir()?;
            let mut found = Vec::new();
            let each = |step, format, cells: Option<&Path>, out: &Path| {
                (0..runs)
                    .map(|_| child(url, step, format, cells, out))
                    .collect::<anyhow::Result<Vec<_>>>()
                    .map(median)
            };
            let read = each(Step::ReadOnly, Format::Csv, None, &dir.path().join("none"))?;
            found.push(("csv", "docket, read only", read, None));
            let sql = each(Step::RawSql, Format::Csv, None, &dir.path().join("sql.csv"))?;
            let sql_seconds = sql.seconds;
            found.push(("csv", "SQL + csv::Writer", sql, None));
            for format in [Format::Csv, Format::Xlsx] {
                let ours = dir.path().join(format!("docket.{}", format.extension()));
                let cells = dir.path().join("docket.csv");
                let theirs = dir.path().join(format!("raw.{}", format.extension()));
                let (mut docket, mut raw) = (Vec::new(), Vec::new());
                for _ in 0..runs {
                    docket.push(child(url, Step::Docket, format, None, &ours)?);
                    raw.push(child(url, Step::Raw, format, Some(&cells), &theirs)?);
                }
                let (docket, raw) = (median(docket), median(raw));
                anyhow::ensure!(
                    raw.rows == docket.rows,
                    "the raw writer wrote {} rows, docket {}",
                    raw.rows,
                    docket.rows
                );
                let label = format.extension();
                let raw_name = match format {
                    Format::Xlsx => "rust_xlsxwriter (cm)",
                    _ => "csv::Writer",
                };
                let mut ratio = format!("{:.2}x", docket.seconds / raw.seconds);
                if format == Format::Csv {
                    ratio.push_str(&format!(", {:.2}x", docket.seconds / sql_seconds));
                }
                found.push((label, raw_name, raw, None));
                found.push((label, "docket", docket, Some(ratio)));
            }
            Ok(found)
        })?;
        for (format, writer, m, ratio) in found {
            lines.push(format!(
                "{name:<10} {format:<5} {writer:<22} {:>9.2} {:>11.0} {:>9.1} {:>14}",
                m.seconds,
                m.rows as f64 / m.seconds,
                m.peak_bytes as f64 / 1e6,
                ratio.unwrap_or_default()
            ));
        }
    }
    lines.push(
        "ratio: docket's time over the raw writer's (CSV: then over SQL + csv::Writer); targets: XLSX <= 1.3x, CSV throughput >= 0.8x (time <= 1.25x); peak MB: the child's VmHWM (target <= 200 for docket)".to_owned(),
    );
    Ok(Report { lines })
}

/// The bench document: `comments` comments over `sections` sections, half
/// of them answered, as midway through a review.
fn seed(conn: &mut db::DbConnection, comments: usize, sections: usize) -> anyhow::Result<()> {
    super::triage::generate(conn, comments, sections)?;
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE comments SET disposition = 'accepted_with_modification', \
             response = 'Thank you. The text is revised to say which devices the guidance covers.' \
             WHERE id % 2 = 0",
        ),
        conn,
    )?;
    if let db::DbConnection::Postgres(_) = conn {
        diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM (ANALYZE)"), conn)?;
    }
    Ok(())
}

/// `bench export-seed`: the bench document in DOCKET_BENCH_DATABASE (an
/// empty database, migrated here), for measuring one step again and again
/// (`bench export-step`) or profiling it without generating it each time.
pub fn export_seed(comments: usize, sections: usize) -> anyhow::Result<()> {
    let url = std::env::var("DOCKET_BENCH_DATABASE").context("DOCKET_BENCH_DATABASE is not set")?;
    let mut conn = db::connect(&DatabaseUrl::parse(&url)?, &ConnectOptions::default())?;
    crate::startup::prepare_database(&mut conn, false)?;
    seed(&mut conn, comments, sections)
}

/// The run of median time, with the highest peak of all runs.
fn median(mut runs: Vec<Measured>) -> Measured {
    let peak = runs.iter().map(|m| m.peak_bytes).max().unwrap_or(0);
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mut middle = runs.swap_remove(runs.len() / 2);
    middle.peak_bytes = peak;
    middle
}

/// Runs one step in a fresh process and reads its figures.
fn child(
    url: &DatabaseUrl,
    step: Step,
    format: Format,
    cells: Option<&Path>,
    out: &Path,
) -> anyhow::Result<Measured> {
    let database = match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(secret) => secret.expose_secret().to_owned(),
    };
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .args(["bench", "export-step", "--format", format.extension()])
        .arg("--step")
        .arg(
            clap::ValueEnum::to_possible_value(&step)
                .context("every step has a name")?
                .get_name(),
        )
        .arg("--out")
        .arg(out)
        .env("DOCKET_BENCH_DATABASE", database)
        .env("RUST_LOG", "warn");
    if let Some(cells) = cells {
        command.arg("--cells").arg(cells);
    }
    let output = command.output()?;
    anyhow::ensure!(
        output.status.success(),
        "export-step {step:?} {format} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace();
    let mut next = || parts.next().context("export-step printed too little");
    Ok(Measured {
        seconds: next()?.parse()?,
        peak_bytes: next()?.parse()?,
        rows: next()?.parse()?,
    })
}

/// The child side: one measurement; prints `seconds peak_bytes rows`.
pub fn export_step(
    step: Step,
    format: Format,
    cells: Option<PathBuf>,
    out: &Path,
) -> anyhow::Result<String> {
    let (seconds, rows) = match step {
        Step::Raw => {
            let cells = cells.context("--cells is needed for the raw step")?;
            raw(format, &cells, out)?
        }
        Step::RawSql => raw_sql(out)?,
        Step::Docket | Step::ReadOnly => {
            let url = std::env::var("DOCKET_BENCH_DATABASE")
                .context("DOCKET_BENCH_DATABASE is not set")?;
            let mut conn = db::connect(&DatabaseUrl::parse(&url)?, &ConnectOptions::default())?;
            let request = ExportRequest {
                format,
                preset: Preset::Nist,
                ..ExportRequest::default()
            };
            let started = Instant::now();
            let prepared = export::prepare(&mut conn, "bench", request)?;
            let rows = if step == Step::ReadOnly {
                export_rows::for_each(
                    &mut conn,
                    prepared.document.id,
                    &ExportFilter::default(),
                    &mut |row| {
                        std::hint::black_box(row);
                        Ok::<_, diesel::result::Error>(())
                    },
                )?
            } else {
                let file = std::fs::File::create(out)?;
                let mut writer = BufWriter::with_capacity(256 * 1024, file);
                let rows = export::write(&mut conn, &prepared, &mut writer)?;
                writer.flush()?;
                rows
            };
            (started.elapsed().as_secs_f64(), rows)
        }
    };
    Ok(format!("{seconds:.3} {} {rows}", peak_rss()?))
}

/// The same rows as docket's CSV, in the same order, by one plain SQL
/// statement (columns as text, no joins beyond the needed ones), streamed
/// (row by row on PostgreSQL) into a bare `csv::Writer`.
fn raw_sql(out: &Path) -> anyhow::Result<(f64, usize)> {
    use diesel::sql_types::{Nullable, Text};

    #[derive(diesel::QueryableByName)]
    struct RawRow {
        #[diesel(sql_type = Nullable<Text>)]
        a: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        b: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        c: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        d: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        e: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        f: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        g: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        h: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        i: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        j: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        k: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        l: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        m: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        n: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        o: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        p: Option<String>,
    }
    let url = std::env::var("DOCKET_BENCH_DATABASE").context("DOCKET_BENCH_DATABASE is not set")?;
    let mut conn = db::connect(&DatabaseUrl::parse(&url)?, &ConnectOptions::default())?;
    let started = Instant::now();
    let document: i64 = {
        use crate::db::schema::documents::dsl;
        use diesel::prelude::*;
        dsl::documents
            .filter(dsl::slug.eq("bench"))
            .select(dsl::id)
            .first(&mut conn)?
    };
    let sql = format!(
        "SELECT c.tracking_number AS a, c.comment_number AS b, \
         COALESCE(c.commenter, s.submitter_name) AS c, COALESCE(c.organization, s.organization) AS d, \
         s.email AS e, c.comment_type AS f, x.number AS g, x.title AS h, c.page_raw AS i, \
         CAST(c.line_start AS TEXT) AS j, c.body AS k, c.suggested_change AS l, c.disposition AS m, \
         c.response AS n, c.status AS o, CAST(c.version AS TEXT) AS p \
         FROM comments c JOIN submissions s ON s.id = c.submission_id \
         LEFT JOIN sections x ON x.id = c.section_id WHERE c.document_id = {document} \
         ORDER BY COALESCE(x.position, 2147483647), COALESCE(c.page_sort, 2147483647), \
         COALESCE(c.line_start, 2147483647), s.received_at, s.seq, c.seq"
    );
    let file = BufWriter::with_capacity(256 * 1024, std::fs::File::create(out)?);
    let mut writer = csv::Writer::from_writer(file);
    let mut rows = 0;
    let mut put = |r: RawRow| -> anyhow::Result<()> {
        let cell = |v: &Option<String>| v.clone().unwrap_or_default();
        writer.write_record([
            cell(&r.a),
            cell(&r.b),
            cell(&r.c),
            cell(&r.d),
            cell(&r.e),
            cell(&r.f),
            cell(&r.g),
            cell(&r.h),
            cell(&r.i),
            cell(&r.j),
            cell(&r.k),
            cell(&r.l),
            cell(&r.m),
            cell(&r.n),
            cell(&r.o),
            cell(&r.p),
        ])?;
        rows += 1;
        Ok(())
    };
    match &mut conn {
        db::DbConnection::Sqlite(c) => {
            for row in diesel::RunQueryDsl::load_iter::<
                RawRow,
                diesel::connection::DefaultLoadingMode,
            >(diesel::sql_query(&sql), c)?
            {
                put(row?)?;
            }
        }
        db::DbConnection::Postgres(c) => {
            for row in diesel::RunQueryDsl::load_iter::<RawRow, diesel::pg::PgRowByRowLoadingMode>(
                diesel::sql_query(&sql),
                c,
            )? {
                put(row?)?;
            }
        }
    }
    writer.flush()?;
    Ok((started.elapsed().as_secs_f64(), rows))
}

/// The raw library writing every cell of `cells` (header row first), read
/// into memory before the clock starts.
fn raw(format: Format, cells: &Path, out: &Path) -> anyhow::Result<(f64, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(cells)?;
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let started = Instant::now();
    match format {
        Format::Xlsx => {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet_with_constant_memory()?;
            for (r, record) in records.iter().enumerate() {
                for (c, cell) in record.iter().enumerate() {
                    if !cell.is_empty() {
                        sheet.write_string(r as u32, c as u16, cell)?;
                    }
                }
            }
            let file = BufWriter::with_capacity(256 * 1024, std::fs::File::create(out)?);
            workbook.save_to_writer(file)?;
        }
        _ => {
            let file = BufWriter::with_capacity(256 * 1024, std::fs::File::create(out)?);
            let mut writer = csv::Writer::from_writer(file);
            for record in &records {
                writer.write_record(record)?;
            }
            writer.flush()?;
        }
    }
    Ok((
        started.elapsed().as_secs_f64(),
        records.len().saturating_sub(1),
    ))
}
