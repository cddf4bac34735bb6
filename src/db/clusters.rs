//! Clusters of duplicate and near-duplicate comments (`comments.cluster_id`,
//! the lowest member's id; `comments.text_hash`, the normalised text's
//! SHA-256): read the texts, write the results, list the clusters.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};

use super::DbConnection;
use super::schema::{comments, submissions};

/// What recomputing reads of a comment.
#[derive(Clone, Debug, Queryable)]
pub struct BodyRow {
    pub id: i64,
    pub body: String,
    pub text_hash: Option<String>,
    pub cluster_id: Option<i64>,
}

/// One page of a document's comments after `after_id`, in id order
/// (keyset paging).
pub fn bodies_page(
    conn: &mut DbConnection,
    document_id: i64,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<BodyRow>> {
    // A pass leaves arriving comments alone: the document is marked for
    // another pass when they arrive.
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    comments::table
        .filter(comments::document_id.eq(document_id))
        .filter(comments::submission_id.ne_all(hidden))
        .filter(comments::id.gt(after_id))
        .order(comments::id)
        .limit(limit)
        .select((
            comments::id,
            comments::body,
            comments::text_hash,
            comments::cluster_id,
        ))
        .load(conn)
}

/// Hashes per statement of [`join_exact`] (SQLite allows 32,766
/// parameters; PostgreSQL takes them as one array).
const HASH_BATCH: usize = 500;

/// PostgreSQL: per hash of the array `$2` that two or more comments of
/// document `$1` share, its cluster; then its members without one, each
/// looked up by the index on (document, text, cluster) in a nested loop
/// (`OFFSET 0` keeps the lateral subqueries from being flattened into a
/// join the planner might run as a scan); then the update by primary key.
/// No plan here depends on statistics.
fn join_exact_pg() -> String {
    format!(
        "UPDATE comments AS c SET cluster_id = t.cluster FROM (\
         SELECT j.id, g.cluster FROM (\
         SELECT h.hash, {} AS cluster FROM unnest($2::text[]) AS h(hash) \
         WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM comments AS m WHERE m.document_id = $1 \
         AND m.text_hash = h.hash LIMIT 2) AS two) = 2 OFFSET 0) AS g \
         CROSS JOIN LATERAL (SELECT m.id FROM comments AS m WHERE m.document_id = $1 \
         AND m.text_hash = g.hash AND m.cluster_id IS NULL OFFSET 0) AS j\
         ) AS t WHERE c.id = t.id",
        group_cluster("$1", "h.hash")
    )
}

/// SQLite (no arrays, no `LATERAL`): the members without a cluster of
/// `hashes` texts, found through the index by `text_hash IN (…)`, each set
/// to its group's cluster by correlated subqueries. SQLite's subqueries see
/// the rows this statement already set, so a group without a cluster reads
/// its lowest id once; every later member finds the cluster the first one
/// got, which is the same value.
fn join_exact_sqlite(hashes: usize) -> String {
    format!(
        "UPDATE comments SET cluster_id = {} WHERE document_id = ? AND cluster_id IS NULL \
         AND EXISTS (SELECT 1 FROM comments AS m WHERE m.document_id = comments.document_id \
         AND m.text_hash = comments.text_hash AND m.id <> comments.id) AND text_hash IN ({})",
        group_cluster("comments.document_id", "comments.text_hash"),
        vec!["?"; hashes].join(", ")
    )
}

/// The cluster of the group of comments of document `doc` whose text is
/// `hash` (SQL operands): its lowest cluster, else its lowest id. The
/// lowest cluster is the first entry of `comments_text_hash_idx` past the
/// NULLs; the lowest id is read only for a group without any cluster.
fn group_cluster(doc: &str, hash: &str) -> String {
    format!(
        "COALESCE((SELECT m.cluster_id FROM comments AS m WHERE m.document_id = {doc} \
         AND m.text_hash = {hash} AND m.cluster_id IS NOT NULL ORDER BY m.cluster_id LIMIT 1), \
         (SELECT MIN(m.id) FROM comments AS m WHERE m.document_id = {doc} AND m.text_hash = {hash}))"
    )
}

/// A stored text's cluster, as [`stored_clusters`] reads it.
#[derive(QueryableByName)]
struct StoredGroup {
    #[diesel(sql_type = Text)]
    hash: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    cluster: Option<i64>,
}

/// `SELECT` per text of a `VALUES` list (`$mark(n)`: the n-th placeholder,
/// the first being the document): the cluster a new comment of that text
/// joins. Over a concrete connection.
macro_rules! stored_groups {
    ($conn:expr, $backend:ty, $document_id:expr, $chunk:expr, $mark:expr) => {{
        let chunk: &[&str] = $chunk;
        let mark = $mark;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", mark(i + 2)))
            .collect();
        let sql = format!(
            "SELECT h.column1 AS hash, {} AS cluster FROM (VALUES {}) AS h",
            group_cluster(&mark(1), "h.column1"),
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql)
            .into_boxed::<$backend>()
            .bind::<BigInt, _>($document_id);
        for hash in chunk {
            query = query.bind::<Text, _>(*hash);
        }
        query.load::<StoredGroup>($conn)?
    }};
}

/// Of `hashes` (distinct), those the document's stored comments already
/// have, each with the cluster a new comment of that text joins: the
/// group's lowest cluster, else its lowest id (stored comments' ids are
/// lower than any new one's: a submission holds the document's lock). Intake
/// inserts new comments with it, so they need no update; the stored
/// members still without a cluster are then placed by [`join_exact`].
pub fn stored_clusters(
    conn: &mut DbConnection,
    document_id: i64,
    hashes: &[&str],
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let mut found = std::collections::HashMap::new();
    for chunk in hashes.chunks(HASH_BATCH) {
        let rows = match conn {
            DbConnection::Sqlite(c) => stored_groups!(
                c,
                diesel::sqlite::Sqlite,
                document_id,
                chunk,
                |n: usize| format!("?{n}")
            ),
            DbConnection::Postgres(c) => {
                stored_groups!(c, diesel::pg::Pg, document_id, chunk, |n: usize| format!(
                    "${n}"
                ))
            }
        };
        found.extend(
            rows.into_iter()
                .filter_map(|row| row.cluster.map(|cluster| (row.hash, cluster))),
        );
    }
    Ok(found)
}

/// Groups new comments with stored comments of the same normalised text
/// (`hashes`: the new comments' text hashes): every comment of such a
/// group without a cluster joins the group's cluster, or, where none has
/// one, the cluster named by its lowest id. Intake calls this so exact
/// duplicates (form letters) are grouped the moment they arrive; near
/// duplicates wait for the next re-clustering. One statement per
/// 500 hashes, whose cost grows with the comments it places,
/// not with the size of their groups. Returns the comments placed.
pub fn join_exact(
    conn: &mut DbConnection,
    document_id: i64,
    hashes: &[&str],
) -> QueryResult<usize> {
    let mut placed = 0;
    for chunk in hashes.chunks(HASH_BATCH) {
        placed += match conn {
            DbConnection::Postgres(c) => diesel::sql_query(join_exact_pg())
                .bind::<BigInt, _>(document_id)
                .bind::<Array<Text>, _>(chunk.to_vec())
                .execute(c)?,
            DbConnection::Sqlite(c) => {
                let mut query = diesel::sql_query(join_exact_sqlite(chunk.len()))
                    .into_boxed::<diesel::sqlite::Sqlite>()
                    .bind::<BigInt, _>(document_id);
                for hash in chunk {
                    query = query.bind::<Text, _>(*hash);
                }
                query.execute(c)?
            }
        };
    }
    Ok(placed)
}

/// Places the stored comments still without a cluster whose texts a new
/// submission brought again, each pair being a text and the cluster its
/// new comments were inserted with ([`stored_clusters`]): what
/// [`join_exact`] would give them, known already, so no group is read
/// again. Call within the submission's transaction. Returns the comments
/// placed.
pub fn join_known(
    conn: &mut DbConnection,
    document_id: i64,
    known: &[(&str, i64)],
) -> QueryResult<usize> {
    let mut placed = 0;
    for chunk in known.chunks(HASH_BATCH) {
        placed += match conn {
            // Each text's members without a cluster by the index, then the
            // update by primary key (see `join_exact_pg`).
            DbConnection::Postgres(c) => diesel::sql_query(
                "UPDATE comments AS c SET cluster_id = t.cluster FROM (\
                 SELECT j.id, v.cluster FROM unnest($2::text[], $3::bigint[]) AS v(hash, cluster) \
                 CROSS JOIN LATERAL (SELECT m.id FROM comments AS m WHERE m.document_id = $1 \
                 AND m.text_hash = v.hash AND m.cluster_id IS NULL OFFSET 0) AS j\
                 ) AS t WHERE c.id = t.id",
            )
            .bind::<BigInt, _>(document_id)
            .bind::<Array<Text>, _>(chunk.iter().map(|(hash, _)| *hash).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(chunk.iter().map(|(_, id)| *id).collect::<Vec<_>>())
            .execute(c)?,
            DbConnection::Sqlite(c) => {
                let sql = format!(
                    "UPDATE comments SET cluster_id = CASE text_hash {} END \
                     WHERE document_id = ? AND cluster_id IS NULL AND text_hash IN ({})",
                    vec!["WHEN ? THEN ?"; chunk.len()].join(" "),
                    vec!["?"; chunk.len()].join(", ")
                );
                let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
                for (hash, cluster) in chunk {
                    query = query.bind::<Text, _>(*hash).bind::<BigInt, _>(*cluster);
                }
                query = query.bind::<BigInt, _>(document_id);
                for (hash, _) in chunk {
                    query = query.bind::<Text, _>(*hash);
                }
                query.execute(c)?
            }
        };
    }
    Ok(placed)
}

/// A comment's new text hash and cluster.
#[derive(Clone, Debug)]
pub struct Placed {
    pub id: i64,
    pub text_hash: String,
    pub cluster_id: Option<i64>,
}

/// Rows per UPDATE: five parameters each stays under SQLite's 32,766.
const WRITE_BATCH: usize = 500;

/// One `UPDATE … SET text_hash = CASE id …, cluster_id = CASE id … WHERE id
/// IN (…)` over a concrete connection; `$mark(n)` writes the n-th (1-based)
/// placeholder.
macro_rules! update_batch {
    ($conn:expr, $backend:ty, $chunk:expr, $mark:expr) => {{
        let chunk: &[Placed] = $chunk;
        let mark = $mark;
        let mut n = 0;
        let mut next = || {
            n += 1;
            mark(n)
        };
        let mut sql = String::from("UPDATE comments SET text_hash = CASE id");
        for _ in chunk {
            let (id, hash) = (next(), next());
            sql.push_str(&format!(
                " WHEN CAST({id} AS BIGINT) THEN CAST({hash} AS TEXT)"
            ));
        }
        sql.push_str(" END, cluster_id = CASE id");
        for _ in chunk {
            let (id, cluster) = (next(), next());
            sql.push_str(&format!(
                " WHEN CAST({id} AS BIGINT) THEN CAST({cluster} AS BIGINT)"
            ));
        }
        sql.push_str(" END WHERE id IN (");
        let ids: Vec<String> = chunk.iter().map(|_| next()).collect();
        sql.push_str(&ids.join(", "));
        sql.push(')');
        let mut query = diesel::sql_query(sql).into_boxed::<$backend>();
        for row in chunk {
            query = query
                .bind::<BigInt, _>(row.id)
                .bind::<Text, _>(row.text_hash.clone());
        }
        for row in chunk {
            query = query
                .bind::<BigInt, _>(row.id)
                .bind::<Nullable<BigInt>, _>(row.cluster_id);
        }
        for row in chunk {
            query = query.bind::<BigInt, _>(row.id);
        }
        query.execute($conn)?
    }};
}

/// Writes text hashes and clusters, [`WRITE_BATCH`] rows per statement
/// (`CASE id WHEN … THEN …`, which both back ends run). Versions are not
/// bumped: clusters are derived data, not an editor's change.
pub fn write(conn: &mut DbConnection, rows: &[Placed]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(WRITE_BATCH) {
        written += match conn {
            DbConnection::Sqlite(c) => {
                update_batch!(c, diesel::sqlite::Sqlite, chunk, |_| "?".to_owned())
            }
            DbConnection::Postgres(c) => {
                update_batch!(c, diesel::pg::Pg, chunk, |n: usize| format!("${n}"))
            }
        };
    }
    Ok(written)
}

/// A cluster: its id (lowest member), size, and how many members have a
/// disposition.
#[derive(Clone, Debug, Queryable)]
pub struct ClusterSize {
    pub cluster_id: Option<i64>,
    pub size: i64,
    pub answered: i64,
}

/// A document's clusters of two or more comments, largest first, at most
/// `limit`; and how many there are.
pub fn list(
    conn: &mut DbConnection,
    document_id: i64,
    limit: i64,
) -> QueryResult<(Vec<ClusterSize>, i64)> {
    super::read_snapshot(conn, |conn| list_in_snapshot(conn, document_id, limit))
}

fn list_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
    limit: i64,
) -> QueryResult<(Vec<ClusterSize>, i64)> {
    use diesel::dsl::{count, count_star};
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    let found = comments::table
        .filter(comments::document_id.eq(document_id))
        .filter(comments::submission_id.ne_all(&hidden))
        .filter(comments::cluster_id.is_not_null())
        .group_by(comments::cluster_id)
        .having(count_star().gt(1))
        .order_by((count_star().desc(), comments::cluster_id.asc()))
        .limit(limit)
        .select((
            comments::cluster_id,
            count_star(),
            count(comments::disposition),
        ))
        .load(conn)?;
    let total = comments::table
        .filter(comments::document_id.eq(document_id))
        .filter(comments::submission_id.ne_all(&hidden))
        .filter(comments::cluster_id.is_not_null())
        .select(comments::cluster_id)
        .distinct()
        .count()
        .get_result(conn)?;
    Ok((found, total))
}

/// What the clusters page shows of a member.
#[derive(Clone, Debug, Queryable)]
pub struct Member {
    pub id: i64,
    pub version: i32,
    pub tracking_number: String,
    pub disposition: Option<String>,
    pub submitter_name: String,
    pub organization: String,
}

/// Up to `limit` members of a cluster: those without a disposition first,
/// then the others, each in id order.
pub fn members(
    conn: &mut DbConnection,
    document_id: i64,
    cluster_id: i64,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let query = || {
        comments::table
            .inner_join(submissions::table)
            .filter(submissions::arriving.eq(false))
            .filter(comments::document_id.eq(document_id))
            .filter(comments::cluster_id.eq(cluster_id))
            .order(comments::id)
            .select((
                comments::id,
                comments::version,
                comments::tracking_number,
                comments::disposition,
                submissions::submitter_name,
                submissions::organization,
            ))
    };
    let mut out: Vec<Member> = query()
        .filter(comments::disposition.is_null())
        .limit(limit)
        .load(conn)?;
    let room = limit - i64::try_from(out.len()).unwrap_or(limit);
    if room > 0 {
        out.extend(
            query()
                .filter(comments::disposition.is_not_null())
                .limit(room)
                .load::<Member>(conn)?,
        );
    }
    Ok(out)
}

/// A comment's text (the cluster's first member, for its excerpt).
pub fn body(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    comments::table.find(id).select(comments::body).first(conn)
}
