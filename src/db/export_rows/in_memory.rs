//! The table order worked out in memory, then the rows read by id.
//!
//! Having the database sort the joined rows makes it carry every row's
//! full text through its sorter (spilling to disk past a few megabytes)
//! and answer nothing until the last row is sorted: for a million
//! comments, seconds in which a workbook's writer has nothing to do. The
//! order only needs six numbers per comment, read from the comments table
//! alone and sorted here, with the outline's positions and the
//! submissions' order, in a fraction of that time. The rows then come by
//! id, a batch at a time, while the writer works on the batch before.
//! Finding each row by id is more work in all than one sorted scan, so
//! this pays only where the writer is slow (see `TableOrder`).
//!
//! The keys take [`KEY_BYTES`] a comment, so their number is capped
//! ([`super::IN_MEMORY`]); past it the database sorts.

use std::collections::HashMap;

use super::{ExportComment, ExportRow, RowSink};

/// Comments read per statement once their order is known.
pub const FETCH: usize = 512;

/// What the table order needs of one comment, in that order: the derived
/// `Ord` is the table order (`sort_keys!`), the id last so that equal
/// keys still come out the same way every time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    /// The node's place in the outline; no node: after every node.
    position: i32,
    /// No page or line: after those that have one.
    page: i32,
    line: i32,
    /// The submission's place in the order the submissions came in.
    submission: u32,
    seq: i32,
    id: i64,
}

/// What a key takes in memory.
pub const KEY_BYTES: usize = std::mem::size_of::<Key>();

/// One comment's sort fields as stored.
pub type KeyRow = (i64, Option<i64>, Option<i32>, Option<i32>, i64, i32);

/// Where each node of the outline and each submission of the document
/// stands, for turning ids into places.
pub struct Places {
    sections: HashMap<i64, i32>,
    submissions: HashMap<i64, u32>,
}

impl Places {
    /// Builds the places from the outline's `(id, position)` pairs and the
    /// submission ids in the order they came in.
    pub fn new(sections: Vec<(i64, i32)>, submissions: Vec<i64>) -> Self {
        Self {
            sections: sections.into_iter().collect(),
            submissions: submissions
                .into_iter()
                .enumerate()
                .map(|(rank, id)| (id, u32::try_from(rank).unwrap_or(u32::MAX)))
                .collect(),
        }
    }

    fn key(&self, (id, section, page, line, submission, seq): KeyRow) -> Key {
        Key {
            position: section
                .and_then(|s| self.sections.get(&s).copied())
                .unwrap_or(i32::MAX),
            page: page.unwrap_or(i32::MAX),
            line: line.unwrap_or(i32::MAX),
            submission: self
                .submissions
                .get(&submission)
                .copied()
                .unwrap_or(u32::MAX),
            seq,
            id,
        }
    }
}

/// The keys of an export's comments as they are read, then their ids in
/// table order.
pub struct Keys<'a> {
    places: &'a Places,
    keys: Vec<Key>,
}

impl<'a> Keys<'a> {
    pub fn new(places: &'a Places) -> Self {
        Self {
            places,
            keys: Vec::new(),
        }
    }

    pub fn push(&mut self, row: KeyRow) {
        self.keys.push(self.places.key(row));
    }

    /// The ids in table order, or `None` when there are more than `limit`
    /// (the caller then has the database sort). The key query reads at
    /// most `limit + 1` rows (`key_query!`), so memory is bounded either
    /// way.
    pub fn sorted_ids(mut self, limit: usize) -> Option<Vec<i64>> {
        if self.keys.len() > limit {
            return None;
        }
        self.keys.sort_unstable();
        Some(self.keys.into_iter().map(|k| k.id).collect())
    }
}

/// A comment read by id, its submission's fields not yet filled in.
pub struct ById {
    pub id: i64,
    pub submission: i64,
    pub row: Box<ExportRow>,
}

