//! Write transactions that do not fail under concurrent writers on SQLite.
//!
//! SQLite's default (deferred) transaction starts as a reader; its first
//! write must upgrade, and under WAL that fails at once with
//! `SQLITE_BUSY_SNAPSHOT` when another connection wrote since, which the busy
//! timeout cannot retry. A transaction that will write starts `IMMEDIATE`
//! instead: it waits (busy timeout) for the write lock up front.
//!
//! A failed write is reported by its own error, never by the rollback's:
//! when the disk fills or turns read-only, SQLite rolls the whole
//! transaction back by itself, and the savepoint diesel then rolls back is
//! gone ("no such savepoint"), which would hide "database or disk is full".

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConnection;

/// Runs `work` in a transaction that takes the write lock at once on
/// SQLite (a plain transaction on PostgreSQL, and a savepoint when already
/// inside a transaction).
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::transaction_manager_status_mut(sqlite)
                .transaction_depth()
                .map_err(E::from)?
                .is_none()
        }
        DbConnection::Postgres(_) => false,
    };
    if !outermost_sqlite {
        return keeping_own_error(conn, work);
    }
    // Writers of this process queue here first (see `write_gate`); the
    // guard is held until the commit or rollback below.
    let gate = match conn {
        DbConnection::Sqlite(sqlite) => super::write_gate::WriteGate::of(sqlite),
        DbConnection::Postgres(_) => None,
    };
    let turn = gate
        .as_ref()
        .and_then(|(lock, wait)| super::write_gate::enter(lock, *wait));
    if let DbConnection::Sqlite(sqlite) = conn {
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    }
    let result = work(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        return result;
    };
    let ended = match result {
        Ok(value) => AnsiTransactionManager::commit_transaction(sqlite)
            .map(|()| value)
            .map_err(E::from),
        Err(error) => {
            // The work's own error is the one worth reporting.
            let _ = AnsiTransactionManager::rollback_transaction(sqlite);
            Err(error)
        }
    };
    // Handed to the writer waiting longest: a writer that comes straight
    // back (a large submission's next transaction) would otherwise take
    // the gate again before the woken one runs, again and again.
    if let Some(turn) = turn {
        parking_lot::MutexGuard::unlock_fair(turn);
    }
    ended
}

/// `Connection::transaction`, except that when the rollback after a failed
/// `work` fails too, `work`'s error is returned (the rollback's is logged):
/// it names the cause, the rollback's only its consequence.
fn keeping_own_error<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    Manager::begin_transaction(conn)?;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::debug!(%rollback, "the rollback after a failed write failed too");
            }
            Err(error)
        }
    }
}

/// Runs `read` on one snapshot of the database, so that what it reads in
/// several statements is of one moment: which submissions are still
/// arriving (to hide them) and the comments themselves, say, where a
/// submission starting in between would otherwise show its first batch.
/// SQLite: a deferred transaction (the snapshot is taken at the first
/// read); PostgreSQL: REPEATABLE READ, read only. Inside a transaction
/// already, `read` runs as part of it.
pub fn read_snapshot<T, E>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let depth = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?,
        DbConnection::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?,
    };
    if depth.is_some() {
        return read(conn);
    }
    keeping_own_error(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            )?;
        }
        read(conn)
    })
}
