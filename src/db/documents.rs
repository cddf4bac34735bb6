//! Documents under public comment.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::DbConnection;
use super::schema::documents;

/// A draft under public comment.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = documents)]
pub struct Document {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub tracking_prefix: String,
    pub description: String,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    pub public_posting: bool,
    pub published_at: Option<PrimitiveDateTime>,
    pub next_submission_seq: i32,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    /// New comments arrived since the clusters were last recomputed.
    pub clusters_stale: bool,
    /// When the re-clustering pass running now claimed the document.
    pub clusters_claimed_at: Option<PrimitiveDateTime>,
}

/// Where a document stands in its comment period on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Upcoming,
    Open,
    Closed,
}

impl Document {
    /// The comment period is inclusive of both its opening and closing day.
    pub fn period_on(&self, today: Date) -> Period {
        if self.opens_on.is_some_and(|opens| today < opens) {
            Period::Upcoming
        } else if self.closes_on.is_some_and(|closes| today > closes) {
            Period::Closed
        } else {
            Period::Open
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub tracking_prefix: &'a str,
    pub description: &'a str,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    pub public_posting: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewDocument<'_>) -> QueryResult<Document> {
    diesel::insert_into(documents::table)
        .values(new)
        .returning(documents::all_columns)
        .get_result(conn)
}

/// A document by id.
pub fn find_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Document> {
    documents::table
        .find(id)
        .select(Document::as_select())
        .first(conn)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Document> {
    documents::table
        .filter(documents::slug.eq(slug))
        .select(Document::as_select())
        .first(conn)
}

/// Every document by closing day, soonest first, undated ones last.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Document>> {
    documents::table
        .select(Document::as_select())
        .order((
            documents::closes_on.is_null(),
            documents::closes_on.asc(),
            // Not the title: PostgreSQL and SQLite collate text differently.
            documents::id,
        ))
        .load(conn)
}

/// Whether a document already uses `slug`, and whether one uses `prefix`.
pub fn slug_or_prefix_taken(
    conn: &mut DbConnection,
    slug: &str,
    prefix: &str,
) -> QueryResult<(bool, bool)> {
    let slug_taken = diesel::select(diesel::dsl::exists(
        documents::table.filter(documents::slug.eq(slug)),
    ))
    .get_result(conn)?;
    let prefix_taken = diesel::select(diesel::dsl::exists(
        documents::table.filter(documents::tracking_prefix.eq(prefix)),
    ))
    .get_result(conn)?;
    Ok((slug_taken, prefix_taken))
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    documents::table.count().get_result(conn)
}

/// Takes the next submission number of a document (for its tracking number).
/// Call inside the submission's transaction so a rollback gives it back.
pub fn take_submission_seq(conn: &mut DbConnection, document_id: i64) -> QueryResult<i32> {
    diesel::update(documents::table.find(document_id))
        .set((
            documents::next_submission_seq.eq(documents::next_submission_seq + 1),
            documents::clusters_stale.eq(true),
        ))
        .returning(documents::next_submission_seq - 1)
        .get_result(conn)
}

/// How long a re-clustering pass may hold its claim on a document. A pass
/// not finished by then (its instance crashed or was stopped) is taken
/// over by the next pass of any instance; a million comments take about
/// two minutes on PostgreSQL.
pub const CLUSTER_CLAIM: time::Duration = time::Duration::minutes(30);

/// Documents to re-cluster at `now`, oldest change first: new comments
/// arrived since the last pass began, or the pass that claimed the document
/// has held it longer than [`CLUSTER_CLAIM`].
pub fn clusters_stale(conn: &mut DbConnection, now: PrimitiveDateTime) -> QueryResult<Vec<i64>> {
    documents::table
        .filter(needs_clustering(now))
        .order(documents::updated_at)
        .select(documents::id)
        .load(conn)
}

fn needs_clustering(
    now: PrimitiveDateTime,
) -> diesel::dsl::Or<
    diesel::dsl::Eq<documents::clusters_stale, bool>,
    diesel::dsl::Lt<documents::clusters_claimed_at, PrimitiveDateTime>,
> {
    documents::clusters_stale
        .eq(true)
        .or(documents::clusters_claimed_at.lt(now - CLUSTER_CLAIM))
}

/// Claims a document for a re-clustering pass at `now`, if it still needs
/// one: clears the stale mark (a submission from now on sets it again) and
/// notes the claim. Of several instances racing, one wins; returns whether
/// this call did.
pub fn claim_clusters(
    conn: &mut DbConnection,
    document_id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        documents::table
            .find(document_id)
            .filter(needs_clustering(now)),
    )
    .set((
        documents::clusters_stale.eq(false),
        documents::clusters_claimed_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends the claim made at `claimed_at`, unless another instance has taken
/// the document over since (its claim is newer).
pub fn release_clusters(
    conn: &mut DbConnection,
    document_id: i64,
    claimed_at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        documents::table
            .find(document_id)
            .filter(documents::clusters_claimed_at.eq(claimed_at)),
    )
    .set(documents::clusters_claimed_at.eq(None::<PrimitiveDateTime>))
    .execute(conn)
    .map(|_| ())
}

/// Marks a document's clusters stale (`true`) or, only if they still are,
/// up to date (`false`). Returns whether the row changed: of several
/// instances racing to re-cluster a document, one wins the claim.
pub fn set_clusters_stale(
    conn: &mut DbConnection,
    document_id: i64,
    stale: bool,
) -> QueryResult<bool> {
    diesel::update(
        documents::table
            .find(document_id)
            .filter(documents::clusters_stale.eq(!stale)),
    )
    .set(documents::clusters_stale.eq(stale))
    .execute(conn)
    .map(|n| n == 1)
}

/// Takes the document's row lock for the rest of the transaction (on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), so
/// outline changes, re-tagging, hand-filing and new submissions of one
/// document run one after the other and never work from a stale read.
pub fn lock(conn: &mut DbConnection, document_id: i64) -> QueryResult<()> {
    diesel::update(documents::table.find(document_id))
        .set(documents::updated_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}
