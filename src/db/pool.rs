//! The connection pool and the bridge from async handlers to blocking diesel.
//!
//! [`Db::run`] moves each piece of database work to a blocking thread, so
//! the async workers never wait on a query. The pool does not ping a
//! connection at check-out (a round trip on every request, a good share of
//! a save on PostgreSQL): a connection is trusted until a query finds its
//! server gone, and is then dropped when returned (`ConnectionWatch`).

use std::time::Duration;

use super::connection::{ConnectError, ConnectOptions, DbConnection, connect};
use super::url::{Backend, DatabaseUrl};

/// Errors from the data layer as the rest of the app sees them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// r2d2's own text only repeats this; the chain still carries it.
    #[error("no database connection became free in time")]
    Pool(#[from] r2d2::Error),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("the database task did not finish: {0}")]
    Cancelled(String),
}

impl DbError {
    /// True when the row asked for does not exist (mapped to 404 once, in `web::errors`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Query(diesel::result::Error::NotFound))
    }

    /// True when another writer held the database longer than this one
    /// could wait: SQLite's "database is locked" once the write gate and
    /// the busy timeout have passed, PostgreSQL's lock timeout or a
    /// serialisation failure. Nothing was written; the same request a
    /// moment later succeeds (mapped to 503 with `Retry-After`).
    pub fn is_busy(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Self::Query(Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
            Self::Query(Error::DatabaseError(_, info)) => {
                let message = info.message();
                message.starts_with("database is locked")
                    || message.starts_with("database table is locked")
                    || message.starts_with("database schema is locked")
                    || message.contains("due to lock timeout")
            }
            _ => false,
        }
    }

    /// True when the database cannot be reached (mapped to 503): no
    /// connection could be made, or the one in use was closed under it.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Connect(_) | Self::Pool(_) => true,
            Self::Query(error) => is_lost_connection(error),
            Self::Cancelled(_) => false,
        }
    }
}

/// Pool sizing; see `[database]` in `config/default.toml`.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    pub max_size: u32,
    pub acquire_timeout: Duration,
    pub connect: ConnectOptions,
}

struct Manager {
    url: DatabaseUrl,
    options: ConnectOptions,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        connect(&self.url, &self.options)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1")
            .map_err(|reason| ConnectError::Setup {
                url: self.url.to_string(),
                reason,
            })
    }

    /// Like diesel's own r2d2 manager: a connection returned while its
    /// thread panics, or left inside a transaction, is dropped, not reused;
    /// so is one whose server connection was found gone
    /// ([`ConnectionWatch`]).
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::connection::{Connection, TransactionManager};
        std::thread::panicking()
            || ConnectionWatch::lost(conn)
            || <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(
                conn,
            )
            .transaction_depth()
            .map_or(true, |depth| depth.is_some())
    }
}

/// The shared handle to the database: cheap to clone, one per app instance.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// The database file on SQLite (its disk is part of `/healthz`).
    sqlite_file: Option<std::path::PathBuf>,
}

impl Db {
    /// Opens one connection first so a bad URL, an unreachable server or a
    /// wrong password is reported with the driver's own words (r2d2 alone
    /// would only say it timed out), then builds the pool around it.
    pub fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, DbError> {
        let probe = connect(url, &options.connect)?;
        drop(probe);
        let manager = Manager {
            url: url.clone(),
            options: options.connect.clone(),
        };
        // No `SELECT 1` on every check-out (r2d2's default): that was two of
        // the eight round trips of a comment save on PostgreSQL. Like
        // deadpool-postgres's default (`Fast`) recycling, connections are
        // trusted until they fail: after a server restart, each idle
        // connection fails one request, `ConnectionWatch` notes it, and it
        // is replaced.
        //
        // No idle minimum either: with one, r2d2 opens a replacement in its
        // own thread whenever a check-out empties the idle list, so a
        // connect into libpq is often under way when the process exits,
        // and libpq's exit-time cleanup can then crash the process (the
        // CLI met this as a SIGSEGV about one run in twenty; the test
        // binary once failed at exit after every test had passed).
        // Connections are opened when a request needs one and kept until
        // idle for ten minutes.
        let pool = r2d2::Pool::builder()
            .test_on_check_out(false)
            .max_size(options.max_size)
            .min_idle(Some(0))
            .connection_timeout(options.acquire_timeout)
            .error_handler(Box::new(LogErrors))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            backend: url.backend(),
            sqlite_file: match url {
                DatabaseUrl::Sqlite(path) => Some(path.clone()),
                DatabaseUrl::Postgres(_) => None,
            },
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database file, on SQLite.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.sqlite_file.as_deref()
    }

    /// Runs blocking database work on actix's thread pool, off the async workers.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Cancelled(e.to_string())))?
    }

    /// A connection for synchronous callers (the CLI, tests).
    pub fn get(
        &self,
    ) -> Result<
        r2d2::PooledConnection<impl r2d2::ManageConnection<Connection = DbConnection>>,
        DbError,
    > {
        Ok(self.pool.get()?)
    }
}

/// Watches a PostgreSQL connection's queries (as its diesel
/// instrumentation) for one that failed because the server connection is
/// gone, so the pool drops the connection when it is returned, whatever
/// the work did with the error.
#[derive(Debug, Default)]
pub(crate) struct ConnectionWatch {
    lost: bool,
}

impl ConnectionWatch {
    fn lost(conn: &mut DbConnection) -> bool {
        use diesel::connection::Connection;
        conn.instrumentation()
            .downcast_mut::<Self>()
            .is_some_and(|watch| watch.lost)
    }
}

impl diesel::connection::Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent;
        if let InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
        {
            self.lost |= is_lost_connection(error);
        }
    }
}

/// The server connection is gone: closed under the query, or the query
/// could not be sent.
fn is_lost_connection(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        )
    )
}

#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<ConnectError> for LogErrors {
    fn handle_error(&self, error: ConnectError) {
        tracing::warn!(%error, "database connection failed");
    }
}
