//! Submitting comments as JSON: the web form's reading and limits, one
//! transaction, the receipt e-mail and page, a dry run that stores nothing,
//! and the comment period (editors' tokens may send late comments).

use diesel::prelude::*;
use docket::db::schema::{comments, submissions};
use reqwest::Method;
use serde_json::json as body;

use super::{Api, api, api_with_mail, json};

const OPEN: &str = "/api/v1/documents/open-draft/submissions";
const CLOSED: &str = "/api/v1/documents/nistir-8200/submissions";
const NONE: &[(&str, &str)] = &[];

fn open_document(api: &Api) {
    api.app.with_conn(|conn| {
        docket::documents::create(
            conn,
            &crate::helpers::draft_spec(
                "open-draft",
                time::macros::date!(2000 - 01 - 01),
                time::macros::date!(2100 - 01 - 01),
            ),
        )
        .unwrap();
    });
}

fn stored(api: &Api) -> (i64, i64) {
    api.app.with_conn(|conn| {
        (
            submissions::table.count().get_result(conn).unwrap(),
            comments::table.count().get_result(conn).unwrap(),
        )
    })
}

fn two_comments() -> serde_json::Value {
    body!({
        "name": "Ada Lovelace",
        "organization": "Analytical Engines",
        "email": "  Ada@Example.ORG ",
        "comments": [
            {"type": "T", "section": "2.1", "page": "iv", "comment": "Define the term engine."},
            {"type": "banana", "comment": "Second thought", "suggested_change": "=HYPERLINK(\"x\")"}
        ]
    })
}

on_both_backends! {
    async fn a_receipt_e_mail_that_fails_loses_nothing_and_the_receipt_says_so(db: TestDb) {
        // An SMTP port where nothing listens: the connection is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let api = api_with_mail(
            db,
            &format!("transport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_tls = \"none\"\nsmtp_timeout_secs = 5"),
        )
        .await;
        open_document(&api);
        let before = stored(&api);
        let receipt = json(api.call_with(Method::POST, OPEN, Some(two_comments()), NONE).await, 201).await;
        assert_eq!(receipt["stored"], true);
        // Queued with the submission; the mail server fails afterwards.
        assert_eq!(receipt["receipt_sent"], true);
        assert_eq!(stored(&api), (before.0 + 1, before.1 + 2));
        let url = receipt["receipt_url"].as_str().unwrap();
        assert!(!url.contains('?'), "{url}");
        api.app.outbox_drained().await;
        let page = api.app.page(url.strip_prefix("https://docket.example").unwrap(), 200).await;
        assert!(page.html().contains(receipt["tracking"].as_str().unwrap()));
        assert_eq!(
            crate::helpers::texts(&page, ".notice.warn").len(),
            1,
            "the receipt page says the e-mail could not be sent yet"
        );
    }

    async fn anyone_may_submit_while_the_period_is_open(db: TestDb) {
        let api = api(db).await;
        open_document(&api);
        let before = stored(&api);

        // A dry run reports and stores nothing.
        let dry = json(
            api.call_with(Method::POST, &format!("{OPEN}?dry_run=true"), Some(two_comments()), NONE)
                .await,
            200,
        )
        .await;
        assert_eq!(dry["stored"], false);
        assert_eq!(dry["tracking"], serde_json::Value::Null);
        assert_eq!(dry["comments"], 2);
        assert_eq!(stored(&api), before);
        assert!(api.mails().await.is_empty());

        let created = api.call_with(Method::POST, OPEN, Some(two_comments()), NONE).await;
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let receipt = json(created, 201).await;
        assert_eq!(receipt["receipt_url"], location.as_str());
        assert_eq!(receipt["stored"], true);
        assert_eq!(receipt["comments"], 2);
        let tracking = receipt["tracking"].as_str().unwrap().to_owned();
        assert_eq!(receipt["filed"][0]["tracking"], format!("{tracking}-1"));
        assert_eq!(receipt["filed"][1]["tracking"], format!("{tracking}-2"));
        // The unknown type word is reported against its row and column,
        // as on the upload preview, and the comment is kept.
        let problems = receipt["problems"].as_array().unwrap();
        assert!(
            problems.iter().any(|p| p["row"] == 2 && p["value"] == "banana"),
            "{problems:?}"
        );
        assert_eq!(stored(&api), (before.0 + 1, before.1 + 2));
        let (channel, email): (String, Option<String>) = api.app.with_conn(|conn| {
            submissions::table
                .filter(submissions::tracking_number.eq(&tracking))
                .select((submissions::channel, submissions::email))
                .first(conn)
                .unwrap()
        });
        assert_eq!(channel, "api");
        assert_eq!(email.as_deref(), Some("ada@example.org"));
        let formula: Option<String> = api.app.with_conn(|conn| {
            comments::table
                .filter(comments::tracking_number.eq(format!("{tracking}-2")))
                .select(comments::suggested_change)
                .first(conn)
                .unwrap()
        });
        assert_eq!(formula.as_deref(), Some("=HYPERLINK(\"x\")"), "stored as sent");

        // The receipt: e-mailed, and its page works.
        assert_eq!(receipt["receipt_sent"], true);
        let mails = api.mails().await;
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("To: ada@example.org"));
        assert!(mails[0].contains(&format!("Subject: Comments received: {tracking}")));
        let url = receipt["receipt_url"].as_str().unwrap();
        let path = url.strip_prefix("https://docket.example").unwrap();
        let page = api.app.page(path, 200).await;
        assert!(page.html().contains(&tracking));
        // The answer never repeats the address.
        assert!(!receipt.to_string().to_lowercase().contains("ada@example.org"));
    }

    async fn bad_submissions_are_refused_whole_with_the_reason(db: TestDb) {
        let api = api(db).await;
        open_document(&api);
        let before = stored(&api);
        for (sent, status, says) in [
            (body!({"name": "", "email": "x", "comments": []}), 422, "`name` is empty"),
            (body!({"name": "A", "email": "not an address", "comments": [{"comment": "x"}]}), 422, "`email` must be an e-mail address"),
            (body!({"name": "A", "email": "a@example.org", "comments": []}), 422, "`comments` is empty"),
            (body!({"name": "A", "email": "a@example.org", "comments": [{"page": "3"}]}), 400, "missing field `comment`"),
            (body!({"name": "A", "email": "a@example.org", "comments": [{"comment": "x"}], "colour": 1}), 400, "unknown field `colour`"),
            (body!({"name": "A", "email": "a@example.org", "comments": [{"comment": "  "}]}), 422, "could not be read"),
        ] {
            let refused = json(api.call_with(Method::POST, OPEN, Some(sent.clone()), NONE).await, status).await;
            assert!(
                refused["error"]["message"].as_str().unwrap().contains(says),
                "{sent}: {refused}"
            );
        }
        // A misspelt dry run is refused, not taken for a real submission.
        let typo = json(
            api.call_with(Method::POST, &format!("{OPEN}?dryrun=true"), Some(two_comments()), NONE).await,
            400,
        )
        .await;
        assert!(typo["error"]["message"].as_str().unwrap().contains("dryrun"), "{typo}");
        // More than the web form takes.
        let many: Vec<serde_json::Value> =
            (0..1001).map(|n| body!({"comment": format!("Comment {n}")})).collect();
        let refused = json(
            api.call_with(
                Method::POST,
                OPEN,
                Some(body!({"name": "A", "email": "a@example.org", "comments": many})),
                NONE,
            )
            .await,
            413,
        )
        .await;
        assert!(refused["error"]["message"].as_str().unwrap().contains("at most 1000"), "{refused}");
        // Not JSON at all.
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{}{OPEN}", api.app.address))
            .header("Content-Type", "text/plain")
            .body("name=A")
            .send()
            .await
            .unwrap();
        let refused = json(response, 400).await;
        assert!(refused["error"]["message"].as_str().unwrap().contains("Content-Type: application/json"));
        // Unknown document.
        json(
            api.call_with(Method::POST, "/api/v1/documents/nope/submissions", Some(two_comments()), NONE)
                .await,
            404,
        )
        .await;
        assert_eq!(stored(&api), before);
        assert!(api.mails().await.is_empty());
    }

    async fn after_the_period_only_an_editor_token_may_submit(db: TestDb) {
        let api = api(db).await;
        let before = stored(&api);
        let refused = json(api.call_with(Method::POST, CLOSED, Some(two_comments()), NONE).await, 403).await;
        assert!(refused["error"]["message"].as_str().unwrap().contains("closed"));
        assert_eq!(stored(&api), before);
        // A wrong token is not taken for the public.
        json(
            api.call_with(Method::POST, CLOSED, Some(two_comments()), &[("Authorization", "Bearer docket_x")])
                .await,
            401,
        )
        .await;
        let late = json(api.call(Method::POST, CLOSED, Some(two_comments())).await, 201).await;
        let tracking = late["tracking"].as_str().unwrap().to_owned();
        let is_late: bool = api.app.with_conn(|conn| {
            submissions::table
                .filter(submissions::tracking_number.eq(&tracking))
                .select(submissions::late)
                .first(conn)
                .unwrap()
        });
        assert!(is_late);
    }
}

