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

/// The version of the newest migration this binary embeds for the
/// connection's back end, as the migrations table stores it. Worked out
/// once per back end: `/healthz` asks on every call.
pub fn newest_version(conn: &DbConnection) -> Option<String> {
    use diesel::migration::MigrationSource;
    use std::sync::OnceLock;
    fn newest<DB: diesel::backend::Backend>(source: &dyn MigrationSource<DB>) -> Option<String> {
        let migrations = source.migrations().ok()?;
        migrations
            .iter()
            .map(|m| m.name().version().to_string())
            .max()
    }
    static NEWEST_SQLITE: OnceLock<Option<String>> = OnceLock::new();
    static NEWEST_POSTGRES: OnceLock<Option<String>> = OnceLock::new();
    match conn {
        DbConnection::Sqlite(_) => NEWEST_SQLITE
            .get_or_init(|| newest::<diesel::sqlite::Sqlite>(&SQLITE))
            .clone(),
        DbConnection::Postgres(_) => NEWEST_POSTGRES
            .get_or_init(|| newest::<diesel::pg::Pg>(&POSTGRES))
            .clone(),
    }
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
            // A migration waits for the tables it alters however long
            // requests hold them (an export streaming for minutes), rather
            // than failing at the lock timeout requests get.
            let timeout = current_lock_timeout(conn)?;
            conn.batch_execute("SET lock_timeout = 0")?;
            let result = work(conn);
            let restored = conn.batch_execute(&format!("SET lock_timeout = '{timeout}'"));
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({PG_BOOTSTRAP_LOCK})"));
            // `work`'s own error matters more than a failed unlock.
            let value = result?;
            unlocked?;
            restored?;
            Ok(value)
        }
        // One writer at a time: SQLite's immediate transaction waits for the
        // write lock (busy timeout) before migrating.
        DbConnection::Sqlite(_) => super::write_transaction(conn, work),
    }
}

/// `SHOW lock_timeout`: as PostgreSQL prints it (`10s`), which `SET` takes
/// back.
fn current_lock_timeout(conn: &mut DbConnection) -> Result<String, diesel::result::Error> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        lock_timeout: String,
    }
    let setting: Setting = diesel::sql_query("SHOW lock_timeout").get_result(conn)?;
    // Only digits and a unit come back; anything else is not put in SQL.
    Ok(
        if setting
            .lock_timeout
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
        {
            setting.lock_timeout
        } else {
            "0".to_owned()
        },
    )
}

fn names<DB: diesel::backend::Backend>(
    ms: &[Box<dyn diesel::migration::Migration<DB>>],
) -> Vec<String> {
    ms.iter().map(|m| m.name().to_string()).collect()
}

fn versions(vs: Vec<MigrationVersion<'_>>) -> Vec<String> {
    vs.iter().map(ToString::to_string).collect()
}
