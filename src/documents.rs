//! Creating documents and giving them outlines: the operations the CLI, the
//! demo loader and (later) the admin pages share.

use diesel::Connection;
use time::Date;

use crate::db::sections::OutlineChange;
use crate::db::{self, DbConnection, DbError, documents::Document};
use crate::domain::{Slug, SlugError, TrackingPrefix};
use crate::outline::{Outline, OutlineError};
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
        let change = db::sections::replace_outline(conn, document.id, outline)?;
        let retagged = retag_document(conn, document.id)?;
        Ok((change, retagged))
    })
}

/// What re-tagging did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retagged {
    /// Comments looked at (all but those tagged by hand).
    pub checked: usize,
    /// Comments whose section, route or conflict changed.
    pub moved: usize,
}

/// Re-runs section tagging for the document `slug` (hand-made tags stay).
pub fn retag(conn: &mut DbConnection, slug: &str) -> Result<Retagged, DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| retag_document(conn, document.id))
}

fn retag_document(conn: &mut DbConnection, document_id: i64) -> Result<Retagged, DocumentError> {
    let tagger = Tagger::new(&db::sections::for_document(conn, document_id)?);
    let rows = db::comments::retaggable(conn, document_id)?;
    let mut retagged = Retagged {
        checked: rows.len(),
        moved: 0,
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
            db::comments::set_tag(
                conn,
                row.id,
                tag.section_id,
                source,
                tag.span.as_deref(),
                tag.conflict.as_deref(),
            )?;
            retagged.moved += 1;
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
