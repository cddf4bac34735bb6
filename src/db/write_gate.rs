//! One writer at a time per SQLite file within this process, queued on a
//! mutex rather than on SQLite's busy handler.
//!
//! A second `BEGIN IMMEDIATE` that finds the file locked is retried by the
//! busy handler after sleeping 1, 2, 5, 10, 15… ms, however soon the lock
//! is released; under two concurrent saves that sleep, not the work, set
//! the pace (and a 40 ms p95). Waiting on a mutex instead wakes the next
//! writer as the first commits. Other processes on the same file (a CLI
//! import beside the server) still meet the busy timeout as before.
//!
//! The gate is handed to the writer waiting longest (a fair unlock, in
//! `transaction`): a large submission coming straight back for its next
//! transaction would otherwise take it again, and again, before an
//! editor's save had its turn.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use diesel::SqliteConnection;
use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use parking_lot::{Mutex, MutexGuard};

/// The gate of one database file, carried by each of its connections as
/// their diesel instrumentation (which observes nothing): diesel gives a
/// connection no other place for state of our own.
pub(crate) struct WriteGate {
    lock: Arc<Mutex<()>>,
    /// How long to queue before leaving it to SQLite's busy timeout.
    wait: Duration,
}

impl Instrumentation for WriteGate {
    fn on_connection_event(&mut self, _: InstrumentationEvent<'_>) {}
}

impl WriteGate {
    /// The gate shared by every connection of this process to `path`.
    pub(crate) fn for_file(path: &Path, wait: Duration) -> Self {
        static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
        let key = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        let lock = GATES
            .get_or_init(Default::default)
            .lock()
            .entry(key)
            .or_default()
            .clone();
        Self { lock, wait }
    }

    /// This connection's gate, if it has one.
    pub(crate) fn of(conn: &mut SqliteConnection) -> Option<(Arc<Mutex<()>>, Duration)> {
        conn.instrumentation()
            .downcast_ref::<Self>()
            .map(|gate| (Arc::clone(&gate.lock), gate.wait))
    }
}

/// Queues for the file's gate; `None` after waiting as long as the busy
/// timeout (a writer that never finishes, or a writer nested inside
/// another on this thread), when SQLite's own locking decides alone.
pub(crate) fn enter(lock: &Mutex<()>, wait: Duration) -> Option<MutexGuard<'_, ()>> {
    let held = lock.try_lock_for(wait);
    if held.is_none() {
        tracing::debug!("the SQLite write gate stayed closed; relying on the busy timeout");
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_to_one_file_share_its_gate_and_wait_no_longer_than_told() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("one.db"), dir.path().join("two.db"));
        std::fs::write(&one, b"").unwrap();
        std::fs::write(&two, b"").unwrap();
        let wait = Duration::from_millis(20);
        let a = WriteGate::for_file(&one, wait);
        // Another spelling of the same file.
        let b = WriteGate::for_file(&dir.path().join(".").join("one.db"), wait);
        let other = WriteGate::for_file(&two, wait);
        assert!(Arc::ptr_eq(&a.lock, &b.lock));
        assert!(!Arc::ptr_eq(&a.lock, &other.lock));

        let held = enter(&a.lock, wait).unwrap();
        let started = std::time::Instant::now();
        assert!(
            enter(&b.lock, wait).is_none(),
            "the file's writer is inside"
        );
        assert!(started.elapsed() >= wait);
        assert!(
            enter(&other.lock, wait).is_some(),
            "another file's gate is open"
        );
        drop(held);
        assert!(enter(&b.lock, wait).is_some());
    }
}
