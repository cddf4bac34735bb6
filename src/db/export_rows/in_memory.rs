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

use diesel::Queryable;

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

/// What an [`ExportRow`] holds of a submission, read once for all of its
/// comments in a stretch of the export ([`Submitters`]).
#[derive(Clone, Debug, Queryable)]
pub struct Submitter {
    tracking_number: String,
    name: String,
    organization: String,
    email: Option<String>,
    file_name: Option<String>,
}

impl Submitter {
    /// Overwrites `row`'s submission fields, keeping their buffers.
    fn fill(&self, row: &mut ExportRow) {
        row.submission_tracking.clone_from(&self.tracking_number);
        row.submitter_name.clone_from(&self.name);
        row.submitter_organization.clone_from(&self.organization);
        row.submitter_email.clone_from(&self.email);
        row.file_name.clone_from(&self.file_name);
    }
}

/// How many submissions [`Submitters`] keeps; past it, it starts again.
/// A few hundred bytes each: about a megabyte.
pub const SUBMITTERS: usize = 4096;

/// The submissions of the comments read so far, by id, so that a row read
/// by id is one look-up in the comments table instead of three (the
/// submission and its file besides). A document has far fewer submissions
/// than comments, except a mass campaign's, so the map is capped and
/// emptied when full.
#[derive(Default)]
pub struct Submitters(HashMap<i64, Submitter>);

impl Submitters {
    /// The submissions of `read` not yet known, to be read (`submitters!`)
    /// and [`add`](Self::add)ed before [`send`](Self::send).
    pub fn missing(&mut self, read: &[ById]) -> Vec<i64> {
        let missing = |known: &HashMap<i64, Submitter>| {
            let mut ids: Vec<i64> = read
                .iter()
                .map(|r| r.submission)
                .filter(|s| !known.contains_key(s))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let ids = missing(&self.0);
        if self.0.len() + ids.len() <= SUBMITTERS {
            return ids;
        }
        self.0.clear();
        missing(&self.0)
    }

    pub fn add(&mut self, found: Vec<(i64, Submitter)>) {
        self.0.extend(found);
    }

    /// Sends the rows of `read` (a batch read by id, in any order) to
    /// `sink` in the order of `ids`, each with its submission's fields; a
    /// row whose id is not asked for, or whose submission is not known, is
    /// dropped; an id with no row is skipped. Returns how many were sent.
    pub fn send<E>(
        &self,
        ids: &[i64],
        read: &mut Vec<ById>,
        sink: &mut impl RowSink<E>,
    ) -> Result<usize, E> {
        let place: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut placed: Vec<(usize, Box<ExportRow>)> = read
            .drain(..)
            .filter_map(
                |ById {
                     id,
                     submission,
                     mut row,
                 }| {
                    let at = *place.get(&id)?;
                    self.0.get(&submission)?.fill(&mut row);
                    Some((at, row))
                },
            )
            .collect();
        placed.sort_unstable_by_key(|(at, _)| *at);
        let count = placed.len();
        for (_, row) in placed {
            sink.row(row)?;
        }
        Ok(count)
    }
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
/// in no particular order ([`Submitters::send`] sends them in the
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

/// The submissions of `ids`, each with its id: what an [`ExportRow`]
/// holds of them ([`Submitter`]).
macro_rules! submitters {
    ($ids:expr) => {
        submissions::table
            .left_join(submission_files::table)
            .filter(submissions::id.eq_any($ids))
            .select((submissions::id, submitter_columns!()))
    };
}
pub(super) use submitters;

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

    fn submitter(tracking: &str) -> Submitter {
        Submitter {
            tracking_number: tracking.to_owned(),
            name: format!("{tracking} name"),
            organization: format!("{tracking} organization"),
            email: Some(format!("{tracking}@example.org")),
            file_name: None,
        }
    }

    fn by_id(id: i64, submission: i64) -> ById {
        let mut row = super::super::fields::blank();
        row.comment.tracking_number = format!("comment {id}");
        // What the row held before it was spared, to be overwritten.
        row.file_name = Some("an earlier row's file".to_owned());
        ById {
            id,
            submission,
            row,
        }
    }

    #[test]
    fn submitters_are_read_once_each_until_the_map_is_full() {
        let mut known = Submitters::default();
        let read = vec![by_id(1, 7), by_id(2, 5), by_id(3, 7)];
        assert_eq!(known.missing(&read), vec![5, 7]);
        known.add(vec![(5, submitter("S5")), (7, submitter("S7"))]);
        assert!(known.missing(&read).is_empty());

        // Full: the map starts again, and asks for all of the batch's.
        let more: Vec<(i64, Submitter)> = (100..)
            .take(SUBMITTERS - 2)
            .map(|id| (id, submitter("more")))
            .collect();
        known.add(more);
        assert_eq!(known.0.len(), SUBMITTERS);
        assert_eq!(known.missing(&[by_id(4, 9), by_id(5, 5)]), vec![5, 9]);
        assert!(known.0.is_empty());
    }

    #[test]
    fn rows_go_out_in_the_batch_order_with_their_submission() {
        let mut known = Submitters::default();
        known.add(vec![(5, submitter("S5")), (7, submitter("S7"))]);
        // Read in id order; one not asked for, one of an unknown
        // submission, and an id asked for that no row answers.
        let mut read = vec![
            by_id(1, 7),
            by_id(2, 5),
            by_id(3, 7),
            by_id(4, 8),
            by_id(9, 5),
        ];
        let mut sent = Vec::new();
        let count = known
            .send(&[3, 1, 6, 4, 2], &mut read, &mut |row: Box<ExportRow>| {
                sent.push(*row);
                Ok::<_, ()>(())
            })
            .unwrap();
        assert!(read.is_empty());
        assert_eq!(count, 3);
        let got: Vec<(&str, &str, Option<&str>)> = sent
            .iter()
            .map(|r| {
                (
                    r.comment.tracking_number.as_str(),
                    r.submission_tracking.as_str(),
                    r.file_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("comment 3", "S7", None),
                ("comment 1", "S7", None),
                ("comment 2", "S5", None),
            ]
        );
        assert_eq!(sent[2].submitter_name, "S5 name");
        assert_eq!(sent[2].submitter_organization, "S5 organization");
        assert_eq!(sent[2].submitter_email.as_deref(), Some("S5@example.org"));
    }

    #[test]
    fn a_key_is_small() {
        assert_eq!(KEY_BYTES, 32);
    }
}
