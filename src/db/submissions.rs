//! Submissions (one act of commenting) and the original files they came with.
//!
//! The original bytes live in `submission_files`, a table of their own, so
//! listing submissions never loads them. A submission still being stored is
//! `arriving`: every reader leaves its comments out (asking [`arriving_in`]
//! first), and `received_at` is its sign of life until it arrives, by which
//! a sweep tells an abandoned one (`crate::submissions::sweep_abandoned`).
//! `reply_claimed_at` and `reply_sent_at` keep two instances from both
//! mailing a submitter their replies (`jobs::reply_mail`).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{comments, submission_files, submissions};
use crate::domain::{Channel, TriageStatus};

/// `Debug` is written by hand: it leaves out the e-mail address.
#[derive(Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = submissions)]
pub struct Submission {
    pub id: i64,
    pub document_id: i64,
    pub seq: i32,
    /// `NISTIR-8200-0042`: document prefix and `seq`.
    pub tracking_number: String,
    #[diesel(deserialize_as = String)]
    pub channel: Channel,
    pub submitter_name: String,
    pub organization: String,
    /// Never shown on public pages nor written to logs.
    pub email: Option<String>,
    /// SHA-256 of the original file, to recognise the same file sent twice.
    pub sha256: Option<String>,
    /// Title-row metadata of the template (`Organization:`, `Date:` …) as JSON.
    pub metadata_json: String,
    /// The intake report (warnings per row) as JSON.
    pub report_json: String,
    pub late: bool,
    pub withdrawn_at: Option<PrimitiveDateTime>,
    pub received_at: PrimitiveDateTime,
    /// When the submitter was e-mailed their replies (`NULL`: not yet), so
    /// no one is mailed twice.
    pub reply_sent_at: Option<PrimitiveDateTime>,
    /// When a run took the sending of that reply on (see `claim_reply`).
    pub reply_claimed_at: Option<PrimitiveDateTime>,
    /// Still being stored (a large submission, in several transactions):
    /// hidden from every reader until its last transaction clears it.
    pub arriving: bool,
}

#[derive(Insertable)]
#[diesel(table_name = submissions)]
pub struct NewSubmission<'a> {
    pub document_id: i64,
    pub seq: i32,
    pub tracking_number: &'a str,
    #[diesel(serialize_as = String)]
    pub channel: Channel,
    pub submitter_name: &'a str,
    pub organization: &'a str,
    pub email: Option<&'a str>,
    pub sha256: Option<&'a str>,
    pub metadata_json: &'a str,
    pub report_json: &'a str,
    pub late: bool,
    pub received_at: PrimitiveDateTime,
    pub arriving: bool,
}

/// The uploaded file, byte for byte. Kept in its own table so listing
/// submissions never drags the bytes along.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = submission_files)]
pub struct SubmissionFile {
    pub submission_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// `PREFIX-0042`: four digits at least, more when a document outgrows them.
pub fn tracking_number(prefix: &str, seq: i32) -> String {
    format!("{prefix}-{seq:04}")
}

pub fn insert(conn: &mut DbConnection, new: NewSubmission<'_>) -> QueryResult<Submission> {
    diesel::insert_into(submissions::table)
        .values(new)
        .returning(submissions::all_columns)
        .get_result(conn)
}

pub fn insert_file(conn: &mut DbConnection, file: &SubmissionFile) -> QueryResult<usize> {
    diesel::insert_into(submission_files::table)
        .values(file)
        .execute(conn)
}

/// A submission by id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Submission> {
    submissions::table
        .find(id)
        .select(Submission::as_select())
        .first(conn)
}

pub fn find_by_tracking_number(conn: &mut DbConnection, tracking: &str) -> QueryResult<Submission> {
    submissions::table
        .filter(submissions::tracking_number.eq(tracking))
        .select(Submission::as_select())
        .first(conn)
}

/// The submissions of a document still arriving: stored in part, in
/// short transactions, and hidden until their last one (see
/// `crate::submissions::store`). Nearly always none, so readers ask for
/// these first and filter only when there are some: a filter on every
/// comment's submission would cost the queue its index-only reads.
pub fn arriving_in(conn: &mut DbConnection, document_id: i64) -> QueryResult<Vec<i64>> {
    submissions::table
        .filter(submissions::arriving)
        .filter(submissions::document_id.eq(document_id))
        .select(submissions::id)
        .load(conn)
}

