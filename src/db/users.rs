//! Editors and admins: the accounts and their sessions' epoch.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::users;
use crate::domain::Role;

/// `Debug` is written by hand: it leaves out the e-mail address and the password hash.
#[derive(Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<PrimitiveDateTime>,
    pub last_login_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    /// Sessions started under an older epoch are void (see `end_sessions`).
    pub session_epoch: i32,
    /// The queue's single-key shortcuts are on (the editor's choice).
    pub key_shortcuts: bool,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// Stored lowercased so look-ups ignore case.
    pub email: &'a str,
    pub name: &'a str,
    #[diesel(serialize_as = String)]
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub created_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: NewUser<'_>) -> QueryResult<User> {
    let email = new.email.trim().to_lowercase();
    diesel::insert_into(users::table)
        .values(NewUser {
            email: &email,
            ..new
        })
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<User> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
}

/// Holds the user's row for the rest of the transaction (on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already serialises writers), so that a count
/// of the user's own rows and the insert it allows (their API tokens) are
/// not interleaved with another transaction doing the same.
pub fn hold(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        users::table
            .find(id)
            .select(users::id)
            .for_update()
            .first::<i64>(pg)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .order(users::id)
        .select(User::as_select())
        .load(conn)
}

/// A successful sign-in: when, and no failures pending. (`failed_logins`
/// and `locked_until` are no longer counted or set: sign-in pauses are kept
/// per client address in memory, `auth::throttle`; a lock left by an older
/// version is cleared here.)
pub fn record_success(
    conn: &mut DbConnection,
    id: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<PrimitiveDateTime>),
            users::last_login_at.eq(at),
        ))
        .execute(conn)
}

/// Voids every session of the account, on every instance and every copy
/// of the cookie: sessions carry the epoch they started in.
pub fn end_sessions(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)
}

/// Turns an account on or off; an inactive account cannot sign in, and is
/// signed out at its next request. Either way its sessions end for good
/// (the epoch moves on): a cookie copied while the account was on must not
/// open it again once it is turned back on.
pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::active.eq(active),
            users::session_epoch.eq(users::session_epoch + 1),
        ))
        .execute(conn)
}

/// Sets a new password hash and, with it, signs the account out everywhere.
/// Turns the editor's single-key shortcuts on or off.
pub fn set_key_shortcuts(conn: &mut DbConnection, id: i64, on: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::key_shortcuts.eq(on))
        .execute(conn)
}

pub fn set_password(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::session_epoch.eq(users::session_epoch + 1),
        ))
        .execute(conn)
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}
