//! Embedded migrations, one folder per back end (their DDL differs), applied
//! at start-up and by `docket migrate`.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any key will do as long as every docket instance uses the same one: it
/// makes instances that start together against one PostgreSQL apply the
/// migrations (and the demo load) one after the other.
const PG_BOOTSTRAP_LOCK: i64 = 0x646f_636b_6574; // "docket"

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why migrating failed, with the driver's message.
#[derive(Debug, thiserror::Error)]
#[error("migrating the database failed: {0}")]
pub struct MigrationError(BoxError);

impl From<diesel::result::Error> for MigrationError {
    fn from(e: diesel::result::Error) -> Self {
        Self(Box::new(e))
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(versions),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map(versions),
    };
    applied.map_err(MigrationError)
}

/// Reverts every applied migration (used by the up → down → up test).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map(versions),
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map(versions),
    };
    reverted.map_err(MigrationError)
}

/// Migrations embedded in this binary that the database has not applied yet.
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    match conn {
        DbConnection::Sqlite(c) => c.pending_migrations(SQLITE).map(|ms| names(&ms)),
        DbConnection::Postgres(c) => c.pending_migrations(POSTGRES).map(|ms| names(&ms)),
    }
    .map_err(MigrationError)
}

/// Runs `work` while holding the bootstrap lock, so instances (or a `docket
/// migrate`) starting together migrate and seed one after the other: a
/// session advisory lock on PostgreSQL; on SQLite an immediate transaction
/// (the database's write lock) around the whole of `work`, whose own
/// transactions become savepoints inside it.
pub fn with_bootstrap_lock<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => {
            // A session lock, not a transaction one: some future migration
            // may need to run outside a transaction. If `work` panics, the
            // pool discards the connection (see `pool.rs`), ending the session
            // and with it the lock.
            conn.batch_execute(&format!("SELECT pg_advisory_lock({PG_BOOTSTRAP_LOCK})"))?;
            let result = work(conn);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({PG_BOOTSTRAP_LOCK})"));
            // `work`'s own error matters more than a failed unlock.
            let value = result?;
            unlocked?;
            Ok(value)
        }
        // One writer at a time: SQLite's immediate transaction waits for the
        // write lock (busy timeout) before migrating.
        DbConnection::Sqlite(_) => super::write_transaction(conn, work),
    }
}

fn names<DB: diesel::backend::Backend>(
    ms: &[Box<dyn diesel::migration::Migration<DB>>],
) -> Vec<String> {
    ms.iter().map(|m| m.name().to_string()).collect()
}

fn versions(vs: Vec<MigrationVersion<'_>>) -> Vec<String> {
    vs.iter().map(ToString::to_string).collect()
}