/// Marks an arriving submission as still being stored, at `now`, so a
/// sweep does not take it for abandoned (`received_at` is set again when
/// it arrives).
pub fn still_arriving(conn: &mut DbConnection, id: i64, now: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(submissions::table.find(id).filter(submissions::arriving))
        .set(submissions::received_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Makes an arriving submission visible, received at `now`. `false` when
/// it is no longer arriving: a sweep took it for abandoned and removed it
/// (on PostgreSQL this waits for such a sweep to commit).
pub fn arrived(conn: &mut DbConnection, id: i64, now: PrimitiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(submissions::table.find(id).filter(submissions::arriving))
        .set((
            submissions::arriving.eq(false),
            submissions::received_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Removes a submission that never arrived, with all it stored;
/// `silent_since`: only if it gave no sign of life since then (a sweep).
/// Returns whether it was removed: `false` when it arrived meanwhile, or
/// spoke up. Its number is not given back: a second copy of the file may
/// have been told it ("already received"). Clusters that took one of its
/// comments as their id lose it, and the document is re-clustered.
///
/// The submission's row is written first, which on PostgreSQL waits for
/// its arrival to commit (or takes the row from it), so the comments of a
/// submission that did arrive are never touched. Its comments go while it
/// still says it was arriving: the tally triggers then know they never
/// counted them.
pub fn remove_arriving(
    conn: &mut DbConnection,
    submission: &Submission,
    silent_since: Option<PrimitiveDateTime>,
) -> QueryResult<bool> {
    use super::schema::documents;
    let id = submission.id;
    let still = submissions::table.find(id).filter(submissions::arriving);
    let held = match silent_since {
        None => diesel::update(still)
            .set(submissions::arriving.eq(true))
            .execute(conn)?,
        Some(since) => diesel::update(still.filter(submissions::received_at.lt(since)))
            .set(submissions::arriving.eq(true))
            .execute(conn)?,
    };
    if held == 0 {
        return Ok(false);
    }
    // One table updated by a condition on itself: beyond diesel's DSL.
    diesel::sql_query(
        "UPDATE comments SET cluster_id = NULL WHERE document_id = $1 \
         AND submission_id <> $2 AND cluster_id <> id \
         AND cluster_id IN (SELECT id FROM comments WHERE submission_id = $2)",
    )
    .bind::<diesel::sql_types::BigInt, _>(submission.document_id)
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(conn)?;
    diesel::delete(comments::table.filter(comments::submission_id.eq(id))).execute(conn)?;
    diesel::delete(submissions::table.find(id)).execute(conn)?;
    diesel::update(documents::table.find(submission.document_id))
        .set(documents::clusters_stale.eq(true))
        .execute(conn)?;
    Ok(true)
}

/// How long an arriving submission may go without a sign of life (each
/// batch gives one, every few milliseconds) before a sweep takes it for
/// abandoned: its process died or lost the database mid-way.
pub const ABANDONED_AFTER: time::Duration = time::Duration::minutes(10);

/// The submissions still arriving but silent since before `now` less
/// [`ABANDONED_AFTER`]: the caller removes each with [`remove_arriving`],
/// which checks again.
pub fn abandoned(conn: &mut DbConnection, now: PrimitiveDateTime) -> QueryResult<Vec<Submission>> {
    submissions::table
        .filter(submissions::arriving)
        .filter(submissions::received_at.lt(now - ABANDONED_AFTER))
        .select(Submission::as_select())
        .load(conn)
}

/// An earlier submission of the same file (by SHA-256) from the same sender
/// (the same e-mail address, or none), so a second upload is not stored twice.
pub fn find_same_file(
    conn: &mut DbConnection,
    document_id: i64,
    sha256: &str,
    email: Option<&str>,
) -> QueryResult<Option<Submission>> {
    let query = submissions::table
        .filter(submissions::document_id.eq(document_id))
        .filter(submissions::sha256.eq(sha256))
        .filter(submissions::withdrawn_at.is_null())
        .select(Submission::as_select())
        .order(submissions::id)
        .into_boxed();
    let query = match email {
        Some(email) => query.filter(submissions::email.eq(email)),
        None => query.filter(submissions::email.is_null()),
    };
    query.first(conn).optional()
}

/// How many submissions a document has received.
pub fn count_for_document(conn: &mut DbConnection, document_id: i64) -> QueryResult<i64> {
    submissions::table
        .filter(submissions::document_id.eq(document_id))
        .filter(submissions::arriving.eq(false))
        .count()
        .get_result(conn)
}

/// The submissions of a document that came as a file: (id, tracking
/// number, file name), in the order they came.
pub fn with_files(
    conn: &mut DbConnection,
    document_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    submissions::table
        .inner_join(submission_files::table)
        .filter(submissions::document_id.eq(document_id))
        .filter(submissions::arriving.eq(false))
        .order(submissions::seq)
        .select((
            submissions::id,
            submissions::tracking_number,
            submission_files::file_name,
        ))
        .load(conn)
}

pub fn file(conn: &mut DbConnection, submission_id: i64) -> QueryResult<SubmissionFile> {
    submission_files::table
        .find(submission_id)
        .select(SubmissionFile::as_select())
        .first(conn)
}

/// The original file's name, without loading its bytes (`None`: typed in).
pub fn file_name(conn: &mut DbConnection, submission_id: i64) -> QueryResult<Option<String>> {
    submission_files::table
        .find(submission_id)
        .select(submission_files::file_name)
        .first(conn)
        .optional()
}

/// The submissions of a document owed an e-mail with their replies once
/// the disposition is published: an address given, not withdrawn, and at
/// least one comment published (a submission that came after publication
/// has no answers to send yet).
fn owed_replies(document_id: i64) -> submissions::BoxedQuery<'static, Backend> {
    let published = String::from(TriageStatus::Published);
    submissions::table
        .filter(submissions::document_id.eq(document_id))
        .filter(submissions::withdrawn_at.is_null())
        .filter(submissions::email.is_not_null())
        .filter(submissions::email.ne(""))
        .filter(diesel::dsl::exists(
            comments::table
                .filter(comments::submission_id.eq(submissions::id))
                .filter(comments::status.eq(published)),
        ))
        .into_boxed()
}

type Backend = <DbConnection as Connection>::Backend;

/// The submissions still owed their replies, by id in the order they
/// came: ids only, so a run over a large document holds no rows.
pub fn replies_unsent(conn: &mut DbConnection, document_id: i64) -> QueryResult<Vec<i64>> {
    owed_replies(document_id)
        .filter(submissions::reply_sent_at.is_null())
        .order(submissions::seq)
        .select(submissions::id)
        .load(conn)
}

/// (replies sent, submissions owed one in all), for the export page.
pub fn reply_counts(conn: &mut DbConnection, document_id: i64) -> QueryResult<(i64, i64)> {
    let (sent, owed) = owed_replies(document_id)
        .select((
            diesel::dsl::count(submissions::reply_sent_at),
            diesel::dsl::count_star(),
        ))
        .first(conn)?;
    Ok((sent, owed))
}

/// How long a claim on sending one reply holds: far longer than one
/// message takes (SMTP time-outs are seconds), so only a claim whose
/// instance died is taken over.
pub const REPLY_CLAIM_MINUTES: i64 = 10;

/// Takes the sending of submission `id`'s reply on, at `now`: `false`
/// when it was sent already or another run claimed it less than
/// [`REPLY_CLAIM_MINUTES`] ago. One conditional update, so of two
/// instances (or runs) only one gets `true`.
pub fn claim_reply(conn: &mut DbConnection, id: i64, now: PrimitiveDateTime) -> QueryResult<bool> {
    let stale = now - time::Duration::minutes(REPLY_CLAIM_MINUTES);
    let claimed = diesel::update(
        submissions::table
            .find(id)
            .filter(submissions::reply_sent_at.is_null())
            .filter(
                submissions::reply_claimed_at
                    .is_null()
                    .or(submissions::reply_claimed_at.lt(stale)),
            ),
    )
    .set(submissions::reply_claimed_at.eq(Some(now)))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Gives a claim up (the message could not be made or sent), so the next
/// "Send the remaining replies" tries again at once.
pub fn release_reply(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(
        submissions::table
            .find(id)
            .filter(submissions::reply_sent_at.is_null()),
    )
    .set(submissions::reply_claimed_at.eq(None::<PrimitiveDateTime>))
    .execute(conn)
}

/// Records that submission `id` was mailed its replies at `at`. `false`:
/// it was marked already (another run got there first).
pub fn mark_reply_sent(
    conn: &mut DbConnection,
    id: i64,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let marked = diesel::update(
        submissions::table
            .find(id)
            .filter(submissions::reply_sent_at.is_null()),
    )
    .set(submissions::reply_sent_at.eq(Some(at)))
    .execute(conn)?;
    Ok(marked == 1)
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("id", &self.id)
            .field("tracking_number", &self.tracking_number)
            .field("channel", &self.channel)
            .field("late", &self.late)
            .finish_non_exhaustive()
    }
}

/// Tracking number, name and organisation of each of these submissions
/// (no e-mail address: what a list of comments shows of its senders).
pub fn senders(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, String, String)>> {
    submissions::table
        .filter(submissions::id.eq_any(ids))
        .select((
            submissions::id,
            submissions::tracking_number,
            submissions::submitter_name,
            submissions::organization,
        ))
        .load(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tracking_numbers_pad_to_four_digits() {
        assert_eq!(
            super::tracking_number("NISTIR-8200", 42),
            "NISTIR-8200-0042"
        );
        assert_eq!(super::tracking_number("X", 12345), "X-12345");
    }
}
