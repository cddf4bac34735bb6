//! The public submission flow over HTTP: `/d/{slug}/submit` (a file or typed
//! rows) → preview → Confirm → receipt page and receipt e-mail; every
//! refusal stores nothing.

mod busy;
mod fixtures;
mod limits;
pub(crate) mod mail;
mod memory;
mod refusals;
mod tokens;
mod twice;
mod typed;
mod xss;

use diesel::prelude::*;
use docket::db::schema::{comments, pending_uploads, submissions};
use tempfile::TempDir;
use time::macros::date;

use crate::helpers::{Multipart, TestApp, TestDb, csrf_token, see_other, texts};

/// Where receipt links point in these tests.
const PUBLIC_URL: &str = "https://comments.example.org";

/// Who sends the comments, as typed into the form.
#[derive(Clone, Copy)]
struct Who<'a> {
    name: &'a str,
    organization: &'a str,
    email: &'a str,
}

const ADA: Who<'static> = Who {
    name: "Ada Lovelace",
    organization: "Analytical Engines Ltd",
    email: "ada@example.org",
};

/// The app, its receipts written as `.eml` files into a directory of its
/// own (never `data/outbox` in the repository).
struct Site {
    app: TestApp,
    outbox: TempDir,
}

/// Spawns the app. `mail` adds lines to the `[mail]` table, `extra` adds
/// whole tables (`[intake]` …).
async fn spawn(db: TestDb, mail: &str, extra: &str) -> Site {
    let outbox = tempfile::tempdir().unwrap();
    // The file transport unless `mail` names another.
    let transport = if mail.contains("transport") {
        ""
    } else {
        "transport = \"file\"\n"
    };
    let config = format!(
        "[server]\npublic_url = \"{PUBLIC_URL}\"\n[mail]\n{transport}outbox_dir = \"{}\"\n{mail}\n{extra}",
        outbox.path().display()
    );
    let app = TestApp::spawn_with(db, &config).await;
    Site { app, outbox }
}

impl Site {
    /// The contents of the `.eml` files in the outbox (in no particular
    /// order: their names are random), once the mail queue is drained.
    async fn mails(&self) -> Vec<String> {
        self.app.outbox_drained().await;
        let mut mails: Vec<String> = std::fs::read_dir(self.outbox.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        mails.sort();
        mails
    }
}

/// A document open for comment from 2000 to 2100.
fn open_document(app: &TestApp, slug: &str) {
    document(app, slug, date!(2000 - 01 - 01), date!(2100 - 01 - 01));
}

fn document(app: &TestApp, slug: &str, opens: time::Date, closes: time::Date) {
    app.with_conn(|conn| {
        docket::documents::create(conn, &crate::helpers::draft_spec(slug, opens, closes)).unwrap();
    });
}

/// GETs the form (starting the session) and returns its CSRF token.
async fn form_csrf(app: &TestApp, slug: &str) -> String {
    csrf_token(&app.page(&format!("/d/{slug}/submit"), 200).await)
}

/// The form's text fields, as a browser sends them.
fn about(csrf: &str, who: Who<'_>) -> Multipart {
    Multipart::new()
        .text("csrf", csrf)
        .text("name", who.name)
        .text("organization", who.organization)
        .text("email", who.email)
}

/// Appends typed rows: kind, section, page, line, comment, suggested change.
fn rows(mut form: Multipart, rows: &[[&str; 6]]) -> Multipart {
    for row in rows {
        for (field, value) in [
            "kind",
            "section",
            "page",
            "line",
            "comment",
            "suggested_change",
        ]
        .into_iter()
        .zip(row)
        {
            form = form.text(field, value);
        }
    }
    form
}

/// The form with a file chosen and the three typed rows left blank, as a
/// browser sends it.
fn upload(csrf: &str, who: Who<'_>, file_name: &str, bytes: &[u8]) -> Multipart {
    let content_type = mime_guess::from_path(file_name).first_or_octet_stream();
    let form = about(csrf, who).file("file", file_name, content_type.as_ref(), bytes);
    rows(form, &[[""; 6]; 3])
}

/// The form with no file chosen and `typed` rows.
fn typed(csrf: &str, who: Who<'_>, typed: &[[&str; 6]]) -> Multipart {
    let form = about(csrf, who).file("file", "", "application/octet-stream", b"");
    rows(form, typed)
}

async fn send(app: &TestApp, slug: &str, form: Multipart) -> reqwest::Response {
    app.post_multipart(&format!("/d/{slug}/submit"), form).await
}

/// Follows the 303 of an accepted POST to the preview: its token and page.
async fn preview(
    app: &TestApp,
    slug: &str,
    response: reqwest::Response,
) -> (String, scraper::Html) {
    let location = see_other(&response);
    let prefix = format!("/d/{slug}/submit/");
    let token = location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("redirected to {location}"))
        .to_owned();
    assert!(
        token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    (token, app.page(&location, 200).await)
}

async fn confirm(app: &TestApp, slug: &str, token: &str, csrf: &str) -> reqwest::Response {
    app.post_form(
        &format!("/d/{slug}/submit/{token}/confirm"),
        &[("csrf", csrf)],
    )
    .await
}

/// The page of a form refused with 422, parsed.
async fn refused(response: reqwest::Response, what: &str) -> scraper::Html {
    assert_eq!(response.status().as_u16(), 422, "{what}");
    scraper::Html::parse_document(&response.text().await.unwrap())
}

/// The tracking number a receipt page shows.
fn tracking(receipt: &scraper::Html) -> String {
    let found = texts(receipt, ".tracking strong");
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// Submissions, comments and pending uploads in the database.
fn stored(app: &TestApp) -> (i64, i64, i64) {
    app.with_conn(|conn| {
        (
            submissions::table.count().get_result(conn).unwrap(),
            comments::table.count().get_result(conn).unwrap(),
            pending_uploads::table.count().get_result(conn).unwrap(),
        )
    })
}

/// A stored submission, found by its tracking number.
#[derive(Debug, Queryable)]
struct StoredSubmission {
    id: i64,
    channel: String,
    submitter_name: String,
    organization: String,
    email: Option<String>,
    sha256: Option<String>,
}

fn submission(app: &TestApp, tracking: &str) -> StoredSubmission {
    app.with_conn(|conn| {
        submissions::table
            .filter(submissions::tracking_number.eq(tracking))
            .select((
                submissions::id,
                submissions::channel,
                submissions::submitter_name,
                submissions::organization,
                submissions::email,
                submissions::sha256,
            ))
            .first(conn)
            .unwrap()
    })
}

fn comment_count(app: &TestApp, submission_id: i64) -> i64 {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::submission_id.eq(submission_id))
            .count()
            .get_result(conn)
            .unwrap()
    })
}

/// A small CSV in the NIST template's columns.
const CSV: &str = "Comment #,Type,Section,Page #,Line #,Comment,Suggested Change\n\
                   1,E,2.1,4,120,The first sentence repeats the title.,Drop it.\n\
                   2,T,3.4,9,310-318,Say which assurance level applies.,Add IAL2.\n";
