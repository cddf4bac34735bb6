//! Accounts: creating editors and admins, and signing in with throttling.
//! The web layer (`web::auth`) keeps the signed-in user in the session;
//! everything here is plain functions over a connection.

pub mod password;

use time::{Duration, PrimitiveDateTime};

use crate::db::users::{self, NewUser, User};
use crate::db::{self, DbConnection, DbError};
use crate::domain::Role;
use password::PasswordError;

/// Consecutive failures that lock an account.
pub const MAX_FAILURES: i32 = 5;
/// How long a locked account stays locked.
pub const LOCK_FOR: Duration = Duration::minutes(15);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Deliberately the same for an unknown address and a wrong password.
    #[error("the e-mail address or the password is wrong")]
    BadCredentials,
    #[error(
        "too many failed attempts: sign-in for this account is paused until {0} UTC; try again then"
    )]
    Locked(String),
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
    .map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AuthError::EmailTaken,
        other => other.into(),
    })
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

/// Checks an address and password. After [`MAX_FAILURES`] wrong passwords
/// in a row the account is locked for [`LOCK_FOR`], even against the right
/// password; a success resets the count.
pub fn sign_in(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    now: PrimitiveDateTime,
) -> Result<User, AuthError> {
    let user = match users::find_by_email(conn, email) {
        Ok(user) => user,
        Err(diesel::result::Error::NotFound) => {
            password::verify_nothing(password);
            return Err(AuthError::BadCredentials);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(until) = user.locked_until
        && until > now
    {
        return Err(AuthError::Locked(clock(until)));
    }
    let matches = user.active
        && user
            .password_hash
            .as_deref()
            .is_some_and(|stored| password::verify(password, stored));
    if !matches {
        if user.password_hash.is_none() || !user.active {
            password::verify_nothing(password);
        }
        // A lock that has run out starts a fresh count.
        let failures = if user.locked_until.is_some() {
            1
        } else {
            user.failed_logins + 1
        };
        let lock = (failures >= MAX_FAILURES).then(|| now + LOCK_FOR);
        users::set_failures(conn, user.id, failures, lock)?;
        return Err(match lock {
            Some(until) => AuthError::Locked(clock(until)),
            None => AuthError::BadCredentials,
        });
    }
    users::record_success(conn, user.id, now)?;
    Ok(user)
}

fn clock(at: PrimitiveDateTime) -> String {
    format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;

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
