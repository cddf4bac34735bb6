//! Invitations: an admin names an editor; docket creates the account
//! without a password and e-mails a link that sets one. The link works once
//! and for [`INVITE_DAYS`] days; inviting again replaces it.

use sha2::{Digest, Sha256};
use time::{Duration, PrimitiveDateTime};

use super::{AuthError, looks_like_email, password};
use crate::db::auth_tokens::{self, NewAuthToken};
use crate::db::users::{self, NewUser, User};
use crate::db::{self, DbConnection};
use crate::domain::Role;

pub const INVITE_DAYS: i64 = 7;
const KIND: &str = "invite";

/// An invitation made: the account and the secret for its link (shown to
/// nobody but the invitee's mailbox).
#[derive(Debug)]
pub struct Invitation {
    pub user: User,
    pub token: String,
    pub expires_at: PrimitiveDateTime,
}

/// What is stored and looked up of an invitation token: its SHA-256. The
/// token is never compared in Rust; SQL finds the row by this hash, so the
/// time of the look-up tells nothing about how much of a guessed token was
/// right (the guess's hash shares no prefix with the real one's).
fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Invites `email`: creates the account (no password yet), or, when it
/// exists and has never set a password, sends a fresh link in place of the
/// old one. An account that has a password is not invited again.
pub fn invite(
    conn: &mut DbConnection,
    email: &str,
    name: &str,
    role: Role,
    now: PrimitiveDateTime,
) -> Result<Invitation, AuthError> {
    let email = email.trim();
    if !looks_like_email(email) {
        return Err(AuthError::BadEmail(email.to_owned()));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(AuthError::EmptyName);
    }
    db::write_transaction(conn, |conn| {
        let user = match users::find_by_email(conn, email) {
            Ok(existing) if existing.password_hash.is_some() => return Err(AuthError::EmailTaken),
            Ok(existing) => existing,
            Err(diesel::result::Error::NotFound) => users::insert(
                conn,
                NewUser {
                    email,
                    name,
                    role,
                    password_hash: None,
                    created_at: now,
                },
            )
            .map_err(super::email_taken)?,
            Err(e) => return Err(e.into()),
        };
        auth_tokens::void_unused(conn, user.id, KIND, now)?;
        let token = hex::encode(rand::random::<[u8; 32]>());
        let expires_at = now + Duration::days(INVITE_DAYS);
        auth_tokens::insert(
            conn,
            &NewAuthToken {
                user_id: user.id,
                kind: KIND,
                token_hash: &digest(&token),
                label: None,
                created_at: now,
                expires_at: Some(expires_at),
            },
        )?;
        Ok(Invitation {
            user,
            token,
            expires_at,
        })
    })
}

/// The account an invitation link is for, if the link still works.
pub fn invited(
    conn: &mut DbConnection,
    token: &str,
    now: PrimitiveDateTime,
) -> Result<Option<User>, AuthError> {
    match auth_tokens::find_usable(conn, KIND, &digest(token), now)? {
        Some(found) => Ok(Some(users::find(conn, found.user_id)?)),
        None => Ok(None),
    }
}

/// Sets the password through an invitation link, once. `Ok(None)`: the
/// link has expired or was used.
pub fn accept(
    conn: &mut DbConnection,
    token: &str,
    new_password: &str,
    now: PrimitiveDateTime,
) -> Result<Option<User>, AuthError> {
    let hash = password::hash(new_password)?;
    db::write_transaction(conn, |conn| {
        let Some(found) = auth_tokens::find_usable(conn, KIND, &digest(token), now)? else {
            return Ok(None);
        };
        if !auth_tokens::use_once(conn, found.id, now)? {
            return Ok(None);
        }
        users::set_password(conn, found.user_id, &hash)?;
        Ok(Some(users::find(conn, found.user_id)?))
    })
}
