//! The server as a whole: health, errors, headers, static files, start-up.

use crate::helpers::{TestApp, TestDb, texts};

on_both_backends! {
    async fn healthz_reports_the_backend(db: TestDb) {
        let backend = db.backend.to_string();
        let app = TestApp::spawn(db).await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], backend.as_str());
    }

    async fn healthz_says_unavailable_when_the_schema_is_missing_or_behind(db: TestDb) {
        use diesel::connection::SimpleConnection;
        let app = TestApp::spawn(db).await;
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
        let unhealthy = |response: reqwest::Response| async move {
            assert_eq!(response.status().as_u16(), 503);
            assert_eq!(response.headers()["retry-after"], "5");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["status"], "unavailable");
            body["reason"].as_str().unwrap().to_owned()
        };

        // An older version's schema: the newest migration not applied.
        let newest = app.with_conn(|conn| {
            docket::db::migrate::newest_version(conn).unwrap()
        });
        app.with_conn(|conn| {
            conn.batch_execute(&format!("DELETE FROM __diesel_schema_migrations WHERE version = '{newest}'")).unwrap();
        });
        let reason = unhealthy(app.get("/healthz").await).await;
        assert!(reason.starts_with("the schema is at migration"), "{reason}");
        assert!(reason.contains(&format!("this version needs {newest}")), "{reason}");

        // An emptied database: every table gone.
        app.with_conn(|conn| {
            conn.batch_execute(&format!("INSERT INTO __diesel_schema_migrations (version) VALUES ('{newest}')")).unwrap();
            docket::db::migrate::revert_all(conn).unwrap();
            conn.batch_execute("DROP TABLE __diesel_schema_migrations").unwrap();
        });
        let reason = unhealthy(app.get("/healthz").await).await;
        assert_eq!(reason, "the database has no docket schema (no migrations table)");

        // Migrated again, healthy again.
        app.with_conn(|conn| {
            docket::db::migrate::run_pending(conn).unwrap();
        });
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    }

    async fn unknown_pages_get_an_html_404(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let page = app.page("/no/such/page", 404).await;
        assert_eq!(texts(&page, "h1"), ["404 Not Found"]);
        assert_eq!(texts(&page, "title"), ["404 Not Found · docket"]);
    }

    async fn unknown_api_paths_get_a_json_404(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let response = app.get("/api/v1/nothing").await;
        assert_eq!(response.status().as_u16(), 404);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        assert!(body["error"]["message"].as_str().unwrap().contains("/api/v1/nothing"));
    }

    async fn responses_carry_request_id_and_security_headers(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let first = app.get("/").await;
        let second = app.get("/").await;
        let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id(&first).len(), 36, "a UUID");
        assert_ne!(id(&first), id(&second));
        let headers = first.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    }

    async fn static_files_are_embedded_and_cacheable(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let response = app.get("/static/docket.css").await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "text/css");
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        assert!(response.text().await.unwrap().contains("table.outline"));
        let again = app
            .client
            .get(format!("{}/static/docket.css", app.address))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304);
        assert_eq!(app.get("/static/missing.js").await.status().as_u16(), 404);
        // Sent raw: an HTTP client would resolve the `..` itself.
        for path in ["/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static//etc/passwd"] {
            let status = raw_get_status(&app.address, path);
            assert!(status == 404 || status == 400, "{path}: {status}");
        }
    }
}

