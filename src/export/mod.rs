//! Disposition tables: a document's comments in outline order with their
//! dispositions and responses, as XLSX, CSV, printable HTML or JSON, in
//! the column layout of the body that publishes them (presets).
//!
//! An export is checked first ([`prepare`]: the document, the section
//! asked for, the completeness gate of a final table), so that whatever
//! is wrong is said before the first byte goes out; then [`write()`] streams
//! the rows from the database into the chosen format: read on one thread,
//! written on another, with a few batches of rows in memory between them
//! however many there are (`rows`).
//!
//! The CLI (`docket export`), the editors' download and the API all export
//! through these two calls, so a table reads the same wherever it came from.

pub mod cells;
mod csv;
mod html;
pub mod json;
mod line;
mod preset;
mod rows;
mod xlsx;

use strum::{AsRefStr, Display, EnumIter, EnumString, IntoStaticStr};
use time::PrimitiveDateTime;

use crate::db::documents::{self, Document};
use crate::db::export_rows::{self, ExportFilter, Unanswered};
use crate::db::sections::{self, Section};
use crate::db::{DbConnection, DbError};
use crate::domain::{Disposition, SectionKind, TriageStatus};

pub use line::{Line, disposition_label, status_label};
pub use preset::{Column, columns};
pub use rows::write;

/// How many of the comments a final export lacks answers for are listed.
pub const UNANSWERED_LISTED: i64 = 100;

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Display,
    EnumString,
    AsRefStr,
    IntoStaticStr,
    EnumIter,
    clap::ValueEnum,
)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    #[default]
    Xlsx,
    Csv,
    Html,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        self.into()
    }

    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
            Self::Json => "application/json",
        }
    }
}

/// The column layout and vocabulary of a publishing body (its columns:
/// `preset`). JSON has one layout whatever the preset.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Display,
    EnumString,
    AsRefStr,
    IntoStaticStr,
    EnumIter,
    clap::ValueEnum,
)]
#[strum(serialize_all = "lowercase")]
pub enum Preset {
    /// NIST's adjudication table: one column per field, docket's words.
    #[default]
    Nist,
    /// ISO/IEC's comment template, answered in "Observations of the
    /// secretariat".
    Iso,
    /// IEEE 802's comment database: `Resn Status` A/V/J and `Resolution`.
    Ieee,
}

