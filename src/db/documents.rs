//! Documents under public comment.
//!
//! Besides what a document is, its row holds two pieces of coordination.
//! `next_submission_seq` gives tracking numbers, taken inside the
//! submission's first transaction, so a rollback of it gives the number
//! back (a large submission that fails in a later one leaves its number
//! unused, never given twice).
//! `clusters_stale` and `clusters_claimed_at` run the re-clustering
//! passes: a submission marks the document stale, and a pass claims it
//! with a conditional update and renews its lease as it goes
//! ([`ClusterLease`]), so one pass at a time does a document, across
//! instances, and a pass whose instance died is taken over.

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
    /// When the re-clustering pass running now last renewed its lease
    /// (`ClusterLease`); `None`: no pass holds the document.
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

/// How long a re-clustering pass's claim on a document (its lease) lasts
/// unless renewed. A running pass renews it as it goes (every
/// [`CLUSTER_RENEWAL`] while reading, and in every write), so a pass of any
/// length keeps it; a pass whose instance died or was stopped loses it
/// this long after its last renewal, and the next pass of any instance
/// takes the document over.
pub const CLUSTER_LEASE: time::Duration = time::Duration::minutes(3);

/// How often a running pass renews its lease while it reads and clusters.
pub const CLUSTER_RENEWAL: time::Duration = time::Duration::seconds(30);

/// A re-clustering pass's claim on a document: held from `claim_clusters`
/// to `release_clusters`, renewed by `renew_clusters`. `renewed_at` is
/// what the pass last wrote to `documents.clusters_claimed_at`; a row
/// holding another value means another pass took the document over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterLease {
    pub document_id: i64,
    pub renewed_at: PrimitiveDateTime,
}

impl ClusterLease {
    /// Whether a running pass should renew the lease at `now`.
    pub fn renewal_due(&self, now: PrimitiveDateTime) -> bool {
        now - self.renewed_at >= CLUSTER_RENEWAL
    }
}

/// `clusters_stale AND clusters_claimed_at IS NULL`.
type StaleUnclaimed = diesel::dsl::And<
    diesel::dsl::Eq<documents::clusters_stale, bool>,
    diesel::dsl::IsNull<documents::clusters_claimed_at>,
>;
/// `clusters_claimed_at < …`.
type LeaseExpired = diesel::dsl::Lt<documents::clusters_claimed_at, PrimitiveDateTime>;
type Or<A, B> = diesel::dsl::Or<A, B>;

/// Whether a document needs a pass at `now` and no live lease stands in
/// the way: marked stale and unclaimed, or claimed by a pass whose lease
/// has expired (its work unfinished, whatever the mark says). A document
/// marked stale while its pass runs waits for that pass's release.
fn needs_clustering(now: PrimitiveDateTime) -> Or<StaleUnclaimed, LeaseExpired> {
    documents::clusters_stale
        .eq(true)
        .and(documents::clusters_claimed_at.is_null())
        .or(documents::clusters_claimed_at.lt(now - CLUSTER_LEASE))
}

/// Documents a pass may claim at `now`, oldest change first: stale and
/// unclaimed, or under an expired lease.
pub fn clusters_stale(conn: &mut DbConnection, now: PrimitiveDateTime) -> QueryResult<Vec<i64>> {
    documents::table
        .filter(needs_clustering(now))
        .order(documents::updated_at)
        .select(documents::id)
        .load(conn)
}

/// Claims a document for a re-clustering pass at `now`, if it needs one and
/// no live lease holds it: clears the stale mark (a submission from now on
/// sets it again, and the document gets one more pass after this one) and
/// takes the lease. Of several instances racing, one wins (a conditional
/// update); the others get `None`.
pub fn claim_clusters(
    conn: &mut DbConnection,
    document_id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<Option<ClusterLease>> {
    take_lease(
        conn,
        documents::table
            .find(document_id)
            .filter(needs_clustering(now)),
        document_id,
        now,
    )
}

/// Claims a document for a pass an editor asked for (the clusters page's
/// button), stale or not, unless a live lease holds it (a pass is running
/// on some instance): `None` then. Clears the stale mark as
/// [`claim_clusters`] does.
pub fn claim_clusters_now(
    conn: &mut DbConnection,
    document_id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<Option<ClusterLease>> {
    take_lease(
        conn,
        documents::table.find(document_id).filter(
            documents::clusters_claimed_at
                .is_null()
                .or(documents::clusters_claimed_at.lt(now - CLUSTER_LEASE)),
        ),
        document_id,
        now,
    )
}

/// What taking a lease writes: the stale mark cleared, the claim stamped.
type TakeLease = (
    diesel::dsl::Eq<documents::clusters_stale, bool>,
    diesel::dsl::Eq<documents::clusters_claimed_at, Option<PrimitiveDateTime>>,
);

/// Takes the lease on `document_id` at `now` if `target` (the document's
/// row, filtered by when it may be claimed) still matches: one
/// conditional update, so of several instances racing one wins.
fn take_lease<T>(
    conn: &mut DbConnection,
    target: T,
    document_id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<Option<ClusterLease>>
where
    T: diesel::query_builder::IntoUpdateTarget<Table = documents::table>,
    diesel::dsl::Update<T, TakeLease>: diesel::query_dsl::methods::ExecuteDsl<DbConnection>,
{
    let claimed = diesel::update(target)
        .set((
            documents::clusters_stale.eq(false),
            documents::clusters_claimed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok((claimed == 1).then_some(ClusterLease {
        document_id,
        renewed_at: now,
    }))
}

/// Renews `lease` at `now` if it is still this pass's. Returns false when
/// another pass has taken the document over (this one must stop without
/// writing). Inside a transaction that writes clusters, it also holds the
/// document's row so no takeover can slip in before the commit.
pub fn renew_clusters(
    conn: &mut DbConnection,
    lease: &mut ClusterLease,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    let renewed = diesel::update(
        documents::table
            .find(lease.document_id)
            .filter(documents::clusters_claimed_at.eq(lease.renewed_at)),
    )
    .set(documents::clusters_claimed_at.eq(Some(now)))
    .execute(conn)?;
    if renewed == 1 {
        lease.renewed_at = now;
    }
    Ok(renewed == 1)
}

/// Ends `lease`, unless another pass has taken the document over since.
/// The stale mark stays as submissions set it meanwhile, so a document
/// that received comments during the pass gets another.
pub fn release_clusters(conn: &mut DbConnection, lease: ClusterLease) -> QueryResult<()> {
    diesel::update(
        documents::table
            .find(lease.document_id)
            .filter(documents::clusters_claimed_at.eq(lease.renewed_at)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_renewed_well_before_it_expires() {
        let claimed = time::macros::datetime!(2026-12-07 10:00:00);
        let lease = ClusterLease {
            document_id: 1,
            renewed_at: claimed,
        };
        assert!(!lease.renewal_due(claimed));
        assert!(!lease.renewal_due(claimed + time::Duration::seconds(29)));
        assert!(lease.renewal_due(claimed + CLUSTER_RENEWAL));
        // A few renewals may fail (a busy SQLite) before the lease lapses.
        assert!(CLUSTER_RENEWAL * 4 <= CLUSTER_LEASE);
    }
}
