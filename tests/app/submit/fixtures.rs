//! Every NIST fixture (XLSX, CSV and their variants) and the ISO comment
//! table through the web form:
//! upload → preview → Confirm → receipt, then the original stored byte for
//! byte beside its comments.

use std::collections::BTreeMap;
use std::path::PathBuf;

use diesel::prelude::*;
use docket::db::schema::submission_files;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{
    Who, comment_count, confirm, form_csrf, open_document, preview, send, spawn, stored,
    submission, tracking, upload,
};
use crate::helpers::{see_other, texts};
use crate::intake::fixtures::{ALL_SHEETS, SHEET_STEM, file_name, files_in, variant_stem};
use crate::intake::fixtures_dir;

/// `nist-sp800-63-4/manifest.json`, the keys these tests read.
#[derive(Deserialize)]
struct Manifest {
    files: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    stem: String,
    xlsx: String,
    csv: String,
    n_data_rows: usize,
    number_only_rows: Vec<u32>,
    organization: Option<String>,
}

/// What each fixture file should yield: its comment count and the
/// organisation its title rows name.
fn expected(manifest: &Manifest, variants: &[String]) -> BTreeMap<String, (usize, String)> {
    let mut out = BTreeMap::new();
    let mut all_sheets = 0;
    for entry in &manifest.files {
        // Rows holding only a pre-printed comment number are not comments.
        let count = entry.n_data_rows - entry.number_only_rows.len();
        let organization = entry
            .organization
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let names = [file_name(&entry.xlsx), file_name(&entry.csv)]
            .into_iter()
            .chain(
                variants
                    .iter()
                    .filter(|v| variant_stem(v) == entry.stem)
                    .cloned(),
            );
        for name in names {
            out.insert(name, (count, organization.clone()));
        }
        if entry.stem.starts_with(SHEET_STEM) {
            all_sheets += count;
        }
    }
    out.insert(ALL_SHEETS.to_owned(), (all_sheets, String::new()));
    out
}

on_both_backends! {
    async fn every_nist_fixture_uploads_and_is_stored_byte_for_byte(db: TestDb) {
        let Some(fixtures) = fixtures_dir() else { return };
        let nist = fixtures.join("nist-sp800-63-4");
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(nist.join("manifest.json")).unwrap()).unwrap();
        let variants: Vec<String> = files_in(&nist.join("variants"))
            .iter()
            .map(|p| file_name(p.to_str().unwrap()))
            .collect();
        let mut expected = expected(&manifest, &variants);
        let mut files: Vec<PathBuf> = ["xlsx", "csv", "variants"]
            .iter()
            .flat_map(|folder| files_in(&nist.join(folder)))
            .collect();
        // The ISO ballot's comment table too: 126 rows, no title rows.
        let iso = fixtures.join("iso-dis-19156/iso_dis19156_comments_with_secretariat_observations.csv");
        expected.insert(file_name(iso.to_str().unwrap()), (126, String::new()));
        files.push(iso);
        assert_eq!(files.len(), expected.len(), "files the manifest does not account for");

        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "sp800-63-4");
        let csrf = form_csrf(app, "sp800-63-4").await;
        // No organisation typed: the one the template's title rows name is kept.
        let who = Who { name: "Fixture Tester", organization: "", email: "tester@example.org" };
        let (mut total, mut numbers) = (0, Vec::new());
        for path in &files {
            let name = file_name(path.to_str().unwrap());
            let bytes = std::fs::read(path).unwrap();
            let (count, organization) = &expected[&name];

            let response = send(app, "sp800-63-4", upload(&csrf, who, &name, &bytes)).await;
            assert_eq!(response.status().as_u16(), 303, "{name}: {}", response.text().await.unwrap());
            let (token, page) = preview(app, "sp800-63-4", response).await;
            assert_eq!(texts(&page, ".count"), [format!("{count} comment(s)")], "{name}");
            assert_eq!(texts(&page, ".source"), [name.as_str()]);
            assert_eq!(texts(&page, "table.rows tbody tr").len(), *count, "{name}: preview rows");

            let location = see_other(&confirm(app, "sp800-63-4", &token, &csrf).await);
            assert_eq!(location, format!("/receipt/{token}"), "{name}");
            let receipt = app.page(&location, 200).await;
            let number = tracking(&receipt);
            let range = if *count == 1 {
                format!("{number}-1")
            } else {
                format!("{number}-1 to {number}-{count}")
            };
            assert_eq!(texts(&receipt, ".range"), [range], "{name}");
            assert!(texts(&receipt, ".notice.warn").is_empty(), "{name}");

            let stored_submission = submission(app, &number);
            let sha = hex::encode(Sha256::digest(&bytes));
            assert_eq!(stored_submission.channel, "upload", "{name}");
            assert_eq!(stored_submission.submitter_name, "Fixture Tester", "{name}");
            assert_eq!(&stored_submission.organization, organization, "{name}");
            assert_eq!(stored_submission.email.as_deref(), Some("tester@example.org"), "{name}");
            assert_eq!(stored_submission.sha256.as_deref(), Some(sha.as_str()), "{name}");
            let (file, content_type, size, file_sha, file_bytes): (String, String, i64, String, Vec<u8>) =
                app.with_conn(|conn| {
                    submission_files::table
                        .find(stored_submission.id)
                        .select((
                            submission_files::file_name,
                            submission_files::content_type,
                            submission_files::size_bytes,
                            submission_files::sha256,
                            submission_files::bytes,
                        ))
                        .first(conn)
                        .unwrap()
                });
            assert_eq!(file, name);
            assert_eq!(content_type, mime_guess::from_path(&name).first_or_octet_stream().as_ref(), "{name}");
            assert_eq!(size, bytes.len() as i64, "{name}");
            assert_eq!(file_sha, sha, "{name}");
            assert!(file_bytes == bytes, "{name}: the stored bytes differ from the upload");
            assert_eq!(comment_count(app, stored_submission.id), *count as i64, "{name}");
            total += count;
            numbers.push(number);
        }
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), files.len(), "one tracking number per file");
        // Every pending upload was confirmed; nothing is stored twice.
        assert_eq!(stored(app), (files.len() as i64, total as i64, files.len() as i64));
        assert_eq!(site.mails().await.len(), files.len(), "one receipt e-mail per file");

        // And every cell of every file in its place, as through the CLI.
        let exported = crate::intake::export(&app.test_db, "sp800-63-4");
        let manifest = crate::intake::fixtures::manifest_of(&fixtures);
        crate::intake::fixtures::check_every_fixture(&fixtures, &manifest, &exported, None, Some("Fixture Tester"));
    }
}
