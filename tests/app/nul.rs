//! NUL characters are refused at the edge alike on both back ends:
//! PostgreSQL cannot store them in text, and answered 500 where SQLite
//! answered 404, 401 or 200. Files may still hold NUL bytes.

use docket::domain::Role;
use serde_json::json;

use crate::helpers::{Multipart, TestApp, csrf_token, texts};

/// The error page's status and message.
async fn answer(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    let page = scraper::Html::parse_document(&body);
    (status, texts(&page, "p.message").join("\n"))
}

fn field_refused(field: &str) -> String {
    format!(
        "The field `{field}` holds a NUL character, which docket does not accept. \
         Nothing was stored; remove it and send again."
    )
}

on_both_backends! {
    async fn a_nul_in_an_address_is_refused_alike_on_both_back_ends(db: TestDb) {
        let app = TestApp::spawn(db).await;
        for path in ["/d/%00", "/receipt/%00", "/invite/%00", "/d/nistir-8200/submit/%00", "/editor/d/%00"] {
            let (status, message) = answer(app.get(path).await).await;
            assert_eq!((status, message.as_str()), (404, "nothing is at an address with a NUL character (%00) in it"), "GET {path}");
        }
        let response = app.get("/api/v1/documents/%00").await;
        assert_eq!(response.status().as_u16(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let (status, message) = answer(app.get("/d/nistir-8200/comments?q=%00").await).await;
        assert_eq!(status, 400, "{message}");
        assert!(message.contains("NUL character"), "{message}");
    }

    async fn a_nul_in_a_form_or_json_field_is_refused_naming_the_field(db: TestDb) {
        let app = TestApp::spawn(db).await;
        app.with_conn(|conn| {
            docket::auth::create_user(conn, "ed@example.org", "Ed", Role::Editor, "a long enough password").unwrap();
            let spec = crate::helpers::draft_spec("draft", time::macros::date!(2000 - 01 - 01), time::macros::date!(2100 - 01 - 01));
            docket::documents::create(conn, &spec).unwrap();
        });
        // Sign-in (URL-encoded form).
        let csrf = csrf_token(&app.page("/login", 200).await);
        let response = app
            .post_form("/login", &[("csrf", csrf.as_str()), ("email", "ed\0@example.org"), ("password", "a long enough password")])
            .await;
        assert_eq!(answer(response).await, (400, field_refused("email")));

        // A typed comment on the web form (multipart): refused, nothing kept.
        let csrf = csrf_token(&app.page("/d/draft/submit", 200).await);
        let form = Multipart::new()
            .text("csrf", &csrf)
            .text("name", "Ada")
            .text("organization", "")
            .text("email", "ada@example.org")
            .file("file", "", "application/octet-stream", b"")
            .text("kind", "G")
            .text("section", "")
            .text("page", "")
            .text("line", "")
            .text("comment", "A comment\0 with a NUL")
            .text("suggested_change", "");
        let response = app.post_multipart("/d/draft/submit", form).await;
        assert_eq!(answer(response).await, (400, field_refused("comment")));
        // A file may hold NUL bytes: it is read (and this one refused as no
        // workbook), not refused at the edge.
        let form = Multipart::new()
            .text("csrf", &csrf)
            .text("name", "Ada")
            .text("organization", "")
            .text("email", "ada@example.org")
            .file("file", "comments.xlsx", "application/octet-stream", b"PK\0\0\0\0not a workbook");
        let response = app.post_multipart("/d/draft/submit", form).await;
        let (status, _) = answer(response).await;
        assert_ne!(status, 400, "a file with NUL bytes is refused at the edge");

        // The JSON API: a `\u0000` in a comment.
        let response = app
            .client
            .post(format!("{}/api/v1/documents/draft/submissions?dry_run=true", app.address))
            .json(&json!({
                "name": "Ada",
                "email": "ada@example.org",
                "comments": [{"comment": "fine"}, {"comment": "not\u{0}fine"}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["message"], field_refused("comments[1].comment"));
    }
}

on_both_backends! {
    async fn json_of_any_type_and_compressed_bodies_are_checked_too(db: TestDb) {
        let app = TestApp::spawn(db).await;
        app.with_conn(|conn| {
            let spec = crate::helpers::draft_spec("draft", time::macros::date!(2000 - 01 - 01), time::macros::date!(2100 - 01 - 01));
            docket::documents::create(conn, &spec).unwrap();
        });
        let url = format!("{}/api/v1/documents/draft/submissions?dry_run=true", app.address);
        let body = json!({"name": "Ada\u{0}", "email": "ada@example.org", "comments": [{"comment": "x"}]}).to_string();
        // `text/json` is JSON to actix's extractor.
        let response = app.client.post(&url).header("Content-Type", "text/json").body(body.clone()).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let said: serde_json::Value = response.json().await.unwrap();
        assert_eq!(said["error"]["message"], field_refused("name"));
        // A compressed body would be unpacked after the check: refused.
        let response = app
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let said: serde_json::Value = response.json().await.unwrap();
        assert!(said["error"]["message"].as_str().unwrap().contains("compressed"), "{said}");
    }
}
