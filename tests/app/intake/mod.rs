//! `docket import` and `docket export --format json`: real comment files in
//! and every cell back out, broken files refused whole, odd cells reported
//! with the row kept, the comment period and files sent twice.

pub(crate) mod broken;
pub(crate) mod fixtures;
mod period;
mod warnings;

use std::path::{Path, PathBuf};
use std::process::Output;

use diesel::prelude::*;
use docket::db::documents::Document;
use docket::db::schema::{comments, submissions};
use serde_json::Value;
use time::Date;
use time::macros::date;

use crate::cli::{docket, stderr, stdout};
use crate::helpers::TestDb;

/// The shared fixtures (`../shared/fixtures`, beside the repository), or
/// `None` with a notice when they are absent. Under CI=true their absence fails the test instead.
pub(crate) fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures"));
    if dir.is_dir() {
        return Some(dir);
    }
    // The same reading of CI as the PostgreSQL half of `on_both_backends!`.
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !in_ci,
        "CI=true but {} does not exist; the fixture tests must run in CI",
        dir.display()
    );
    // #[tokio::test] runs the test on its own thread, named after the test.
    let test = std::thread::current().name().unwrap_or("test").to_owned();
    eprintln!("skipping {test}: ../shared/fixtures not found");
    None
}

/// A document open for comment from 2000 to 2100.
pub(crate) fn open_document(db: &TestDb, slug: &str) -> Document {
    document(db, slug, date!(2000 - 01 - 01), date!(2100 - 01 - 01))
}

/// Creates a document on a migrated database.
fn document(db: &TestDb, slug: &str, opens: Date, closes: Date) -> Document {
    let mut conn = db.connect();
    docket::startup::prepare_database(&mut conn, false).unwrap();
    docket::documents::create(&mut conn, &crate::helpers::draft_spec(slug, opens, closes)).unwrap()
}

/// `docket import --json ARGS`: the process and its report, one per file.
fn import_json(db: &TestDb, args: &[&str]) -> (Output, Vec<Value>) {
    let out = docket(db, &[&["import", "--json"], args].concat());
    let report = report(&out);
    (out, report)
}

/// The JSON report on stdout of `docket import --json`.
fn report(out: &Output) -> Vec<Value> {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stdout: {}\nstderr: {}",
            stdout(out),
            stderr(out)
        )
    })
}

/// Every stored comment of a document, through `docket export -o FILE`.
pub(crate) fn export(db: &TestDb, slug: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    let out = docket(
        db,
        &[
            "export",
            "--document",
            slug,
            "--format",
            "json",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// How many submissions and comments the database holds, all documents.
fn stored(db: &TestDb) -> (i64, i64) {
    let mut conn = db.connect();
    let submissions = submissions::table.count().get_result(&mut conn).unwrap();
    let comments = comments::table.count().get_result(&mut conn).unwrap();
    (submissions, comments)
}

/// Writes `bytes` to `dir/name`; returns the path as a string.
fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}