/// The comments of `ids` read by id on PostgreSQL, where only the tests
/// order a table in memory (`export::rows::order`): loaded as diesel
/// rows, new each time, so none is taken from `_sink`'s spares.
pub fn postgres_by_id<E>(
    conn: &mut diesel::PgConnection,
    ids: &[i64],
    _sink: &mut impl RowSink<E>,
    into: &mut Vec<ById>,
) -> diesel::QueryResult<()> {
    use crate::db::schema::comments;
    use diesel::prelude::*;
    let found: Vec<(i64, i64, ExportComment)> = comments_by_id!(ids).load(conn)?;
    into.extend(found.into_iter().map(|(id, submission, comment)| {
        let mut row = super::fields::blank();
        row.comment = comment;
        ById {
            id,
            submission,
            row,
        }
    }));
    Ok(())
}

/// The comments table's columns the order needs, narrowed to the filter;
/// at most `$limit + 1` rows (one more tells that there are too many).
macro_rules! key_query {
    ($document_id:expr, $filter:expr, $limit:expr) => {{
        use $crate::db::schema::comments;
        let query = comments::table
            .filter(comments::document_id.eq($document_id))
            .into_boxed();
        narrow!(query, $filter)
            .select((
                comments::id,
                comments::section_id,
                comments::page_sort,
                comments::line_start,
                comments::submission_id,
                comments::seq,
            ))
            .limit(i64::try_from($limit).unwrap_or(i64::MAX - 1) + 1)
    }};
}
pub(super) use key_query;

/// The comments of `ids` (a batch), each with its id and its submission's,
/// in no particular order (`Submitters::send` sends them in the
/// batch's).
macro_rules! comments_by_id {
    ($ids:expr) => {
        comments::table.filter(comments::id.eq_any($ids)).select((
            comments::id,
            comments::submission_id,
            ExportComment::as_select(),
        ))
    };
}
pub(super) use comments_by_id;

/// The outline's `(id, position)` pairs of `document_id`.
macro_rules! positions {
    ($document_id:expr) => {
        $crate::db::schema::sections::table
            .filter($crate::db::schema::sections::document_id.eq($document_id))
            .select((
                $crate::db::schema::sections::id,
                $crate::db::schema::sections::position,
            ))
    };
}
pub(super) use positions;

/// The ids of `document_id`'s submissions in the order they came in.
macro_rules! arrivals {
    ($document_id:expr) => {{
        use $crate::db::schema::submissions;
        submissions::table
            .filter(submissions::document_id.eq($document_id))
            .order((submissions::received_at, submissions::seq))
            .select(submissions::id)
    }};
}
pub(super) use arrivals;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, section: Option<i64>, page: Option<i32>, sub: i64, seq: i32) -> KeyRow {
        (id, section, page, None, sub, seq)
    }

    fn sorted(
        places: &Places,
        rows: impl IntoIterator<Item = KeyRow>,
        limit: usize,
    ) -> Option<Vec<i64>> {
        let mut keys = Keys::new(places);
        rows.into_iter().for_each(|r| keys.push(r));
        keys.sorted_ids(limit)
    }

    #[test]
    fn keys_sort_as_the_table_does() {
        // Outline: section 20 comes before section 10; submission 7 came
        // before submission 5.
        let places = Places::new(vec![(10, 2), (20, 1)], vec![7, 5]);
        let rows = vec![
            row(1, None, Some(1), 5, 1),     // no node: last
            row(2, Some(10), None, 5, 2),    // no page: after pages in 10
            row(3, Some(10), Some(4), 5, 3), // later submission
            row(4, Some(10), Some(4), 7, 9), // earlier submission first
            row(5, Some(20), Some(9), 5, 4), // section 20 is first
            row(6, Some(10), Some(3), 5, 5),
        ];
        assert_eq!(sorted(&places, rows, 10), Some(vec![5, 6, 4, 3, 2, 1]));
    }

    #[test]
    fn too_many_keys_leave_the_sort_to_the_database() {
        let places = Places::new(vec![], vec![1]);
        let rows = (1..=3).map(|id| row(id, None, None, 1, 1));
        assert_eq!(sorted(&places, rows, 2), None);
        let rows = (1..=2).map(|id| row(id, None, None, 1, 1));
        assert_eq!(sorted(&places, rows, 2), Some(vec![1, 2]));
    }

    #[test]
    fn a_key_is_small() {
        assert_eq!(KEY_BYTES, 32);
    }
}
