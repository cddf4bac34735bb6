//! The server's memory follows an upload's real size, whatever the file
//! claims: docket runs as a process of its own (`docket serve`) so its peak
//! resident set (`VmHWM`) can be read, and each upload must keep it within
//! 64 MB + 16 times the upload's size, refused or accepted; four GETs of a
//! preview at once must not read the file again.
//!
//! The two hostile shapes are the ones an adversarial test found: a 2 MB
//! XLSX whose two sheets hold 200,000 rows each with one number in column BL
//! (it took the server to 1.2 GB), and an ODS of under a kilobyte whose one
//! row of 64 numbers is repeated 199,998 times (2.9 GB).
//!
//! The figures are printed: `cargo test --test app -- submit::memory::hostile
//! --nocapture` (with `DOCKET_TEST_BIN=target/release/docket` for a release
//! build's).

use std::io::Write;
use std::time::Duration;

use super::{
    ADA, CSV, Who, confirm, form_csrf, open_document, preview, refused, send, spawn, stored, upload,
};
use crate::helpers::{Multipart, csrf_token};
use crate::process::Server;

const MB: u64 = 1024 * 1024;

/// The budget the issue set: the server at most this high after `upload`.
fn allowed(upload: usize) -> u64 {
    64 * MB + 16 * upload as u64
}

