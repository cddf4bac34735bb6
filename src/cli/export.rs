//! `docket export`: a document's stored comments, to stdout or a file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::UsageError;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Slug of the document.
    #[arg(long)]
    document: String,
    /// Output format.
    #[arg(long, value_parser = ["json"], default_value = "json")]
    format: String,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mut conn = super::prepared(settings)?;
    let document = crate::db::documents::find_by_slug(&mut conn, &args.document)
        .map_err(|_| UsageError(format!("no document has the slug `{}`", args.document)))?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(BufWriter::new(File::create(path).map_err(|e| {
                anyhow::anyhow!("cannot write {}: {e}", path.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let count = crate::export::json::write(&mut conn, &document, &mut out)?;
    if let Some(path) = &args.output {
        eprintln!("Wrote {count} comment(s) to {}.", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
