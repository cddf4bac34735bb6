//! Creating documents and giving them outlines: the operations the CLI, the
//! demo loader and (later) the admin pages share.

use diesel::Connection;
use time::Date;

use crate::db::sections::OutlineChange;
use crate::db::{self, DbConnection, DbError, documents::Document};
use crate::domain::{Slug, SlugError, TrackingPrefix};
use crate::outline::{self, Outline, OutlineEntry, OutlineError};
use crate::tagging::{Signals, Tagger};

/// What an admin asks for when creating a document.
#[derive(Clone, Debug)]
pub struct DocumentSpec {
    pub slug: String,
    pub title: String,
    /// Defaults to the slug in upper case.
    pub tracking_prefix: Option<String>,
    pub description: String,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Name(#[from] SlugError),
    #[error("the title is empty")]
    EmptyTitle,
    #[error("the comment period closes ({closes}) before it opens ({opens})")]
    PeriodReversed { opens: Date, closes: Date },
    #[error("a document with the slug `{0}` already exists")]
    SlugTaken(String),
    #[error("the tracking prefix `{0}` is already used by another document")]
    PrefixTaken(String),
    #[error("no document has the slug `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Outline(#[from] OutlineError),
    #[error("the outline was changed by someone else since this form was opened")]
    OutlineChanged,
    #[error("outline node #{0} is not in this document's outline (any more)")]
    NoSuchNode(i64),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for DocumentError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// Checks a spec and stores the document.
pub fn create(conn: &mut DbConnection, spec: &DocumentSpec) -> Result<Document, DocumentError> {
    let slug = Slug::parse(spec.slug.trim())?;
    let prefix = match spec.tracking_prefix.as_deref() {
        Some(raw) => TrackingPrefix::parse(raw)?,
        None => TrackingPrefix::from_slug(&slug),
    };
    let title = spec.title.trim();
    if title.is_empty() {
        return Err(DocumentError::EmptyTitle);
    }
    if let (Some(opens), Some(closes)) = (spec.opens_on, spec.closes_on)
        && closes < opens
    {
        return Err(DocumentError::PeriodReversed { opens, closes });
    }
    // Checked first for a precise message; the unique indexes still guard
    // against two admins racing (mapped below).
    let (slug_taken, prefix_taken) =
        db::documents::slug_or_prefix_taken(conn, slug.as_str(), prefix.as_str())?;
    if slug_taken {
        return Err(DocumentError::SlugTaken(slug.as_str().to_owned()));
    }
    if prefix_taken {
        return Err(DocumentError::PrefixTaken(prefix.as_str().to_owned()));
    }
    let now = db::now();
    let new = db::documents::NewDocument {
        slug: slug.as_str(),
        title,
        tracking_prefix: prefix.as_str(),
        description: spec.description.trim(),
        opens_on: spec.opens_on,
        closes_on: spec.closes_on,
        public_posting: false,
        created_at: now,
        updated_at: now,
    };
    db::documents::insert(conn, &new).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            ref info,
        ) => {
            let on_prefix = info.constraint_name().is_some_and(|c| c.contains("prefix"))
                || info.message().contains("tracking_prefix");
            if on_prefix {
                DocumentError::PrefixTaken(prefix.as_str().to_owned())
            } else {
                DocumentError::SlugTaken(slug.as_str().to_owned())
            }
        }
        other => other.into(),
    })
}

/// Replaces the outline of the document `slug` (see `replace_outline`)
/// and re-tags its comments against it, in one transaction.
pub fn import_outline(
    conn: &mut DbConnection,
    slug: &str,
    outline: &Outline,
) -> Result<(OutlineChange, Retagged), DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        db::documents::lock(conn, document.id)?;
        store_and_retag(conn, document.id, outline)
    })
}

/// Stores `outline` over the document's and re-tags. Comments tagged by
/// hand to a node that goes are handed back to automatic tagging first.
fn store_and_retag(
    conn: &mut DbConnection,
    document_id: i64,
    outline: &Outline,
) -> Result<(OutlineChange, Retagged), DocumentError> {
    let kept: std::collections::HashSet<(&str, &str)> = outline
        .nodes
        .iter()
        .map(|n| (n.volume.as_str(), n.lookup_key.as_str()))
        .collect();
    let going: Vec<i64> = db::sections::for_document(conn, document_id)?
        .into_iter()
        .filter(|s| !kept.contains(&(s.volume.as_str(), s.lookup_key.as_str())))
        .map(|s| s.id)
        .collect();
    let released = db::comments::release_manual_tags(conn, &going)?;
    let change = db::sections::replace_outline(conn, document_id, outline)?;
    let mut retagged = retag_document(conn, document_id)?;
    retagged.released = released;
    Ok((change, retagged))
}

/// One change to an outline from the web, applied to the stored outline
/// and checked by the same rules as a file.
#[derive(Clone, Debug)]
pub enum OutlineEdit {
    /// New title and ranges for a node (its number, kind and volume stay:
    /// they identify it, and comments hang on it).
    Update {
        id: i64,
        title: String,
        pages: (Option<String>, Option<String>),
        lines: (Option<String>, Option<String>),
    },
    /// A new node, placed after its parent's last descendant (else last).
    Add(OutlineEntry),
    /// Removes a node; a node with children is refused by the parent rule.
    Remove { id: i64 },
}

