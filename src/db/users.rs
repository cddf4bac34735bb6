//! Editors and admins. Sign-in and invitations come with the triage issue;
//! the table and these queries are here so later work adds behaviour only.

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

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}
