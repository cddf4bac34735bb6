//! How far the triage of a document has come: comment counts per section
//! (status, type, and what still needs a hand), for the dashboard.
//!
//! The counts are kept, not computed: `section_tallies` (migration 000007)
//! holds a row per document and section (0: General), kept in step by
//! triggers on `comments`, so the dashboard reads a few hundred rows instead
//! of grouping a million comments. SQLite has row triggers; PostgreSQL one
//! function behind three statement-level triggers, which upserts each
//! changed group once and in key order, so two writers never deadlock on
//! them. The triggers skip arriving submissions, which [`count_submission`]
//! counts once, as they arrive. [`recount`] is the grouped query the tests
//! hold the tallies to.

use std::ops::AddAssign;

use diesel::dsl::{case_when, count, count_star};
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::DbConnection;
use super::schema::{comments, section_tallies};

/// The comments of one group (a section, General, or a sum of groups),
/// counted every way the dashboard shows them. The statuses add up to
/// `total`; so do the five types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Queryable)]
pub struct Counts {
    pub total: i64,
    pub new: i64,
    pub in_review: i64,
    pub resolved: i64,
    pub published: i64,
    pub withdrawn: i64,
    pub editorial: i64,
    pub general: i64,
    pub technical: i64,
    pub other: i64,
    /// No type given (the column is NULL).
    pub untyped: i64,
    /// No one assigned.
    pub unassigned: i64,
    /// Tagging noted that the signals disagree.
    pub conflicts: i64,
    /// Marked as a duplicate of another comment.
    pub duplicates: i64,
    /// The section named was not found (`tag_source = 'none'`).
    pub unresolved: i64,
}

impl Counts {
    /// Answered: resolved or already published.
    pub fn done(&self) -> i64 {
        self.resolved + self.published
    }

    /// What needs an answer at all: withdrawn comments do not.
    pub fn of(&self) -> i64 {
        self.total - self.withdrawn
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Self) {
        self.total += o.total;
        self.new += o.new;
        self.in_review += o.in_review;
        self.resolved += o.resolved;
        self.published += o.published;
        self.withdrawn += o.withdrawn;
        self.editorial += o.editorial;
        self.general += o.general;
        self.technical += o.technical;
        self.other += o.other;
        self.untyped += o.untyped;
        self.unassigned += o.unassigned;
        self.conflicts += o.conflicts;
        self.duplicates += o.duplicates;
        self.unresolved += o.unresolved;
    }
}

/// `COUNT(CASE WHEN cond THEN 1 END)`: the rows of the group where `cond`
/// holds. Standard SQL, `BIGINT` on both back ends, and 0 (not NULL) for
/// none, unlike `SUM`.
macro_rules! count_if {
    ($condition:expr) => {
        count(case_when::<_, _, Integer>($condition, 1))
    };
}