on_both_backends! {
    async fn anonymous_submissions_are_limited_per_client_address(db: TestDb) {
        // Receipts go out to any address given: without a limit, the API
        // would be a relay for as many e-mails as anyone cares to send.
        let outbox = tempfile::tempdir().unwrap();
        let config = format!(
            "[mail]\ntransport = \"file\"\noutbox_dir = \"{}\"\n[limits]\napi_submit_per_minute = 2\n",
            outbox.path().display()
        );
        let app = crate::editor::tags::app_with_config(db, crate::api::COMMENTS, &config).await;
        let token = crate::api::make_token(&app, "a script", "30").await;
        let api = Api { app, token, outbox };
        open_document(&api);
        for _ in 0..2 {
            json(api.call_with(Method::POST, OPEN, Some(two_comments()), NONE).await, 201).await;
        }
        let before = stored(&api);
        let third = api.call_with(Method::POST, OPEN, Some(two_comments()), NONE).await;
        let wait: u64 = third.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "Retry-After: {wait}");
        let refused = json(third, 429).await;
        assert_eq!(refused["error"]["code"], "too_many_requests");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("too many submissions came from your network: try again in "), "{message}");
        assert_eq!(stored(&api), before, "nothing stored");
        assert_eq!(api.mails().await.len(), 2, "no third receipt");
        // X-Forwarded-For is not believed from a client that is not a
        // trusted proxy (none is configured here).
        let spoofed = api
            .call_with(Method::POST, OPEN, Some(two_comments()), &[("X-Forwarded-For", "203.0.113.9")])
            .await;
        assert_eq!(spoofed.status().as_u16(), 429);
        // An editor's token is not limited.
        json(api.call(Method::POST, OPEN, Some(two_comments())).await, 201).await;
    }
}
