//! `docket export`: a document's disposition table, to stdout or a file.
//!
//! Exit status: 0 written; 3 a final table refused because comments lack
//! a disposition or a response (listed on stderr); 2 a usage error (an
//! unknown document or section); 1 anything else.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::UsageError;
use crate::config::Settings;
use crate::domain::{Disposition, TriageStatus};
use crate::export::{self, ExportError, ExportRequest, Format, Preset};

/// Exit status of a final export refused by the completeness gate.
pub const REFUSED: u8 = 3;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Slug of the document.
    #[arg(long)]
    document: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Column layout and vocabulary of the tables (not JSON).
    #[arg(long, value_enum, default_value_t = Preset::Nist)]
    preset: Preset,
    /// Only this section and those below it (`4.2`, `Table 3`,
    /// `Appendix A`), or `general` for comments on no one section.
    #[arg(long, value_name = "N")]
    section: Option<String>,
    /// Only comments in this state: new, in_review, resolved, published,
    /// withdrawn.
    #[arg(long)]
    status: Option<TriageStatus>,
    /// Only comments with this disposition: accepted,
    /// accepted_with_modification, declined, noted, deferred, duplicate.
    #[arg(long)]
    disposition: Option<Disposition>,
    /// For publication: no e-mail addresses, no editors' fields, no
    /// withdrawn comments.
    #[arg(long)]
    public: bool,
    /// The table to publish: refused while any comment in it lacks a
    /// disposition or a response.
    #[arg(long = "final")]
    final_table: bool,
    /// XLSX: a sheet per top-level section after "All comments".
    #[arg(long)]
    sheet_per_section: bool,
    /// CSV: begin with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    bom: bool,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mut conn = super::prepared(settings)?;
    let request = ExportRequest {
        format: args.format,
        preset: args.preset,
        section: args.section,
        status: args.status,
        disposition: args.disposition,
        public: args.public,
        final_table: args.final_table,
        sheet_per_section: args.sheet_per_section,
        bom: args.bom,
    };
    let prepared = match export::prepare(&mut conn, &args.document, request) {
        Ok(prepared) => prepared,
        Err(ExportError::Unanswered { rows, total }) => {
            eprintln!(
                "error: the final table is refused: {total} comment(s) lack a disposition or a response"
            );
            for row in &rows {
                eprintln!("  {}: {}", row.tracking_number, row.missing());
            }
            if total > rows.len() as i64 {
                eprintln!("  … and {} more", total - rows.len() as i64);
            }
            return Ok(ExitCode::from(REFUSED));
        }
        Err(e @ (ExportError::NoSuchDocument(_) | ExportError::NoSuchSection(_))) => {
            return Err(UsageError(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    match &args.output {
        Some(path) => {
            // Written beside the target and renamed into place, so a failed
            // export leaves no half-written file where the table should be.
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            // Readable like any file the user writes (a temporary file
            // would otherwise keep its private 0600).
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
            let temp = builder
                .tempfile_in(dir)
                .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.display()))?;
            let count = export::write(&mut conn, &prepared, BufWriter::new(temp.as_file()))?;
            temp.as_file()
                .sync_all()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            temp.persist(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
            eprintln!("Wrote {count} comment(s) to {}.", path.display());
        }
        None => {
            export::write(&mut conn, &prepared, BufWriter::new(std::io::stdout()))?;
            std::io::stdout().flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
