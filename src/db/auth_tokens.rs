//! One-time and long-lived tokens: invitations and API tokens (and later
//! password resets). Only a SHA-256 of each token is stored, so a copy of
//! the database does not hand out working links.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::auth_tokens;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = auth_tokens)]
pub struct AuthToken {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub token_hash: String,
    pub label: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub used_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = auth_tokens)]
pub struct NewAuthToken<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub token_hash: &'a str,
    pub label: Option<&'a str>,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, new: &NewAuthToken<'_>) -> QueryResult<i64> {
    diesel::insert_into(auth_tokens::table)
        .values(new)
        .returning(auth_tokens::id)
        .get_result(conn)
}

/// The token of `kind` with this hash, if unused and not expired at `now`.
pub fn find_usable(
    conn: &mut DbConnection,
    kind: &str,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<AuthToken>> {
    auth_tokens::table
        .filter(auth_tokens::kind.eq(kind))
        .filter(auth_tokens::token_hash.eq(token_hash))
        .filter(auth_tokens::used_at.is_null())
        .filter(
            auth_tokens::expires_at
                .is_null()
                .or(auth_tokens::expires_at.gt(now)),
        )
        .select(AuthToken::as_select())
        .first(conn)
        .optional()
}

/// Marks a one-time token used, if it was not already (returns whether it
/// was this call that used it, so two tabs cannot both use one link).
pub fn use_once(conn: &mut DbConnection, id: i64, now: PrimitiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        auth_tokens::table
            .filter(auth_tokens::id.eq(id))
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Voids a user's unused tokens of `kind` (a new invitation replaces the
/// old link).
pub fn void_unused(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::kind.eq(kind))
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(now))
    .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<AuthToken> {
    auth_tokens::table
        .find(id)
        .select(AuthToken::as_select())
        .first(conn)
}

/// How many of a user's tokens of `kind` still work at `now`.
pub fn count_usable(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    now: PrimitiveDateTime,
) -> QueryResult<i64> {
    auth_tokens::table
        .filter(auth_tokens::user_id.eq(user_id))
        .filter(auth_tokens::kind.eq(kind))
        .filter(auth_tokens::used_at.is_null())
        .filter(
            auth_tokens::expires_at
                .is_null()
                .or(auth_tokens::expires_at.gt(now)),
        )
        .count()
        .get_result(conn)
}

/// A user's tokens of `kind`, newest first.
pub fn of_user(conn: &mut DbConnection, user_id: i64, kind: &str) -> QueryResult<Vec<AuthToken>> {
    auth_tokens::table
        .filter(auth_tokens::user_id.eq(user_id))
        .filter(auth_tokens::kind.eq(kind))
        .order(auth_tokens::id.desc())
        .select(AuthToken::as_select())
        .load(conn)
}

/// Ends one of a user's tokens (`used_at`: when it stopped working).
pub fn revoke(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        auth_tokens::table
            .filter(auth_tokens::id.eq(id))
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::kind.eq(kind))
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}
