//! Storing a submission: the one operation the CLI import, the web upload
//! and form, and the API share. Everything of one submission (the submission,
//! its original file, every comment) becomes visible at once, or not at
//! all: a small submission is written in one transaction; a large one in
//! transactions of about [`TRANSACTION_TIME`], hidden (`arriving`) until
//! its last one, so it never holds other writers up for long (see
//! [`store_then`]).
//!
//! Intake's problems are warnings; what is refused here is a submission
//! outside the comment period (editors may accept late ones). Sender
//! details left blank are taken from the template's own rows. The tracking
//! number is taken under the document's row lock, and only then is the
//! same file from the same sender looked for, so of two copies sent at
//! once the second finds the first and is told it arrived already. Each
//! comment is tagged and given its cluster as it is inserted (`insert`).

mod insert;

use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;

use crate::db::comments;
use crate::db::documents::{Document, Period};
use crate::db::submissions::{self, NewSubmission, Submission, SubmissionFile};
use crate::db::{self, DbConnection, DbError};
use crate::domain::{Channel, TagSource};
use crate::intake::Intake;
use crate::tagging::{Tag, Tagger};

/// Who sent the comments, as they said on the form or command line. Blank
/// fields are filled from the template's own rows (`Organization:` …).
#[derive(Clone, Debug, Default)]
pub struct Sender {
    pub name: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
}

/// The original file, stored byte for byte.
#[derive(Clone, Copy, Debug)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub channel: Channel,
    pub file: Option<Upload<'a>>,
    /// Accept comments outside the comment period (editors only).
    pub allow_late: bool,
    pub today: Date,
    /// How long each transaction of a large submission may hold the
    /// write lock before it commits and lets other writers in:
    /// [`TRANSACTION_TIME`]; zero commits every batch (tests watch each).
    pub transaction_time: Duration,
}

/// A large submission's transactions each store batches for about this
/// long (release build: 1,500 to 2,000 comments on SQLite) and then let
/// other writers in. Editors' saves beside an import wait at most about
/// this long, against a target of one second; each commit costs the
/// import time (its pages written again), so transactions are not shorter.
pub const TRANSACTION_TIME: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub enum Stored {
    New {
        submission: Submission,
        comments: usize,
        tags: TagSummary,
    },
    /// The same file from the same sender was stored before.
    AlreadyReceived { submission: Submission },
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the comment period closed on {0}; late comments are accepted only from editors")]
    Closed(Date),
    #[error("the comment period opens on {0}")]
    NotOpen(Date),
    #[error(
        "it was taken for abandoned while it was being stored, and removed; please send it again"
    )]
    Abandoned,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for SubmitError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// SHA-256 of the bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The longest name, organisation and e-mail address a submitter may give
/// (characters). Names are shown on pages and quoted in receipts; past these
/// lengths they are not names, and a receipt must not carry a page of text
/// to an address nobody checked.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ORGANIZATION_CHARS: usize = 300;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_CHARS: usize = 254;

/// What is too long among a submitter's name, organisation and address, in
/// words for them (empty when all fit).
pub fn sender_too_long(name: &str, organization: &str, email: &str) -> Vec<String> {
    [
        ("Your name", name, MAX_NAME_CHARS),
        ("The organisation", organization, MAX_ORGANIZATION_CHARS),
        ("The e-mail address", email, MAX_EMAIL_CHARS),
    ]
    .into_iter()
    .filter(|(_, text, limit)| text.trim().chars().count() > *limit)
    .map(|(what, text, limit)| {
        format!(
            "{what} is {} characters long; at most {limit} are taken.",
            text.trim().chars().count()
        )
    })
    .collect()
}

/// An e-mail address as stored: trimmed, lower-case; `None` when it is not
/// an address at all (templates carry placeholders such as `[REMOVED]`) or
/// longer than any address can be.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_CHARS {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '[' | ']' | ','));
    ok.then_some(email)
}

