//! `docket import`: files into a document, one submission each, with the
//! same intake and storage code as the web upload.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::UsageError;
use super::terminal::{shown, shown_lines};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::documents::Document;
use crate::domain::Channel;
use crate::intake::{self, Limits, Problem};
use crate::submissions::{self, Request, Sender, Stored, SubmitError, TagSummary, Upload};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Slug of the document the comments are on.
    #[arg(long)]
    document: String,
    /// Submitter's name (default: the template's "Name of Submitter/POC").
    #[arg(long)]
    submitter: Option<String>,
    /// Submitter's organisation (default: the template's "Organization").
    #[arg(long)]
    organization: Option<String>,
    /// Submitter's e-mail address (default: the template's, when it is one).
    #[arg(long)]
    email: Option<String>,
    /// Read and check the files, report, and store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accept files outside the comment period (late comments).
    #[arg(long)]
    late: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Set intake.max_rows (most comment rows per file) for this run.
    #[arg(long, value_name = "N")]
    max_rows: Option<usize>,
    /// Set intake.max_file_bytes for this run, in megabytes.
    #[arg(long, value_name = "MB")]
    max_file_mb: Option<u64>,
    /// The files: .xlsx, .xlsm, .xls, .ods, .csv or tab-separated text.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Stored,
    AlreadyReceived,
    Checked,
    Rejected,
}

/// What happened to one file; printed as text or JSON.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking: Option<String>,
    comments: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read: Option<String>,
    warnings: Vec<String>,
    problems: Vec<Problem>,
    /// How the stored comments were tagged with sections.
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<TagSummary>,
}

impl FileReport {
    fn rejected(file: &str, error: String) -> Self {
        FileReport {
            file: file.to_owned(),
            status: Status::Rejected,
            tracking: None,
            comments: 0,
            error: Some(error),
            read: None,
            tags: None,
            warnings: Vec::new(),
            problems: Vec::new(),
        }
    }
}

pub fn run(settings: Settings, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut limits = settings.intake.clone();
    if let Some(rows) = args.max_rows {
        limits.max_rows = rows.max(1);
    }
    if let Some(mb) = args.max_file_mb {
        limits.max_file_bytes = mb.max(1).saturating_mul(1024 * 1024);
    }
    let mut conn = super::prepared(&settings)?;
    let document = crate::db::documents::find_by_slug(&mut conn, &args.document)
        .map_err(|_| UsageError(format!("no document has the slug `{}`", args.document)))?;
    let sender = Sender {
        name: args.submitter.clone(),
        organization: args.organization.clone(),
        email: args.email.clone(),
    };
    let mut reports = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let report = import_one(&mut conn, &document, &sender, &args, &limits, path);
        if !args.json {
            print_report(&report);
        }
        reports.push(report);
    }
    let rejected = reports
        .iter()
        .filter(|r| matches!(r.status, Status::Rejected))
        .count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else if reports.len() > 1 {
        println!("{} file(s) read, {} rejected.", reports.len(), rejected);
    }
    Ok(if rejected > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn import_one(
    conn: &mut DbConnection,
    document: &Document,
    sender: &Sender,
    args: &ImportArgs,
    limits: &Limits,
    path: &Path,
) -> FileReport {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let shown = path.display().to_string();
    let bytes = match read_limited(path, limits) {
        Ok(bytes) => bytes,
        Err(error) => return FileReport::rejected(&shown, error),
    };
    let intake = match intake::read(&file_name, &bytes, limits) {
        Ok(intake) => intake,
        Err(error) => return FileReport::rejected(&shown, error.to_string()),
    };
    let mut report = FileReport {
        file: shown.clone(),
        status: Status::Checked,
        tracking: None,
        comments: intake.comments.len(),
        error: None,
        read: Some(describe(&intake)),
        warnings: intake.problems().map(ToString::to_string).collect(),
        problems: intake.problems().cloned().collect(),
        tags: None,
    };
    if args.dry_run {
        return report;
    }
    let bar = progress(intake.comments.len());
    let content_type = mime_guess::from_path(path)
        .first_or_octet_stream()
        .to_string();
    let request = Request {
        channel: Channel::Cli,
        file: Some(Upload {
            file_name: &file_name,
            content_type: &content_type,
            bytes: &bytes,
        }),
        allow_late: args.late,
        today: time::OffsetDateTime::now_utc().date(),
        transaction_time: crate::submissions::TRANSACTION_TIME,
    };
    let mut waited = std::time::Duration::ZERO;
    let result = loop {
        let result = submissions::store(conn, document, sender, request, &intake, &mut |n| {
            bar.inc(n as u64)
        });
        // Another process (the server storing a large submission) holds
        // the database: nothing was stored, so wait and store again.
        if let Err(SubmitError::Database(error)) = &result
            && error.is_busy()
            && bar.suspend(|| super::wait_while_busy(&mut waited, &shown))
        {
            bar.set_position(0);
            continue;
        }
        // The same file is still being stored (another process, or what
        // this one left when it failed half-way): wait until it arrives,
        // and is then reported, or is removed, and this one is stored.
        if let Ok(Stored::AlreadyReceived { submission }) = &result
            && submission.arriving
            && bar.suspend(|| super::wait_while_arriving(&mut waited, &shown))
        {
            continue;
        }
        break result;
    };
    bar.finish_and_clear();
    match result {
        Ok(Stored::New {
            submission,
            comments,
            tags,
        }) => {
            report.tags = Some(tags);
            report.status = Status::Stored;
            report.tracking = Some(submission.tracking_number);
            report.comments = comments;
        }
        Ok(Stored::AlreadyReceived { submission }) => {
            report.status = Status::AlreadyReceived;
            report.tracking = Some(submission.tracking_number);
        }
        Err(error @ (SubmitError::Closed(_) | SubmitError::NotOpen(_))) => {
            report =
                FileReport::rejected(&shown, format!("{error}; pass --late to import it anyway"));
        }
        Err(error @ (SubmitError::Database(_) | SubmitError::Abandoned)) => {
            report = FileReport::rejected(&shown, format!("not stored: {error}"));
        }
    }
    report
}

/// Reads a file, refusing one over the size limit before reading it.
fn read_limited(path: &Path, limits: &Limits) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read it: {e}"))?
        .len();
    if size > limits.max_file_bytes {
        return Err(intake::IntakeError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        }
        .to_string()
            + " (raise it with --max-file-mb)");
    }
    std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))
}

