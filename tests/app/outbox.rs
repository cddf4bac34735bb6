//! The mail queue (`mail_outbox`): a receipt committed with its submission
//! is sent after a crash, a failing mail server is retried with a growing
//! wait until it accepts, and two instances over one database send each
//! message once. Over real SMTP on loopback, through HTTP.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use docket::db::schema::mail_outbox as m;
use serde_json::json;

use crate::helpers::{TestApp, texts};
use crate::submit::mail::{Behaviour, Delivered, SmtpServer};

const SUBMIT: &str = "/api/v1/documents/open-draft/submissions";

/// `[mail]` through `server`, quick retries, and this `queue_poll_secs`
/// (0: the instance runs no sender job, as if it died before sending).
fn config(server: &SmtpServer, poll: u64) -> String {
    format!(
        "[server]\npublic_url = \"https://docket.example\"\n[mail]\nfrom = \"docket@example.org\"\n{}\n\
         queue_poll_secs = {poll}\nretry_first_secs = 1\nretry_max_secs = 2\nmax_attempts = 10\n",
        server.config()
    )
}

fn open_document(app: &TestApp) {
    app.with_conn(|conn| {
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

/// Submits one comment through the API as submitter `n`; returns the
/// receipt's page (path) and tracking number.
async fn submit(app: &TestApp, n: usize) -> (String, String) {
    let response = reqwest::Client::new()
        .post(format!("{}{SUBMIT}", app.address))
        .json(&json!({
            "name": format!("Submitter {n}"),
            "organization": "",
            "email": format!("s{n}@example.org"),
            "comments": [{"type": "G", "comment": format!("Comment {n}.")}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let receipt: serde_json::Value = response.json().await.unwrap();
    assert_eq!(receipt["receipt_sent"], true, "queued");
    let url = receipt["receipt_url"].as_str().unwrap();
    (
        url.strip_prefix("https://docket.example")
            .unwrap()
            .to_owned(),
        receipt["tracking"].as_str().unwrap().to_owned(),
    )
}

/// (attempts, sent, last error, next try − created) of every queued row.
type Row = (i32, bool, Option<String>, time::Duration);

fn rows(app: &TestApp) -> Vec<Row> {
    app.with_conn(|conn| {
        m::table
            .order(m::id)
            .select((
                m::attempts,
                m::sent_at.is_not_null(),
                m::last_error,
                m::created_at,
                m::next_attempt_at,
            ))
            .load::<(
                i32,
                bool,
                Option<String>,
                time::PrimitiveDateTime,
                time::PrimitiveDateTime,
            )>(conn)
            .unwrap()
            .into_iter()
            .map(|(a, s, e, created, next)| (a, s, e, next - created))
            .collect()
    })
}

/// Waits (up to 20 s) until `done` holds of the queue's rows.
async fn until(app: &TestApp, what: &str, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = rows(app);
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many times each subject arrived.
fn by_subject(delivered: &[Delivered]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for mail in delivered {
        let subject = mail
            .data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_else(|| panic!("no subject: {}", mail.data))
            .to_owned();
        *counts.entry(subject).or_default() += 1;
    }
    counts
}

on_both_backends! {
    async fn a_receipt_committed_before_a_crash_is_sent_after_the_restart(db: TestDb) {
        let server = SmtpServer::start(Behaviour::Accept).await;
        // The first instance stores and queues, but never sends: as if it
        // died right after each commit.
        let first = TestApp::spawn_with(db.same(), &config(&server, 0)).await;
        open_document(&first);
        let mut tracking = Vec::new();
        for n in 1..=3 {
            tracking.push(submit(&first, n).await.1);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(server.delivered().is_empty());
        let queued = rows(&first);
        assert_eq!(queued.len(), 3, "{queued:?}");
        assert!(queued.iter().all(|r| r.0 == 0 && !r.1), "{queued:?}");

        // The restart: a new instance over the same database sends them.
        let second = TestApp::spawn_with(db, &config(&server, 1)).await;
        second.outbox_drained().await;
        let sent = until(&second, "all sent", |rows| rows.iter().all(|r| r.1)).await;
        assert!(sent.iter().all(|r| r.0 == 1 && r.2.is_none()), "{sent:?}");
        // Another look or two of the sender's finds nothing more to send.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let delivered = server.delivered();
        let expected: BTreeMap<String, usize> = tracking
            .iter()
            .map(|t| (format!("Comments received: {t}"), 1))
            .collect();
        assert_eq!(by_subject(&delivered), expected, "each receipt exactly once");
        let mut to: Vec<String> = delivered.iter().flat_map(|d| d.to.clone()).collect();
        to.sort();
        assert_eq!(to, ["s1@example.org", "s2@example.org", "s3@example.org"]);
    }

    async fn a_failing_mail_server_is_retried_until_it_accepts(db: TestDb) {
        let server = SmtpServer::start(Behaviour::RefuseSender).await;
        let app = TestApp::spawn_with(db, &config(&server, 1)).await;
        open_document(&app);
        let (receipt, tracking) = submit(&app, 1).await;

        // Refused: the try is counted, the reason kept (no address), the
        // next try put off by the first wait, then by twice that.
        let failed = until(&app, "tried twice", |rows| rows[0].0 >= 2 && rows[0].2.is_some()).await;
        let (_, sent, error, _) = &failed[0];
        assert!(!sent);
        let error = error.as_deref().unwrap();
        assert!(error.contains("554"), "{error}");
        assert!(!error.contains("example.org"), "{error}");
        let page = app.page(&receipt, 200).await;
        assert_eq!(texts(&page, ".notice.warn").len(), 1, "the receipt page says so");
        assert!(server.delivered().is_empty());

        // The server recovers: the next retry goes through, once.
        server.behave(Behaviour::Accept);
        let sent = until(&app, "sent", |rows| rows[0].1).await;
        let (attempts, _, error, _) = &sent[0];
        assert!(*attempts >= 3, "{sent:?}");
        assert_eq!(error, &None, "the error is cleared once sent");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let delivered = server.delivered();
        assert_eq!(
            by_subject(&delivered),
            BTreeMap::from([(format!("Comments received: {tracking}"), 1)])
        );
        let page = app.page(&receipt, 200).await;
        assert!(texts(&page, ".notice.warn").is_empty());
    }

    async fn two_instances_send_each_message_once(db: TestDb) {
        let server = SmtpServer::start(Behaviour::Accept).await;
        let one = TestApp::spawn_with(db.same(), &config(&server, 1)).await;
        let two = TestApp::spawn_with(db, &config(&server, 1)).await;
        open_document(&one);
        // Messages queued directly, which both senders find at their next
        // look, and receipts queued through each instance, which wake it.
        one.with_conn(|conn| {
            for n in 0..40 {
                let subject = format!("Queued {n}");
                docket::db::outbox::enqueue(
                    conn,
                    &docket::db::outbox::NewMail::text("q@example.org", &subject, "Hello."),
                )
                .unwrap();
            }
        });
        let mut expected: BTreeMap<String, usize> =
            (0..40).map(|n| (format!("Queued {n}"), 1)).collect();
        for n in 0..10 {
            let app = if n % 2 == 0 { &one } else { &two };
            let (_, tracking) = submit(app, n).await;
            expected.insert(format!("Comments received: {tracking}"), 1);
        }
        until(&one, "all sent", |rows| rows.len() == 50 && rows.iter().all(|r| r.1)).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(by_subject(&server.delivered()), expected, "each message exactly once");
        assert!(rows(&two).iter().all(|r| r.0 == 1), "each tried once");
    }
}
