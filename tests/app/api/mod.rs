//! The JSON API (`/api/v1/`): tokens made on the profile page, public
//! reads, comments read and changed with `If-Match`, submissions as JSON,
//! the disposition table, and an OpenAPI description that matches the
//! routes served.

mod comments;
mod openapi;
mod submissions;
mod tokens;

use reqwest::Method;
use serde_json::Value;
use tempfile::TempDir;

use crate::editor::tags::app_with_config;
use crate::helpers::{TestApp, TestDb, csrf_token};

pub(crate) const COMMENTS: &str = "Comment #,Type,Section,Page #,Line #,Comment,Suggested Change
1,T,5.1,,,Vehicles need a firmware update path,Add a subsection on updates
2,E,5.3,,,Typo in the second paragraph,
3,G,General,,,The whole draft reads well,
";

/// The demo document with [`COMMENTS`], Ed Itor signed in, a token of
/// his, and the outbox receipts go to.
pub(crate) struct Api {
    pub app: TestApp,
    pub token: String,
    pub outbox: TempDir,
}

pub(crate) async fn api(db: TestDb) -> Api {
    api_with_mail(db, "transport = \"file\"").await
}

/// `api` with these `[mail]` settings.
pub(crate) async fn api_with_mail(db: TestDb, mail: &str) -> Api {
    let outbox = tempfile::tempdir().unwrap();
    let config = format!(
        "[server]\npublic_url = \"https://docket.example\"\n[mail]\n{mail}\noutbox_dir = \"{}\"\n",
        outbox.path().display()
    );
    let app = app_with_config(db, COMMENTS, &config).await;
    let token = make_token(&app, "a script", "30").await;
    Api { app, token, outbox }
}

/// Makes a token on the profile page and reads it off the answer.
pub(crate) async fn make_token(app: &TestApp, label: &str, days: &str) -> String {
    let csrf = csrf_token(&app.page("/editor/profile", 200).await);
    let response = app
        .post_form(
            "/editor/profile/tokens",
            &[("csrf", &csrf), ("label", label), ("days", days)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let page = scraper::Html::parse_document(&response.text().await.unwrap());
    let token = crate::helpers::texts(&page, "#new-token");
    assert_eq!(token.len(), 1, "the new token is shown");
    token[0].clone()
}

impl Api {
    /// A request with the token (and without the session cookie: the
    /// API must not need it).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        self.call_with(
            method,
            path,
            body,
            &[("Authorization", &format!("Bearer {}", self.token))],
        )
        .await
    }

    /// A request with exactly these headers, no cookie.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let client = reqwest::Client::new();
        let mut request = client.request(method, format!("{}{path}", self.app.address));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// GET with the token; asserts the status and returns the JSON.
    pub async fn get_json(&self, path: &str, status: u16) -> Value {
        let response = self.call(Method::GET, path, None).await;
        json(response, status).await
    }

    /// The `.eml` files written once the mail queue is drained.
    pub async fn mails(&self) -> Vec<String> {
        self.app.outbox_drained().await;
        std::fs::read_dir(self.outbox.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

/// Asserts the status, then the body as JSON.
pub(crate) async fn json(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
