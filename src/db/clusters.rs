//! Clusters of duplicate and near-duplicate comments: read the texts,
//! write the results, list the clusters.
//!
//! `comments.text_hash` is the normalised text's SHA-256, and
//! `comments.cluster_id` the id of the cluster's first member (its lowest,
//! but for comments placed late: see below). A comment alone is a
//! cluster of one, under its own id, so a later copy of its text joins it
//! without rewriting it: re-importing a campaign's texts updates no stored
//! row. It is `NULL` for a text that never clusters (one that normalises to
//! nothing), and for comments whose cluster is not known yet (stored by an
//! older version, or left when the submission holding their cluster was
//! removed) until intake or the next re-clustering pass places them. Pages
//! show clusters of two or more only.

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

/// Hashes per statement of [`stored_clusters`] and [`join_known`]
/// (SQLite allows 32,766 parameters; PostgreSQL takes arrays).
const HASH_BATCH: usize = 500;

/// A stored text's cluster, as [`stored_clusters`] reads it.
#[derive(QueryableByName)]
struct StoredGroup {
    #[diesel(sql_type = Text)]
    hash: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    cluster: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    unclustered: Option<i64>,
}

/// `SELECT` per text of a `VALUES` list (`$mark(n)`: the n-th placeholder,
/// the first being the document): the group's lowest cluster, and its
/// lowest member without one. Each is the first entry of
/// `comments_text_hash_idx` (document, text, cluster) on its side of the
/// NULLs. Over a concrete connection.
macro_rules! stored_groups {
    ($conn:expr, $backend:ty, $document_id:expr, $hidden:expr, $chunk:expr, $mark:expr) => {{
        let chunk: &[&str] = $chunk;
        let mark = $mark;
        let doc = mark(1);
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", mark(i + 2)))
            .collect();
        let sql = format!(
            "SELECT h.column1 AS hash, \
             (SELECT m.cluster_id FROM comments AS m WHERE m.document_id = {doc} \
             AND m.text_hash = h.column1 AND m.cluster_id IS NOT NULL{hidden} \
             ORDER BY m.cluster_id LIMIT 1) AS cluster, \
             (SELECT MIN(m.id) FROM comments AS m WHERE m.document_id = {doc} \
             AND m.text_hash = h.column1 AND m.cluster_id IS NULL{hidden}) AS unclustered \
             FROM (VALUES {}) AS h",
            values.join(", "),
            hidden = $hidden,
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

/// The cluster a new comment joins when the document has its text already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    /// The group's lowest cluster, else its lowest id (the members without
    /// a cluster then join it; with one, they join it even where their ids
    /// are lower).
    pub cluster: i64,
    /// Some stored members have no cluster yet (stored before intake
    /// named every comment's cluster, or left when a submission that held
    /// their cluster was removed): [`join_known`] places them.
    pub unclustered: bool,
}

/// Of `hashes` (distinct), those the document's stored comments already
/// have, each with the cluster a new comment of that text joins. Intake
/// inserts new comments with it, so they need no update; submission
/// `storing` keeps what it learns for the rest of its turns. So the
/// comments of other submissions still arriving are left out: one removed
/// on failure would take the cluster's first member with it.
pub fn stored_clusters(
    conn: &mut DbConnection,
    document_id: i64,
    storing: i64,
    hashes: &[&str],
) -> QueryResult<std::collections::HashMap<String, Known>> {
    if hashes.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let others: Vec<String> = super::submissions::arriving_in(conn, document_id)?
        .into_iter()
        .filter(|&id| id != storing)
        .map(|id| id.to_string())
        .collect();
    // Ids read from the database: integers, written into the SQL as such.
    let hidden = if others.is_empty() {
        String::new()
    } else {
        format!(" AND m.submission_id NOT IN ({})", others.join(", "))
    };
    let mut found = std::collections::HashMap::new();
    for chunk in hashes.chunks(HASH_BATCH) {
        let rows = match conn {
            DbConnection::Sqlite(c) => stored_groups!(
                c,
                diesel::sqlite::Sqlite,
                document_id,
                &hidden,
                chunk,
                |n: usize| format!("?{n}")
            ),
            DbConnection::Postgres(c) => {
                stored_groups!(
                    c,
                    diesel::pg::Pg,
                    document_id,
                    &hidden,
                    chunk,
                    |n: usize| format!("${n}")
                )
            }
        };
        found.extend(rows.into_iter().filter_map(|row| {
            let cluster = row.cluster.or(row.unclustered)?;
            let known = Known {
                cluster,
                unclustered: row.unclustered.is_some(),
            };
            Some((row.hash, known))
        }));
    }
    Ok(found)
}

/// Places the stored comments still without a cluster whose texts a new
/// submission brought again, each pair being a text and the cluster its
/// new comments were inserted with ([`stored_clusters`]), so no group is
/// read again. Returns the comments placed.
pub fn join_known(
    conn: &mut DbConnection,
    document_id: i64,
    known: &[(&str, i64)],
) -> QueryResult<usize> {
    let mut placed = 0;
    for chunk in known.chunks(HASH_BATCH) {
        placed += match conn {
            // Each text's members without a cluster by the index, then the
            // update by primary key. `OFFSET 0` keeps the lateral subquery
            // from being flattened into a join the planner might run as a
            // scan: no plan here depends on statistics.
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

/// Writes text hashes and clusters, `WRITE_BATCH` rows per statement
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

/// A cluster: its id (its first member's), size, and how many members
/// have a disposition.
#[derive(Clone, Debug, Queryable)]
pub struct ClusterSize {
    pub cluster_id: Option<i64>,
    pub size: i64,
    pub answered: i64,
}

/// A document's clusters of two or more comments, largest first, `limit`
/// of them after the first `offset`; and how many there are.
pub fn list(
    conn: &mut DbConnection,
    document_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ClusterSize>, i64)> {
    super::read_snapshot(conn, |conn| {
        list_in_snapshot(conn, document_id, offset, limit)
    })
}

fn list_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ClusterSize>, i64)> {
    use diesel::dsl::{count, count_star};
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    // The members besides the first (`comments_cluster_members_idx`): a
    // cluster of two or more has at least one; the first is added below.
    let others = || {
        comments::table
            .filter(comments::document_id.eq(document_id))
            .filter(comments::submission_id.ne_all(&hidden))
            .filter(comments::cluster_id.ne(comments::id.nullable()))
    };
    let found: Vec<ClusterSize> = others()
        .group_by(comments::cluster_id)
        .order_by((count_star().desc(), comments::cluster_id.asc()))
        .offset(offset)
        .limit(limit)
        .select((
            comments::cluster_id,
            count_star(),
            count(comments::disposition),
        ))
        .load(conn)?;
    let total = others()
        .select(count(comments::cluster_id).aggregate_distinct())
        .get_result(conn)?;
    let ids: Vec<i64> = found.iter().filter_map(|c| c.cluster_id).collect();
    let firsts: std::collections::HashMap<i64, bool> = comments::table
        .filter(comments::id.eq_any(&ids))
        .filter(comments::cluster_id.eq(comments::id.nullable()))
        .filter(comments::submission_id.ne_all(&hidden))
        .select((comments::id, comments::disposition.is_not_null()))
        .load::<(i64, bool)>(conn)?
        .into_iter()
        .collect();
    let mut clusters: Vec<ClusterSize> = found
        .into_iter()
        .map(|mut c| {
            if let Some(answered) = c.cluster_id.and_then(|id| firsts.get(&id)) {
                c.size += 1;
                c.answered += i64::from(*answered);
            }
            c
        })
        // Without its first member (still arriving), a cluster may be one.
        .filter(|c| c.size > 1)
        .collect();
    clusters.sort_by_key(|c| (std::cmp::Reverse(c.size), c.cluster_id));
    Ok((clusters, total))
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
    pub page_raw: Option<String>,
    pub line_raw: Option<String>,
    pub suggested_change: Option<String>,
}

/// Up to `limit` members of a cluster: those without a disposition first,
/// then the others, each in id order. The first member is read by its id,
/// the others through `comments_cluster_members_idx`.
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
            .select((
                comments::id,
                comments::version,
                comments::tracking_number,
                comments::disposition,
                submissions::submitter_name,
                submissions::organization,
                comments::page_raw,
                comments::line_raw,
                comments::suggested_change,
            ))
    };
    let mut first: Option<Member> = query()
        .filter(comments::id.eq(cluster_id))
        .first(conn)
        .optional()?;
    let others = || {
        query()
            .filter(comments::cluster_id.ne(comments::id.nullable()))
            .order(comments::id)
    };
    let mut out: Vec<Member> = Vec::new();
    // The first member, whose id is the lowest, heads its group.
    for answered in [false, true] {
        out.extend(first.take_if(|m| m.disposition.is_some() == answered));
        let room = limit - i64::try_from(out.len()).unwrap_or(limit);
        if room <= 0 {
            break;
        }
        let more: Vec<Member> = if answered {
            let answered = others().filter(comments::disposition.is_not_null());
            answered.limit(room).load(conn)?
        } else {
            let open = others().filter(comments::disposition.is_null());
            open.limit(room).load(conn)?
        };
        out.extend(more);
    }
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// A comment's text (the cluster's first member, for its excerpt).
pub fn body(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    comments::table.find(id).select(comments::body).first(conn)
}