/// A document's comments counted per section (`None`: General or not
/// tagged), read from `section_tallies`, which triggers keep in step with
/// every insert, update and delete of a comment (migration 000007). Only
/// sections with comments appear.
pub fn by_section(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<Vec<(Option<i64>, Counts)>> {
    use section_tallies as t;
    let rows: Vec<(i64, Counts)> = t::table
        .filter(t::document_id.eq(document_id))
        .filter(t::total.gt(0))
        .order(t::section_key)
        .select((
            t::section_key,
            (
                t::total,
                t::new,
                t::in_review,
                t::resolved,
                t::published,
                t::withdrawn,
                t::editorial,
                t::general,
                t::technical,
                t::other,
                t::untyped,
                t::unassigned,
                t::conflicts,
                t::duplicates,
                t::unresolved,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(key, counts)| ((key != 0).then_some(key), counts))
        .collect())
}

/// The same counts as [`by_section`], grouped from the comments themselves
/// in one aggregate query: the reference the tallies are checked against.
///
/// `WHERE document_id = ? GROUP BY section_id` reads `comments_queue_idx`
/// (document, section, status, type, page, line) in order; the other
/// columns come from the table rows.
pub fn recount(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<Vec<(Option<i64>, Counts)>> {
    super::read_snapshot(conn, |conn| recount_in_snapshot(conn, document_id))
}

fn recount_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<Vec<(Option<i64>, Counts)>> {
    use comments::{assignee_id, comment_type, duplicate_of_id, status, tag_conflict, tag_source};
    // Arriving submissions are not counted until they arrive.
    let hidden = super::submissions::arriving_in(conn, document_id)?;
    comments::table
        .filter(comments::document_id.eq(document_id))
        .filter(comments::submission_id.ne_all(hidden))
        .group_by(comments::section_id)
        .order(comments::section_id)
        .select((
            comments::section_id,
            (
                count_star(),
                count_if!(status.eq("new")),
                count_if!(status.eq("in_review")),
                count_if!(status.eq("resolved")),
                count_if!(status.eq("published")),
                count_if!(status.eq("withdrawn")),
                count_if!(comment_type.eq("editorial")),
                count_if!(comment_type.eq("general")),
                count_if!(comment_type.eq("technical")),
                count_if!(comment_type.eq("other")),
                count_if!(comment_type.is_null()),
                count_if!(assignee_id.is_null()),
                count_if!(tag_conflict.is_not_null()),
                count_if!(duplicate_of_id.is_not_null()),
                count_if!(tag_source.eq("none")),
            ),
        ))
        .load(conn)
}

/// Counts an arriving submission's comments into the tallies as it
/// arrives (in the transaction that makes it visible): the tally triggers
/// skip the comments of arriving submissions (migration 000017), so the
/// tally rows are touched once per section, not at every batch.
pub fn count_submission(conn: &mut DbConnection, submission_id: i64) -> QueryResult<()> {
    diesel::sql_query(COUNT_SUBMISSION)
        .bind::<diesel::sql_types::BigInt, _>(submission_id)
        .execute(conn)?;
    Ok(())
}

/// The insert trigger's upsert (migration 000007), over one submission's
/// comments instead of the statement's new rows.
const COUNT_SUBMISSION: &str =
    "INSERT INTO section_tallies (document_id, section_key, total, new, \
    in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, \
    unassigned, conflicts, duplicates, unresolved)
SELECT document_id, COALESCE(section_id, 0), COUNT(*),
    COUNT(*) FILTER (WHERE status = 'new'),
    COUNT(*) FILTER (WHERE status = 'in_review'),
    COUNT(*) FILTER (WHERE status = 'resolved'),
    COUNT(*) FILTER (WHERE status = 'published'),
    COUNT(*) FILTER (WHERE status = 'withdrawn'),
    COUNT(*) FILTER (WHERE comment_type = 'editorial'),
    COUNT(*) FILTER (WHERE comment_type = 'general'),
    COUNT(*) FILTER (WHERE comment_type = 'technical'),
    COUNT(*) FILTER (WHERE comment_type = 'other'),
    COUNT(*) FILTER (WHERE comment_type IS NULL),
    COUNT(*) FILTER (WHERE assignee_id IS NULL),
    COUNT(*) FILTER (WHERE tag_conflict IS NOT NULL),
    COUNT(*) FILTER (WHERE duplicate_of_id IS NOT NULL),
    COUNT(*) FILTER (WHERE tag_source = 'none')
FROM comments WHERE submission_id = $1
GROUP BY document_id, COALESCE(section_id, 0)
ORDER BY 1, 2
ON CONFLICT (document_id, section_key) DO UPDATE SET
    total = section_tallies.total + excluded.total,
    new = section_tallies.new + excluded.new,
    in_review = section_tallies.in_review + excluded.in_review,
    resolved = section_tallies.resolved + excluded.resolved,
    published = section_tallies.published + excluded.published,
    withdrawn = section_tallies.withdrawn + excluded.withdrawn,
    editorial = section_tallies.editorial + excluded.editorial,
    general = section_tallies.general + excluded.general,
    technical = section_tallies.technical + excluded.technical,
    other = section_tallies.other + excluded.other,
    untyped = section_tallies.untyped + excluded.untyped,
    unassigned = section_tallies.unassigned + excluded.unassigned,
    conflicts = section_tallies.conflicts + excluded.conflicts,
    duplicates = section_tallies.duplicates + excluded.duplicates,
    unresolved = section_tallies.unresolved + excluded.unresolved";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_excludes_withdrawn_from_what_is_left() {
        let mut sum = Counts {
            total: 5,
            new: 1,
            resolved: 2,
            published: 1,
            withdrawn: 1,
            ..Counts::default()
        };
        assert_eq!((sum.done(), sum.of()), (3, 4));
        sum += Counts {
            total: 2,
            in_review: 2,
            unassigned: 2,
            ..Counts::default()
        };
        assert_eq!((sum.total, sum.in_review, sum.unassigned), (7, 2, 2));
        assert_eq!((sum.done(), sum.of()), (3, 6));
        assert_eq!(Counts::default().of(), 0);
    }
}
