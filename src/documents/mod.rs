//! Creating documents and giving them outlines: the operations the CLI, the
//! demo loader and the admin pages share. Outline changes and re-tagging
//! are in `outline_change`, publication and public posting in `publish`.
//!
//! An outline change re-tags the document's comments in the same
//! transaction, after taking the document's row lock: a comment is never
//! left filed under a node that is gone, and two admins saving at once
//! cannot undo each other. Hand-made tags stay unless their node goes.

mod outline_change;
pub mod publish;

pub(crate) use outline_change::retag_document;
pub use outline_change::{OutlineEdit, RetagCounts, edit_outline, import_outline, name_of, retag};

use diesel::Connection;
use time::Date;

use crate::db::{self, DbConnection, DbError, documents::Document};
use crate::domain::{Slug, SlugError, TrackingPrefix};
use crate::outline::{Outline, OutlineError};

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