/// Checks the period, refuses nothing else: intake problems are warnings.
/// `on_batch` hears how many comments each batch stored (progress bars).
pub fn store(
    conn: &mut DbConnection,
    document: &Document,
    sender: &Sender,
    request: Request<'_>,
    intake: &Intake,
    on_batch: &mut dyn FnMut(usize),
) -> Result<Stored, SubmitError> {
    store_then(
        conn,
        document,
        sender,
        request,
        intake,
        on_batch,
        |_, _, _| Ok(()),
    )
}

/// [`store`], with `arrive` run in the transaction that makes the new
/// submission visible, with its comment count: the caller's writes that
/// must commit with it (the receipt in the mail queue, the upload marked
/// confirmed). An error from `arrive` undoes the submission.
///
/// A submission of up to [`comments::BATCH`] comments is stored in one
/// transaction. A larger one is stored in several, so that
/// editors' saves and other submissions are not held up behind it (on
/// SQLite, whose writers take turns, for the whole import): until its
/// last transaction it is `arriving`, hidden from every reader (they ask
/// `submissions::arriving_in`) and not counted in the section tallies
/// (their triggers skip it; `progress::count_submission` counts it as it
/// arrives). If a step fails, what was stored is removed again; if the
/// process dies, [`sweep_abandoned`] removes it later. Either way nobody
/// sees a submission in part.
pub fn store_then<E: From<SubmitError>>(
    conn: &mut DbConnection,
    document: &Document,
    sender: &Sender,
    request: Request<'_>,
    intake: &Intake,
    on_batch: &mut dyn FnMut(usize),
    arrive: impl FnOnce(&mut DbConnection, &Submission, usize) -> Result<(), E>,
) -> Result<Stored, E> {
    let period = document.period_on(request.today);
    let late = period == Period::Closed;
    if !request.allow_late {
        match (period, document.opens_on, document.closes_on) {
            (Period::Closed, _, Some(closes)) => return Err(SubmitError::Closed(closes).into()),
            (Period::Upcoming, Some(opens), _) => return Err(SubmitError::NotOpen(opens).into()),
            _ => {}
        }
    }
    let meta = &intake.metadata;
    let pick = |given: &Option<String>, found: &Option<String>| {
        given
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .or(found.as_deref().map(str::trim))
            .unwrap_or_default()
            .to_owned()
    };
    let name = pick(&sender.name, &meta.submitter_name);
    let organization = pick(&sender.organization, &meta.organization);
    let email = sender
        .email
        .as_deref()
        .or(meta.email.as_deref())
        .and_then(normalise_email);
    let sha = request.file.map(|f| sha256_hex(f.bytes));
    let metadata_json = serde_json::to_string(meta).unwrap_or_else(|_| "{}".to_owned());
    let report_json = report_json(intake);

    let new = NewSubmission {
        document_id: document.id,
        // Taken with the document's row lock (`begin`).
        seq: 0,
        tracking_number: "",
        channel: request.channel,
        submitter_name: &name,
        organization: &organization,
        email: email.as_deref(),
        sha256: sha.as_deref(),
        metadata_json: &metadata_json,
        report_json: &report_json,
        late,
        received_at: db::now(),
        arriving: true,
    };
    let batched = intake.comments.len() > comments::BATCH;
    let steps = |conn: &mut DbConnection| {
        let submission =
            db::write_transaction(conn, |conn| begin(conn, document, &new, request.file))?;
        let filled = fill(
            conn,
            document,
            &submission,
            (intake, request.transaction_time),
            on_batch,
            arrive,
        );
        if batched && filled.is_err() {
            remove_failed(conn, &submission);
        }
        filled
    };
    // A small submission takes one transaction, which each step's own
    // nests in: it is never seen arriving, and a failure rolls it all back.
    let stored = if batched {
        steps(conn)
    } else {
        db::write_transaction(conn, steps)
    };
    match stored {
        Ok(stored) => Ok(stored),
        Err(Attempt::AlreadyReceived(submission)) => Ok(Stored::AlreadyReceived {
            submission: *submission,
        }),
        Err(Attempt::Failed(error)) => Err(error),
    }
}

/// How often a failed submission's removal is tried before it is left to
/// the sweep: a failure is often the database being busy, and a copy left
/// arriving answers the sender's next try "already received".
const REMOVAL_TRIES: u32 = 3;

