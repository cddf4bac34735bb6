//! The `docket` binary: each command, and the clear refusal of bad input.

use std::process::{Command, Output};

use docket::db::{documents, sections};

use crate::helpers::TestDb;

/// Runs `docket ARGS` against `db` from an empty working directory, with no
/// DOCKET_* variables from the caller's environment.
pub(crate) fn docket(db: &TestDb, args: &[&str]) -> Output {
    docket_with_env(args, &[("DATABASE_URL", db.url.as_str())])
}

pub(crate) fn docket_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let (mut command, _dir) = docket_command(args, env);
    command.output().unwrap()
}

/// The command behind `docket_with_env`, for tests that need the process
/// itself; the working directory lives as long as the returned `TempDir`.
fn docket_command(args: &[&str], env: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_docket"));
    command
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("DOCKET") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    (command, dir)
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

const CSV_HEADER: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end\n";

on_both_backends! {
    async fn migrate_creates_then_reports_up_to_date(db: TestDb) {
        let first = docket(&db, &["migrate"]);
        assert!(first.status.success(), "{first:?}");
        assert!(stdout(&first).starts_with("Applied 20 migration(s)"), "{}", stdout(&first));
        let second = docket(&db, &["migrate"]);
        assert_eq!(stdout(&second).trim(), "The database is up to date.");
    }

    async fn demo_loads_once(db: TestDb) {
        let first = docket(&db, &["demo"]);
        assert!(first.status.success(), "{first:?}");
        assert!(stdout(&first).contains("Loaded the demo document `nistir-8200`"), "{}", stdout(&first));
        let second = docket(&db, &["demo"]);
        assert!(stdout(&second).contains("already loaded"));
        let mut conn = db.connect();
        let demo = documents::find_by_slug(&mut conn, "nistir-8200").unwrap();
        assert_eq!(demo.tracking_prefix, "NISTIR-8200");
        assert_eq!(demo.opens_on.unwrap().to_string(), "2018-02-14");
        assert_eq!(demo.closes_on.unwrap().to_string(), "2018-04-18");
        assert!(sections::for_document(&mut conn, demo.id).unwrap().len() > 20);
    }

    async fn document_create_then_outline_import(db: TestDb) {
        let out = docket(&db, &[
            "document", "create", "--slug", "sp800-63-4", "--title", "SP 800-63-4 (Initial Public Draft)",
            "--opens", "2022-12-16", "--closes", "2023-03-24",
        ]);
        assert!(out.status.success(), "{out:?}");
        assert!(stdout(&out).contains("tracking numbers start SP800-63-4-0001"), "{}", stdout(&out));

        let dir = tempfile::tempdir().unwrap();
        let csv = write(&dir, "outline.csv", &format!(
            "{CSV_HEADER},Executive Summary,front,Base,iii,v,,\n1,Introduction,,Base,1,4,100,250\n1.1,Scope,,Base,2,3,120,180\n\
             A,Definitions,appendix,Base,40,45,2000,2300\nA.1,Terms,,Base,40,41,2000,2100\n1,Introduction,,63A,1,3,100,200\n"
        ));
        let out = docket(&db, &["outline", "import", "--document", "sp800-63-4", &csv]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            stdout(&out).trim(),
            "Imported 6 outline nodes into `sp800-63-4`: 6 new, 0 updated, 0 removed."
        );

        let mut conn = db.connect();
        let doc = documents::find_by_slug(&mut conn, "sp800-63-4").unwrap();
        let outline = sections::for_document(&mut conn, doc.id).unwrap();
        let by_number = |n: &str, v: &str| outline.iter().find(|s| s.number == n && s.volume == v).unwrap().clone();
        assert_eq!(by_number("1.1", "Base").parent_id, Some(by_number("1", "Base").id));
        assert_eq!(by_number("A.1", "Base").parent_id, Some(by_number("A", "Base").id));
        assert_eq!(by_number("1", "63A").parent_id, None);
        assert_eq!(by_number("A.1", "Base").depth, 1);
        assert_eq!(by_number("", "Base").page_start.as_deref(), Some("iii"));

        // A second import replaces the first (TOML this time). Nodes that
        // stay keep their id, so tags and owners pointing at them survive.
        let kept_id = by_number("1", "Base").id;
        let toml = write(
            &dir,
            "outline.toml",
            "[[section]]\nnumber = 1\ntitle = \"Introduction, revised\"\nvolume = \"Base\"\nline_start = 1\nline_end = 9\n",
        );
        let out = docket(&db, &["outline", "import", "--document", "sp800-63-4", &toml]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            stdout(&out).trim(),
            "Imported 1 outline nodes into `sp800-63-4`: 0 new, 1 updated, 5 removed."
        );
        let outline = sections::for_document(&mut conn, doc.id).unwrap();
        assert_eq!(outline.len(), 1);
        assert_eq!(outline[0].id, kept_id);
        assert_eq!(outline[0].title, "Introduction, revised");
        assert_eq!((outline[0].line_start, outline[0].page_start.as_deref()), (Some(1), None));
    }

    async fn a_bad_outline_changes_nothing_and_names_every_problem(db: TestDb) {
        assert!(docket(&db, &["demo"]).status.success());
        let mut conn = db.connect();
        let demo = documents::find_by_slug(&mut conn, "nistir-8200").unwrap();
        let before = sections::for_document(&mut conn, demo.id).unwrap().len();

        let dir = tempfile::tempdir().unwrap();
        let csv = write(&dir, "bad.csv", &format!(
            "{CSV_HEADER}4,Functional description,,,4,9,400,640\n5,Applications,,,9,21,600,1180\n\
             5,Applications again,,,,,,\n5.9.1,Orphan,,,,,,\n"
        ));
        let out = docket(&db, &["outline", "import", "--document", "nistir-8200", &csv]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("bad.csv: the outline breaks 3 rule(s)"), "{err}");
        assert!(err.contains("row 3 (5): lines 600–1180 overlap 4 (lines 400–640, row 2)"), "{err}");
        assert!(err.contains("row 4 (5): duplicate number: 5 is also row 3"), "{err}");
        assert!(err.contains("row 5 (5.9.1): missing parent"), "{err}");
        assert_eq!(sections::for_document(&mut conn, demo.id).unwrap().len(), before, "old outline kept");
    }

    async fn a_file_s_escape_sequences_are_printed_escaped(db: TestDb) {
        let out = docket(&db, &["document", "create", "--slug", "esc", "--title", "Esc", "--opens", "2000-01-01", "--closes", "2100-01-01"]);
        assert!(out.status.success(), "{out:?}");
        let dir = tempfile::tempdir().unwrap();
        // A type the template does not know, so the warning quotes the
        // cell; enough plain rows that the file is still taken for text.
        let mut text = "Comment #,Type,Section,Comment\n1,\u{1b}[31mX,1,\"red \u{1b}[31mtext\"\n".to_owned();
        for n in 2..12 {
            text.push_str(&format!("{n},E,1,A plain comment on the introduction.\n"));
        }
        let csv = write(&dir, "red\u{1b}[31m.csv", &text);
        for args in [&["--dry-run"][..], &[]] {
            let out = docket(&db, &[&["import", "--document", "esc"], args, &[&csv]].concat());
            assert!(out.status.success(), "{out:?}");
            let text = stdout(&out);
            assert!(!text.contains('\u{1b}'), "{text:?}");
            assert!(text.contains("red\\u{1b}[31m.csv: "), "{text}");
            assert!(text.contains("\"\\u{1b}[31mX\""), "the warning quotes the cell escaped: {text}");
        }
        let outline = write(&dir, "outline.csv", "number,\u{1b}[31mtitle\n1,x\n");
        let out = docket(&db, &["outline", "import", "--document", "esc", &outline]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(!err.contains('\u{1b}'), "{err:?}");
        assert!(err.contains("unknown column `\\u{1b}[31mtitle`"), "{err}");
    }

    async fn bad_document_input_is_refused_clearly(db: TestDb) {
        let out = docket(&db, &["document", "create", "--slug", "Bad Slug", "--title", "X"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("`Bad Slug` is not a valid slug"), "{}", stderr(&out));

        let out = docket(&db, &["document", "create", "--slug", "x", "--title", "X", "--opens", "2024-05-01", "--closes", "2024-04-01"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("closes (2024-04-01) before it opens (2024-05-01)"), "{}", stderr(&out));

        let out = docket(&db, &["document", "create", "--slug", "x", "--title", "X", "--closes", "18/04/2018"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("`18/04/2018` is not a date like 2018-04-18"), "{}", stderr(&out));

        assert!(docket(&db, &["document", "create", "--slug", "x", "--title", "X"]).status.success());
        let out = docket(&db, &["document", "create", "--slug", "x", "--title", "Again"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("a document with the slug `x` already exists"), "{}", stderr(&out));

        let out = docket(&db, &["outline", "import", "--document", "x", "/dev/null", "--format", "csv"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("/dev/null: cannot read the outline"), "{}", stderr(&out));

        let dir = tempfile::tempdir().unwrap();
        let csv = write(&dir, "o.csv", &format!("{CSV_HEADER}1,One,,,,,,\n"));
        let out = docket(&db, &["outline", "import", "--document", "nope", &csv]);
        assert!(stderr(&out).contains("no document has the slug `nope`"), "{}", stderr(&out));
    }
}

#[test]
fn bad_database_urls_are_named() {
    let out = docket_with_env(
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@localhost/docket")],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported scheme `mysql:`"),
        "{}",
        stderr(&out)
    );

    let out = docket_with_env(
        &["migrate"],
        &[(
            "DATABASE_URL",
            "postgres://docket:s3cret@127.0.0.1:1/docket",
        )],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("cannot open postgres://docket:***@127.0.0.1:1/docket"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "password leaked: {err}");
    // The driver's reason is said once, not once per level of the error chain.
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
}

#[test]
fn config_typos_stop_start_up_naming_the_key() {
    let out = docket_with_env(&["migrate"], &[("DOCKET__SERVER__BND", "0.0.0.0:80")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown key `server.bnd`"),
        "{}",
        stderr(&out)
    );

    let out = docket_with_env(&["migrate"], &[("DOCKET__DATABASE__POOL_SIZE", "lots")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("database.pool_size"),
        "{}",
        stderr(&out)
    );

    let out = docket_with_env(&["migrate", "--config", "/nonexistent/docket.toml"], &[]);
    assert!(
        stderr(&out).contains("configuration file /nonexistent/docket.toml does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_port_in_use_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = TestDb::sqlite();
    let out = docket(&db, &["serve", "--bind", &addr]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("--bind"), "{err}");
    assert_eq!(err.matches("in use").count(), 1, "{err}");
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["document", "create", "--help"],
        vec!["outline", "import", "--help"],
        vec!["demo", "--help"],
    ] {
        let out = docket_with_env(&args, &[]);
        assert!(out.status.success(), "{args:?}");
        assert!(
            stdout(&out).contains("Usage: docket"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
}

on_both_backends! {
    async fn serve_prints_its_url_and_logs_requests_without_private_data(db: TestDb) {
        use std::io::{BufRead, BufReader, Read};
        // No command means `serve`; the address comes from the environment.
        let (mut command, _dir) = docket_command(&[], &[
            ("DOCKET__SERVER__BIND", "127.0.0.1:0"),
            ("DATABASE_URL", db.url.as_str()),
            ("RUST_LOG", "info"),
        ]);
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("docket is serving on ").unwrap_or_else(|| panic!("{line}")).to_owned();

        let client = reqwest::Client::new();
        let ok = client.get(format!("{url}/healthz?email=ada@example.org")).send().await.unwrap();
        let request_id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();
        let missing = client.get(format!("{url}/d/ada@example.org")).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);

        // SIGTERM: a graceful stop, exit code 0.
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = child.wait().unwrap();
        assert!(status.success(), "docket serve ended with {status:?} on SIGTERM");
        let mut logs = String::new();
        child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
        let healthz_line = logs.lines().find(|l| l.contains(&request_id)).unwrap_or_else(|| panic!("{logs}"));
        assert!(healthz_line.contains("path=/healthz") && healthz_line.contains("status=200"), "{healthz_line}");
        assert!(!logs.contains("ada@example.org") && !logs.contains("example.org"), "{logs}");
        assert!(logs.contains("(withheld: contains @)"), "{logs}");
    }
}

on_both_backends! {
    async fn import_waits_for_a_busy_database_and_says_so(db: TestDb) {
        use diesel::connection::SimpleConnection;
        let migrated = docket(&db, &["migrate"]);
        assert!(migrated.status.success(), "{migrated:?}");
        {
            let mut conn = db.connect();
            docket::documents::create(&mut conn, &crate::helpers::draft_spec("draft", time::macros::date!(2000 - 01 - 01), time::macros::date!(2100 - 01 - 01))).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let csv = write(&dir, "comments.csv", "Comment #,Type,Section,Comment\n1,E,2.1,The first sentence repeats the title.\n");
        // Another writer holds the database (SQLite) or the document
        // (PostgreSQL) for three seconds; the import's own waits are short.
        let mut holder = db.connect();
        holder.batch_execute(match holder {
            docket::db::DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
            docket::db::DbConnection::Postgres(_) => "BEGIN; SELECT id FROM documents WHERE slug = 'draft' FOR UPDATE",
        }).unwrap();
        let url = db.url.clone();
        let import = std::thread::spawn(move || {
            docket_with_env(&["import", "--document", "draft", &csv], &[
                ("DATABASE_URL", url.as_str()),
                ("DOCKET__DATABASE__SQLITE_BUSY_TIMEOUT_MS", "200"),
                ("DOCKET__DATABASE__LOCK_TIMEOUT_MS", "200"),
            ])
        });
        std::thread::sleep(std::time::Duration::from_secs(3));
        holder.batch_execute("ROLLBACK").unwrap();
        let out = import.join().unwrap();
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(stderr(&out).contains("the database is busy with another writer; waiting 2 s and trying again"), "{}", stderr(&out));
        assert!(stdout(&out).contains("DRAFT-0001"), "{}", stdout(&out));
    }
}