/// Applies `edit` to the outline of `slug`, provided it is still the
/// outline whose fingerprint the form carried, then re-tags; all in one
/// transaction, so two admins saving at once cannot undo each other.
pub fn edit_outline(
    conn: &mut DbConnection,
    slug: &str,
    fingerprint: &str,
    edit: OutlineEdit,
) -> Result<(OutlineChange, Retagged), DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        // Locked before reading, so a concurrent edit is seen, not overwritten.
        db::documents::lock(conn, document.id)?;
        let sections = db::sections::for_document(conn, document.id)?;
        if outline::fingerprint(&sections) != fingerprint {
            return Err(DocumentError::OutlineChanged);
        }
        let mut entries = outline::entries_of(&sections);
        let index_of = |id: i64| {
            sections
                .iter()
                .position(|s| s.id == id)
                .ok_or(DocumentError::NoSuchNode(id))
        };
        match edit {
            OutlineEdit::Update {
                id,
                title,
                pages,
                lines,
            } => {
                let entry = &mut entries[index_of(id)?];
                entry.origin = format!("the form for {}", sections[index_of(id)?].label());
                entry.title = title;
                (entry.page_start, entry.page_end) = pages;
                (entry.line_start, entry.line_end) = lines;
            }
            OutlineEdit::Add(mut entry) => {
                entry.origin = "the new node".to_owned();
                let at = insertion_point(&sections, &entry);
                entries.insert(at, entry);
            }
            OutlineEdit::Remove { id } => {
                entries.remove(index_of(id)?);
            }
        }
        let outline = outline::build(entries)?;
        store_and_retag(conn, document.id, &outline)
    })
}

/// Where a new node goes in document order: after the last node of its
/// parent's subtree when the parent is known, else at the end.
fn insertion_point(sections: &[db::sections::Section], entry: &OutlineEntry) -> usize {
    let parent_number = entry
        .parent
        .clone()
        .filter(|p| !p.trim().is_empty())
        .or_else(|| entry.number.rsplit_once('.').map(|(up, _)| up.to_owned()));
    let Some(parent_number) = parent_number else {
        return sections.len();
    };
    let Some(parent) = sections.iter().position(|s| {
        s.volume == entry.volume.trim() && s.number.eq_ignore_ascii_case(parent_number.trim())
    }) else {
        return sections.len();
    };
    let depth = sections[parent].depth;
    sections[parent + 1..]
        .iter()
        .position(|s| s.depth <= depth && !s.kind.is_float())
        .map_or(sections.len(), |offset| parent + 1 + offset)
}

/// What re-tagging did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retagged {
    /// Comments looked at (all but those tagged by hand).
    pub checked: usize,
    /// Comments whose section, route or conflict changed.
    pub moved: usize,
    /// Hand-made tags whose section was removed, so tagged again.
    pub released: usize,
}

/// Re-runs section tagging for the document `slug` (hand-made tags stay).
pub fn retag(conn: &mut DbConnection, slug: &str) -> Result<Retagged, DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        db::documents::lock(conn, document.id)?;
        retag_document(conn, document.id)
    })
}

fn retag_document(conn: &mut DbConnection, document_id: i64) -> Result<Retagged, DocumentError> {
    let tagger = Tagger::new(&db::sections::for_document(conn, document_id)?);
    let rows = db::comments::retaggable(conn, document_id)?;
    let mut retagged = Retagged {
        checked: rows.len(),
        ..Retagged::default()
    };
    for row in rows {
        let tag = tagger.tag(Signals {
            volume: row.volume_raw.as_deref(),
            section: row.section_raw.as_deref(),
            line: row.line_start,
            page: row.page_start.as_deref(),
        });
        let source: &str = tag.source.into();
        let same = tag.section_id == row.section_id
            && source == row.tag_source
            && tag.span == row.tag_span
            && tag.conflict == row.tag_conflict;
        if !same {
            retagged.moved += db::comments::set_tag(
                conn,
                row.id,
                tag.section_id,
                source,
                tag.span.as_deref(),
                tag.conflict.as_deref(),
            )?;
        }
    }
    Ok(retagged)
}

/// Creates a document and its outline in one transaction.
pub fn create_with_outline(
    conn: &mut DbConnection,
    spec: &DocumentSpec,
    outline: &Outline,
) -> Result<(Document, usize), DocumentError> {
    conn.transaction(|conn| {
        let document = create(conn, spec)?;
        let nodes = db::sections::replace_outline(conn, document.id, outline)?.total();
        Ok((document, nodes))
    })
}

pub fn find(conn: &mut DbConnection, slug: &str) -> Result<Document, DocumentError> {
    db::documents::find_by_slug(conn, slug).map_err(|e| match e {
        diesel::result::Error::NotFound => DocumentError::NotFound(slug.to_owned()),
        other => other.into(),
    })
}
