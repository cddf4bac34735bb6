//! Accounts: creating editors and admins, and signing in (paused after
//! failed passwords, see `throttle`).
//! The web layer (`web::auth`) keeps the signed-in user in the session;
//! everything here is plain functions over a connection.
//!
//! Signing in takes three steps, [`begin_sign_in`] (database),
//! [`check_password`] (CPU only) and [`finish_sign_in`] (database), so the
//! web holds no pooled connection during the slow argon2id check. Every
//! path runs argon2 once, an unknown address and an over-long password too,
//! so the time taken tells nobody which addresses have accounts.

pub mod api_token;
pub mod invite;
pub mod password;
pub mod throttle;

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::db::users::{self, NewUser, User};
use crate::db::{self, DbConnection, DbError};
use crate::domain::Role;
use password::PasswordError;

pub use throttle::{LOCK_FOR, MAX_FAILURES};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Deliberately the same for an unknown address and a wrong password.
    #[error("the e-mail address or the password is wrong")]
    BadCredentials,
    /// The same words and status for an unknown address as for a real one
    /// (see `throttle`): the pause tells nobody which addresses exist.
    #[error(
        "too many failed attempts: sign-in with this e-mail address from your network is paused until {} UTC; try again then",
        clock(.0)
    )]
    Paused(OffsetDateTime),
    #[error("`{0}` does not look like an e-mail address")]
    BadEmail(String),
    #[error("the name is empty")]
    EmptyName,
    #[error("an account with that e-mail address already exists")]
    EmailTaken,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for AuthError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// Creates an account with a password (hashed here).
pub fn create_user(
    conn: &mut DbConnection,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<User, AuthError> {
    let email = email.trim();
    if !looks_like_email(email) {
        return Err(AuthError::BadEmail(email.to_owned()));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(AuthError::EmptyName);
    }
    let hash = password::hash(password)?;
    users::insert(
        conn,
        NewUser {
            email,
            name,
            role,
            password_hash: Some(&hash),
            created_at: db::now(),
        },
    )
    .map_err(email_taken)
}

/// A new account's insert that meets the unique e-mail index: someone made
/// that account meanwhile (on PostgreSQL, another admin's request at the
/// same moment), which the user is told, rather than a database failure.
pub(crate) fn email_taken(error: diesel::result::Error) -> AuthError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AuthError::EmailTaken,
        other => other.into(),
    }
}

/// One `@` with something on both sides and no spaces: enough to catch a
/// typo; deliverability is the mail server's business.
pub fn looks_like_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A sign-in under way: the account, if the address has one, waiting for
/// its password to be checked.
#[derive(Debug)]
pub struct Attempt {
    user: Option<User>,
}

/// Step 1 of signing in (database): finds the account. Nothing is written:
/// an unknown address and a real one cost the same. Pauses after failed
/// passwords are the web layer's (`throttle`, per client address and
/// e-mail address), counted before this step.
pub fn begin_sign_in(conn: &mut DbConnection, email: &str) -> Result<Attempt, AuthError> {
    match users::find_by_email(conn, email) {
        Ok(user) => Ok(Attempt { user: Some(user) }),
        Err(diesel::result::Error::NotFound) => Ok(Attempt { user: None }),
        Err(e) => Err(e.into()),
    }
}

/// Step 2 (CPU only; run it without holding a connection): whether the
/// password is the account's. Every path runs argon2 once, whatever the
/// password's length: an unknown address, an account without a password
/// yet and an over-long password cost what a wrong password costs.
pub fn check_password(attempt: &Attempt, password: &str) -> bool {
    match attempt
        .user
        .as_ref()
        .and_then(|u| u.password_hash.as_deref())
    {
        Some(stored) => password::verify(password, stored),
        None => {
            password::verify_nothing(password);
            false
        }
    }
}

/// Step 3 (database): records a success and returns the signed-in user;
/// anything else is [`AuthError::BadCredentials`], whatever the reason
/// (unknown address, wrong password, account turned off).
pub fn finish_sign_in(
    conn: &mut DbConnection,
    attempt: Attempt,
    password_matches: bool,
    now: PrimitiveDateTime,
) -> Result<User, AuthError> {
    match attempt.user {
        Some(user) if password_matches && user.active => {
            users::record_success(conn, user.id, now)?;
            Ok(user)
        }
        _ => Err(AuthError::BadCredentials),
    }
}

/// All three steps at once, without pauses, for callers without an async
/// runtime to keep free (the CLI, tests).
pub fn sign_in(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    now: PrimitiveDateTime,
) -> Result<User, AuthError> {
    let attempt = begin_sign_in(conn, email)?;
    let matches = check_password(&attempt, password);
    finish_sign_in(conn, attempt, matches, now)
}

/// `2026-11-28 14:05`, rounded up to the minute so that trying again at
/// the time given works.
fn clock(at: &OffsetDateTime) -> String {
    let at = if at.second() > 0 || at.nanosecond() > 0 {
        *at + Duration::minutes(1)
    } else {
        *at
    };
    format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::{AuthError, email_taken, looks_like_email};

    #[test]
    fn an_account_made_meanwhile_is_email_taken_not_a_failure() {
        use diesel::result::{DatabaseErrorKind, Error};
        let unique = Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key value violates unique constraint".to_owned()),
        );
        assert!(matches!(email_taken(unique), AuthError::EmailTaken));
        assert!(matches!(
            email_taken(Error::NotFound),
            AuthError::Database(_)
        ));
    }

    #[test]
    fn email_shapes() {
        assert!(looks_like_email("a.b@example.org"));
        assert!(!looks_like_email("example.org"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@example.org"));
        assert!(!looks_like_email("@example.org"));
        assert!(!looks_like_email("a@b@example.org"));
    }
}
