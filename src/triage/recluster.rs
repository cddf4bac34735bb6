//! Re-clustering passes: [`recluster`] (the clusters page's button) and
//! [`recluster_stale`] (the background pass), which recompute a document's
//! clusters with [`Clusterer`] and write the changes in short transactions;
//! the background pass under a lease on the document
//! ([`ClusterLease`]), so one pass at a time, across instances.

use std::collections::HashMap;

use time::PrimitiveDateTime;

use super::similar::Clusterer;
use crate::db::documents::ClusterLease;
use crate::db::{self, DbConnection, DbError, clusters};

/// What a recomputation found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClusterReport {
    /// Comments of the document.
    pub comments: usize,
    /// Clusters of two or more comments.
    pub clusters: usize,
    /// Comments in those clusters.
    pub clustered: usize,
    /// Comments whose stored cluster or text hash changed.
    pub changed: usize,
}

/// Comments read per query while recomputing.
const PAGE: i64 = 5_000;

/// Changed comments written per transaction: SQLite has one writer, and a
/// first clustering of a million comments changes every row; in short
/// transactions, editors' saves get their turn in between (a clustering
/// half written for a moment is harmless: it is derived data).
const WRITE_CHUNK: usize = 2_000;

/// Recomputes the clusters and text hashes of a document's comments.
///
/// The texts are read and clustered without holding the write lock (at a
/// million comments that takes seconds, and SQLite has one writer); only
/// the changed rows are then written, in short transactions that each take
/// the document's row lock. Comments that arrive meanwhile are left as
/// intake placed them (exact duplicates already grouped) and mark the
/// document stale again, so the next pass of [`recluster_stale`] takes
/// them in. Cluster ids are derived data: writing them does not bump
/// comment versions, so open forms stay valid.
///
/// Runs under a lease like the background pass, so it never overlaps one:
/// `Ok(None)` when a pass holds the document now (on any instance).
pub fn recluster(
    conn: &mut DbConnection,
    document_id: i64,
) -> Result<Option<ClusterReport>, DbError> {
    let started = std::time::Instant::now();
    let now = db::now();
    let clock = move || now + started.elapsed();
    // The claim clears the stale mark: a submission from now on sets it
    // again, and the background pass takes it in.
    let Some(lease) = db::documents::claim_clusters_now(conn, document_id, clock())? else {
        return Ok(None);
    };
    recluster_leased(conn, lease, &clock)
}

/// A leased pass's hold on its document while [`recompute`] runs: the
/// lease, and the clock its renewals are stamped with.
struct Holder<'a> {
    lease: ClusterLease,
    clock: &'a dyn Fn() -> PrimitiveDateTime,
}

impl Holder<'_> {
    /// Renews the lease if [`db::documents::CLUSTER_RENEWAL`] has passed since the last
    /// renewal. Returns false when another pass has taken the document
    /// over. A failed renewal (SQLite busy behind a long import) is not the
    /// pass's end: every write renews again, and that one counts.
    fn keep(&mut self, conn: &mut DbConnection) -> bool {
        let now = (self.clock)();
        if !self.lease.renewal_due(now) {
            return true;
        }
        match db::documents::renew_clusters(conn, &mut self.lease, now) {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, "could not renew the re-clustering lease; will retry");
                true
            }
        }
    }
}

