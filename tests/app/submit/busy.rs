//! A writer that cannot get the database in time (another process storing
//! a large submission holds it) is answered 503 with `Retry-After`, keeps
//! what the submitter sent, and succeeds once the database is free.

use diesel::connection::SimpleConnection;
use docket::db::DbConnection;

use super::{
    ADA, CSV, confirm, form_csrf, open_document, preview, send, spawn, stored, typed, upload,
};
use crate::helpers::{TestDb, see_other, texts};

/// Waits for locks this long, so the test does not wait long.
const SHORT_WAITS: &str = "[database]\nsqlite_busy_timeout_ms = 300\nlock_timeout_ms = 300\n";

/// Another writer, holding what a submission needs until `ROLLBACK`: the
/// whole database on SQLite, the document's row on PostgreSQL.
fn hold_the_document(db: &TestDb, slug: &str) -> DbConnection {
    let mut conn = db.connect();
    let sql = match conn {
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE".to_owned(),
        DbConnection::Postgres(_) => {
            format!("BEGIN; SELECT id FROM documents WHERE slug = '{slug}' FOR UPDATE")
        }
    };
    conn.batch_execute(&sql).unwrap();
    conn
}

async fn assert_busy(response: reqwest::Response) -> scraper::Html {
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    scraper::Html::parse_document(&response.text().await.unwrap())
}

on_both_backends! {
    async fn a_busy_database_answers_503_and_keeps_the_upload_and_the_typed_form(db: TestDb) {
        let site = spawn(db, "", SHORT_WAITS).await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let (token, _) = preview(app, "draft", send(app, "draft", upload(&csrf, ADA, "comments.csv", CSV.as_bytes())).await).await;

        let mut holder = hold_the_document(&app.test_db, "draft");
        let page = assert_busy(confirm(app, "draft", &token, &csrf).await).await;
        let message = texts(&page, "p.message").join(" ");
        assert!(message.contains("try again in a few seconds"), "{message}");
        assert!(message.contains("Your upload is kept: go back and press Confirm again."), "{message}");
        assert_eq!(stored(app), (0, 0, 1), "nothing stored, the upload kept");

        let form = typed(&csrf, ADA, &[["T", "3.4", "9", "310", "Say which level applies.", "Add IAL2."]]);
        let page = assert_busy(send(app, "draft", form).await).await;
        let shown = page.html();
        assert!(shown.contains("try again in a few seconds"), "the form says why");
        assert!(shown.contains("Your comments are below: send the form again."));
        assert!(texts(&page, "textarea").iter().any(|t| t == "Say which level applies."), "the typed comment is kept");
        assert!(texts(&page, "textarea").iter().any(|t| t == "Add IAL2."));
        assert_eq!(stored(app), (0, 0, 1));

        holder.batch_execute("ROLLBACK").unwrap();
        let receipt = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert_eq!(receipt, format!("/receipt/{token}"));
        assert_eq!(stored(app), (1, 2, 1));
        let form = typed(&csrf, ADA, &[["T", "3.4", "9", "310", "Say which level applies.", "Add IAL2."]]);
        preview(app, "draft", send(app, "draft", form).await).await;
        assert_eq!(stored(app), (1, 2, 2));
    }
}
