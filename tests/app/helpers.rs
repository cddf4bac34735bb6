//! `TestDb` (a fresh database per test, dropped afterwards), `TestApp` (the
//! real server on a random port) and the macro that runs a test on both
//! back ends.

use std::sync::Once;

use docket::config::Settings;
use docket::db::{ConnectOptions, DatabaseUrl, Db, DbConnection, PoolOptions};
use docket::startup::Application;
use std::time::Duration;

/// Runs `async fn name(db: TestDb) { … }` once on SQLite and once on
/// PostgreSQL, as `name::sqlite` and `name::postgres`. Without a reachable
/// PostgreSQL the second prints a notice and passes, except under CI=true,
/// where it fails.
macro_rules! on_both_backends {
    ($(async fn $name:ident($db:ident: TestDb) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: $crate::helpers::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                body($crate::helpers::TestDb::sqlite()).await
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::helpers::TestDb::postgres() {
                    body(db).await
                }
            }
        }
    )*};
}

/// The server holding the PostgreSQL test databases, with a database to
/// connect to for `CREATE DATABASE` (`.ci/run` sets it; this is the default).
/// The server the PostgreSQL tests use, without TLS unless the URL asks
/// for it: a server with `ssl = on` (as here) otherwise gets TLS
/// connections from every test app, and when the test binary exits,
/// OpenSSL's exit-time cleanup can run while a leaked app's thread is
/// still inside a TLS read, crashing the process after every test passed
/// (SIGSEGV, seen once in CI and once before). Loopback needs no TLS.
fn postgres_admin_url() -> String {
    let raw = std::env::var("DOCKET_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    match url::Url::parse(&raw) {
        Ok(mut url) if !url.query_pairs().any(|(key, _)| key == "sslmode") => {
            url.query_pairs_mut().append_pair("sslmode", "disable");
            url.to_string()
        }
        _ => raw,
    }
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `[limits]` high enough for tests that are not about them.
pub const UNLIMITED: &str = "[limits]\nsign_in_per_minute = 100000\nsign_in_per_hour = 100000\n\
    upload_per_minute = 100000\nupload_per_hour = 100000\nconfirm_per_minute = 100000\n\
    confirm_per_hour = 100000\napi_submit_per_minute = 100000\napi_submit_per_hour = 100000\n";

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: docket::db::Backend,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database's name (`None` on SQLite).
    pub pg_name: Option<String>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("docket.sqlite3").display());
        Self {
            url,
            backend: docket::db::Backend::Sqlite,
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// A SQLite database in `dir`, which the caller keeps (and removes).
    pub fn sqlite_in(dir: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite:{}", dir.join("docket.sqlite3").display()),
            backend: docket::db::Backend::Sqlite,
            _dir: None,
            pg_name: None,
        }
    }

    /// A new, empty PostgreSQL database, or `None` (with a notice) when no
    /// server answers and this is not CI.
    pub fn postgres() -> Option<Self> {
        let admin = postgres_admin_url();
        let mut conn = match admin_connection(&admin) {
            Ok(conn) => conn,
            Err(error) => {
                assert!(
                    !in_ci(),
                    "CI=true but PostgreSQL at {admin} does not answer ({error}); the PostgreSQL tests must run in CI"
                );
                static NOTICE: Once = Once::new();
                NOTICE.call_once(|| {
                    eprintln!(
                        "NOTICE: skipping the PostgreSQL half of the tests: {admin} does not answer ({error}). \
                         Set DOCKET_TEST_POSTGRES_URL to run them."
                    );
                });
                return None;
            }
        };
        let name = format!("docket_test_{}", uuid::Uuid::new_v4().simple());
        execute(&mut conn, &format!("CREATE DATABASE {name}"));
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        Some(Self {
            url: url.to_string(),
            backend: docket::db::Backend::Postgres,
            _dir: None,
            pg_name: Some(name),
        })
    }

    /// A second handle on this same database (for a second app over it, as
    /// a second instance or a restart would be); dropping it drops nothing.
    pub fn same(&self) -> Self {
        Self {
            url: self.url.clone(),
            backend: self.backend,
            _dir: None,
            pg_name: None,
        }
    }

    /// Settings pointing at this database, with `extra` TOML on top.
    pub fn settings(&self, extra: &str) -> Settings {
        // No mail unless a test asks for it: the default outbox is
        // `data/outbox` under the working directory (the repository). No
        // background re-clustering either, unless asked: it would race
        // with what the tests check. Every request of a test comes from
        // 127.0.0.1: rate limits out of reach unless a test sets them.
        let base = format!(
            "[server]\nbind = \"127.0.0.1:0\"\nworkers = 1\n[database]\nurl = \"{}\"\npool_size = 4\n[mail]\ntransport = \"off\"\n[triage]\nrecluster_every_secs = 0\n{UNLIMITED}",
            self.url
        );
        Settings::from_layers(&[&base, extra]).unwrap()
    }

    /// A raw connection, for tests that look under the hood.
    pub fn connect(&self) -> DbConnection {
        let url = DatabaseUrl::parse(&self.url).unwrap();
        docket::db::connect(&url, &ConnectOptions::default()).unwrap()
    }

    /// A connection to the PostgreSQL server's admin database.
    pub fn admin(&self) -> DbConnection {
        admin_connection(&postgres_admin_url()).unwrap()
    }

    /// A migrated pool, without a server.
    pub fn migrated_pool(&self) -> Db {
        let settings = self.settings("");
        let db = Db::open(
            &settings.database_url().unwrap(),
            &PoolOptions {
                max_size: 2,
                acquire_timeout: Duration::from_secs(10),
                connect: ConnectOptions::default(),
            },
        )
        .unwrap();
        docket::startup::prepare_database(&mut db.get().unwrap(), false).unwrap();
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = &self.pg_name else { return };
        if let Ok(mut conn) = admin_connection(&postgres_admin_url()) {
            use diesel::connection::SimpleConnection;
            // FORCE ends the connections the test's pool still holds.
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn admin_connection(admin: &str) -> Result<DbConnection, String> {
    let url = DatabaseUrl::parse(admin).map_err(|e| e.to_string())?;
    let options = ConnectOptions {
        connect_timeout: Duration::from_secs(2),
        ..ConnectOptions::default()
    };
    docket::db::connect(&url, &options).map_err(|e| e.to_string())
}

fn execute(conn: &mut DbConnection, sql: &str) {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(sql).unwrap();
}

/// The whole app, served on a random port against a `TestDb`.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// Kept so the database outlives the server's use of it.
    pub test_db: TestDb,
    /// `mail.max_attempts`: queued mail tried this often is given up.
    pub max_attempts: i32,
}

impl TestApp {
    /// Starts docket as `serve` would: migrations, demo document, routes.
    pub async fn spawn(test_db: TestDb) -> Self {
        Self::spawn_with(test_db, "").await
    }

    /// Like `spawn`, with extra configuration TOML.
    pub async fn spawn_with(test_db: TestDb, extra: &str) -> Self {
        let settings = test_db.settings(extra);
        let app = Application::build(&settings).await.expect("docket starts");
        let address = format!("http://{}", app.addr());
        let db = app.db().clone();
        tokio::spawn(app.into_server());
        let client = reqwest::Client::builder()
            // A connection left idle longer than the server's keep-alive
            // (5 s) can be closed by the server just as the client reuses
            // it ("IncompleteMessage"); a test that spends seconds in the
            // database between requests must not meet that race.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            address,
            client,
            db,
            test_db,
            max_attempts: settings.mail.max_attempts,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// GET a page and parse it, asserting the status.
    pub async fn page(&self, path: &str, status: u16) -> scraper::Html {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "GET {path}: {content_type}"
        );
        scraper::Html::parse_document(&response.text().await.unwrap())
    }

    /// Runs `f` on a pooled connection.
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.db.get().unwrap();
        f(&mut conn)
    }

    /// Waits (up to 20 s) until the mail queue holds nothing due now: every
    /// message queued so far was sent, or failed and waits for its retry.
    pub async fn outbox_drained(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let waiting = self.with_conn(|conn| {
                docket::db::outbox::waiting(conn, docket::db::now(), self.max_attempts).unwrap()
            });
            if waiting == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{waiting} queued e-mail(s) still waiting after 20 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The id of the account with this e-mail address.
    pub fn user_id(&self, email: &str) -> i64 {
        self.with_conn(|conn| docket::db::users::find_by_email(conn, email).unwrap().id)
    }
}

/// A document `Draft {slug}` taking comments from `opens` to `closes`.
pub fn draft_spec(
    slug: &str,
    opens: time::Date,
    closes: time::Date,
) -> docket::documents::DocumentSpec {
    docket::documents::DocumentSpec {
        slug: slug.to_owned(),
        title: format!("Draft {slug}"),
        tracking_prefix: None,
        description: String::new(),
        opens_on: Some(opens),
        closes_on: Some(closes),
    }
}

/// The texts of every element `selector` matches, whitespace collapsed.
pub fn texts(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

impl TestApp {
    /// POST an urlencoded form (`application/x-www-form-urlencoded`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// POST a `multipart/form-data` body.
    pub async fn post_multipart(&self, path: &str, form: Multipart) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", form.content_type())
            .body(form.into_body())
            .send()
            .await
            .unwrap()
    }
}

/// A `multipart/form-data` body built by hand (reqwest's `multipart`
/// feature is not enabled). Parts go out in the order they are added, as a
/// browser sends a form's fields.
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self {
            boundary: format!("docket-test-{}", uuid::Uuid::new_v4().simple()),
            body: Vec::new(),
        }
    }
}