/// [`recluster`] once the document's stale mark is cleared. With a
/// `holder`, every write transaction first renews its lease (holding the
/// document's row to the commit), and the pass stops, writing nothing
/// more, as soon as a renewal finds the document taken over: `Ok(None)`.
fn recompute(
    conn: &mut DbConnection,
    document_id: i64,
    mut holder: Option<&mut Holder<'_>>,
) -> Result<Option<ClusterReport>, DbError> {
    let mut clusterer = Clusterer::new();
    let mut stored: HashMap<i64, (Option<String>, Option<i64>)> = HashMap::new();
    let mut after = 0;
    loop {
        if let Some(holder) = holder.as_deref_mut()
            && !holder.keep(conn)
        {
            return Ok(None);
        }
        let page = clusters::bodies_page(conn, document_id, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            clusterer.add(row.id, &row.body);
            stored.insert(row.id, (row.text_hash, row.cluster_id));
        }
    }
    let placements = clusterer.finish();
    let mut report = ClusterReport {
        comments: placements.len(),
        ..ClusterReport::default()
    };
    // Clusters of two or more: a comment alone is a cluster of one.
    let mut sizes: HashMap<i64, usize> = HashMap::new();
    for cluster in placements.iter().filter_map(|p| p.cluster_id) {
        *sizes.entry(cluster).or_default() += 1;
    }
    let shared = sizes.values().filter(|&&size| size > 1);
    report.clusters = shared.clone().count();
    report.clustered = shared.sum();
    let changes: Vec<clusters::Placed> = placements
        .into_iter()
        .filter(|p| {
            stored.get(&p.id).is_none_or(|(hash, cluster)| {
                hash.as_deref() != Some(p.text_hash.as_str()) || *cluster != p.cluster_id
            })
        })
        .map(|p| clusters::Placed {
            id: p.id,
            text_hash: p.text_hash,
            cluster_id: p.cluster_id,
        })
        .collect();
    report.changed = changes.len();
    for chunk in changes.chunks(WRITE_CHUNK) {
        let written = db::write_transaction(conn, |conn| {
            db::documents::lock(conn, document_id)?;
            if let Some(holder) = holder.as_deref_mut() {
                let now = (holder.clock)();
                if !db::documents::renew_clusters(conn, &mut holder.lease, now)? {
                    return Ok(false);
                }
            }
            clusters::write(conn, chunk)?;
            Ok::<_, DbError>(true)
        })?;
        if !written {
            return Ok(None);
        }
    }
    Ok(Some(report))
}

/// Re-clusters every document that received comments since its last
/// re-clustering (at `now`). Each is claimed first (a lease, see
/// [`db::documents::claim_clusters`]), so of several docket instances
/// sharing a database only one passes over a document at a time; a
/// document that receives comments during a pass gets one more pass after
/// it; a failed pass marks the document stale again for the next one; a
/// pass whose instance died is taken over once its lease expires.
pub fn recluster_stale(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
) -> Result<Vec<(i64, ClusterReport)>, DbError> {
    let started = std::time::Instant::now();
    let clock = move || now + started.elapsed();
    let mut done = Vec::new();
    for document_id in db::documents::clusters_stale(conn, now)? {
        let Some(lease) = db::documents::claim_clusters(conn, document_id, clock())? else {
            continue; // another instance holds it
        };
        if let Some(report) = recluster_leased(conn, lease, &clock)? {
            done.push((document_id, report));
        }
    }
    Ok(done)
}

/// One pass over the document of `lease` (claimed by the caller), its
/// renewals stamped by `clock`; releases the lease at the end. `Ok(None)`:
/// another pass took the document over, and this one stopped without
/// writing further. A failed pass marks the document stale again.
pub fn recluster_leased(
    conn: &mut DbConnection,
    lease: ClusterLease,
    clock: &dyn Fn() -> PrimitiveDateTime,
) -> Result<Option<ClusterReport>, DbError> {
    let mut holder = Holder { lease, clock };
    let outcome = recompute(conn, lease.document_id, Some(&mut holder));
    match outcome {
        Ok(None) => {
            tracing::info!(
                document_id = lease.document_id,
                "re-clustering stopped: another instance took the document over"
            );
            Ok(None)
        }
        Ok(Some(report)) => {
            db::documents::release_clusters(conn, holder.lease)?;
            Ok(Some(report))
        }
        Err(error) => {
            db::documents::set_clusters_stale(conn, lease.document_id, true)?;
            db::documents::release_clusters(conn, holder.lease)?;
            Err(error)
        }
    }
}
