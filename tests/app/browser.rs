//! The submission flow and a queue's keys in a real browser: headless
//! Chromium driven through chromedriver's WebDriver API (plain JSON over
//! HTTP, spoken here with reqwest). Without chromedriver the tests print a notice and pass, except
//! under CI=true, where they fail (`.ci/run` installs it).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use docket::documents::{self, DocumentSpec};
use serde_json::{Value, json};

use crate::editor::tags::app_with;
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
                    "capabilities": { "alwaysMatch": {
                        "goog:chromeOptions": { "args": [
                            "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--window-size=1366,900"
                        ] },
                        "goog:loggingPrefs": { "browser": "ALL" },
                        // A page's question (confirm) stays open until a
                        // test answers it (`question`), not dismissed by
                        // the next command.
                        "unhandledPromptBehavior": "ignore"
                    } }
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

    /// Saves what the browser shows as `target/tmp/screenshots/{name}.png`,
    /// to be looked at after a run.
    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.call("GET", "/screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
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

    /// Runs `script` (a function body) in the page; its return value.
    async fn execute(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Presses and releases each key in turn, as typed on the keyboard
    /// into whatever has the focus.
    async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k }),
                    json!({ "type": "keyUp", "value": k }),
                ]
            })
            .collect();
        self.call(
            "POST",
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await;
        self.call("DELETE", "/actions", Value::Null).await;
    }

    /// Holds `keys` down together, then lets them go: a chord such as
    /// Ctrl+Enter.
    async fn chord(&self, keys: &[&str]) {
        let down = keys
            .iter()
            .map(|k| json!({ "type": "keyDown", "value": k }));
        let up = keys
            .iter()
            .rev()
            .map(|k| json!({ "type": "keyUp", "value": k }));
        let actions: Vec<Value> = down.chain(up).collect();
        self.call(
            "POST",
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await;
        self.call("DELETE", "/actions", Value::Null).await;
    }

    /// Runs `script` until it returns `want` (5 s at most); what it
    /// returned last.
    async fn until(&self, script: &str, want: Value) -> Value {
        let mut got = Value::Null;
        for _ in 0..50 {
            got = self.execute(script).await;
            if got == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        got
    }

    /// Presses `key`, which asks a question (`confirm`), and answers it:
    /// returns the question. The keys are released after the answer (a
    /// page with a question open takes no other command).
    async fn question(&self, key: &str, yes: bool) -> String {
        let actions =
            json!([{ "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }]);
        let _ = self
            .call_raw(
                "POST",
                "/actions",
                json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
            )
            .await;
        let mut text = Value::Null;
        for _ in 0..50 {
            text = self.call_raw("GET", "/alert/text", Value::Null).await;
            if text.is_string() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let asked = text
            .as_str()
            .unwrap_or_else(|| panic!("no question after {key}: {text}"))
            .to_owned();
        let answer = if yes {
            "/alert/accept"
        } else {
            "/alert/dismiss"
        };
        self.call("POST", answer, json!({})).await;
        self.call("DELETE", "/actions", Value::Null).await;
        asked
    }

    /// `call` without the check for an error: the value, or the error.
    async fn call_raw(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body),
        };
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        response["value"].clone()
    }

    /// The browser console's messages since the last call (chromedriver's
    /// log endpoint), CSP violations among them.
    async fn console(&self) -> Vec<String> {
        let entries = self
            .call("POST", "/se/log", json!({ "type": "browser" }))
            .await;
        entries
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Signs in through the sign-in form.
    async fn sign_in(&self, address: &str, email: &str, password: &str) {
        let login = format!("{address}/login");
        self.go(&login).await;
        self.type_into(&self.one("input[name=email]").await, email)
            .await;
        self.type_into(&self.one("input[name=password]").await, password)
            .await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        let now = self.wait_to_leave(&login).await;
        assert!(now.ends_with("/editor"), "{now}");
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

    async fn keys_answer_the_selected_queue_row_in_place_and_the_comment_page_saves_in_place(db: TestDb) {
        let Some(browser) = Browser::start().await else { return };
        let app = app_with(db, "Comment #,Type,Section,Comment
1,T,5.1,The connected-vehicle discussion omits V2X message authentication.
2,E,5.2,Typo in the consumer devices paragraph.
").await;
        browser.sign_in(&app.address, "ed@example.org", "a long enough password").await;
        let queue = format!("{}/editor/d/nistir-8200/s/all", app.address);
        browser.go(&queue).await;
        let first = "table.queue-rows tbody tr:first-child";
        assert_eq!(browser.text(&format!("{first} p.disposition")).await, "");
        // A mark that only survives if the page is not loaded again.
        browser.execute("window.docketMark = 'still here'; return null;").await;
        // Single keys do nothing until the table has the focus (WCAG 2.1.4).
        browser.press(&["j"]).await;
        assert_eq!(browser.execute("return document.querySelectorAll('tbody tr.current').length;").await, 0);
        browser.execute("document.querySelector('div.table-wrap').focus(); return null;").await;
        browser.press(&["j", "a"]).await;
        // Read in one script each time: the row is replaced under WebDriver.
        let read = |css: &str| format!("var e = document.querySelector('{css}'); return e ? e.textContent.trim() : null;");
        let mut shown = Value::Null;
        for _ in 0..50 {
            shown = browser.execute(&read(&format!("{first} p.disposition"))).await;
            if shown == "accepted" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(shown, "accepted", "the row was swapped in place");
        assert_eq!(browser.execute("return window.docketMark;").await, "still here", "no page load");
        assert_eq!(browser.url().await, queue);
        assert_eq!(browser.execute(&read(&format!("{first} div.row-note p"))).await, "Saved: accepted.");
        let id_of = |seq: i32| -> i64 {
            app.with_conn(|conn| {
                use diesel::prelude::*;
                use docket::db::schema::comments;
                comments::table.filter(comments::seq.eq(seq)).select(comments::id).first(conn).unwrap()
            })
        };
        let answer_of = |seq: i32| -> (Option<String>, String) {
            app.with_conn(|conn| {
                use diesel::prelude::*;
                use docket::db::schema::comments;
                comments::table
                    .filter(comments::seq.eq(seq))
                    .select((comments::disposition, comments::status))
                    .first(conn)
                    .unwrap()
            })
        };
        let (one, two) = (id_of(1), id_of(2));
        // Saved, the selection moves on to the next row.
        let selected_now = "var e = document.querySelector('tbody tr.current'); return e ? e.id : null;";
        let mut selected = Value::Null;
        for _ in 0..50 {
            selected = browser.execute(selected_now).await;
            if selected == format!("row-{two}") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(selected, format!("row-{two}"), "the next row is selected");
        assert_eq!(answer_of(1), (Some("accepted".into()), "in_review".into()));
        // htmx ran under the CSP without breaking it (no inline style, no eval).
        let console = browser.console().await;
        assert!(
            !console.iter().any(|m| m.contains("Content Security Policy")),
            "{console:?}"
        );
        browser.press(&["x", "?"]).await;
        let second = "table.queue-rows tbody tr:nth-child(2)";
        assert_eq!(browser.execute(&format!("return document.querySelector('{second} input[name=c]').checked;")).await, true);
        assert_eq!(browser.execute("return document.getElementById('keys-help').classList.contains('open');").await, true);

        // Back on the first row, `d` would replace "accepted": it asks
        // first, and "no" changes nothing.
        browser.press(&["?", "k"]).await;
        assert_eq!(browser.execute(selected_now).await, format!("row-{one}"));
        let asked = browser.question("d", false).await;
        assert_eq!(asked, "NISTIR-8200-0001-1 is answered “accepted”. Answer “declined” instead?");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(answer_of(1).0.as_deref(), Some("accepted"), "nothing was sent");
        assert_eq!(browser.execute(selected_now).await, format!("row-{one}"), "the selection stays");
        // "Yes" answers, and the selection moves on.
        browser.question("d", true).await;
        let mut now = (None, String::new());
        for _ in 0..50 {
            now = answer_of(1);
            if now.0.as_deref() == Some("declined") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(now.0.as_deref(), Some("declined"));
        for _ in 0..50 {
            selected = browser.execute(selected_now).await;
            if selected == format!("row-{two}") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(selected, format!("row-{two}"));
        let stored = (one,);

        // Enter opens the selected comment, which knows its queue: Previous
        // leads to the comment above it there.
        browser.press(&["\u{E007}"]).await;
        let opened = browser.wait_to_leave(&queue).await;
        assert!(opened.starts_with(&format!("{}/editor/comments/{two}?from=", app.address)), "{opened}");
        assert_eq!(browser.text("p.crumbs a.back").await, "All comments");
        browser.click("nav.neighbours a[rel=prev]").await;
        let previous = browser.wait_to_leave(&opened).await;
        assert!(previous.starts_with(&format!("{}/editor/comments/{one}?from=", app.address)), "{previous}");
        assert_eq!(browser.text("h1").await, "NISTIR-8200-0001-1");
        browser.screenshot("comment-from-queue").await;
        browser.screenshot("queue-after-keys").await;

        // The comment page saves its triage form in place too.
        let page = format!("{}/editor/comments/{}", app.address, stored.0);
        browser.go(&page).await;
        browser.execute("window.docketMark = 'comment page'; return null;").await;
        browser.type_into(&browser.one("textarea[name=response]").await, "Added in the second draft.").await;
        browser.click("#triage form button[type=submit]").await;
        let mut saved = Value::Null;
        for _ in 0..50 {
            saved = browser.execute(&read("#triage p.notice.saved")).await;
            if !saved.is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(saved, "Saved NISTIR-8200-0001-1.");
        assert_eq!(browser.execute("return window.docketMark;").await, "comment page", "no page load");
        assert_eq!(browser.execute("return document.querySelectorAll('#triage, #filed-now').length;").await, 2);
        let response: Option<String> = app.with_conn(|conn| {
            use diesel::prelude::*;
            use docket::db::schema::comments;
            comments::table.find(stored.0).select(comments::response).first(conn).unwrap()
        });
        assert_eq!(response.as_deref(), Some("Added in the second draft."));
        assert!(!browser.console().await.iter().any(|m| m.contains("Content Security Policy")));

        // The editor bar opens another comment by the number a submitter
        // quotes, typed in lower case, with Enter.
        let box_id = browser.one("nav.editor #find-number").await;
        browser.type_into(&box_id, "nistir-8200-0001-2\u{E007}").await;
        let second: i64 = app.with_conn(|conn| {
            use diesel::prelude::*;
            use docket::db::schema::comments;
            comments::table.filter(comments::seq.eq(2)).select(comments::id).first(conn).unwrap()
        });
        assert_eq!(browser.wait_to_leave(&page).await, format!("{}/editor/comments/{second}", app.address));
        assert_eq!(browser.text("h1").await, "NISTIR-8200-0001-2");
        browser.go(&format!("{}/editor/find?number=NISTIR-8200-0001", app.address)).await;
        assert_eq!(browser.text("h1").await, "Submission NISTIR-8200-0001");
        browser.screenshot("find-submission").await;
        browser.call("DELETE", "", Value::Null).await;
    }

    async fn a_response_is_typed_in_the_queue_row_and_a_quick_change_undone(db: TestDb) {
        let Some(browser) = Browser::start().await else { return };
        let app = app_with(db, "Comment #,Commenter,Organization,Type,Section,Line #,Comment,Suggested change
1,Ada Lovelace,NIST,T,5.1,702,The connected-vehicle discussion omits V2X message authentication.,Add IEEE 1609.2 and cite it in 5.1.
2,,,E,5.2,815,Typo in the consumer devices paragraph.,Fix the spelling.
").await;
        browser.sign_in(&app.address, "ed@example.org", "a long enough password").await;
        let queue = format!("{}/editor/d/nistir-8200/s/all", app.address);
        browser.go(&queue).await;
        browser.execute("window.docketMark = 'still here'; return null;").await;
        let stored = |seq: i32| -> (String, Option<String>, Option<String>) {
            app.with_conn(|conn| {
                use diesel::prelude::*;
                use docket::db::schema::comments;
                comments::table
                    .filter(comments::seq.eq(seq))
                    .select((comments::status, comments::disposition, comments::response))
                    .first(conn)
                    .unwrap()
            })
        };
        let id_of = |seq: i32| -> i64 {
            app.with_conn(|conn| {
                use diesel::prelude::*;
                use docket::db::schema::comments;
                comments::table.filter(comments::seq.eq(seq)).select(comments::id).first(conn).unwrap()
            })
        };
        let (one, two) = (id_of(1), id_of(2));
        let note = format!("var e = document.querySelector('#row-{one} .row-note p'); return e ? e.textContent : null;");
        let active = "var e = document.activeElement; return e ? (e.id || e.className) : null;";

        // Tab into the table, j selects the first row, r opens its response box.
        browser.execute("document.querySelector('div.table-wrap').focus(); return null;").await;
        browser.press(&["j", "r"]).await;
        assert_eq!(browser.execute(active).await, format!("response-{one}"));
        // Letters typed there are text, not keys.
        browser.type_into(&browser.one(&format!("#response-{one}")).await, "Out of scope: see 5.1 of the second draft.").await;
        assert_eq!(stored(1).1, None);
        browser.chord(&["\u{E009}", "\u{E007}"]).await;
        assert_eq!(browser.until(&note, json!("Saved: response saved.")).await, "Saved: response saved.");
        assert_eq!(stored(1), ("in_review".into(), None, Some("Out of scope: see 5.1 of the second draft.".into())));
        // The focus is back on the row, so keys go on: d answers it (the
        // response stays), and the next row is selected.
        assert_eq!(browser.until(active, json!("tracking")).await, "tracking");
        browser.press(&["d"]).await;
        assert_eq!(browser.until(&note, json!("Saved: declined.")).await, "Saved: declined.");
        assert_eq!(stored(1), ("resolved".into(), Some("declined".into()), Some("Out of scope: see 5.1 of the second draft.".into())));
        let selected = "var e = document.querySelector('tbody tr.current'); return e ? e.id : null;";
        assert_eq!(browser.until(selected, json!(format!("row-{two}"))).await, format!("row-{two}"));
        browser.screenshot("queue-resolution-table").await;

        // Back on it, u undoes the answer: the response stays, as before.
        browser.press(&["k"]).await;
        assert_eq!(browser.execute(selected).await, format!("row-{one}"));
        browser.press(&["u"]).await;
        assert_eq!(browser.until(&note, json!("Undone: disposition cleared.")).await, "Undone: disposition cleared.");
        assert_eq!(stored(1), ("in_review".into(), None, Some("Out of scope: see 5.1 of the second draft.".into())));
        assert_eq!(browser.execute("return window.docketMark;").await, "still here", "no page load");
        assert_eq!(browser.text(&format!("#row-{one} span.submitter")).await, "Ada Lovelace (NIST)");
        assert!(!browser.console().await.iter().any(|m| m.contains("Content Security Policy")));
        browser.call("DELETE", "", Value::Null).await;
    }

    async fn a_cluster_is_answered_with_one_member_left_out(db: TestDb) {
        let Some(browser) = Browser::start().await else { return };
        let app = app_with(db, "Comment #,Section,Page #,Comment,Suggested change
1,5.1,10,Editorial comment,Fix the typo in line 3.
2,5.1,11,Editorial comment,Use the defined term gateway.
3,5.2,27,Editorial comment,Remove the duplicated sentence.
").await;
        browser.sign_in(&app.address, "ed@example.org", "a long enough password").await;
        let page = format!("{}/editor/d/nistir-8200/clusters", app.address);
        browser.go(&page).await;
        assert_eq!(browser.text("section.cluster h2 .size").await, "3");
        // Same words, different changes: the third is left out.
        let boxes = browser.all("section.cluster input[name=c]").await;
        assert_eq!(boxes.len(), 3);
        browser.click("section.cluster tbody tr:nth-child(3) input[name=c]").await;
        browser.click("section.cluster select[name=disposition] option[value=noted]").await;
        browser.type_into(&browser.one("section.cluster textarea[name=response]").await, "Editorial changes made.").await;
        browser.screenshot("cluster-leave-out").await;
        browser.click("section.cluster button[type=submit]").await;
        assert_eq!(browser.until("var e = document.querySelector('p.notice.saved'); return e ? e.textContent : null;", json!("Saved 2 comment(s).")).await, "Saved 2 comment(s).");
        let answer = |seq: i32| -> Option<String> {
            app.with_conn(|conn| {
                use diesel::prelude::*;
                use docket::db::schema::comments;
                comments::table.filter(comments::seq.eq(seq)).select(comments::disposition).first(conn).unwrap()
            })
        };
        assert_eq!((answer(1).as_deref(), answer(2).as_deref(), answer(3)), (Some("noted"), Some("noted"), None));
        browser.call("DELETE", "", Value::Null).await;
    }
}
