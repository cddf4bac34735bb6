//! `docket user create|list`: accounts made on the command line sign in on
//! the web; bad input is refused with one clear message and nothing stored;
//! the list never shows e-mail addresses.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use diesel::prelude::*;
use docket::db::schema::users;
use docket::domain::Role;

use super::{Browser, OUTLINE};
use crate::cli::{docket, stderr, stdout};
use crate::helpers::{TestApp, TestDb, attrs, see_other, texts};

/// `docket ARGS` against `db` with `input` on standard input, from an empty
/// working directory and without the caller's DOCKET_* variables (as
/// `cli::docket`, which gives the process no input).
fn docket_with_stdin(db: &TestDb, args: &[&str], input: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_docket"));
    command
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("DOCKET") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    command.env("DATABASE_URL", &db.url);
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn count_users(app: &TestApp) -> i64 {
    app.with_conn(|conn| users::table.count().get_result(conn).unwrap())
}

/// Signs in on the web in a new browser; returns where the form sent it.
async fn web_sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    Browser::new(app).sign_in(email, password, None).await
}

on_both_backends! {
    async fn an_account_made_with_a_password_on_stdin_signs_in(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let out = docket_with_stdin(
            &app.test_db,
            &["user", "create", "--email", " Grace@Example.ORG ", "--name", "Grace Hopper", "--role", "admin", "--password-stdin"],
            "a long enough passphrase\r\n",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let user = app.with_conn(|conn| docket::db::users::find_by_email(conn, "grace@example.org").unwrap());
        assert_eq!(stdout(&out).trim(), format!("Created admin account #{} for Grace Hopper.", user.id));
        assert!(!stdout(&out).contains("passphrase"), "{}", stdout(&out));
        assert_eq!(user.role, Role::Admin);
        assert_eq!(user.email, "grace@example.org", "stored trimmed and in lower case");
        assert!(user.active);
        assert!(user.password_hash.as_deref().unwrap().starts_with("$argon2id$"));

        // The line ending is not part of the password.
        let response = web_sign_in(&app, "grace@example.org", "a long enough passphrase").await;
        assert_eq!(see_other(&response), "/editor");
        let response = web_sign_in(&app, "grace@example.org", "a long enough passphrase\r").await;
        assert_eq!(response.status().as_u16(), 401);

        // An editor, the same way.
        let out = docket_with_stdin(
            &app.test_db,
            &["user", "create", "--email", "ed@example.org", "--name", "Ed Itor", "--role", "editor", "--password-stdin"],
            "another long passphrase\n",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("Created editor account #"), "{}", stdout(&out));
        let browser = Browser::new(&app);
        let response = browser.sign_in("ed@example.org", "another long passphrase", None).await;
        assert_eq!(see_other(&response), "/editor");
        // An editor: no Edit links on the outline.
        let page = browser.page(OUTLINE, 200).await;
        assert_eq!(texts(&page, "nav .who"), ["Ed Itor"]);
        assert!(attrs(&page, "a[href$='/edit']", "href").is_empty());
    }

    async fn without_stdin_a_generated_password_is_printed_once(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let out = docket(&app.test_db, &["user", "create", "--email", "ada@example.org", "--name", "Ada", "--role", "editor"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("Created editor account #"), "{text}");
        let password = lines[1]
            .strip_prefix("Password (shown once, store it now): ")
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(password.len(), 20, "{password}");
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");
        // Not in the database in the clear, nor in the logs.
        let user = app.with_conn(|conn| docket::db::users::find_by_email(conn, "ada@example.org").unwrap());
        assert!(!user.password_hash.as_deref().unwrap().contains(password));
        assert!(!stderr(&out).contains(password));

        let response = web_sign_in(&app, "ada@example.org", password).await;
        assert_eq!(see_other(&response), "/editor");

        // Each account gets a password of its own.
        let out = docket(&app.test_db, &["user", "create", "--email", "bob@example.org", "--name", "Bob", "--role", "editor"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains(password));
    }

    async fn bad_accounts_are_refused_clearly_and_nothing_is_stored(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let create = |email: &str, name: &str, password: &str| {
            docket_with_stdin(
                &app.test_db,
                &["user", "create", "--email", email, "--name", name, "--role", "editor", "--password-stdin"],
                &format!("{password}\n"),
            )
        };
        let out = create("ada@example.org", "Ada", "twelve chars");
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(count_users(&app), 1);

        let refused = |out: &Output, message: &str| {
            assert_eq!(out.status.code(), Some(1), "{message}: {out:?}");
            assert_eq!(stderr(out).trim(), format!("error: {message}"));
            assert_eq!(stdout(out), "", "{message}");
        };
        // The same address, whatever its case.
        refused(&create("ADA@example.org", "Another Ada", "a long enough passphrase"), "an account with that e-mail address already exists");
        refused(&create("grace@example.org", "Grace", "eleven char"), "the password is shorter than 12 characters");
        refused(&create("grace@example.org", "Grace", ""), "the password is shorter than 12 characters");
        refused(&create("grace@example.org", "Grace", &"x".repeat(1025)), "the password is longer than 1024 bytes");
        refused(&create("grace.example.org", "Grace", "a long enough passphrase"), "`grace.example.org` does not look like an e-mail address");
        refused(&create("grace@example.org", "  ", "a long enough passphrase"), "the name is empty");
        assert_eq!(count_users(&app), 1);

        // A role docket does not have: a usage error.
        let out = docket(&app.test_db, &["user", "create", "--email", "x@example.org", "--name", "X", "--role", "owner"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(stderr(&out).contains("invalid value 'owner' for '--role"), "{}", stderr(&out));
        assert!(stderr(&out).contains("admin, editor"), "{}", stderr(&out));
        assert_eq!(count_users(&app), 1);

        // The password that was refused does not sign in anywhere.
        let response = web_sign_in(&app, "ada@example.org", "a long enough passphrase").await;
        assert_eq!(response.status().as_u16(), 401);
    }

    async fn user_list_shows_accounts_without_their_addresses(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let out = docket(&app.test_db, &["user", "list"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "", "no accounts yet");

        for (email, name, role) in [
            ("grace@example.org", "Grace Hopper", "admin"),
            ("ed@example.org", "Ed Itor", "editor"),
        ] {
            let out = docket_with_stdin(
                &app.test_db,
                &["user", "create", "--email", email, "--name", name, "--role", role, "--password-stdin"],
                "a long enough passphrase\n",
            );
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let ed = app.with_conn(|conn| docket::db::users::find_by_email(conn, "ed@example.org").unwrap());
        app.with_conn(|conn| {
            diesel::update(users::table.find(ed.id))
                .set(users::active.eq(false))
                .execute(conn)
                .unwrap();
        });
        let grace = app.with_conn(|conn| docket::db::users::find_by_email(conn, "grace@example.org").unwrap());

        let out = docket(&app.test_db, &["user", "list"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert_eq!(
            text,
            format!("{}\tadmin\tactive\tGrace Hopper\n{}\teditor\tinactive\tEd Itor\n", grace.id, ed.id)
        );
        assert!(!text.contains('@') && !text.contains("example.org"), "{text}");
        assert!(!stderr(&out).contains('@'), "{}", stderr(&out));
    }
}
