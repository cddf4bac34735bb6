//! Whether this instance can do its work: the schema it was built for, and
//! a database that can take writes. `SELECT 1` alone answered "ok" over an
//! emptied schema (every page failing) and over a full disk.
//!
//! Cheap enough for a load balancer to ask every few seconds: one indexed
//! read of the migrations table, and on SQLite one `statvfs` of the
//! database's directory (nothing is written; on a full disk SQLite can
//! still append to a WAL it has already grown, so a trial write would not
//! tell); on PostgreSQL, whether the server takes writes at all (a replica
//! in recovery, or read-only by setting, does not).

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::DbConnection;
use super::migrate;

/// Free space below which a SQLite database is reported unable to write:
/// enough for a few saves, not for a submission.
pub const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

/// Why the instance cannot serve, in words for an operator.
#[derive(Debug, thiserror::Error)]
pub enum Unhealthy {
    #[error("the database has no docket schema (no migrations table)")]
    NoSchema,
    #[error(
        "the schema is at migration {found}, this version needs {expected}: run `docket migrate`"
    )]
    SchemaBehind { found: String, expected: String },
    #[error("the database does not answer: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the file system holding the database is read-only")]
    ReadOnlyDisk,
    #[error("the disk holding the database is full ({free} bytes free)")]
    DiskFull { free: u64 },
    #[error("the file system holding the database cannot be examined: {0}")]
    Disk(std::io::Error),
    #[error("the PostgreSQL server does not take writes (a replica, or read-only)")]
    ReadOnlyServer,
}

#[derive(QueryableByName)]
struct Newest {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

#[derive(QueryableByName)]
struct Writable {
    #[diesel(sql_type = Bool)]
    writable: bool,
}

/// Checks the schema and that writes are possible; `sqlite_file` is the
/// database file on SQLite.
pub fn check(conn: &mut DbConnection, sqlite_file: Option<&Path>) -> Result<(), Unhealthy> {
    schema_current(conn)?;
    match (conn, sqlite_file) {
        (DbConnection::Sqlite(_), Some(file)) => disk_writable(file),
        (DbConnection::Postgres(pg), _) => {
            let row: Writable = diesel::sql_query(
                "SELECT NOT pg_is_in_recovery() \
                 AND current_setting('transaction_read_only') = 'off' AS writable",
            )
            .get_result(pg)?;
            if row.writable {
                Ok(())
            } else {
                Err(Unhealthy::ReadOnlyServer)
            }
        }
        (DbConnection::Sqlite(_), None) => Ok(()),
    }
}

/// The newest applied migration is the newest this binary embeds (or a
/// later one, which a newer instance applied during a rolling upgrade).
fn schema_current(conn: &mut DbConnection) -> Result<(), Unhealthy> {
    let expected = migrate::newest_version(conn);
    let newest =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
            .get_result::<Newest>(conn);
    let found = match newest {
        Ok(row) => row.version.ok_or(Unhealthy::NoSchema)?,
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("__diesel_schema_migrations") =>
        {
            return Err(Unhealthy::NoSchema);
        }
        Err(other) => return Err(other.into()),
    };
    // Versions are `YYYY-MM-DD-NNNNNN` with the dashes left out: fixed width.
    match expected {
        Some(expected) if found < expected => Err(Unhealthy::SchemaBehind { found, expected }),
        _ => Ok(()),
    }
}

/// The directory holding the file is on a writable file system with room.
fn disk_writable(file: &Path) -> Result<(), Unhealthy> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stat = rustix::fs::statvfs(dir).map_err(|e| Unhealthy::Disk(e.into()))?;
    if stat.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY) {
        return Err(Unhealthy::ReadOnlyDisk);
    }
    let free = stat.f_bavail.saturating_mul(stat.f_frsize);
    if free < MIN_FREE_BYTES {
        return Err(Unhealthy::DiskFull { free });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_directory_with_room_passes() {
        let dir = tempfile::tempdir().unwrap();
        // Whatever the machine, a temporary directory is writable; its
        // room we cannot promise, so only the read-only flag is asserted.
        match disk_writable(&dir.path().join("docket.db")) {
            Ok(()) | Err(Unhealthy::DiskFull { .. }) => {}
            Err(other) => panic!("{other}"),
        }
    }
}
