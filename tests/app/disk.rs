//! SQLite on a disk that fills up: `/healthz` says so before writes fail,
//! and a submission that runs out of room names the cause ("database or
//! disk is full", not a savepoint message), stores nothing and leaves no
//! gap in the tracking numbers.
//!
//! The disk is a small tmpfs mounted for the test, which needs root (as in
//! CI); elsewhere the tests skip with a notice.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use docket::db::schema::{comments, submissions};
use docket::domain::Channel;
use docket::submissions::{Request, Sender, Stored, Upload, store};
use time::macros::date;

use crate::cli::{docket_with_env, stderr, stdout};
use crate::helpers::{TestApp, TestDb, draft_spec};

/// A tmpfs of a few megabytes, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(Self { dir }),
            other => {
                eprintln!(
                    "NOTICE: skipping a full-disk test: cannot mount a tmpfs here ({other:?}); run as root to include it"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk until `leave` bytes are free; returns the filler.
    fn fill(&self, leave: u64) -> PathBuf {
        let stat = rustix::fs::statvfs(self.path()).unwrap();
        let free = stat.f_bavail * stat.f_frsize;
        let filler = self.path().join("filler");
        std::fs::write(&filler, vec![0u8; free.saturating_sub(leave) as usize]).unwrap();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

#[tokio::test]
async fn healthz_says_unavailable_when_the_disk_is_full() {
    let Some(disk) = SmallDisk::mount(40) else {
        return;
    };
    let app = TestApp::spawn(TestDb::sqlite_in(disk.path())).await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    let filler = disk.fill(4 * 1024 * 1024);
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    let reason = body["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("the disk holding the database is full"),
        "{reason}"
    );

    std::fs::remove_file(filler).unwrap();
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

/// A CSV of `rows` long comments (about 600 bytes each).
fn csv(rows: usize) -> String {
    let mut text = String::from("Comment #,Type,Section,Page #,Line #,Comment,Suggested Change\n");
    for i in 1..=rows {
        text.push_str(&format!(
            "{i},T,2.1,4,{i},\"Comment {i}: {}\",Say it once.\n",
            "the paragraph leaves open who verifies the claimant and when; ".repeat(9)
        ));
    }
    text
}

#[test]
fn a_submission_that_fills_the_disk_names_the_cause_and_stores_nothing() {
    let Some(disk) = SmallDisk::mount(24) else {
        return;
    };
    let db = TestDb::sqlite_in(disk.path());
    drop(db.migrated_pool());
    let document = {
        let mut conn = db.connect();
        docket::documents::create(
            &mut conn,
            &draft_spec("draft", date!(2026 - 01 - 01), date!(2027 - 01 - 01)),
        )
        .unwrap()
    };
    let text = csv(4_000);
    let file = disk.path().join("comments.csv");
    std::fs::write(&file, &text).unwrap();
    let filler = disk.fill(text.len() as u64 / 2);

    // As the web's Confirm stores it: inside a transaction of its own, so
    // the submission's is a savepoint, which SQLite drops with the rest
    // when the disk fills.
    let intake =
        docket::intake::read("comments.csv", text.as_bytes(), &Default::default()).unwrap();
    let request = Request {
        channel: Channel::Upload,
        file: Some(Upload {
            file_name: "comments.csv",
            content_type: "text/csv",
            bytes: text.as_bytes(),
        }),
        allow_late: true,
        today: date!(2026 - 12 - 07),
        transaction_time: docket::submissions::TRANSACTION_TIME,
    };
    let mut conn = db.connect();
    let failed = docket::db::write_transaction(&mut conn, |conn| {
        store(
            conn,
            &document,
            &Sender::default(),
            request,
            &intake,
            &mut |_| {},
        )
    })
    .unwrap_err()
    .to_string();
    assert!(failed.contains("database or disk is full"), "{failed}");
    assert!(!failed.contains("savepoint"), "{failed}");
    drop(conn);

    // And as `docket import` says it.
    let env = [("DATABASE_URL", db.url.as_str())];
    let out = docket_with_env(
        &[
            "import",
            "--document",
            "draft",
            "--late",
            file.to_str().unwrap(),
        ],
        &env,
    );
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("database or disk is full"), "{said}");
    assert!(!said.contains("savepoint"), "{said}");

    let mut conn = db.connect();
    let stored: i64 = submissions::table.count().get_result(&mut conn).unwrap();
    let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
    assert_eq!((stored, rows), (0, 0), "nothing half-stored");

    // With room again, the same file is stored as the first submission.
    std::fs::remove_file(filler).unwrap();
    let stored = store(
        &mut conn,
        &document,
        &Sender::default(),
        request,
        &intake,
        &mut |_| {},
    )
    .unwrap();
    let Stored::New {
        submission,
        comments,
        ..
    } = stored
    else {
        panic!("stored before?")
    };
    assert_eq!(submission.tracking_number, "DRAFT-0001");
    assert_eq!(comments, 4_000);
}
