//! Editors and admins: the accounts, and the counters that throttle sign-in.

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

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .order(users::id)
        .select(User::as_select())
        .load(conn)
}

/// Records a failed sign-in: the new count of failures in a row and the
/// lock it earned (`None` clears any old lock).
pub fn set_failures(
    conn: &mut DbConnection,
    id: i64,
    failures: i32,
    locked_until: Option<PrimitiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(failures),
            users::locked_until.eq(locked_until),
        ))
        .execute(conn)
}

/// A successful sign-in clears the failure count and any lock.
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

pub fn set_password(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
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
