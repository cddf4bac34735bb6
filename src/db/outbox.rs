//! The mail queue (migration `mail_outbox`): messages owed, inserted in
//! the transaction of the change they report, and sent later by the sender
//! job (`mail::outbox`) of any instance. A row is claimed with a
//! conditional update before it is sent, so two instances never both send
//! it; a claim older than [`CLAIM_LEASE`] (its instance died mid-send) is
//! taken over.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::mail_outbox;

/// How long a sender may hold a claimed row before another may take it:
/// far longer than one SMTP exchange (`mail.smtp_timeout_secs`).
pub const CLAIM_LEASE: time::Duration = time::Duration::minutes(10);

/// A message to queue.
#[derive(Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct NewMail<'a> {
    /// What the message is about (`receipt:<submission id>`), for pages
    /// that say how their e-mail is doing.
    pub reference: Option<&'a str>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment_name: Option<&'a str>,
    pub attachment_type: Option<&'a str>,
    pub attachment: Option<&'a [u8]>,
    pub created_at: PrimitiveDateTime,
    pub next_attempt_at: PrimitiveDateTime,
}

impl<'a> NewMail<'a> {
    /// A plain-text message, due at once.
    pub fn text(recipient: &'a str, subject: &'a str, body: &'a str) -> Self {
        let now = super::now();
        Self {
            reference: None,
            recipient,
            subject,
            body,
            attachment_name: None,
            attachment_type: None,
            attachment: None,
            created_at: now,
            next_attempt_at: now,
        }
    }
}

/// A claimed message, as the sender needs it. `Debug` is written by hand:
/// it leaves out the address, the text and the file.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct QueuedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment: Option<Vec<u8>>,
    /// Tries begun, this one included.
    pub attempts: i32,
}

impl std::fmt::Debug for QueuedMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedMail")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

type Owed = diesel::dsl::And<
    diesel::dsl::And<
        diesel::dsl::IsNull<mail_outbox::sent_at>,
        diesel::dsl::LtEq<mail_outbox::next_attempt_at, PrimitiveDateTime>,
    >,
    diesel::dsl::Lt<mail_outbox::attempts, i32>,
>;

/// Not sent, due at `now`, and with tries left.
fn owed(now: PrimitiveDateTime, max_attempts: i32) -> Owed {
    mail_outbox::sent_at
        .is_null()
        .and(mail_outbox::next_attempt_at.le(now))
        .and(mail_outbox::attempts.lt(max_attempts))
}

type Unheld = diesel::dsl::Or<
    diesel::dsl::IsNull<mail_outbox::claimed_at>,
    diesel::dsl::Lt<mail_outbox::claimed_at, PrimitiveDateTime>,
>;

/// Claimed by no sender, or by one whose claim is older than
/// [`CLAIM_LEASE`] at `now`.
fn unheld(now: PrimitiveDateTime) -> Unheld {
    mail_outbox::claimed_at
        .is_null()
        .or(mail_outbox::claimed_at.lt(now - CLAIM_LEASE))
}

/// Message `id`, if sender `by` holds it: only the claimer marks a row.
fn held_by(
    id: i64,
    by: &str,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<mail_outbox::table, i64>,
    diesel::dsl::Eq<mail_outbox::claimed_by, &str>,
> {
    mail_outbox::table
        .find(id)
        .filter(mail_outbox::claimed_by.eq(by))
}

pub fn enqueue(conn: &mut DbConnection, mail: &NewMail<'_>) -> QueryResult<usize> {
    diesel::insert_into(mail_outbox::table)
        .values(mail)
        .execute(conn)
}

/// Ids of messages due at `now` that nobody holds, oldest due first, at
/// most `limit`; messages tried `max_attempts` times are left alone.
pub fn due(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    max_attempts: i32,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    mail_outbox::table
        .filter(owed(now, max_attempts))
        .filter(unheld(now))
        .order((mail_outbox::next_attempt_at, mail_outbox::id))
        .select(mail_outbox::id)
        .limit(limit)
        .load(conn)
}

/// Claims message `id` for sender `by` at `now`, counting the try, if it
/// is still due and nobody else holds it; returns the message if this
/// call won. Of several senders racing, one wins: the condition and the
/// update are one statement.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    now: PrimitiveDateTime,
    max_attempts: i32,
) -> QueryResult<Option<QueuedMail>> {
    let claimed = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(owed(now, max_attempts))
            .filter(unheld(now)),
    )
    .set((
        mail_outbox::claimed_at.eq(now),
        mail_outbox::claimed_by.eq(by),
        mail_outbox::attempts.eq(mail_outbox::attempts + 1),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    mail_outbox::table
        .find(id)
        .select(QueuedMail::as_select())
        .first(conn)
        .optional()
}

/// Notes that the mail server accepted message `id` (sent by `by`).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(held_by(id, by))
        .set((
            mail_outbox::sent_at.eq(now),
            mail_outbox::claimed_at.eq(None::<PrimitiveDateTime>),
            mail_outbox::claimed_by.eq(None::<String>),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Notes why message `id` failed and when to try again; lets go of it.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    reason: &str,
    next_attempt_at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(held_by(id, by))
        .set((
            mail_outbox::next_attempt_at.eq(next_attempt_at),
            mail_outbox::claimed_at.eq(None::<PrimitiveDateTime>),
            mail_outbox::claimed_by.eq(None::<String>),
            mail_outbox::last_error.eq(reason),
        ))
        .execute(conn)
}

/// Gives message `id` up at once (it can never be sent: its address does
/// not parse), as if tried `max_attempts` times.
pub fn mark_given_up(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    reason: &str,
    max_attempts: i32,
) -> QueryResult<usize> {
    diesel::update(held_by(id, by))
        .set((
            mail_outbox::attempts.eq(max_attempts),
            mail_outbox::claimed_at.eq(None::<PrimitiveDateTime>),
            mail_outbox::claimed_by.eq(None::<String>),
            mail_outbox::last_error.eq(reason),
        ))
        .execute(conn)
}

/// How the message about `reference` is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the mail server.
    Sent,
    /// Waiting for its first try.
    Queued,
    /// Tried and failed; retried later unless given up.
    Failing,
}

/// The newest message about `reference`, if any.
pub fn delivery(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<Delivery>> {
    let row: Option<(Option<PrimitiveDateTime>, Option<String>)> = mail_outbox::table
        .filter(mail_outbox::reference.eq(reference))
        .order(mail_outbox::id.desc())
        .select((mail_outbox::sent_at, mail_outbox::last_error))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(sent_at, last_error)| match (sent_at, last_error) {
            (Some(_), _) => Delivery::Sent,
            (None, None) => Delivery::Queued,
            (None, Some(_)) => Delivery::Failing,
        }),
    )
}

/// Messages not sent that are due at `now` and will still be tried (for
/// tests and operators: zero means nothing is waiting to go out now).
pub fn waiting(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    max_attempts: i32,
) -> QueryResult<i64> {
    mail_outbox::table
        .filter(owed(now, max_attempts))
        .count()
        .get_result(conn)
}

/// Forgets messages sent before `before`.
pub fn purge_sent_before(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(mail_outbox::table.filter(mail_outbox::sent_at.lt(before))).execute(conn)
}