/// Removes what a large submission that failed half-way stored (in
/// transactions of their own, so a rollback cannot), trying again while
/// the database is busy; else the sweep removes it later.
fn remove_failed(conn: &mut DbConnection, submission: &Submission) {
    for attempt in 1..=REMOVAL_TRIES {
        let removed = db::write_transaction(conn, |conn| {
            submissions::remove_arriving(conn, submission, None)
        });
        match removed {
            Ok(_) => return,
            Err(error) if attempt < REMOVAL_TRIES => {
                tracing::debug!(%error, attempt, "removing a failed submission: trying again");
            }
            Err(error) => tracing::warn!(%error, tracking = %submission.tracking_number,
                "a submission that failed half-way stays hidden until the sweep removes it"),
        }
    }
}

/// Removes the submissions that a process which died (or lost its
/// database) left arriving: silent for [`submissions::ABANDONED_AFTER`].
/// Returns how many. Run at start-up and every few minutes; instances
/// that sweep at once remove each one once.
pub fn sweep_abandoned(
    conn: &mut DbConnection,
    now: time::PrimitiveDateTime,
) -> Result<usize, DbError> {
    let silent_since = now - submissions::ABANDONED_AFTER;
    let mut removed = 0;
    for submission in submissions::abandoned(conn, now)? {
        let gone = db::write_transaction(conn, |conn| {
            submissions::remove_arriving(conn, &submission, Some(silent_since))
        })?;
        if gone {
            tracing::warn!(tracking = %submission.tracking_number,
                "removed a submission whose storing stopped half-way");
            removed += 1;
        }
    }
    Ok(removed)
}

/// The first step: the submission's number and row (arriving), and its
/// file; or the earlier submission of the same file.
fn begin<E: From<SubmitError>>(
    conn: &mut DbConnection,
    document: &Document,
    new: &NewSubmission<'_>,
    file: Option<Upload<'_>>,
) -> Result<Submission, Attempt<E>> {
    // Taking the number locks the document's row first (PostgreSQL;
    // SQLite's writers are serialised already), so of two copies of a
    // file sent at once the second looks for the first only after the
    // first is committed (arriving or arrived), and finds it. Under READ
    // COMMITTED each statement sees what was committed before it began.
    let seq = db::documents::take_submission_seq(conn, document.id)?;
    if let Some(sha) = new.sha256
        && let Some(earlier) = submissions::find_same_file(conn, document.id, sha, new.email)?
    {
        // Rolled back, which gives the number back.
        return Err(Attempt::AlreadyReceived(Box::new(earlier)));
    }
    let tracking = submissions::tracking_number(&document.tracking_prefix, seq);
    let submission = submissions::insert(
        conn,
        NewSubmission {
            seq,
            tracking_number: &tracking,
            ..*new
        },
    )?;
    if let (Some(file), Some(sha)) = (file, new.sha256) {
        submissions::insert_file(
            conn,
            &SubmissionFile {
                submission_id: submission.id,
                file_name: file.file_name.to_owned(),
                content_type: file.content_type.to_owned(),
                size_bytes: file.bytes.len() as i64,
                sha256: sha.to_owned(),
                bytes: file.bytes.to_vec(),
            },
        )?;
    }
    Ok(submission)
}

