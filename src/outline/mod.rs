//! Document outlines: read from TOML or CSV, checked as a whole, then stored.
//!
//! Reading (`file`) yields [`OutlineEntry`] rows exactly as written; [`build`]
//! turns them into an [`Outline`] (parents resolved, document order, depth)
//! or lists every rule the file breaks. Nothing touches the database here.

mod build;
mod file;
mod write;

pub use build::build;
pub use file::{OutlineFormat, read};
pub use write::{entries_of, fingerprint, to_csv, to_toml};

use crate::domain::{PageLabel, SectionKind};

/// One row of an outline file, before any checking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutlineEntry {
    /// Where the row is, for messages: `row 7`, `[[section]] #3`.
    pub origin: String,
    pub number: String,
    pub title: String,
    pub kind: Option<String>,
    pub volume: String,
    pub page_start: Option<String>,
    pub page_end: Option<String>,
    pub line_start: Option<String>,
    pub line_end: Option<String>,
    /// Explicit parent number; otherwise it follows from the numbering.
    pub parent: Option<String>,
}

/// A checked outline, nodes in document order (parents before children).
#[derive(Clone, Debug, PartialEq)]
pub struct Outline {
    pub nodes: Vec<OutlineNode>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutlineNode {
    pub number: String,
    pub title: String,
    pub kind: SectionKind,
    pub volume: String,
    /// Unique per document and volume: the number in lower case; `table:3`
    /// for tables and figures; `front:<title>` for unnumbered front matter.
    pub lookup_key: String,
    /// Index into `Outline::nodes`.
    pub parent: Option<usize>,
    pub depth: i32,
    pub pages: Option<(PageLabel, PageLabel)>,
    pub lines: Option<(i32, i32)>,
}

/// One broken rule, naming the row and the node.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin} ({node}): {rule}")]
pub struct OutlineProblem {
    pub origin: String,
    pub node: String,
    pub rule: String,
}

/// Why an outline file was refused: it could not be read, or it breaks rules.
#[derive(Debug, thiserror::Error)]
pub enum OutlineError {
    #[error("cannot read the outline: {0}")]
    Unreadable(String),
    #[error("the outline has no sections")]
    Empty,
    #[error("the outline breaks {} rule(s):\n  {}", .0.len(), join(.0))]
    Invalid(Vec<OutlineProblem>),
}

fn join(problems: &[OutlineProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Reads and checks an outline file in one step.
pub fn parse(text: &str, format: OutlineFormat) -> Result<Outline, OutlineError> {
    build(read(text, format)?)
}

/// The `Section` rows storing `outline` would hold (ids 1, 2, … and
/// positions in document order), for tests of code that reads stored
/// outlines without a database: the unit tests and `tests/` (hence public,
/// though no part of the application calls it).
#[doc(hidden)]
pub fn stored_for_tests(outline: &Outline) -> Vec<crate::db::sections::Section> {
    let id = |i: usize| i64::try_from(i).unwrap_or(i64::MAX) + 1;
    outline
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| crate::db::sections::Section {
            id: id(i),
            document_id: 1,
            parent_id: n.parent.map(id),
            volume: n.volume.clone(),
            kind: n.kind,
            number: n.number.clone(),
            lookup_key: n.lookup_key.clone(),
            title: n.title.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            depth: n.depth,
            page_start: n.pages.as_ref().map(|p| p.0.as_str().to_owned()),
            page_end: n.pages.as_ref().map(|p| p.1.as_str().to_owned()),
            line_start: n.lines.map(|l| l.0),
            line_end: n.lines.map(|l| l.1),
            owner_id: None,
        })
        .collect()
}
