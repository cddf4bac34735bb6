//! The command line: `docket [serve|migrate|document|outline|user|import|export|retag|demo|bench]`.
//! Every command loads the configuration, does one thing, and exits non-zero
//! with one clear message when it cannot.

mod export;
mod import;
mod terminal;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use time::Date;

use crate::config::{Settings, parse_bind};
use crate::db::migrate;
use crate::demo::{self, DemoOutcome};
use crate::documents::{self, DocumentSpec};
use crate::outline::{self, OutlineFormat};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(name = "docket", version, about = "Public-comment intake and triage", long_about = None)]
pub struct Cli {
    /// Configuration file to read over the defaults (else DOCKET_CONFIG,
    /// else config/local.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app (the default with no command). Applies migrations
    /// and loads the demo document into an empty database first.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage documents under comment.
    #[command(subcommand)]
    Document(DocumentCommand),
    /// Manage document outlines.
    #[command(subcommand)]
    Outline(OutlineCommand),
    /// Manage editor and admin accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Import comment files (XLSX, XLSM, XLS, ODS, CSV) into a document.
    ///
    /// Each file becomes one submission with a tracking number. Exit status:
    /// 0 when every file was stored (or had been already), 1 when any file
    /// was rejected (the others are still stored), 2 on usage errors.
    Import(import::ImportArgs),
    /// Export a document's stored comments.
    Export(export::ExportArgs),
    /// Re-run section tagging of a document's comments against its outline
    /// (comments tagged by hand keep their section).
    Retag {
        /// Slug of the document.
        #[arg(long)]
        document: String,
    },
    /// Load the demo document (Draft NISTIR 8200) unless it is already there.
    Demo,
    /// Measure docket against raw library baselines (release builds only
    /// give meaningful figures: `cargo run --release -- bench intake`).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Full intake (read, map, validate, store) against the raw ceiling
    /// (library parse + batch insert of the same rows), CSV and XLSX.
    Intake {
        /// Comment rows to generate.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// A PostgreSQL database URL to create scratch databases beside
        /// (e.g. postgres://postgres@127.0.0.1:5432/test); SQLite always runs.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Runs per measurement; the best counts.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Exact duplicates at intake: ROWS rows of new texts, then the same
    /// texts again from another sender (each joins its twin's cluster);
    /// both times and their ratio. On the back end of the configured
    /// database URL (DATABASE_URL): a scratch SQLite file, or a scratch
    /// PostgreSQL database beside the one named.
    Reimport {
        #[arg(long, default_value_t = 200_000)]
        rows: usize,
    },
    /// Section tagging alone: COMMENTS comments against an outline of
    /// NODES sections (target: a million comments a second on one core).
    Tagging {
        #[arg(long, default_value_t = 1_000_000)]
        comments: usize,
        #[arg(long, default_value_t = 500)]
        nodes: usize,
    },
    /// Editors' saves while a ROWS-row submission is stored into the same
    /// document, against the same saves alone: p50, p99, errors.
    Contention {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// A PostgreSQL database URL to create a scratch database beside.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Triage under load: a generated document served on loopback, measured
    /// with wrk (2 connections): queue, filtered, searched; dashboard; saves.
    Triage {
        #[arg(long, default_value_t = 1_000_000)]
        comments: usize,
        #[arg(long, default_value_t = 500)]
        sections: usize,
        /// A PostgreSQL database URL to create a scratch database beside.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Disposition tables of a generated document (COMMENTS comments, half
    /// answered) as CSV and XLSX, against the raw csv and rust_xlsxwriter
    /// writers on the same cells; time and peak RSS, each in its own process.
    Export {
        #[arg(long, default_value_t = 1_000_000)]
        comments: usize,
        #[arg(long, default_value_t = 500)]
        sections: usize,
        /// A PostgreSQL database URL to create a scratch database beside.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Times each step is run (docket and its raw writer in turn); the
        /// median is reported, as a shared machine's speed drifts.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=99))]
        runs: u32,
    },
    /// One measurement of `bench export`, in its own process: prints
    /// `seconds peak-bytes rows`. The database is DOCKET_BENCH_DATABASE.
    #[command(hide = true)]
    ExportStep {
        #[arg(long, value_enum)]
        step: crate::bench::ExportStep,
        #[arg(long, value_enum)]
        format: crate::export::Format,
        /// The cells the raw step writes (a CSV file).
        #[arg(long)]
        cells: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Generates the document of `bench export` into DOCKET_BENCH_DATABASE
    /// (an empty database), to run `bench export-step` on it by hand.
    #[command(hide = true)]
    ExportSeed {
        #[arg(long, default_value_t = 1_000_000)]
        comments: usize,
        #[arg(long, default_value_t = 500)]
        sections: usize,
    },
    /// Imports FILE into a scratch SQLite database and prints this
    /// process's peak RSS in bytes (run by `bench intake`).
    #[command(hide = true)]
    ImportRss { file: PathBuf },
}

#[derive(Debug, Default, Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080 (overrides server.bind).
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
}

#[derive(Debug, Subcommand)]
enum DocumentCommand {
    /// Create a document open for comment.
    Create(CreateArgs),
    /// List documents.
    List,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// URL name: lowercase letters, digits and hyphens (e.g. nistir-8200).
    #[arg(long)]
    slug: String,
    /// Full title as published.
    #[arg(long)]
    title: String,
    /// First day of the comment period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    opens: Option<Date>,
    /// Last day of the comment period, inclusive (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    closes: Option<Date>,
    /// Start of every tracking number (default: the slug in upper case).
    #[arg(long, value_name = "PREFIX")]
    tracking_prefix: Option<String>,
    /// A short description shown on the document page.
    #[arg(long, default_value = "")]
    description: String,
}

#[derive(Debug, Subcommand)]
enum OutlineCommand {
    /// Replace a document's outline with a TOML or CSV file.
    ///
    /// CSV header: number,title,kind,volume,page_start,page_end,line_start,line_end
    /// (plus an optional parent). The parent follows from dotted numbering
    /// (D.1 under D); kind is front, section, appendix, table or figure.
    Import(OutlineImportArgs),
}

#[derive(Debug, Args)]
struct OutlineImportArgs {
    /// Slug of the document.
    #[arg(long)]
    document: String,
    /// The outline file (.toml or .csv).
    file: PathBuf,
    /// File format, when the extension does not tell.
    #[arg(long, value_parser = ["toml", "csv"])]
    format: Option<String>,
}

fn parse_date(raw: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), format).map_err(|_| format!("`{raw}` is not a date like 2018-04-18"))
}

/// Exit status of a command line that cannot be carried out as given (what
/// clap itself uses for a bad flag).
pub const USAGE: u8 = 2;

/// An error that is the caller's to fix (an unknown document, say): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the command line, runs the command, and turns any error into one
/// message on stderr and a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.is::<UsageError>() {
                ExitCode::from(USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Serve(ServeArgs { bind: Some(bind) }) = &command {
        parse_bind(bind)?;
        settings.server.bind = bind.clone();
    }
    crate::telemetry::init(&settings.log);
    match command {
        Command::Import(args) => return import::run(settings, args),
        Command::Export(args) => return export::run(&settings, args),
        _ => {}
    }
    run_simple(settings, command)?;
    Ok(ExitCode::SUCCESS)
}

/// The commands that either succeed or fail with one error.
fn run_simple(settings: Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Import(_) | Command::Export(_) => Ok(()),
        Command::Retag { document } => {
            let mut conn = prepared(&settings)?;
            let retagged = documents::retag(&mut conn, &document)?;
            println!(
                "Re-tagged {} comment(s) of `{document}`: {} moved.",
                retagged.checked, retagged.moved
            );
            Ok(())
        }
        Command::Bench(BenchCommand::Intake {
            rows,
            postgres,
            repeat,
        }) => {
            let report = crate::bench::intake(rows, postgres.as_deref(), repeat)?;
            for line in report.lines {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Reimport { rows }) => {
            for line in crate::bench::reimport(rows, &settings.database_url()?)?.lines {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Tagging { comments, nodes }) => {
            for line in crate::bench::tagging(comments, nodes)?.lines {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Contention { rows, postgres }) => {
            for line in crate::bench::contention(rows, postgres.as_deref())?.lines {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Triage {
            comments,
            sections,
            postgres,
            seconds,
        }) => {
            for line in
                crate::bench::triage(comments, sections, postgres.as_deref(), seconds)?.lines
            {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Export {
            comments,
            sections,
            postgres,
            runs,
        }) => {
            for line in
                crate::bench::export_bench(comments, sections, postgres.as_deref(), runs)?.lines
            {
                println!("{line}");
            }
            Ok(())
        }
        Command::Bench(BenchCommand::ExportStep {
            step,
            format,
            cells,
            out,
        }) => {
            println!("{}", crate::bench::export_step(step, format, cells, &out)?);
            Ok(())
        }
        Command::Bench(BenchCommand::ExportSeed { comments, sections }) => {
            crate::bench::export_seed(comments, sections)
        }
        Command::Bench(BenchCommand::ImportRss { file }) => {
            println!("{}", crate::bench::import_rss(&file)?);
            Ok(())
        }
        Command::Serve(_) => serve(settings),
        Command::Migrate => {
            let mut conn = startup::connect_once(&settings)?;
            let applied = migrate::with_bootstrap_lock(&mut conn, |c| {
                Ok::<_, anyhow::Error>(migrate::run_pending(c)?)
            })?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!(
                    "Applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Command::Demo => {
            let mut conn = prepared(&settings)?;
            match demo::load(&mut conn)? {
                DemoOutcome::Loaded { sections } => {
                    println!(
                        "Loaded the demo document `{}` with {sections} outline nodes.",
                        demo::SLUG
                    );
                }
                DemoOutcome::AlreadyThere => {
                    println!("The demo document `{}` is already loaded.", demo::SLUG)
                }
            }
            Ok(())
        }
        Command::Document(DocumentCommand::Create(args)) => {
            let mut conn = prepared(&settings)?;
            let spec = DocumentSpec {
                slug: args.slug,
                title: args.title,
                tracking_prefix: args.tracking_prefix,
                description: args.description,
                opens_on: args.opens,
                closes_on: args.closes,
            };
            let document = documents::create(&mut conn, &spec)?;
            println!(
                "Created `{}` ({}); tracking numbers start {}-0001.",
                document.slug, document.title, document.tracking_prefix
            );
            Ok(())
        }
        Command::Document(DocumentCommand::List) => {
            let mut conn = prepared(&settings)?;
            for d in crate::db::documents::list(&mut conn)? {
                let period = crate::web::format::period(d.opens_on, d.closes_on);
                println!("{}\t{}\t{}", d.slug, period, d.title);
            }
            Ok(())
        }
        Command::Outline(OutlineCommand::Import(args)) => import_outline(&settings, args),
        Command::User(command) => user::run(&settings, command),
    }
}

/// Opens the database and applies pending migrations, for the commands that
/// write to it (they must not fail on a fresh database).
pub(crate) fn prepared(settings: &Settings) -> anyhow::Result<crate::db::DbConnection> {
    let mut conn = startup::connect_once(settings)?;
    let mut waited = Duration::ZERO;
    loop {
        let prepared = startup::prepare_database(&mut conn, false);
        if let Err(startup::StartupError::Database(error)) = &prepared
            && error.is_busy()
            && wait_while_busy(&mut waited, "docket")
        {
            continue;
        }
        prepared?;
        return Ok(conn);
    }
}

/// How long a command waits between tries when the database is busy, and
/// for how long in all before it gives up.
const BUSY_PAUSE: Duration = Duration::from_secs(2);
const PATIENCE: Duration = Duration::from_secs(600);

/// Another process (the server storing a large submission) holds the
/// database: says so on stderr, waits [`BUSY_PAUSE`] and returns true,
/// unless this command has waited [`PATIENCE`] already.
pub(crate) fn wait_while_busy(waited: &mut Duration, what: &str) -> bool {
    wait_and_say(waited, what, "the database is busy with another writer")
}

/// The same file is being stored already: as [`wait_while_busy`].
pub(crate) fn wait_while_arriving(waited: &mut Duration, what: &str) -> bool {
    wait_and_say(waited, what, "the same file is still being stored")
}

fn wait_and_say(waited: &mut Duration, what: &str, why: &str) -> bool {
    if *waited >= PATIENCE {
        return false;
    }
    eprintln!(
        "{what}: {why}; waiting {} s and trying again",
        BUSY_PAUSE.as_secs()
    );
    std::thread::sleep(BUSY_PAUSE);
    *waited += BUSY_PAUSE;
    true
}

fn import_outline(settings: &Settings, args: OutlineImportArgs) -> anyhow::Result<()> {
    let format = match args.format.as_deref() {
        Some("csv") => OutlineFormat::Csv,
        Some(_) => OutlineFormat::Toml,
        None => OutlineFormat::from_path(&args.file).ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell the format of {} from its extension; name it .toml or .csv, or pass --format",
                terminal::shown(&args.file.display().to_string())
            )
        })?,
    };
    let file = args.file.display().to_string();
    let file = terminal::shown(&file);
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
    // Check the whole file before touching the database. Its problems
    // quote its cells: printed escaped (`terminal`).
    let outline = outline::parse(&text, format)
        .map_err(|e| anyhow::anyhow!("{file}: {}", terminal::shown_lines(&e.to_string())))?;
    let mut conn = prepared(settings)?;
    let (change, retagged) = documents::import_outline(&mut conn, &args.document, &outline)?;
    println!(
        "Imported {} outline nodes into `{}`: {} new, {} updated, {} removed.",
        change.total(),
        args.document,
        change.added,
        change.updated,
        change.removed
    );
    if retagged.checked > 0 {
        println!(
            "Re-tagged {} comment(s): {} moved (comments tagged by hand are kept).",
            retagged.checked, retagged.moved
        );
    }
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = Application::build(&settings).await?;
        let url = format!("http://{}", app.addr());
        tracing::info!(%url, database = %app.db().backend(), "docket is serving");
        println!("docket is serving on {url}");
        app.run_until_stopped().await?;
        Ok(())
    })
}