/// What an editor or a script asks for, as given (CLI flags, a form).
#[derive(Clone, Debug, Default)]
pub struct ExportRequest {
    pub format: Format,
    pub preset: Preset,
    /// A section as cited (`4.2`, `Table 3`, `Appendix A`, `63A 5.1`),
    /// with what lies below it; `general` for comments filed under no
    /// section.
    pub section: Option<String>,
    pub status: Option<TriageStatus>,
    pub disposition: Option<Disposition>,
    /// Leaves out e-mail addresses and the editors' own fields (status,
    /// intake problems, tagging details), and withdrawn comments.
    pub public: bool,
    /// The table to publish: refused while a comment lacks a disposition
    /// or a response; withdrawn comments are left out.
    pub final_table: bool,
    /// XLSX: a sheet per top-level section after "All comments".
    pub sheet_per_section: bool,
    /// CSV: a UTF-8 byte-order mark first, so Excel reads the accents.
    pub bom: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no document has the slug `{0}`")]
    NoSuchDocument(String),
    #[error("the outline has no section `{0}`")]
    NoSuchSection(String),
    /// The completeness gate: these comments (the first of `total`) lack
    /// a disposition or a response.
    #[error("{total} comment(s) lack a disposition or a response")]
    Unanswered { rows: Vec<Unanswered>, total: i64 },
    #[error(transparent)]
    Database(#[from] DbError),
    /// The output could not be written (a full disk, a closed download).
    #[error("the export could not be written")]
    Output(#[from] std::io::Error),
    #[error("the workbook could not be written")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error("the table could not be written")]
    Csv(#[from] ::csv::Error),
    #[error("the page could not be written")]
    Page(#[from] askama::Error),
    #[error("the JSON could not be written")]
    Json(#[from] serde_json::Error),
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// An export checked and ready to write.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub document: Document,
    pub request: ExportRequest,
    pub filter: ExportFilter,
    /// What the filter picked, in words (title rows, the page heading).
    pub scope: String,
    pub outline: SectionLabels,
    pub exported_at: PrimitiveDateTime,
}

impl Prepared {
    /// `nistir-8200-dispositions.xlsx`, `…-final.csv`, `…-4.2-public.html`.
    pub fn file_name(&self) -> String {
        let mut name = format!("{}-dispositions", self.document.slug);
        if let Some(section) = &self.request.section {
            let safe: String = section
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            name.push('-');
            name.push_str(&safe);
        }
        if self.request.final_table {
            name.push_str("-final");
        }
        if self.request.public {
            name.push_str("-public");
        }
        format!("{name}.{}", self.request.format.extension())
    }
}

/// The outline as exports use it: a node's label and title, and the
/// top-level node it lies under (sheets, page breaks).
#[derive(Clone, Debug, Default)]
pub struct SectionLabels {
    nodes: std::collections::HashMap<i64, Node>,
}

#[derive(Clone, Debug)]
struct Node {
    cited: String,
    /// The label JSON has always given: the number (`Table 3` for tables
    /// and figures, never `Appendix D`), after the volume when there is one.
    json: String,
    title: String,
    top: i64,
}

impl SectionLabels {
    fn new(sections: &[Section]) -> Self {
        let mut nodes = std::collections::HashMap::new();
        let tree = sections::OutlineTree::new(sections);
        for s in sections {
            let top = tree.top(s.id).unwrap_or(s.id);
            nodes.insert(
                s.id,
                Node {
                    cited: s.cited(),
                    json: sections::in_volume(
                        &s.volume,
                        match s.kind {
                            SectionKind::Table | SectionKind::Figure => s.label(),
                            _ => s.number.clone(),
                        },
                    ),
                    title: s.title.clone(),
                    top,
                },
            );
        }
        Self { nodes }
    }

    /// The section's citation and title; `None` for General.
    fn cited(&self, id: Option<i64>) -> Option<(&str, &str)> {
        let node = self.nodes.get(&id?)?;
        Some((&node.cited, &node.title))
    }

    /// The section's label in JSON and its title; `None` for General.
    fn json(&self, id: Option<i64>) -> Option<(&str, &str)> {
        let node = self.nodes.get(&id?)?;
        Some((&node.json, &node.title))
    }

    /// The top-level node above `id` (itself for a top-level node).
    fn top(&self, id: Option<i64>) -> Option<i64> {
        self.nodes.get(&id?).map(|n| n.top)
    }
}

/// Checks the request against what is stored: the document, the section,
/// and for a final table, that every comment in it has been answered.
pub fn prepare(
    conn: &mut DbConnection,
    slug: &str,
    request: ExportRequest,
) -> Result<Prepared, ExportError> {
    let document = match documents::find_by_slug(conn, slug) {
        Err(diesel::result::Error::NotFound) => {
            return Err(ExportError::NoSuchDocument(slug.to_owned()));
        }
        other => other?,
    };
    let outline = sections::for_document(conn, document.id)?;
    let mut filter = ExportFilter {
        status: request.status,
        disposition: request.disposition,
        without_withdrawn: request.public || request.final_table,
        ..ExportFilter::default()
    };
    let mut scope = match &request.section {
        None => "All comments".to_owned(),
        Some(wanted) if wanted.trim().eq_ignore_ascii_case("general") => {
            filter.general_only = true;
            "General (comments on no one section)".to_owned()
        }
        Some(wanted) => {
            let node = find_section(&outline, wanted)
                .ok_or_else(|| ExportError::NoSuchSection(wanted.trim().to_owned()))?;
            filter.sections = Some(sections::OutlineTree::new(&outline).subtree(node.id));
            format!("{} {} and below", node.cited(), node.title)
                .trim()
                .to_owned()
        }
    };
    if let Some(status) = request.status {
        scope.push_str(&format!("; status {}", status.as_ref().replace('_', " ")));
    }
    if let Some(disposition) = request.disposition {
        scope.push_str(&format!("; {}", line::disposition_label(disposition)));
    }
    if request.final_table {
        let (rows, total) = export_rows::unanswered(conn, document.id, &filter, UNANSWERED_LISTED)?;
        if total > 0 {
            return Err(ExportError::Unanswered { rows, total });
        }
    }
    Ok(Prepared {
        outline: SectionLabels::new(&outline),
        document,
        request,
        filter,
        scope,
        exported_at: crate::db::now(),
    })
}

/// The node `wanted` names: as cited (`Table 3`, `63A 5.1`), by its label
/// or by its number alone, ignoring case and a leading `Section`/`§`.
pub fn find_section<'a>(outline: &'a [Section], wanted: &str) -> Option<&'a Section> {
    let norm = |s: &str| s.trim().to_lowercase();
    let wanted = norm(wanted);
    let bare = wanted
        .strip_prefix("section")
        .or_else(|| wanted.strip_prefix('§'))
        .map_or(wanted.as_str(), str::trim);
    if bare.is_empty() {
        return None;
    }
    let by = |key: fn(&Section) -> String| outline.iter().find(|s| norm(&key(s)) == bare);
    by(Section::cited)
        .or_else(|| by(Section::label))
        .or_else(|| by(|s| s.number.clone()))
}

/// `28 November 2026 14:05`.
pub fn when(t: PrimitiveDateTime) -> String {
    t.format(time::macros::format_description!(
        "[day padding:none] [month repr:long] [year] [hour]:[minute]"
    ))
    .unwrap_or_else(|_| t.to_string())
}

/// The line under the title: what the table holds, and when it was made.
fn subtitle(prepared: &Prepared) -> String {
    let mut text = format!("Disposition of comments: {}", prepared.scope);
    if prepared.request.final_table {
        text.push_str(" (final)");
    }
    if prepared.request.public {
        text.push_str(" (public)");
    }
    text.push_str(&format!("; exported {} UTC", when(prepared.exported_at)));
    text
}

/// Where the rows of an export go, one at a time, in table order.
trait Sink {
    fn row(&mut self, line: &Line<'_>) -> Result<(), ExportError>;
}