/// The other steps: the comments, a batch at a time; their clusters; and
/// the submission's arrival, with the caller's `arrive`.
fn fill<E: From<SubmitError>>(
    conn: &mut DbConnection,
    document: &Document,
    submission: &Submission,
    (intake, transaction_time): (&Intake, Duration),
    on_batch: &mut dyn FnMut(usize),
    arrive: impl FnOnce(&mut DbConnection, &Submission, usize) -> Result<(), E>,
) -> Result<Stored, Attempt<E>> {
    let outline = crate::db::sections::for_document(conn, document.id)?;
    let tagger = Tagger::new(&outline);
    let owners = insert::owners_of(&outline);
    let mut tags = TagSummary::new(!tagger.is_empty());
    let stored = insert::insert_comments(
        conn,
        submission,
        (intake, transaction_time),
        (&tagger, &owners),
        &mut tags,
        on_batch,
    )?;
    let mut submission = submission.clone();
    let now = db::now();
    db::write_transaction(conn, |conn| {
        // After any outline change under way (they hold this lock), and
        // before the next: the comments are counted as they are filed.
        db::documents::lock(conn, document.id)?;
        if !submissions::arrived(conn, submission.id, now)? {
            return Err(SubmitError::Abandoned.into());
        }
        db::progress::count_submission(conn, submission.id)?;
        if crate::db::sections::for_document(conn, document.id)? != outline {
            // The outline changed while the comments came in: tagged
            // again, with every other comment of the document (counted
            // first, the tally triggers now move them as they change).
            crate::documents::retag_document(conn, document.id)?;
        }
        // A pass that ran meanwhile left the arriving comments out.
        db::documents::set_clusters_stale(conn, document.id, true)?;
        submission.arriving = false;
        submission.received_at = now;
        arrive(conn, &submission, stored).map_err(Attempt::Failed)
    })?;
    Ok(Stored::New {
        submission,
        comments: stored,
        tags,
    })
}

/// How the storing transaction ended when it did not commit.
enum Attempt<E> {
    /// The same file from the same sender is stored already.
    AlreadyReceived(Box<Submission>),
    Failed(E),
}

impl<E: From<SubmitError>> From<SubmitError> for Attempt<E> {
    fn from(error: SubmitError) -> Self {
        Self::Failed(error.into())
    }
}

impl<E: From<SubmitError>> From<diesel::result::Error> for Attempt<E> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Failed(SubmitError::from(error).into())
    }
}

/// How the comments of a submission were tagged with sections.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TagSummary {
    /// False when the document has no outline yet (nothing is tagged).
    pub outline: bool,
    /// Comments per route (`section`, `line`, `page`, `title`, `general`,
    /// `none`).
    pub by_source: std::collections::BTreeMap<&'static str, usize>,
    /// Comments whose section cell names nothing in the outline.
    pub unresolved: Vec<String>,
    /// Comments whose signals disagree: `NISTIR-8200-0003-4: the section …`.
    pub conflicts: Vec<String>,
}

impl TagSummary {
    /// `40 by section, 3 by line, 2 general, 1 unresolved`.
    pub fn describe(&self) -> String {
        if !self.outline {
            return "not tagged: the document has no outline yet".to_owned();
        }
        const ORDER: [&str; 7] = [
            "section", "title", "line", "page", "manual", "general", "none",
        ];
        let mut routes: Vec<(&&str, &usize)> = self.by_source.iter().collect();
        routes.sort_by_key(|(source, _)| ORDER.iter().position(|o| o == *source));
        let parts: Vec<String> = routes
            .into_iter()
            .map(|(source, n)| match *source {
                "general" => format!("{n} general"),
                "none" => format!("{n} unresolved"),
                other => format!("{n} by {other}"),
            })
            .collect();
        parts.join(", ")
    }

    /// A summary to fill; `outline`: whether the document has one.
    pub fn new(outline: bool) -> Self {
        TagSummary {
            outline,
            ..TagSummary::default()
        }
    }

    /// Counts one comment's tag; `who` names it in the lists.
    pub fn add(&mut self, who: &str, tag: &Tag) {
        *self.by_source.entry(tag.source.into()).or_default() += 1;
        if let Some(conflict) = &tag.conflict {
            let line = format!("{who}: {conflict}");
            if tag.source == TagSource::None {
                self.unresolved.push(line);
            } else {
                self.conflicts.push(line);
            }
        }
    }
}

fn report_json(intake: &Intake) -> String {
    json!({
        "format": intake.format,
        "encoding": intake.encoding,
        "sheets": intake.sheets,
        "skipped_sheets": intake.skipped_sheets,
        "notes": intake.notes,
        "problems": intake.comments.iter().map(|c| c.problems.len()).sum::<usize>(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_dropped() {
        assert_eq!(
            normalise_email(" Jane.Roe@Example.ORG "),
            Some("jane.roe@example.org".to_owned())
        );
        assert_eq!(normalise_email("[REMOVED]"), None);
        assert_eq!(normalise_email("jane@localhost"), None);
        assert_eq!(normalise_email("a b@example.org"), None);
    }
}
