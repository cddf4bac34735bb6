//! Data access. The connection enum and pool live here; each entity has a
//! module with its row structs and the queries over it, taking
//! `&mut DbConnection`. Handlers call these through [`Db::run`] and hold no SQL.
//!
//! One [`DbConnection`] serves both back ends, so most queries are written
//! once. Where diesel cannot go through the enum (multi-row inserts, as in
//! `comments::insert_batch`) or the back ends differ (full-text search, the
//! export's COPY), the code matches on the variant. A transaction that
//! writes should start with [`write_transaction`], not diesel's own, which
//! on SQLite can fail at its first write under other writers; reads that
//! must see one moment across statements use [`read_snapshot`].

pub mod audit;
pub mod audited_update;
pub mod auth_tokens;
pub mod clusters;
pub mod comments;
mod connection;
pub mod documents;
pub mod export_rows;
pub mod health;
pub mod migrate;
pub mod outbox;
pub mod pending;
mod pool;
pub mod progress;
pub mod queue;
pub mod schema;
pub mod search_sample;
pub mod sections;
pub mod submissions;
pub mod table_uploads;
mod transaction;
mod url;
pub mod users;
mod write_gate;

pub use connection::{ConnectError, ConnectOptions, DbConnection, connect};
pub use pool::{Db, DbError, PoolOptions};
pub use transaction::{read_snapshot, write_transaction};
pub use url::{Backend, DatabaseUrl, UrlError};

/// The current time as stored in `Timestamp` columns (UTC, no zone).
pub fn now() -> time::PrimitiveDateTime {
    let now = time::OffsetDateTime::now_utc();
    time::PrimitiveDateTime::new(now.date(), now.time())
}