/// The status line of a GET sent byte for byte over TCP.
fn raw_get_status(address: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

/// PostgreSQL only: an embedded SQLite file cannot go away under the server
/// the way a database server can.
#[tokio::test]
async fn healthz_says_unavailable_when_postgres_is_gone() {
    use diesel::connection::SimpleConnection;
    let Some(db) = TestDb::postgres() else { return };
    let app = TestApp::spawn_with(db, "[database]\nacquire_timeout_secs = 1").await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    let name = app.test_db.pg_name.clone().unwrap();
    app.test_db
        .admin()
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    // Pages get the 503 error page, not a 500.
    let page = app.page("/", 503).await;
    assert_eq!(
        crate::helpers::texts(&page, "h1"),
        ["503 Service Unavailable"]
    );
}

on_both_backends! {
    async fn instances_starting_together_share_one_database(db: TestDb) {
        use docket::startup::Application;
        let (first, second, third) = (db.settings(""), db.settings(""), db.settings(""));
        let (a, b, c) = tokio::join!(
            Application::build(&first),
            Application::build(&second),
            Application::build(&third),
        );
        let apps = [a.expect("first starts"), b.expect("second starts"), c.expect("third starts")];
        // Migrated once, demo loaded once.
        let mut conn = db.connect();
        assert_eq!(docket::db::documents::count(&mut conn).unwrap(), 1);
        assert!(docket::db::migrate::pending(&mut conn).unwrap().is_empty());
        let client = reqwest::Client::new();
        let mut addresses = Vec::new();
        for app in apps {
            addresses.push(format!("http://{}", app.addr()));
            tokio::spawn(app.into_server());
        }
        for address in addresses {
            let page = client.get(format!("{address}/d/nistir-8200")).send().await.unwrap();
            assert_eq!(page.status().as_u16(), 200, "{address}");
        }
    }
}

/// Check-outs are not pinged (`src/db/pool.rs`): a connection the server
/// dropped fails one request, is noted as lost by its instrumentation and
/// replaced, so docket recovers from a PostgreSQL restart without being
/// restarted itself. Sign-in is used because its handler keeps database
/// errors inside its own result, so only the connection can tell.
#[tokio::test]
async fn postgres_connections_the_server_dropped_are_replaced() {
    use diesel::RunQueryDsl;
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let name = db.pg_name.clone().unwrap();
    let app = TestApp::spawn(db).await;
    let login = app.page("/login", 200).await;
    let token = crate::helpers::csrf_token(&login);
    // A new unknown address each time: five failures in a row with one
    // address would pause it (429), and this test is not about that.
    let attempts = std::sync::atomic::AtomicUsize::new(0);
    let sign_in = || async {
        let n = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("nobody{n}@example.org");
        let fields = [
            ("csrf", token.as_str()),
            ("email", email.as_str()),
            ("password", "not the password"),
            ("next", "/editor"),
        ];
        app.post_form("/login", &fields).await.status().as_u16()
    };
    assert_eq!(sign_in().await, 401, "an unknown address, answered");
    let mut admin = app.test_db.admin();
    let dropped: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "(WITH ours AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = '{name}') \
         SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM ours)"
    )))
    .get_result(&mut admin)
    .unwrap();
    assert!(dropped >= 1, "the pool had a connection to drop");
    // Only this test's database: the filter is applied before any backend
    // is ended. The backends end a moment after the signal.
    for _ in 0..100 {
        let left: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}')"
        )))
        .get_result(&mut admin)
        .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut failed = 0;
    loop {
        match sign_in().await {
            401 => break,
            status => assert_eq!(status, 503, "a lost connection is unavailable, not a bug"),
        }
        failed += 1;
        assert!(
            failed <= 4,
            "more failures than the pool has connections (4)"
        );
    }
    assert!(failed >= 1, "a dropped connection is only found when used");
    for _ in 0..5 {
        assert_eq!(sign_in().await, 401, "recovered");
    }
    // A lost connection is "unavailable" (503), not a bug (500).
    let dropped: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "(WITH ours AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = '{name}') \
         SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM ours)"
    )))
    .get_result(&mut admin)
    .unwrap();
    assert!(dropped >= 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let page = app.page("/", 503).await;
    assert_eq!(
        crate::helpers::texts(&page, "h1"),
        ["503 Service Unavailable"]
    );
}

on_both_backends! {
    async fn the_request_log_never_holds_a_link_s_token(db: TestDb) {
        let server = crate::process::Server::start(&db.url);
        let client = reqwest::Client::new();
        let tokens = [
            ("/invite/", "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"),
            ("/receipt/", "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"),
            ("/d/nistir-8200/submit/", "1122334455667788990011223344556677889900aabbccdd"),
        ];
        for (route, token) in tokens {
            let response = client
                .get(format!("{}{route}{token}", server.address))
                .send()
                .await
                .unwrap();
            // No such link: 404, or 410 for an invitation (used or gone).
            assert!(matches!(response.status().as_u16(), 404 | 410), "{route}");
        }
        // The log is written as the requests end.
        let mut log = String::new();
        for _ in 0..50 {
            log = server.log();
            if log.matches("/receipt/***").count() > 0 && log.contains("/d/nistir-8200/submit/***") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for (route, token) in tokens {
            assert!(!log.contains(token), "{route}{token} is in the log:\n{log}");
            assert!(log.contains(&format!("{route}***")), "{route}*** is not in the log:\n{log}");
        }
    }
}