/// A header sheet and two sheets of 200,000 rows, each holding one number
/// in column BL.
fn rows_far_right() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let header = workbook.add_worksheet().set_name("Comments").unwrap();
    header.write_string(0, 0, "Comment #").unwrap();
    header.write_string(0, 1, "Comment").unwrap();
    header.write_string(1, 0, "1").unwrap();
    header.write_string(1, 1, "A comment").unwrap();
    for sheet in ["A", "B"] {
        let worksheet = workbook
            .add_worksheet_with_constant_memory()
            .unwrap()
            .set_name(sheet)
            .unwrap();
        for row in 0..200_000 {
            worksheet.write_number(row, 63, 1.0).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// One row of 64 numbers, repeated 199,998 times.
fn repeated_row() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("mimetype", options).unwrap();
    writer
        .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    writer.start_file("content.xml", options).unwrap();
    writer.write_all(b"<office:document-content><office:body><office:spreadsheet><table:table table:name=\"S\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>Comment #</text:p></table:table-cell><table:table-cell office:value-type=\"string\"><text:p>Comment</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated=\"199998\"><table:table-cell table:number-columns-repeated=\"64\" office:value-type=\"float\" office:value=\"1\"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>").unwrap();
    writer.finish().unwrap().into_inner()
}

/// 20,000 ordinary comments, about 5 MB.
fn ordinary_csv() -> Vec<u8> {
    let mut csv = String::from("Comment #,Section,Page #,Line #,Comment,Suggested Change\n");
    for i in 1..=20_000 {
        csv.push_str(&format!(
            "{i},2.{},{},{},\"The paragraph on page {} repeats what section 1 says about scope; comment {i} asks for one definition, kept in the glossary, and a cross-reference here. {}\",\"Replace the paragraph with a reference to the glossary.\"\n",
            i % 7,
            i % 40,
            i % 900,
            i % 40,
            "More words. ".repeat(i % 10),
        ));
    }
    csv.into_bytes()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// Uploads `bytes` as `name` to the document `draft`; the response's status
/// and, for an accepted upload, the preview's path.
async fn upload_to(server: &Server, name: &str, bytes: &[u8]) -> (u16, Option<String>) {
    let client = client();
    let form = format!("{}/d/draft/submit", server.address);
    let page = client
        .get(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_token(&scraper::Html::parse_document(&page));
    let content_type = mime_guess::from_path(name).first_or_octet_stream();
    let body = Multipart::new()
        .text("csrf", &csrf)
        .text("name", "Ada Lovelace")
        .text("organization", "")
        .text("email", "ada@example.org")
        .file("file", name, content_type.as_ref(), bytes);
    let response = client
        .post(&form)
        .header("Content-Type", body.content_type())
        .body(body.into_body())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("Location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location)
}

on_both_backends! {
    async fn hostile_and_ordinary_uploads_stay_within_their_memory_budget(db: TestDb) {
        {
            let pool = db.migrated_pool();
            let mut conn = pool.get().unwrap();
            docket::documents::create(
                &mut conn,
                &crate::helpers::draft_spec("draft", time::macros::date!(2000 - 01 - 01), time::macros::date!(2100 - 01 - 01)),
            )
            .unwrap();
        }
        let server = Server::start(&db.url);
        eprintln!("memory: docket serve idle at {} MB", server.peak() / MB);

        // Smallest allowance first: the peak only grows.
        let repeated = repeated_row();
        assert!(repeated.len() < 2048, "{}", repeated.len());
        let (status, _) = upload_to(&server, "repeated.ods", &repeated).await;
        let after_ods = server.peak();
        eprintln!(
            "memory: {} byte ODS of 12.8 million cells: status {status}, peak {} MB (allowed {} MB)",
            repeated.len(), after_ods / MB, allowed(repeated.len()) / MB
        );
        assert_eq!(status, 422, "the ODS is refused");
        assert!(after_ods <= allowed(repeated.len()));

        let far_right = rows_far_right();
        let (status, _) = upload_to(&server, "far-right.xlsx", &far_right).await;
        let after_xlsx = server.peak();
        eprintln!(
            "memory: {} KB XLSX of 400,000 rows far right: status {status}, peak {} MB (allowed {} MB)",
            far_right.len() / 1024, after_xlsx / MB, allowed(far_right.len()) / MB
        );
        assert_eq!(status, 422, "the XLSX is refused");
        assert!(after_xlsx <= allowed(far_right.len()));

        // An ordinary file is taken, and its preview shown four times at
        // once without reading the file again.
        let csv = ordinary_csv();
        let (status, preview) = upload_to(&server, "ordinary.csv", &csv).await;
        assert_eq!(status, 303, "the CSV is accepted");
        let preview = format!("{}{}", server.address, preview.unwrap());
        let after_upload = server.peak();
        let gets: Vec<_> = (0..4)
            .map(|_| {
                let preview = preview.clone();
                tokio::spawn(async move { client().get(&preview).send().await.unwrap().status().as_u16() })
            })
            .collect();
        for get in gets {
            assert_eq!(get.await.unwrap(), 200);
        }
        let after_gets = server.peak();
        eprintln!(
            "memory: {} KB CSV of 20,000 comments: peak {} MB after the upload, {} MB after four GETs of its preview at once (allowed {} MB)",
            csv.len() / 1024, after_upload / MB, after_gets / MB, allowed(csv.len()) / MB
        );
        assert!(after_upload <= allowed(csv.len()));
        assert!(after_gets <= after_upload + 16 * csv.len() as u64);
    }
}

on_both_backends! {
    async fn a_preview_is_shown_from_what_was_read_at_upload(db: TestDb) {
        use diesel::prelude::*;
        use docket::db::schema::pending_uploads;

        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let response =
            send(app, "draft", upload(&csrf, ADA, "c.csv", CSV.as_bytes())).await;
        let (token, first) = preview(app, "draft", response).await;
        // The stored file no longer reads: the preview does not need it.
        app.with_conn(|conn| {
            diesel::update(pending_uploads::table.find(docket::db::pending::key(&token)))
                .set(pending_uploads::bytes.eq(Some(b"not a spreadsheet".to_vec())))
                .execute(conn)
                .unwrap();
        });
        let again = app.page(&format!("/d/draft/submit/{token}"), 200).await;
        let rows = |page: &scraper::Html| crate::helpers::texts(page, "td.comment");
        assert!(!rows(&first).is_empty());
        assert_eq!(rows(&again), rows(&first));
        // Confirm reads the stored file, and says it no longer reads.
        let response = confirm(app, "draft", &token, &csrf).await;
        assert_eq!(response.status().as_u16(), 400);
    }

    async fn unconfirmed_uploads_make_room_oldest_first_past_their_caps(db: TestDb) {
        use diesel::prelude::*;
        use docket::db::schema::pending_uploads;

        // What one upload of the file holds waiting (file and preview),
        // measured on a site of its own.
        let size = {
            let site = spawn(crate::helpers::TestDb::sqlite(), "", "").await;
            let app = &site.app;
            open_document(app, "draft");
            let csrf = form_csrf(app, "draft").await;
            send(app, "draft", upload(&csrf, ADA, "c.csv", CSV.as_bytes())).await;
            app.with_conn(|conn| {
                pending_uploads::table
                    .select(pending_uploads::size_bytes)
                    .first::<i64>(conn)
                    .unwrap()
            })
        };
        assert!(size as usize > CSV.len(), "{size}");
        // Room for two and a half such uploads per client, more in all.
        let site = spawn(
            db,
            "",
            &format!(
                "[uploads]\nunconfirmed_keep_minutes = 60\nunconfirmed_bytes_per_client = {}\nunconfirmed_bytes_total = {}\n",
                size * 5 / 2,
                size * 10
            ),
        )
        .await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let mut tokens = Vec::new();
        for _ in 0..4 {
            let response =
                send(app, "draft", upload(&csrf, ADA, "c.csv", CSV.as_bytes())).await;
            let (token, _) = preview(app, "draft", response).await;
            tokens.push(token);
        }
        let waiting: Vec<(String, String, i64)> = app.with_conn(|conn| {
            pending_uploads::table
                .select((pending_uploads::token, pending_uploads::client, pending_uploads::size_bytes))
                .order(pending_uploads::created_at)
                .load(conn)
                .unwrap()
        });
        let kept: Vec<&String> = waiting.iter().map(|(t, _, _)| t).collect();
        // The two newest are kept; the oldest made room.
        let key = docket::db::pending::key;
        assert_eq!(kept, [&key(&tokens[2]), &key(&tokens[3])]);
        for (_, client, size_bytes) in &waiting {
            // A keyed hash, not the address.
            assert_eq!(client.len(), 32, "{client}");
            assert!(!client.contains("127.0.0.1"));
            assert_eq!(*size_bytes, size);
        }
        app.page(&format!("/d/draft/submit/{}", tokens[0]), 404).await;
        app.page(&format!("/d/draft/submit/{}", tokens[3]), 200).await;

        // An hour later, unconfirmed uploads are forgotten at the next upload.
        app.with_conn(|conn| {
            diesel::update(pending_uploads::table)
                .set(pending_uploads::created_at.eq(docket::db::now() - time::Duration::minutes(61)))
                .execute(conn)
                .unwrap();
        });
        let response =
            send(app, "draft", upload(&csrf, ADA, "c.csv", CSV.as_bytes())).await;
        let (token, _) = preview(app, "draft", response).await;
        let left: Vec<String> = app.with_conn(|conn| {
            pending_uploads::table.select(pending_uploads::token).load(conn).unwrap()
        });
        assert_eq!(left, [key(&token)]);

        // Past the cap of all senders together, the oldest of anyone's go.
        let caps = docket::db::pending::Caps {
            unconfirmed_keep_minutes: 60,
            unconfirmed_bytes_per_client: 1000,
            unconfirmed_bytes_total: 2500,
        };
        let document_id: i64 = app.with_conn(|conn| {
            pending_uploads::table.select(pending_uploads::document_id).first(conn).unwrap()
        });
        let start = docket::db::now();
        app.with_conn(|conn| {
            diesel::delete(pending_uploads::table).execute(conn).unwrap();
            for (i, client) in ["a", "b", "c", "d"].iter().enumerate() {
                let pending = docket::db::pending::PendingUpload {
                    token: format!("t{i}"),
                    document_id,
                    channel: "upload".to_owned(),
                    submitter_name: "S".to_owned(),
                    organization: String::new(),
                    email: "s@example.org".to_owned(),
                    file_name: Some("f.csv".to_owned()),
                    content_type: None,
                    bytes: Some(vec![b'x'; 1000]),
                    form_json: None,
                    submission_id: None,
                    created_at: start + time::Duration::seconds(i as i64),
                    client: (*client).to_owned(),
                    size_bytes: 1000,
                    preview: None,
                };
                docket::db::pending::insert_within(conn, &pending, &caps).unwrap();
            }
        });
        let left: Vec<String> = app.with_conn(|conn| {
            pending_uploads::table
                .select(pending_uploads::token)
                .order(pending_uploads::token)
                .load(conn)
                .unwrap()
        });
        assert_eq!(left, ["t2", "t3"]);
    }

    async fn names_and_addresses_longer_than_anyone_has_are_refused(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let long_name = "N".repeat(100_000);
        let who = Who {
            name: &long_name,
            organization: "Analytical Engines Ltd",
            email: "ada@example.org",
        };
        let page = refused(
            send(app, "draft", upload(&csrf, who, "c.csv", CSV.as_bytes())).await,
            "long name",
        )
        .await;
        let errors = crate::helpers::texts(&page, ".errors li");
        assert_eq!(errors, ["Your name is 100000 characters long; at most 200 are taken."]);
        assert_eq!(stored(app), (0, 0, 0));

        // The JSON API refuses them alike, and sends no receipt.
        let response = app
            .client
            .post(format!("{}/api/v1/documents/draft/submissions", app.address))
            .json(&serde_json::json!({
                "name": "Ada",
                "organization": "O".repeat(400),
                "email": format!("{}@example.org", "a".repeat(300)),
                "comments": [{"comment": "A comment"}],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422);
        let body = response.text().await.unwrap();
        assert!(body.contains("The organisation is 400 characters long; at most 300 are taken."), "{body}");
        assert!(body.contains("The e-mail address is 312 characters long; at most 254 are taken."), "{body}");
        assert!(!body.contains(&"a".repeat(300)), "the address is not echoed");
        assert!(site.mails().await.is_empty());
    }
}
