//! Each submission's fields, read once for all of its comments.
//!
//! A disposition table repeats the submission's tracking number,
//! submitter, organisation, e-mail address and file name on every row of
//! its comments. Read with each comment, they are joined in, carried
//! through the database's sort and sent once a comment; read once a
//! submission, they are copied into each row here (`clone_from`, which
//! keeps the row's buffers). Rows read by id (`in_memory`) learn their
//! submissions a batch at a time ([`Submitters::missing`]); PostgreSQL's
//! COPY (`copy`) holds all of a document's before it starts, where they
//! are few enough ([`Submitters::all`]).

use std::collections::HashMap;

use diesel::Queryable;
use diesel::result::QueryResult;

use super::fields::broken;
use super::in_memory::ById;
use super::{ExportRow, RowSink};

/// What an [`ExportRow`] holds of a submission.
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

/// How many submissions [`Submitters`] holds: a few hundred bytes each,
/// about a megabyte. Rows read by id start again past it; a COPY holds
/// all of a document's submissions, or reads them with each row.
pub const SUBMITTERS: usize = 4096;

/// Submissions by id: those of the comments read by id so far (so that a
/// row read by id is one look-up in the comments table instead of three,
/// the submission and its file besides), or all of a document's for its
/// COPY. A document has far fewer submissions than comments, except a
/// mass campaign's, so the map is capped ([`SUBMITTERS`]).
#[derive(Default)]
pub struct Submitters(HashMap<i64, Submitter>);

impl Submitters {
    /// All of a document's submissions (`of_document!`, which reads at
    /// most `limit + 1`), or `None` when there are more than `limit`.
    pub fn all(found: Vec<(i64, Submitter)>, limit: usize) -> Option<Self> {
        (found.len() <= limit).then(|| Self(found.into_iter().collect()))
    }

    /// Overwrites `row`'s submission fields with those of `submission`,
    /// which must be known: a COPY's comments are all of the document
    /// whose submissions are held.
    pub fn fill(&self, submission: i64, row: &mut ExportRow) -> QueryResult<()> {
        let known = self.0.get(&submission).ok_or_else(|| {
            broken(format!(
                "a comment's submission ({submission}) is not one of its document's"
            ))
        })?;
        known.fill(row);
        Ok(())
    }

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

/// All of `$document_id`'s submissions, each with its id, but at most
/// `$limit + 1` of them (one more tells that there are too many to hold).
macro_rules! of_document {
    ($document_id:expr, $limit:expr) => {
        submissions::table
            .left_join(submission_files::table)
            .filter(submissions::document_id.eq($document_id))
            .select((submissions::id, submitter_columns!()))
            .limit(i64::try_from($limit).unwrap_or(i64::MAX - 1) + 1)
    };
}
pub(super) use of_document;

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_document_s_submissions_are_held_up_to_the_limit() {
        let found = || vec![(5, submitter("S5")), (7, submitter("S7"))];
        assert!(Submitters::all(found(), 1).is_none());
        let known = Submitters::all(found(), 2).unwrap();
        let mut row = super::super::fields::blank();
        known.fill(7, &mut row).unwrap();
        assert_eq!(row.submission_tracking, "S7");
        assert_eq!(row.submitter_email.as_deref(), Some("S7@example.org"));
        let error = known.fill(6, &mut row).unwrap_err().to_string();
        assert!(
            error.contains("submission (6) is not one of its document's"),
            "{error}"
        );
    }
}
