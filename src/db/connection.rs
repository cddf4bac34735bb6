//! Opening one connection, on the back end the URL names.
//!
//! The bundled SQLite is built in multi-thread mode (`LIBSQLITE3_FLAGS` in
//! `.cargo/config.toml`), not serialized mode: a connection is never used by
//! two threads at once (the pool lends each to one caller), so serialized
//! mode's mutex around every call guarded nothing and only cost time.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use super::url::{Backend, DatabaseUrl};

/// One connection to either back end. Queries written against it run on both;
/// match on the variant for the few back-end specific statements.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Settings that apply to every new connection.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// How long SQLite waits on a locked database before `SQLITE_BUSY`.
    pub sqlite_busy_timeout: Duration,
    /// How long libpq waits for the server to answer.
    pub connect_timeout: Duration,
    /// How long a PostgreSQL statement waits for a lock another writer
    /// holds before it fails (and the request gets 503 with `Retry-After`),
    /// as SQLite's writers do after their busy timeout.
    pub lock_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            sqlite_busy_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a connection could not be opened. The message names the database
/// (without its password) and carries the driver's own reason, once: the
/// reason is part of the message, not a `source` that `{:#}` would repeat.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the directory {dir} for the SQLite database: {reason}")]
    CreateDir { dir: String, reason: std::io::Error },
    #[error("cannot open {url}: {reason}")]
    Open {
        url: String,
        reason: diesel::ConnectionError,
    },
    #[error("cannot configure {url}: {reason}")]
    Setup {
        url: String,
        reason: diesel::result::Error,
    },
}

/// Opens a connection on the back end `url` names and applies the per
/// connection settings: WAL, `synchronous=NORMAL`, foreign keys and a busy
/// timeout on SQLite; a connect timeout, a lock timeout and UTC on
/// PostgreSQL.
pub fn connect(url: &DatabaseUrl, options: &ConnectOptions) -> Result<DbConnection, ConnectError> {
    let shown = url.to_string();
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|reason| ConnectError::CreateDir {
                    dir: dir.display().to_string(),
                    reason,
                })?;
            }
            let mut conn =
                SqliteConnection::establish(&path.to_string_lossy()).map_err(|reason| {
                    ConnectError::Open {
                        url: shown.clone(),
                        reason,
                    }
                })?;
            let pragmas = format!(
                "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                options.sqlite_busy_timeout.as_millis()
            );
            conn.batch_execute(&pragmas)
                .and_then(|()| enable_wal(&mut conn, options.sqlite_busy_timeout))
                .map_err(|reason| ConnectError::Setup { url: shown, reason })?;
            conn.set_instrumentation(super::write_gate::WriteGate::for_file(
                path,
                options.sqlite_busy_timeout,
            ));
            Ok(DbConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(_) => {
            let raw = url.postgres_secret().unwrap_or_default();
            let with_timeout = with_connect_timeout(raw, options.connect_timeout);
            let mut conn =
                PgConnection::establish(&with_timeout).map_err(|reason| ConnectError::Open {
                    url: shown.clone(),
                    reason,
                })?;
            conn.batch_execute(&format!(
                "SET TIME ZONE 'UTC'; SET lock_timeout = {}",
                options.lock_timeout.as_millis()
            ))
            .map_err(|reason| ConnectError::Setup { url: shown, reason })?;
            conn.set_instrumentation(super::pool::ConnectionWatch::default());
            Ok(DbConnection::Postgres(conn))
        }
    }
}

/// Switches a SQLite database to WAL (a setting stored in the file). The
/// switch needs a lock that SQLite's busy timeout does not wait for, so when
/// several processes open a new database at once, retry until the timeout.
fn enable_wal(conn: &mut SqliteConnection, timeout: Duration) -> diesel::QueryResult<()> {
    use diesel::result::Error::DatabaseError;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match conn.batch_execute("PRAGMA journal_mode = WAL") {
            Err(DatabaseError(_, info))
                if info.message().contains("locked") && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Adds libpq's `connect_timeout` unless the URL sets one, so an unreachable
/// server fails start-up in seconds instead of hanging.
fn with_connect_timeout(raw: &str, timeout: Duration) -> String {
    if raw.contains("connect_timeout=") {
        return raw.to_owned();
    }
    let separator = if raw.contains('?') { '&' } else { '?' };
    format!(
        "{raw}{separator}connect_timeout={}",
        timeout.as_secs().max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_connect_timeout_once() {
        let t = Duration::from_secs(3);
        assert_eq!(
            with_connect_timeout("postgres://h/db", t),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable", t),
            "postgres://h/db?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9", t),
            "postgres://h/db?connect_timeout=9"
        );
    }

    #[test]
    fn sqlite_connection_gets_its_pragmas() {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{BigInt, Text};
        #[derive(diesel::QueryableByName)]
        struct Mode {
            #[diesel(sql_type = Text)]
            journal_mode: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Fk {
            #[diesel(sql_type = BigInt)]
            foreign_keys: i64,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("nested/dir/t.sqlite3"));
        let DbConnection::Sqlite(mut conn) = connect(&url, &ConnectOptions::default()).unwrap()
        else {
            panic!("expected sqlite")
        };
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let fk: Fk = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
    }

    /// The bundled SQLite is built in multi-thread mode (`.cargo/config.toml`),
    /// without the per-connection mutex around every call.
    #[test]
    fn sqlite_is_built_multi_threaded() {
        use diesel::RunQueryDsl;
        use diesel::sql_types::Bool;
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.sqlite3"));
        let DbConnection::Sqlite(mut conn) = connect(&url, &ConnectOptions::default()).unwrap()
        else {
            panic!("expected sqlite")
        };
        let built: bool = diesel::select(diesel::dsl::sql::<Bool>(
            "sqlite_compileoption_used('THREADSAFE=2')",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert!(
            built,
            "LIBSQLITE3_FLAGS from .cargo/config.toml was not applied"
        );
    }
}