impl Multipart {
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field, sent without a content type as browsers do.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.part(&format!("name=\"{name}\""), None, value.as_bytes());
        self
    }

    /// A file field. An empty `file_name` with no bytes is what a browser
    /// sends when no file was chosen.
    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Self {
        // Browsers percent-encode `"` in file names; CR and LF cannot occur.
        let file_name = file_name.replace('"', "%22");
        self.part(
            &format!("name=\"{name}\"; filename=\"{file_name}\""),
            Some(content_type),
            bytes,
        );
        self
    }

    fn part(&mut self, disposition: &str, content_type: Option<&str>, bytes: &[u8]) {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; {disposition}\r\n",
            self.boundary
        );
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
    }

    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body, closed by the final boundary.
    pub fn into_body(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        self.body
    }
}

/// The value of `attr` on every element `selector` matches.
pub fn attrs(html: &scraper::Html, selector: &str, attr: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// The CSRF token of a page's forms (their hidden `csrf` field).
pub fn csrf_token(html: &scraper::Html) -> String {
    let tokens = attrs(html, "form input[name=csrf]", "value");
    assert!(!tokens.is_empty(), "no csrf field on the page");
    tokens[0].clone()
}

/// The `Location` of a redirect, asserting the status is 303 See Other.
pub fn see_other(response: &reqwest::Response) -> String {
    assert_eq!(
        response.status().as_u16(),
        303,
        "{} should redirect",
        response.url()
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The id of the comment with this tracking number.
pub fn comment_id(app: &TestApp, tracking: &str) -> i64 {
    use diesel::prelude::*;
    use docket::db::schema::comments;
    app.with_conn(|conn| {
        comments::table
            .filter(comments::tracking_number.eq(tracking))
            .select(comments::id)
            .first(conn)
            .unwrap()
    })
}

/// The id of comment `seq` of the first (or only) submission.
pub fn comment_id_by_seq(app: &TestApp, seq: i32) -> i64 {
    use diesel::prelude::*;
    use docket::db::schema::comments;
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(seq))
            .order(comments::id)
            .select(comments::id)
            .first(conn)
            .unwrap()
    })
}