/// `NIST comment template, sheet "Sheet1" header on row 8`.
fn describe(intake: &intake::Intake) -> String {
    let sheets: Vec<String> = intake
        .sheets
        .iter()
        .map(|s| {
            let place = s
                .name
                .as_ref()
                .map_or_else(String::new, |n| format!("sheet \"{n}\", "));
            format!(
                "{}: {place}header on row {}, {} comment(s)",
                s.profile.label(),
                s.header_row,
                s.comments
            )
        })
        .collect();
    let mut text = format!("{}; {}", intake.format.label(), sheets.join("; "));
    if let Some(encoding) = intake.encoding {
        text.push_str(&format!(" ({encoding})"));
    }
    if !intake.skipped_sheets.is_empty() {
        text.push_str(&format!(
            "; no comment header in: {}",
            intake.skipped_sheets.join(", ")
        ));
    }
    text
}

/// A bar on a terminal for files worth waiting for; hidden otherwise.
fn progress(total: usize) -> ProgressBar {
    if total < 2000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} comments stored ({eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// The report as text. Everything in it may quote the file (its name,
/// sheet names, cells in warnings): printed through `terminal::shown`.
fn print_report(report: &FileReport) {
    let warnings = report.warnings.len();
    let file = shown(&report.file);
    let tracking = shown(report.tracking.as_deref().unwrap_or_default());
    match report.status {
        Status::Stored => println!(
            "{file}: stored as {tracking} with {} comment(s), {warnings} warning(s)",
            report.comments
        ),
        Status::AlreadyReceived => println!(
            "{file}: already received as {tracking} (the same file from the same sender); not stored again",
        ),
        Status::Checked => println!(
            "{file}: would store {} comment(s), {warnings} warning(s) (dry run: nothing stored)",
            report.comments
        ),
        Status::Rejected => println!(
            "{file}: rejected, nothing stored: {}",
            shown_lines(report.error.as_deref().unwrap_or_default())
        ),
    }
    if let Some(read) = &report.read {
        println!("  read as {}", shown(read));
    }
    if let Some(tags) = &report.tags {
        println!("  sections: {}", shown(&tags.describe()));
        for line in tags.unresolved.iter().chain(&tags.conflicts) {
            println!("  {}", shown(line));
        }
    }
    for warning in &report.warnings {
        println!("  {}", shown(warning));
    }
}
