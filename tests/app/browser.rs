//! The submission flow in a real browser: headless Chromium driven through
//! chromedriver's WebDriver API (plain JSON over HTTP, spoken here with
//! reqwest). Without chromedriver the tests print a notice and pass, except
//! under CI=true, where they fail (`.ci/run` installs it).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use docket::documents::{self, DocumentSpec};
use serde_json::{Value, json};

use crate::helpers::{TestApp, in_ci};

const CHROMEDRIVER: &str = "chromedriver";

/// A running chromedriver with one browser session.
struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
}

impl Browser {
    /// Starts chromedriver and headless Chromium, or `None` (with a notice)
    /// where chromedriver is not installed.
    async fn start() -> Option<Self> {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let driver = match Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(error) => {
                assert!(!in_ci(), "CI=true but chromedriver cannot start: {error}");
                eprintln!("NOTICE: skipping the browser test: chromedriver not found ({error})");
                return None;
            }
        };
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{root}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut browser = Browser {
            driver,
            http,
            base: root,
        };
        let session = browser
            .call(
                "POST",
                "/session",
                json!({
                    "capabilities": { "alwaysMatch": { "goog:chromeOptions": { "args": [
                        "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--window-size=1280,1000"
                    ] } } }
                }),
            )
            .await;
        let id = session["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        Some(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            response["value"].get("error").is_none(),
            "WebDriver {method} {path}: {response}"
        );
        response["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Every element matching a CSS selector, as WebDriver element ids.
    async fn all(&self, css: &str) -> Vec<String> {
        let found = self
            .call(
                "POST",
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e.as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    async fn one(&self, css: &str) -> String {
        let all = self.all(css).await;
        assert_eq!(all.len(), 1, "{css}: {} elements", all.len());
        all[0].clone()
    }

    async fn click(&self, css: &str) {
        let id = self.one(css).await;
        self.call("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.one(css).await;
        self.call("GET", &format!("/element/{id}/text"), Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Waits for the page to leave `from` (after a form is sent).
    async fn wait_to_leave(&self, from: &str) -> String {
        for _ in 0..100 {
            let now = self.url().await;
            if now != from {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("still on {from}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

on_both_backends! {
    async fn a_submitter_adds_rows_types_comments_and_confirms_in_a_browser(db: TestDb) {
        let Some(browser) = Browser::start().await else { return };
        let outbox = tempfile::tempdir().unwrap();
        let app = TestApp::spawn_with(
            db,
            &format!("[mail]\ntransport = \"file\"\noutbox_dir = \"{}\"", outbox.path().display()),
        )
        .await;
        let today = time::OffsetDateTime::now_utc().date();
        app.with_conn(|conn| {
            documents::create(conn, &DocumentSpec {
                slug: "draft".to_owned(),
                title: "Draft for comment".to_owned(),
                tracking_prefix: None,
                description: String::new(),
                opens_on: Some(today - time::Duration::days(1)),
                closes_on: Some(today + time::Duration::days(30)),
            })
            .unwrap();
        });

        let form = format!("{}/d/draft/submit", app.address);
        browser.go(&form).await;
        assert_eq!(browser.all("table.typed tbody tr").await.len(), 3);
        // "More rows" adds rows in place (static/submit.js), numbered on.
        browser.click("a.more-rows").await;
        assert_eq!(browser.url().await, form, "rows added without leaving the page");
        let rows = browser.all("table.typed tbody tr").await;
        assert_eq!(rows.len(), 8);
        assert_eq!(browser.text("table.typed tbody tr:last-child td.n").await, "8");

        browser.type_into(&browser.one("input[name=name]").await, "Ada Lovelace").await;
        browser.type_into(&browser.one("input[name=email]").await, "ada@example.org").await;
        let sections = browser.all("input[name=section]").await;
        let comments = browser.all("textarea[name=comment]").await;
        browser.type_into(&sections[0], "2.1").await;
        browser.type_into(&comments[0], "The first sentence repeats the title.").await;
        // A comment typed in a row the script added.
        browser.type_into(&sections[6], "5.1").await;
        browser.type_into(&comments[6], "Figure 3 is hard to read.").await;
        browser.click("form button[type=submit]").await;

        let preview = browser.wait_to_leave(&form).await;
        assert!(preview.contains("/d/draft/submit/"), "{preview}");
        assert_eq!(browser.text(".count").await, "2 comment(s)");
        let rows: Vec<String> = {
            let mut texts = Vec::new();
            for id in browser.all("table.rows td.row").await {
                let text = browser.call("GET", &format!("/element/{id}/text"), Value::Null).await;
                texts.push(text.as_str().unwrap().to_owned());
            }
            texts
        };
        assert_eq!(rows, ["1", "7"], "rows keep the numbers they had on the form");

        browser.click("form[action$='/confirm'] button").await;
        let receipt = browser.wait_to_leave(&preview).await;
        assert!(receipt.contains("/receipt/"), "{receipt}");
        assert_eq!(browser.text(".tracking strong").await, "DRAFT-0001");
        assert_eq!(browser.text(".range").await, "DRAFT-0001-1 to DRAFT-0001-2");
        let mails = std::fs::read_dir(outbox.path()).unwrap().count();
        assert_eq!(mails, 1, "one receipt e-mail");
        browser.call("DELETE", "", Value::Null).await;
    }
}
