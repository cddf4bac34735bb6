//! API tokens: long-lived secrets an editor creates on their profile page
//! and sends as `Authorization: Bearer …` to `/api/v1/`. Only a SHA-256 of
//! each is stored (a token has 256 random bits, so a fast hash is enough,
//! unlike a password); the token itself is shown once, when it is made.
//! A revoked token keeps its row, its `used_at` set: the history says which
//! tokens existed, and a revoked one can never work again.

use time::{Duration, PrimitiveDateTime};

use super::AuthError;
use crate::db::auth_tokens::{self, AuthToken, NewAuthToken};
use crate::db::users::{self, User};
use crate::db::{self, DbConnection};

pub const KIND: &str = "api";
/// Every token starts with this, so a leaked one is easy to recognise (and
/// for secret scanners to find).
pub const PREFIX: &str = "docket_";
/// Longest label kept; labels only tell an editor's tokens apart.
pub const MAX_LABEL_CHARS: usize = 100;
/// Tokens an editor may hold at once (revoked ones do not count).
pub const MAX_ACTIVE: i64 = 20;

/// A token just made: the secret, shown once, and its row.
#[derive(Debug)]
pub struct Created {
    pub token: String,
    pub row: AuthToken,
}

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("give the token a label (what it is for), at most {MAX_LABEL_CHARS} characters")]
    BadLabel,
    #[error("a token may last 1 to 3650 days, or for ever when left blank")]
    BadExpiry,
    #[error("you have {MAX_ACTIVE} tokens already; revoke one you no longer use first")]
    TooMany,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<diesel::result::Error> for TokenError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Auth(e.into())
    }
}

/// What is stored and looked up of an API token: its SHA-256. As for
/// invitations, the token is never compared in Rust; SQL finds the row by
/// this hash, so look-up timing tells nothing about a guessed token.
fn digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a token for `user_id`, lasting `days` (None: until revoked).
pub fn create(
    conn: &mut DbConnection,
    user_id: i64,
    label: &str,
    days: Option<i64>,
) -> Result<Created, TokenError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(TokenError::BadLabel);
    }
    if days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(TokenError::BadExpiry);
    }
    let token = format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
    let now = db::now();
    let hash = digest(&token);
    let row = db::write_transaction(conn, |conn| {
        // Without it, two requests at once could each count 19 on
        // PostgreSQL and each make a twentieth.
        users::hold(conn, user_id).map_err(AuthError::from)?;
        if auth_tokens::count_usable(conn, user_id, KIND, now).map_err(AuthError::from)?
            >= MAX_ACTIVE
        {
            return Err(TokenError::TooMany);
        }
        let id = auth_tokens::insert(
            conn,
            &NewAuthToken {
                user_id,
                kind: KIND,
                token_hash: &hash,
                label: Some(label),
                created_at: now,
                expires_at: days.map(|d| now + Duration::days(d)),
            },
        )
        .map_err(AuthError::from)?;
        auth_tokens::find(conn, id).map_err(|e| TokenError::Auth(e.into()))
    })?;
    Ok(Created { token, row })
}

/// The user a presented token belongs to, if the token is current and the
/// account active. Anything else is `None`, whatever the reason, so a
/// caller learns nothing about which tokens exist.
pub fn user_for(
    conn: &mut DbConnection,
    presented: &str,
    now: PrimitiveDateTime,
) -> Result<Option<User>, AuthError> {
    if !presented.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(token) = auth_tokens::find_usable(conn, KIND, &digest(presented), now)? else {
        return Ok(None);
    };
    let user = users::find(conn, token.user_id)?;
    Ok(user.active.then_some(user))
}

/// A user's tokens, newest first, revoked and expired ones included.
pub fn list(conn: &mut DbConnection, user_id: i64) -> Result<Vec<AuthToken>, AuthError> {
    Ok(auth_tokens::of_user(conn, user_id, KIND)?)
}

/// Revokes one of `user_id`'s tokens; false when it is not theirs or was
/// revoked already.
pub fn revoke(conn: &mut DbConnection, user_id: i64, id: i64) -> Result<bool, AuthError> {
    let now = db::now();
    Ok(db::write_transaction(conn, |conn| {
        auth_tokens::revoke(conn, user_id, KIND, id, now)
    })?)
}
