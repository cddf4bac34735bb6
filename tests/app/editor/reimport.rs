//! Sending a disposition table back after offline edits (`/editor/d/{slug}/reimport`).
//!
//! Each test exports a table from docket (the download or `docket export`),
//! edits it as a spreadsheet user would (the `csv` crate; calamine and
//! rust_xlsxwriter for XLSX), sends it back, reads the preview, applies it,
//! and reads what is stored: dispositions, responses, statuses, versions
//! and the audit events the save wrote.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use diesel::prelude::*;
use docket::db::schema::{audit_events, comments, table_uploads};
use docket::domain::Role;

use super::{
    Account, Browser, CSRF_REFUSED, error_message, filled, form_fields, html, pairs, signed_in,
};
use crate::cli::{docket, stderr};
use crate::helpers::{Multipart, TestApp, TestDb, attrs, comment_id, see_other, texts};

const SLUG: &str = "draft-r";
const PAGE: &str = "/editor/d/draft-r/reimport";
const DOWNLOAD: &str = "/editor/d/draft-r/export/download";
const VERSION: &str = "Version (do not edit)";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const OUTLINE: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end
1,Introduction,,,1,2,10,99
2,Requirements,,,3,5,100,299
";

/// One submission of five comments: two under section 1, two under 2,
/// one on the whole draft.
const COMMENTS: &str = "Comment #,Type,Section,Line #,Comment,Suggested Change
1,T,1,20,Passwords should be longer.,Require 15 characters.
2,E,1,30,The scope omits IoT.,Add IoT.
3,T,2,150,Requirement 2 is unclear.,
4,E,2,160,Typo on line 160.,
5,G,General,,A general remark on the whole draft.,
";

const C1: &str = "DRAFT-R-0001-1";
const C2: &str = "DRAFT-R-0001-2";
const C3: &str = "DRAFT-R-0001-3";
const C4: &str = "DRAFT-R-0001-4";
const C5: &str = "DRAFT-R-0001-5";
/// Every comment of the document. (Exports list them in outline order;
/// the tests find each row by its tracking number rather than rely on it.)
const ORDER: [&str; 5] = [C1, C2, C3, C4, C5];

/// A stored response that begins like a formula: exports write it as
/// `'=…`, and the quote must come off when the table comes back.
const FORMULA_RESPONSE: &str = "=Not a formula, just text.";

/// Creates `SLUG` with its outline and five comments (through `docket`),
/// then answers two of them as earlier saves would have: C2 declined and
/// in review, C5 noted with a response that looks like a formula.
fn seed(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        db,
        &[
            "document",
            "create",
            "--slug",
            SLUG,
            "--title",
            "Draft R",
            "--opens",
            "2000-01-01",
            "--closes",
            "2100-01-01",
        ],
    );
    let outline = write(dir.path(), "outline.csv", OUTLINE);
    run_ok(db, &["outline", "import", "--document", SLUG, &outline]);
    let file = write(dir.path(), "comments.csv", COMMENTS);
    run_ok(
        db,
        &[
            "import",
            "--document",
            SLUG,
            "--submitter",
            "Alice Able",
            "--organization",
            "Acme",
            "--email",
            "alice@example.org",
            &file,
        ],
    );
    let mut conn = db.connect();
    for (tracking, disposition, response, status) in [
        (C2, "declined", "Out of scope.", "in_review"),
        (C5, "noted", FORMULA_RESPONSE, "resolved"),
    ] {
        let changed =
            diesel::update(comments::table.filter(comments::tracking_number.eq(tracking)))
                .set((
                    comments::disposition.eq(disposition),
                    comments::response.eq(response),
                    comments::status.eq(status),
                    comments::version.eq(comments::version + 1),
                ))
                .execute(&mut conn)
                .unwrap();
        assert_eq!(changed, 1, "{tracking}");
    }
}

fn run_ok(db: &TestDb, args: &[&str]) {
    let out = docket(db, args);
    assert!(out.status.success(), "docket {args:?}: {}", stderr(&out));
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The app with `SLUG` seeded, and an editor signed in.
async fn app(db: TestDb) -> (TestApp, Browser, Account) {
    let app = TestApp::spawn(db).await;
    seed(&app.test_db);
    let (browser, account) = signed_in(&app, Role::Editor).await;
    (app, browser, account)
}

/// A comment as stored: disposition, response, status, version.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stored {
    disposition: Option<String>,
    response: Option<String>,
    status: String,
    version: i32,
}

fn stored(app: &TestApp, tracking: &str) -> Stored {
    let (disposition, response, status, version) = app.with_conn(|conn| {
        comments::table
            .filter(comments::tracking_number.eq(tracking))
            .select((
                comments::disposition,
                comments::response,
                comments::status,
                comments::version,
            ))
            .first::<(Option<String>, Option<String>, String, i32)>(conn)
            .unwrap()
    });
    Stored {
        disposition,
        response,
        status,
        version,
    }
}

fn all_stored(app: &TestApp) -> Vec<Stored> {
    ORDER.iter().map(|t| stored(app, t)).collect()
}

/// `Stored` built by hand.
fn is(disposition: Option<&str>, response: Option<&str>, status: &str, version: i32) -> Stored {
    Stored {
        disposition: disposition.map(str::to_owned),
        response: response.map(str::to_owned),
        status: status.to_owned(),
        version,
    }
}

/// One audit event: who, action, field, old value, new value.
type Event = (
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A comment's audit events, by field name (the order the back ends write
/// them in is not part of the contract).
fn audit(app: &TestApp, tracking: &str) -> Vec<Event> {
    let id = comment_id(app, tracking);
    let mut events: Vec<Event> = app.with_conn(|conn| {
        audit_events::table
            .filter(audit_events::comment_id.eq(id))
            .select((
                audit_events::user_id,
                audit_events::action,
                audit_events::field,
                audit_events::old_value,
                audit_events::new_value,
            ))
            .load(conn)
            .unwrap()
    });
    events.sort_by(|a, b| a.2.cmp(&b.2));
    events
}

/// An `update` event by `user`, as `audit` returns it.
fn event(user: i64, field: &str, old: Option<&str>, new: Option<&str>) -> Event {
    (
        Some(user),
        "update".to_owned(),
        Some(field.to_owned()),
        old.map(str::to_owned),
        new.map(str::to_owned),
    )
}

fn all_audit_events(app: &TestApp) -> i64 {
    app.with_conn(|conn| audit_events::table.count().get_result(conn).unwrap())
}

fn waiting_uploads(app: &TestApp) -> i64 {
    app.with_conn(|conn| table_uploads::table.count().get_result(conn).unwrap())
}

/// Stores a disposition and response straight in the database, as a save
/// elsewhere would (the version goes up).
fn answer_directly(app: &TestApp, tracking: &str, disposition: &str, response: &str) {
    app.with_conn(|conn| {
        let changed =
            diesel::update(comments::table.filter(comments::tracking_number.eq(tracking)))
                .set((
                    comments::disposition.eq(disposition),
                    comments::response.eq(response),
                    comments::version.eq(comments::version + 1),
                ))
                .execute(conn)
                .unwrap();
        assert_eq!(changed, 1, "{tracking}");
    });
}

/// GET a download, asserting 200.
async fn download(browser: &Browser, query: &str) -> Vec<u8> {
    let response = browser.get(&format!("{DOWNLOAD}?{query}")).await;
    assert_eq!(response.status().as_u16(), 200, "download {query}");
    response.bytes().await.unwrap().to_vec()
}

/// A CSV table as a spreadsheet user edits it.
#[derive(Clone, Debug)]
struct Csv {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(bytes: &[u8]) -> Self {
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Self { headers, rows }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(&self.headers).unwrap();
        for row in &self.rows {
            out.write_record(row).unwrap();
        }
        out.into_inner().unwrap()
    }

    fn column(&self, header: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no column {header} in {:?}", self.headers))
    }

    fn index(&self, tracking: &str) -> usize {
        self.rows
            .iter()
            .position(|r| r[0] == tracking)
            .unwrap_or_else(|| panic!("no row {tracking}"))
    }

    /// The row number a spreadsheet shows (the header is row 1).
    fn row_number(&self, tracking: &str) -> u32 {
        self.index(tracking) as u32 + 2
    }

    fn get(&self, tracking: &str, header: &str) -> &str {
        &self.rows[self.index(tracking)][self.column(header)]
    }

    fn set(&mut self, tracking: &str, header: &str, value: &str) -> &mut Self {
        let (r, c) = (self.index(tracking), self.column(header));
        self.rows[r][c] = value.to_owned();
        self
    }

    /// A copy of a row appended at the end, with `tracking` in it.
    fn push_copy(&mut self, of: &str, tracking: &str) -> u32 {
        let mut row = self.rows[self.index(of)].clone();
        row[0] = tracking.to_owned();
        self.rows.push(row);
        self.rows.len() as u32 + 1
    }
}

/// The upload form's token, then the file: the response to the upload.
async fn send(
    browser: &Browser,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let form = browser.page(PAGE, 200).await;
    let csrf = attrs(&form, "form.upload input[name=csrf]", "value").remove(0);
    browser
        .post_multipart(
            PAGE,
            Multipart::new()
                .text("csrf", &csrf)
                .file("file", file_name, content_type, bytes),
        )
        .await
}

/// Sends a file and returns its preview, asserting 200.
async fn preview(
    browser: &Browser,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> scraper::Html {
    let response = send(browser, file_name, content_type, bytes).await;
    assert_eq!(response.status().as_u16(), 200, "upload of {file_name}");
    html(response).await
}

/// The preview's counts: changes, conflicts, unmatched, problems.
fn counts(page: &scraper::Html) -> [String; 4] {
    ["changes", "conflicts", "unmatched", "problems"].map(|class| {
        let found = texts(page, &format!("p.counts strong.{class}"));
        assert_eq!(found.len(), 1, "one count of {class}: {found:?}");
        found[0].clone()
    })
}

fn n(counts: [usize; 4]) -> [String; 4] {
    counts.map(|c| c.to_string())
}

/// Where the preview's Apply form posts.
fn apply_path(page: &scraper::Html) -> String {
    let actions = attrs(page, "section.preview form", "action");
    assert_eq!(actions.len(), 1, "one Apply form: {actions:?}");
    let action = actions[0].clone();
    assert!(
        action.starts_with("/editor/d/draft-r/reimport/") && action.ends_with("/apply"),
        "{action}"
    );
    action
}

/// Presses the preview's Apply button.
async fn apply(browser: &Browser, page: &scraper::Html) -> reqwest::Response {
    let action = apply_path(page);
    let fields = form_fields(page, &action);
    assert_eq!(
        fields.len(),
        1,
        "the Apply form sends its token only: {fields:?}"
    );
    browser.post_form(&action, &pairs(&fields)).await
}

/// Applies and returns the page, asserting 200.
async fn applied(browser: &Browser, page: &scraper::Html) -> scraper::Html {
    let response = apply(browser, page).await;
    assert_eq!(response.status().as_u16(), 200, "apply");
    html(response).await
}

/// A change or conflict row as the preview shows it: row number, tracking
/// number, what docket has (`—` for no disposition), what the file says.
fn line(row: u32, tracking: &str, now: (&str, &str), file: (&str, &str)) -> String {
    let answer = |(d, r): (&str, &str)| {
        let d = if d.is_empty() { "—" } else { d };
        if r.is_empty() {
            d.to_owned()
        } else {
            format!("{d} {r}")
        }
    };
    format!("{row} {tracking} {} {}", answer(now), answer(file))
}

/// Lines in the order of their row numbers, as the preview lists them.
fn in_rows(mut lines: Vec<String>) -> Vec<String> {
    let row = |l: &String| l.split(' ').next().unwrap().parse::<u32>().unwrap();
    lines.sort_by_key(row);
    lines
}

/// A workbook's sheet as text, every cell at its own (row, column).
fn sheet_cells(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(name).unwrap();
    let (height, width) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    (0..height)
        .map(|r| {
            (0..width)
                .map(|c| match range.get_value((r, c)) {
                    None | Some(Data::Empty) => String::new(),
                    Some(Data::String(s)) => s.clone(),
                    Some(Data::Float(f)) => f.to_string(),
                    Some(other) => panic!("cell ({r}, {c}) is {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// A new workbook with one sheet holding `cells`; cells of `numeric`
/// columns below `header_row` are written as numbers, as a spreadsheet
/// that re-typed them would.
fn new_workbook(
    name: &str,
    cells: &[Vec<String>],
    header_row: usize,
    numeric: &[usize],
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name).unwrap();
    for (r, row) in cells.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            if r > header_row && numeric.contains(&c) {
                sheet
                    .write_number(r as u32, c as u16, value.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r as u32, c as u16, value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

on_both_backends! {
    async fn the_upload_form_is_offered(db: TestDb) {
        let (_app, browser, _) = app(db).await;
        let page = browser.page(PAGE, 200).await;
        assert_eq!(texts(&page, "h1"), ["Send back a disposition table"]);
        assert_eq!(attrs(&page, "form.upload", "action"), [PAGE]);
        assert_eq!(attrs(&page, "form.upload", "method"), ["post"]);
        assert_eq!(attrs(&page, "form.upload", "enctype"), ["multipart/form-data"]);
        assert_eq!(attrs(&page, "form.upload input[type=file]", "name"), ["file"]);
        assert_eq!(attrs(&page, "form.upload input[name=csrf]", "type"), ["hidden"]);
        assert!(texts(&page, "section.preview").is_empty());
        assert!(texts(&page, "p.error").is_empty());
        assert_eq!(browser.get("/editor/d/nope/reimport").await.status().as_u16(), 404);
    }

    async fn a_nist_csv_round_trip_saves_each_edited_answer_with_its_history(db: TestDb) {
        let (app, browser, editor) = app(db).await;
        let before: Vec<Stored> = all_stored(&app);
        let version = |t: &str| stored(&app, t).version;
        let (v1, v2, v3, v4, v5) = (version(C1), version(C2), version(C3), version(C4), version(C5));
        assert_eq!(v2, v1 + 1, "the seed saved C2 once");

        let exported = Csv::read(&download(&browser, "format=csv").await);
        assert_eq!(exported.headers.last().map(String::as_str), Some(VERSION));
        let mut listed: Vec<&str> = exported.rows.iter().map(|r| r[0].as_str()).collect();
        listed.sort_unstable();
        assert_eq!(listed, ORDER, "one row per comment");
        assert_eq!(exported.get(C2, "Disposition"), "Declined");
        assert_eq!(exported.get(C2, VERSION), v2.to_string());
        assert_eq!(exported.get(C5, "Response"), format!("'{FORMULA_RESPONSE}"), "neutralised on the way out");

        let mut edited = exported.clone();
        // C1: both answered; new → resolved.
        edited
            .set(C1, "Disposition", "Accepted with modification")
            .set(C1, "Response", "Raised the minimum to 12 characters.");
        // C2: a blank disposition keeps "declined"; the response changes.
        edited
            .set(C2, "Disposition", "")
            .set(C2, "Response", "IoT is out of scope for this revision.");
        // C3: a disposition alone; no response yet, so it stays new.
        edited.set(C3, "Disposition", "Accepted");
        // C4: a response typed with the formula quote, as docket writes one.
        edited
            .set(C4, "Disposition", "noted")
            .set(C4, "Response", "'-5 characters was a typo; fixed.");
        // C5 stays as exported (its response comes back quoted).
        let page = preview(&browser, "draft-r-dispositions.csv", "text/csv", &edited.bytes()).await;

        assert_eq!(counts(&page), n([4, 0, 0, 0]));
        let summary = texts(&page, "p.counts").join(" ");
        assert!(summary.ends_with("1 unchanged"), "{summary}");
        let found = texts(&page, "p.found").join(" ");
        assert!(found.contains("header on row 1; answers from Disposition and Response"), "{found}");
        assert!(texts(&page, "p.warning").is_empty(), "the table has its version column");
        assert_eq!(texts(&page, "table.changes tbody tr"), in_rows(vec![
            line(edited.row_number(C1), C1, ("", ""), ("Accepted with modification", "Raised the minimum to 12 characters.")),
            line(edited.row_number(C2), C2, ("Declined", "Out of scope."), ("Declined", "IoT is out of scope for this revision.")),
            line(edited.row_number(C3), C3, ("", ""), ("Accepted", "")),
            line(edited.row_number(C4), C4, ("", ""), ("Noted", "-5 characters was a typo; fixed.")),
        ]));
        let links = attrs(&page, "table.changes tbody a", "href");
        assert_eq!(links[0], format!("/editor/comments/{}", comment_id(&app, C1)));
        assert!(texts(&page, "table.conflicts").is_empty());
        assert!(texts(&page, "section.unmatched").is_empty());
        assert!(texts(&page, "section.problems").is_empty());
        let button = texts(&page, "section.preview form button");
        assert_eq!(button, ["Apply 4 change(s)"]);

        // Nothing is written before Apply; the upload waits.
        assert_eq!(all_stored(&app), before);
        assert_eq!(all_audit_events(&app), 0);
        assert_eq!(waiting_uploads(&app), 1);

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["4"]);
        assert!(texts(&done, "section.applied p.left").is_empty());
        assert!(texts(&done, "section.applied ul.refused").is_empty());
        assert!(attrs(&done, "section.preview form", "action").is_empty(), "no second Apply button");
        assert_eq!(waiting_uploads(&app), 0);

        assert_eq!(stored(&app, C1), is(Some("accepted_with_modification"), Some("Raised the minimum to 12 characters."), "resolved", v1 + 1));
        assert_eq!(stored(&app, C2), is(Some("declined"), Some("IoT is out of scope for this revision."), "resolved", v2 + 1));
        assert_eq!(stored(&app, C3), is(Some("accepted"), None, "new", v3 + 1));
        assert_eq!(stored(&app, C4), is(Some("noted"), Some("-5 characters was a typo; fixed."), "resolved", v4 + 1));
        assert_eq!(stored(&app, C5), is(Some("noted"), Some(FORMULA_RESPONSE), "resolved", v5), "unchanged, not re-saved");

        let me = editor.id;
        assert_eq!(audit(&app, C1), [
            event(me, "disposition", None, Some("accepted_with_modification")),
            event(me, "response", None, Some("Raised the minimum to 12 characters.")),
            event(me, "status", Some("new"), Some("resolved")),
        ]);
        assert_eq!(audit(&app, C2), [
            event(me, "response", Some("Out of scope."), Some("IoT is out of scope for this revision.")),
            event(me, "status", Some("in_review"), Some("resolved")),
        ]);
        assert_eq!(audit(&app, C3), [event(me, "disposition", None, Some("accepted"))]);
        assert_eq!(audit(&app, C4), [
            event(me, "disposition", None, Some("noted")),
            event(me, "response", None, Some("-5 characters was a typo; fixed.")),
            event(me, "status", Some("new"), Some("resolved")),
        ]);
        assert!(audit(&app, C5).is_empty());
        assert_eq!(all_audit_events(&app), 9);

        // The comment page's history shows the saves.
        let comment = browser.page(&format!("/editor/comments/{}", comment_id(&app, C1)), 200).await;
        let history = texts(&comment, "ol.history li");
        assert_eq!(history.len(), 3, "{history:?}");
        assert!(history.iter().all(|h| h.contains(&format!("{} changed", editor.name))), "{history:?}");

        // The same file sent again changes nothing: what it says is stored.
        let again = preview(&browser, "draft-r-dispositions.csv", "text/csv", &edited.bytes()).await;
        assert_eq!(counts(&again), n([0, 0, 0, 0]));
        assert!(attrs(&again, "section.preview form", "action").is_empty(), "nothing to apply");
    }

    async fn an_iso_workbook_answers_in_the_observations_column(db: TestDb) {
        let (app, browser, editor) = app(db).await;
        let (v1, v2, v3, v4) = (stored(&app, C1).version, stored(&app, C2).version, stored(&app, C3).version, stored(&app, C4).version);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("iso.xlsx");
        run_ok(&app.test_db, &["export", "--document", SLUG, "--format", "xlsx", "--preset", "iso", "-o", out.to_str().unwrap()]);
        let mut cells = sheet_cells(std::fs::read(&out).unwrap(), "All comments");
        assert_eq!(cells[0][0], "Draft R", "title rows first");
        let header = cells[3].clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} in {header:?}"));
        let (observations, version) = (col("Observations of the secretariat"), col(VERSION));
        assert_eq!(col("Tracking #"), 0);
        let row = |cells: &[Vec<String>], tracking: &str| cells.iter().position(|r| r[0] == tracking).unwrap();
        assert_eq!(cells[row(&cells, C2)][observations], "Not accepted. Out of scope.");

        let r1 = row(&cells, C1);
        cells[r1][observations] = "Not accepted. Out of scope.".to_owned();
        let r3 = row(&cells, C3);
        cells[r3][observations] = "Accepted in principle. Requirement 2 now says what it requires.".to_owned();
        // No disposition word first: all of it is the response.
        let r4 = row(&cells, C4);
        cells[r4][observations] = "Thank you; see the new line 160.".to_owned();
        // C2: the secretariat's answer cleared, which keeps docket's.
        let r2 = row(&cells, C2);
        cells[r2][observations] = String::new();
        // Versions re-typed as numbers by the spreadsheet.
        let bytes = new_workbook("All comments", &cells, 3, &[version]);

        let page = preview(&browser, "iso-edited.xlsx", XLSX_TYPE, &bytes).await;
        assert_eq!(counts(&page), n([3, 0, 0, 0]));
        let found = texts(&page, "p.found").join(" ");
        assert!(found.contains("sheet “All comments”, header on row 4; answers from Observations of the secretariat"), "{found}");
        // Spreadsheet rows count from 1: title, subtitle, blank, header.
        assert_eq!(texts(&page, "table.changes tbody tr"), in_rows(vec![
            line(r1 as u32 + 1, C1, ("", ""), ("Declined", "Out of scope.")),
            line(r3 as u32 + 1, C3, ("", ""), ("Accepted with modification", "Requirement 2 now says what it requires.")),
            line(r4 as u32 + 1, C4, ("", ""), ("", "Thank you; see the new line 160.")),
        ]));
        assert_eq!(all_audit_events(&app), 0);

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["3"]);
        assert_eq!(stored(&app, C1), is(Some("declined"), Some("Out of scope."), "resolved", v1 + 1));
        assert_eq!(stored(&app, C2), is(Some("declined"), Some("Out of scope."), "in_review", v2));
        assert_eq!(stored(&app, C3), is(Some("accepted_with_modification"), Some("Requirement 2 now says what it requires."), "resolved", v3 + 1));
        assert_eq!(stored(&app, C4), is(None, Some("Thank you; see the new line 160."), "new", v4 + 1));
        assert_eq!(audit(&app, C4), [event(editor.id, "response", None, Some("Thank you; see the new line 160."))]);
        assert_eq!(audit(&app, C1).len(), 3);

        // docket's own export of the new answers reads the same way.
        let again = download(&browser, "format=xlsx&preset=iso").await;
        let cells = sheet_cells(again, "All comments");
        assert_eq!(cells[row(&cells, C1)][observations], "Not accepted. Out of scope.");
        assert_eq!(cells[row(&cells, C3)][observations], "Accepted in principle. Requirement 2 now says what it requires.");
    }

    async fn an_ieee_table_answers_with_a_v_and_j(db: TestDb) {
        let (app, browser, editor) = app(db).await;
        let v = |t: &str| stored(&app, t).version;
        let (v1, v2, v3, v4, v5) = (v(C1), v(C2), v(C3), v(C4), v(C5));
        let exported = Csv::read(&download(&browser, "format=csv&preset=ieee").await);
        assert_eq!(exported.headers[0], "CID");
        assert_eq!(exported.get(C2, "Resn Status"), "J");
        assert_eq!(exported.get(C5, "Resn Status"), "Noted");
        let mut edited = exported.clone();
        edited.set(C1, "Resn Status", "A").set(C1, "Resolution", "Now 15 characters.");
        edited.set(C3, "Resn Status", "v").set(C3, "Resolution", "Reworded <em>as asked</em>.");
        edited.set(C4, "Resn Status", "J").set(C4, "Resolution", "The line is correct.");
        edited.set(C2, "Resn Status", "Deferred").set(C2, "Resolution", "Next revision.");
        edited.set(C5, "Resn Status", "Duplicate");

        let page = preview(&browser, "ieee.csv", "text/csv", &edited.bytes()).await;
        // C5 cannot be a duplicate without "Duplicate of": a problem, not a change.
        assert_eq!(counts(&page), n([4, 0, 0, 1]));
        let found = texts(&page, "p.found").join(" ");
        assert!(found.contains("answers from Resn Status and Resolution"), "{found}");
        assert_eq!(texts(&page, "table.changes tbody tr"), in_rows(vec![
            line(edited.row_number(C1), C1, ("", ""), ("Accepted", "Now 15 characters.")),
            line(edited.row_number(C2), C2, ("Declined", "Out of scope."), ("Deferred", "Next revision.")),
            line(edited.row_number(C3), C3, ("", ""), ("Accepted with modification", "Reworded <em>as asked</em>.")),
            line(edited.row_number(C4), C4, ("", ""), ("Declined", "The line is correct.")),
        ]));
        assert!(texts(&page, "table.changes em").is_empty(), "markup in a cell is shown as text");
        let problems = texts(&page, "section.problems li");
        assert_eq!(problems.len(), 1);
        let expected = format!("Row {}, column “Resn Status / Resolution”: {C5} is answered “duplicate”", edited.row_number(C5));
        assert!(problems[0].starts_with(&expected), "{problems:?}");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["4"]);
        assert_eq!(stored(&app, C1), is(Some("accepted"), Some("Now 15 characters."), "resolved", v1 + 1));
        assert_eq!(stored(&app, C2), is(Some("deferred"), Some("Next revision."), "resolved", v2 + 1));
        assert_eq!(stored(&app, C3), is(Some("accepted_with_modification"), Some("Reworded <em>as asked</em>."), "resolved", v3 + 1));
        assert_eq!(stored(&app, C4), is(Some("declined"), Some("The line is correct."), "resolved", v4 + 1));
        assert_eq!(stored(&app, C5), is(Some("noted"), Some(FORMULA_RESPONSE), "resolved", v5));
        assert_eq!(audit(&app, C2), [
            event(editor.id, "disposition", Some("declined"), Some("deferred")),
            event(editor.id, "response", Some("Out of scope."), Some("Next revision.")),
            event(editor.id, "status", Some("in_review"), Some("resolved")),
        ]);
        assert!(audit(&app, C5).is_empty());
    }

    async fn a_comment_saved_in_docket_since_the_export_is_a_conflict_and_kept(db: TestDb) {
        let (app, browser, editor) = app(db).await;
        let exported = Csv::read(&download(&browser, "format=csv").await);

        // Another editor answers C1 on its page after the export.
        let (other, colleague) = signed_in(&app, Role::Editor).await;
        let c1 = comment_id(&app, C1);
        let path = format!("/editor/comments/{c1}");
        let form = other.page(&path, 200).await;
        let fields = filled(&form_fields(&form, &path), &[
            ("disposition", "noted"),
            ("response", "Handled in docket."),
        ]);
        let response = other.post_form(&path, &pairs(&fields)).await;
        assert_eq!(see_other(&response), path);
        let c1_saved = stored(&app, C1);
        assert_eq!(c1_saved.disposition.as_deref(), Some("noted"));
        let v2 = stored(&app, C2).version;
        let v4 = stored(&app, C4).version;

        let mut edited = exported.clone();
        edited.set(C1, "Disposition", "Accepted").set(C1, "Response", "From the file.");
        edited.set(C2, "Response", "From the file too.");
        edited.set(C4, "Disposition", "Declined").set(C4, "Response", "Not a typo.");
        let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
        assert_eq!(counts(&page), n([2, 1, 0, 0]));
        assert_eq!(texts(&page, "table.conflicts tbody tr"), [
            line(edited.row_number(C1), C1, ("Noted", "Handled in docket."), ("Accepted", "From the file.")),
        ]);
        assert_eq!(attrs(&page, "table.conflicts tbody a", "href"), std::slice::from_ref(&path));
        let mut changed = texts(&page, "table.changes tbody tr td:nth-child(2)");
        changed.sort();
        assert_eq!(changed, [C2, C4]);

        // Between the preview and Apply, C4 is saved in docket too.
        answer_directly(&app, C4, "deferred", "Saved meanwhile.");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        let left = texts(&done, "section.applied p.left").join(" ");
        assert!(left.contains(C1) && left.contains(C4), "{left}");
        assert!(left.starts_with("Left as they are, changed in docket since the export:"), "{left}");

        assert_eq!(stored(&app, C1), c1_saved, "the save made in docket stays");
        assert_eq!(stored(&app, C4), is(Some("deferred"), Some("Saved meanwhile."), "new", v4 + 1));
        assert_eq!(stored(&app, C2), is(Some("declined"), Some("From the file too."), "resolved", v2 + 1));
        // C1's history holds the colleague's save only; C4's none (its
        // change was made straight in the database); C2's the apply.
        assert!(audit(&app, C1).iter().all(|e| e.0 == Some(colleague.id)), "{:?}", audit(&app, C1));
        assert!(audit(&app, C4).is_empty());
        assert_eq!(audit(&app, C2), [
            event(editor.id, "response", Some("Out of scope."), Some("From the file too.")),
            event(editor.id, "status", Some("in_review"), Some("resolved")),
        ]);
    }

    async fn unmatched_rows_unknown_words_and_duplicates_are_listed_not_applied(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let before = all_stored(&app);
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        // C1: a word docket does not know; its response is not read either.
        edited.set(C1, "Disposition", "Maybe").set(C1, "Response", "Would be lost.");
        // C3: answered, then answered differently on a copy further down.
        edited.set(C3, "Disposition", "Accepted").set(C3, "Response", "First answer.");
        let duplicate_row = edited.push_copy(C3, C3);
        let last = edited.rows.len() - 1;
        let disposition = edited.column("Disposition");
        let response = edited.column("Response");
        edited.rows[last][disposition] = "Declined".to_owned();
        edited.rows[last][response] = "Second answer.".to_owned();
        // A tracking number of no comment of this document.
        let unknown_row = edited.push_copy(C4, "DRAFT-R-0099-1");
        let last = edited.rows.len() - 1;
        edited.rows[last][disposition] = "Accepted".to_owned();
        // C4: a version cell typed over.
        edited.set(C4, "Disposition", "Noted").set(C4, VERSION, "abc");
        // C2: a response longer than a response may be.
        edited.set(C2, "Response", &"x".repeat(20_001));
        // A note below the table, without a tracking number: skipped.
        let mut note = vec![String::new(); edited.headers.len()];
        note[response] = "Reviewed by the committee on 3 May.".to_owned();
        edited.rows.push(note);

        let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
        assert_eq!(counts(&page), n([1, 0, 1, 4]));
        assert_eq!(texts(&page, "table.changes tbody tr"), in_rows(vec![
            line(edited.row_number(C3), C3, ("", ""), ("Accepted", "First answer.")),
        ]));
        assert_eq!(texts(&page, "section.unmatched li"), [format!("Row {unknown_row}: “DRAFT-R-0099-1”")]);
        let problems = texts(&page, "section.problems li");
        assert_eq!(problems.len(), 4, "{problems:?}");
        let c2_row = edited.row_number(C2);
        assert!(
            problems.contains(&format!("Row {c2_row}, column “Disposition / Response”: The response has 20001 characters; a response may have 20000.")),
            "{problems:?}"
        );
        let c1_row = edited.row_number(C1);
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("Row {c1_row}, column “Disposition”: “Maybe” is not a disposition docket knows (accepted,"))),
            "{problems:?}"
        );
        assert!(
            problems.contains(&format!("Row {duplicate_row}: {C3} is also on row {}; only that row is read.", edited.row_number(C3))),
            "{problems:?}"
        );
        let c4_row = edited.row_number(C4);
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("Row {c4_row}, column “{VERSION}”: “abc” is not a version number"))),
            "{problems:?}"
        );
        assert_eq!(all_stored(&app), before, "nothing written by the preview");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        let mut expected = before.clone();
        assert_eq!(ORDER[2], C3);
        expected[2] = is(Some("accepted"), Some("First answer."), "resolved", before[2].version + 1);
        assert_eq!(all_stored(&app), expected, "only the first C3 row applied");
        assert!(app.with_conn(|conn| {
            comments::table
                .filter(comments::tracking_number.eq("DRAFT-R-0099-1"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        }) == 0);
    }

    async fn a_file_that_is_not_a_disposition_table_is_refused_and_not_kept(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let before = all_stored(&app);
        let no_table = "No disposition table was found: docket looks in the first 30 rows of each sheet for a header with the tracking number";
        for (name, content_type, bytes, expected) in [
            ("letter.txt", "text/plain", b"Dear editors,\nwe have read the draft and think it is fine.\n".to_vec(), no_table),
            ("comments.csv", "text/csv", b"Comment #,Comment,Disposition\n1,Too long.,Accepted\n".to_vec(), no_table),
            // A tracking column but nothing answering: not a disposition table.
            ("tracking.csv", "text/csv", format!("Tracking #,Comment\n{C1},Too long.\n").into_bytes(), no_table),
            ("table.xlsx", XLSX_TYPE, b"this is no workbook".to_vec(), "This is not a spreadsheet docket can read: it is named .xlsx but its content is not a spreadsheet"),
        ] {
            let response = send(&browser, name, content_type, &bytes).await;
            assert_eq!(response.status().as_u16(), 422, "{name}");
            let page = html(response).await;
            let error = texts(&page, "p.error").join(" ");
            assert!(error.starts_with(expected), "{name}: {error}");
            assert!(error.ends_with('.'), "{name}: {error}");
            assert!(texts(&page, "section.preview").is_empty(), "{name}");
            assert!(attrs(&page, "form[action$='/apply']", "action").is_empty(), "{name}");
            assert_eq!(attrs(&page, "form.upload", "action"), [PAGE], "{name}: the form is there to try again");
        }

        // No file chosen: the browser sends an empty part.
        let form = browser.page(PAGE, 200).await;
        let csrf = attrs(&form, "form.upload input[name=csrf]", "value").remove(0);
        let response = browser
            .post_multipart(PAGE, Multipart::new().text("csrf", &csrf).file("file", "", "application/octet-stream", b""))
            .await;
        assert_eq!(response.status().as_u16(), 400);
        assert_eq!(texts(&html(response).await, "p.error"), ["Choose the disposition table to send back."]);
        let response = browser.post_multipart(PAGE, Multipart::new().text("csrf", &csrf)).await;
        assert_eq!(response.status().as_u16(), 400, "no file part at all");

        assert_eq!(waiting_uploads(&app), 0, "nothing stored");
        assert_eq!(all_stored(&app), before);
        assert_eq!(all_audit_events(&app), 0);
    }

    async fn an_upload_is_applied_once_by_its_uploader_with_a_valid_token(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        edited.set(C1, "Disposition", "Accepted").set(C1, "Response", "Done.");
        let bytes = edited.bytes();
        let v1 = stored(&app, C1).version;

        // Without the form's token, nothing is read or stored.
        let response = browser
            .post_multipart(PAGE, Multipart::new().file("file", "edited.csv", "text/csv", &bytes))
            .await;
        assert_eq!(error_message(response, 403, "upload without csrf").await, CSRF_REFUSED);
        let response = browser
            .post_multipart(PAGE, Multipart::new().text("csrf", "forged").file("file", "edited.csv", "text/csv", &bytes))
            .await;
        assert_eq!(response.status().as_u16(), 403, "upload with a forged token");
        assert_eq!(waiting_uploads(&app), 0);

        let page = preview(&browser, "edited.csv", "text/csv", &bytes).await;
        let action = apply_path(&page);
        let csrf = attrs(&page, "section.preview form input[name=csrf]", "value").remove(0);

        // Apply without the token, or with another session's.
        // (Without the field at all it is refused as forged too: see `regressions`.)

        let response = browser.post_form(&action, &[]).await;
        assert!(response.status().is_client_error(), "apply without a csrf field: {}", response.status());
        let response = browser.post_form(&action, &[("csrf", "")]).await;
        assert_eq!(error_message(response, 403, "apply with an empty token").await, CSRF_REFUSED);
        let response = browser.post_form(&action, &[("csrf", "forged")]).await;
        assert_eq!(error_message(response, 403, "apply with a forged token").await, CSRF_REFUSED);

        // Another editor, with their own valid token, cannot use it.
        let (other, _) = signed_in(&app, Role::Editor).await;
        let other_csrf = other.csrf().await;
        let response = other.post_form(&action, &[("csrf", other_csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "someone else's upload");
        // Nor an admin.
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let admin_csrf = admin.csrf().await;
        let response = admin.post_form(&action, &[("csrf", admin_csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "an admin, not the uploader");
        // Nor the uploader on another document.
        let elsewhere = action.replace("/editor/d/draft-r/", "/editor/d/nistir-8200/");
        let response = browser.post_form(&elsewhere, &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "the token on another document");
        // Anonymous: sent to sign in.
        let anonymous = Browser::new(&app);
        let response = anonymous.post_form(&action, &[("csrf", csrf.as_str())]).await;
        assert!(see_other(&response).starts_with("/login"), "anonymous apply");
        assert_eq!(stored(&app, C1).version, v1, "none of those applied anything");
        assert_eq!(waiting_uploads(&app), 1, "and the upload still waits");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        assert_eq!(stored(&app, C1), is(Some("accepted"), Some("Done."), "resolved", v1 + 1));

        let response = apply(&browser, &page).await;
        let message = error_message(response, 404, "second apply").await;
        assert!(message.contains("that upload is not waiting any more"), "{message}");
        assert_eq!(stored(&app, C1).version, v1 + 1, "applied once");
        assert_eq!(audit(&app, C1).len(), 3);
        let response = browser.post_form("/editor/d/draft-r/reimport/0123456789abcdef/apply", &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "a made-up token");
    }

    async fn anonymous_visitors_are_sent_to_sign_in(db: TestDb) {
        let app = TestApp::spawn(db).await;
        seed(&app.test_db);
        let anonymous = Browser::new(&app);
        let response = anonymous.get(PAGE).await;
        assert_eq!(see_other(&response), "/login?next=%2Feditor%2Fd%2Fdraft-r%2Freimport");
        let response = anonymous
            .post_multipart(PAGE, Multipart::new().text("csrf", "x").file("file", "t.csv", "text/csv", b"Tracking #,Disposition\nDRAFT-R-0001-1,Accepted\n"))
            .await;
        assert!(see_other(&response).starts_with("/login"), "anonymous upload");
        assert_eq!(waiting_uploads(&app), 0);
        assert_eq!(stored(&app, C1).disposition, None);
    }

    async fn an_unedited_table_changes_nothing_in_any_preset_or_format(db: TestDb) {
        let (app, browser, _) = app(db).await;
        answer_directly(&app, C1, "accepted_with_modification", "Raised to 12.\nSee 2.1 <b>now</b>.");
        answer_directly(&app, C3, "accepted", "'Quoted' as asked.");
        // Formula characters behind separators and line breaks: quoted
        // inside the CSV cell, and taken off again.
        answer_directly(&app, C4, "noted", "Split;=1+6;\n- a\n@b, \"c\";\"=d\"\t+e|'x'");
        let before = all_stored(&app);
        for query in [
            "format=csv", "format=csv&bom=1", "format=csv&preset=iso", "format=csv&preset=ieee",
            "format=xlsx", "format=xlsx&preset=iso", "format=xlsx&preset=ieee&sheets=1",
        ] {
            let bytes = download(&browser, query).await;
            let name = if query.contains("xlsx") { "table.xlsx" } else { "table.csv" };
            let page = preview(&browser, name, "application/octet-stream", &bytes).await;
            assert_eq!(counts(&page), n([0, 0, 0, 0]), "{query}: {:?}", texts(&page, "table, section.problems"));
            let summary = texts(&page, "p.counts").join(" ");
            assert!(summary.ends_with("5 unchanged"), "{query}: {summary}");
            assert!(texts(&page, "p.warning:not(.other-sheets)").is_empty(), "{query}");
            // A sheet per section: only "All comments" is read, and the
            // preview says so.
            assert_eq!(
                texts(&page, "p.other-sheets").len(),
                usize::from(query.contains("sheets=1")),
                "{query}"
            );
            assert!(attrs(&page, "section.preview form", "action").is_empty(), "{query}: nothing to apply");
        }
        assert_eq!(all_stored(&app), before);
        assert_eq!(all_audit_events(&app), 0);
    }

    async fn a_table_without_versions_says_so_and_its_answers_apply(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let exported = Csv::read(&download(&browser, "format=csv&public=1").await);
        assert!(!exported.headers.iter().any(|h| h == VERSION), "{:?}", exported.headers);
        // Saved in docket after the export: without versions, docket cannot tell.
        answer_directly(&app, C1, "noted", "Saved in docket.");
        let v1 = stored(&app, C1).version;
        let mut edited = exported.clone();
        edited.set(C1, "Disposition", "Declined").set(C1, "Response", "From the public table.");
        let page = preview(&browser, "public.csv", "text/csv", &edited.bytes()).await;
        let warning = texts(&page, "p.warning").join(" ");
        assert!(warning.starts_with("This table has no “Version (do not edit)” column"), "{warning}");
        assert_eq!(counts(&page), n([1, 0, 0, 0]));
        assert_eq!(texts(&page, "table.changes tbody tr"), [
            line(edited.row_number(C1), C1, ("Noted", "Saved in docket."), ("Declined", "From the public table.")),
        ]);
        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        assert_eq!(stored(&app, C1), is(Some("declined"), Some("From the public table."), "resolved", v1 + 1));
    }

    async fn a_double_click_on_apply_saves_once(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        edited.set(C1, "Disposition", "Accepted").set(C1, "Response", "Done.");
        edited.set(C3, "Disposition", "Declined").set(C3, "Response", "No.");
        let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
        let (v1, v3) = (stored(&app, C1).version, stored(&app, C3).version);
        let (first, second) = tokio::join!(apply(&browser, &page), apply(&browser, &page));
        let mut saved = 0;
        for response in [first, second] {
            match response.status().as_u16() {
                200 => {
                    let done = html(response).await;
                    saved += texts(&done, "section.applied strong.saved")[0].parse::<usize>().unwrap();
                }
                404 => {}
                other => panic!("apply answered {other}"),
            }
        }
        assert_eq!(saved, 2, "each change saved once in all");
        assert_eq!(stored(&app, C1).version, v1 + 1);
        assert_eq!(stored(&app, C3).version, v3 + 1);
        assert_eq!(audit(&app, C1).len(), 3);
        assert_eq!(audit(&app, C3).len(), 3);
        assert_eq!(waiting_uploads(&app), 0);
    }

    async fn duplicates_keep_the_comment_they_duplicate(db: TestDb) {
        let (app, browser, editor) = app(db).await;
        let c1 = comment_id(&app, C1);
        for tracking in [C4, C5] {
            app.with_conn(|conn| {
                diesel::update(comments::table.filter(comments::tracking_number.eq(tracking)))
                    .set((
                        comments::duplicate_of_id.eq(Some(c1)),
                        comments::disposition.eq("duplicate"),
                        comments::response.eq("See DRAFT-R-0001-1."),
                        comments::version.eq(comments::version + 1),
                    ))
                    .execute(conn)
                    .unwrap();
            });
        }
        let (v4, v5) = (stored(&app, C4).version, stored(&app, C5).version);
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        assert_eq!(edited.get(C5, "Disposition"), "Duplicate");
        // C5: still a duplicate, with a better response.
        edited.set(C5, "Response", "Answered with DRAFT-R-0001-1.");
        // C4: answered in its own right, which docket must be told on its page.
        edited.set(C4, "Disposition", "Accepted");
        // C2: "duplicate" of nothing docket knows.
        edited.set(C2, "Disposition", "Duplicate");
        let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
        assert_eq!(counts(&page), n([1, 0, 0, 2]));
        assert_eq!(texts(&page, "table.changes tbody tr"), [
            line(edited.row_number(C5), C5, ("Duplicate", "See DRAFT-R-0001-1."), ("Duplicate", "Answered with DRAFT-R-0001-1.")),
        ]);
        let problems = texts(&page, "section.problems li");
        assert!(problems.contains(&format!(
            "Row {}, column “Disposition / Response”: {C4} is marked in docket as a duplicate of another comment; change that on its page first.",
            edited.row_number(C4)
        )), "{problems:?}");
        assert!(problems.contains(&format!(
            "Row {}, column “Disposition / Response”: {C2} is answered “duplicate” but docket does not know which comment it duplicates; set “Duplicate of” on its page.",
            edited.row_number(C2)
        )), "{problems:?}");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        assert!(texts(&done, "section.applied ul.refused").is_empty());
        assert_eq!(stored(&app, C5), is(Some("duplicate"), Some("Answered with DRAFT-R-0001-1."), "resolved", v5 + 1));
        assert_eq!(stored(&app, C4), is(Some("duplicate"), Some("See DRAFT-R-0001-1."), "new", v4));
        let duplicate_of = |t: &str| app.with_conn(|conn| {
            comments::table
                .filter(comments::tracking_number.eq(t))
                .select(comments::duplicate_of_id)
                .first::<Option<i64>>(conn)
                .unwrap()
        });
        assert_eq!(duplicate_of(C5), Some(c1));
        assert_eq!(duplicate_of(C4), Some(c1));
        assert_eq!(audit(&app, C5), [event(editor.id, "response", Some("See DRAFT-R-0001-1."), Some("Answered with DRAFT-R-0001-1."))]);
        assert_eq!(stored(&app, C2).disposition.as_deref(), Some("declined"));
    }
}

/// Regressions: each of these was a bug found by the tests above's author.
mod regressions {
    use super::*;

    on_both_backends! {
        // Was a bug: src/reimport/sheet.rs (`Layout::read`, AnswerColumns::Together)
        // splits every ISO "Observations of the secretariat" cell with
        // `disposition_word::split_answer`, but src/export/preset.rs
        // (`observations`) writes a comment that has a response and no
        // disposition as the bare response. A response that begins with a
        // vocabulary word ("Deferred until…", "Noted…", "Revised text…",
        // "Duplicate of…") therefore comes back from an unedited table as a
        // disposition plus the rest of the sentence: the preview lists a
        // change, and Apply stores disposition "deferred" and response
        // "until the workshop in May." (the first word lost).
        async fn an_iso_response_without_a_disposition_reads_back_as_it_was(db: TestDb) {
            // A comment answered with a response only: ISO's one column holds
            // just the response, so when that response begins with a word of
            // the secretariat's vocabulary the unedited table must not turn it
            // into a disposition.
            let (app, browser, _) = app(db).await;
            app.with_conn(|conn| {
                diesel::update(comments::table.filter(comments::tracking_number.eq(C4)))
                    .set((
                        comments::response.eq("Deferred until the workshop in May."),
                        comments::version.eq(comments::version + 1),
                    ))
                    .execute(conn)
                    .unwrap();
            });
            let before = stored(&app, C4);
            let exported = Csv::read(&download(&browser, "format=csv&preset=iso").await);
            assert_eq!(exported.get(C4, "Observations of the secretariat"), "Deferred until the workshop in May.");
            let page = preview(&browser, "iso.csv", "text/csv", &exported.bytes()).await;
            assert_eq!(counts(&page), n([0, 0, 0, 0]), "{:?}", texts(&page, "table.changes tbody tr"));
            assert_eq!(stored(&app, C4), before);
        }

        // Was a bug: `ApplyForm { csrf: String }` has no `#[serde(default)]`, so
        // the form extractor refuses a body without the field (400) before
        // `csrf::check` runs; the comment, outline and other forms answer 403
        // with the "form has expired" message.
        async fn apply_without_a_csrf_field_is_refused_as_forged(db: TestDb) {
            let (app, browser, _) = app(db).await;
            let mut edited = Csv::read(&download(&browser, "format=csv").await);
            edited.set(C1, "Disposition", "Accepted");
            let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
            let v1 = stored(&app, C1).version;
            let response = browser.post_form(&apply_path(&page), &[]).await;
            assert_eq!(error_message(response, 403, "apply without a csrf field").await, CSRF_REFUSED);
            assert_eq!(stored(&app, C1).version, v1);
        }

        // Was a bug: src/web/editor/reimport.rs `apply` finds the upload
        // (`table_uploads::find`), plans and saves, and only then deletes
        // it; nothing claims the token first. Two Applies of one upload at
        // once (a double click) both run: the second answers 200 with
        // "0 comment(s) saved" and lists the uploader's own just-saved rows
        // as "Left as they are, changed in docket since the export". The
        // version check keeps the data right (see
        // `a_double_click_on_apply_saves_once`), but the token is not
        // one-time, and the second page is wrong. Claiming it up front
        // (DELETE … RETURNING, or a delete whose row count must be 1, in
        // the same transaction) would make the second a 404.
        async fn simultaneous_applies_of_one_upload_run_once(db: TestDb) {
            let (_app, browser, _) = app(db).await;
            for (round, word) in ["Accepted", "Declined", "Noted", "Deferred", "Accepted"].iter().enumerate() {
                let mut edited = Csv::read(&download(&browser, "format=csv").await);
                edited.set(C1, "Disposition", word).set(C1, "Response", &format!("Round {round}."));
                let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
                let (first, second) = tokio::join!(apply(&browser, &page), apply(&browser, &page));
                let mut statuses = [first.status().as_u16(), second.status().as_u16()];
                statuses.sort_unstable();
                assert_eq!(statuses, [200, 404], "round {round}: the second Apply of one upload is refused");
            }
        }
    }

    // Was a gap: src/web/editor/reimport.rs `apply` deleted the upload before
    // saving, and saves run in transactions of 100; a database error in a
    // later transaction left the earlier ones saved and the upload gone, so
    // the editor had to find and send the file again. Now the upload waits
    // again, and pressing Apply again saves the rest: the rows already saved
    // match the file and count as unchanged, not as conflicts.
    on_both_backends! {
        async fn an_apply_that_fails_part_way_can_be_pressed_again(db: TestDb) {
            let (app, browser, _) = app(db).await;
            let dir = tempfile::tempdir().unwrap();
            let mut more = String::from("Comment #,Section,Comment\n");
            for n in 1..=150 {
                more.push_str(&format!("{n},1,Bulk comment {n}\n"));
            }
            let file = write(dir.path(), "more.csv", &more);
            run_ok(&app.test_db, &["import", "--document", SLUG, "--submitter", "Bob", &file]);
            let mut table = Csv::read(&download(&browser, "format=csv").await);
            let trackings: Vec<String> = table.rows.iter().map(|r| r[0].clone()).collect();
            assert_eq!(trackings.len(), 155);
            for (i, tracking) in trackings.iter().enumerate() {
                let response = if i == 120 { "FAIL".to_owned() } else { format!("Answer {i}.") };
                table.set(tracking, "Disposition", "Noted").set(tracking, "Response", &response);
            }
            // The database refuses the 121st save (a trigger on either back end).
            let (create, drop) = match app.test_db.pg_name.is_some() {
                true => (
                    "CREATE FUNCTION refuse_fail() RETURNS trigger AS $$ BEGIN \
                       IF NEW.response = 'FAIL' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; \
                     END $$ LANGUAGE plpgsql; \
                     CREATE TRIGGER refuse_fail BEFORE UPDATE ON comments \
                       FOR EACH ROW EXECUTE FUNCTION refuse_fail();",
                    "DROP TRIGGER refuse_fail ON comments; DROP FUNCTION refuse_fail();",
                ),
                false => (
                    "CREATE TRIGGER refuse_fail BEFORE UPDATE ON comments \
                       WHEN NEW.response = 'FAIL' BEGIN SELECT RAISE(ABORT, 'refused'); END;",
                    "DROP TRIGGER refuse_fail;",
                ),
            };
            use diesel::connection::SimpleConnection;
            app.with_conn(|conn| conn.batch_execute(create).unwrap());
            let page = preview(&browser, "t.csv", "text/csv", &table.bytes()).await;
            let changes = counts(&page)[0].parse::<usize>().unwrap();
            assert!(changes > 120, "{changes}");
            let failed = apply(&browser, &page).await;
            assert_eq!(failed.status().as_u16(), 500);
            let answered = |app: &TestApp| -> i64 {
                app.with_conn(|conn| {
                    comments::table
                        .filter(comments::response.like("Answer %"))
                        .count()
                        .get_result(conn)
                        .unwrap()
                })
            };
            assert_eq!(answered(&app), 100, "the first transaction stays saved");
            assert_eq!(waiting_uploads(&app), 1, "the upload waits again");

            app.with_conn(|conn| conn.batch_execute(drop).unwrap());
            applied(&browser, &page).await;
            assert_eq!(answered(&app), 154);
            let fail: Option<String> = app.with_conn(|conn| {
                comments::table
                    .filter(comments::tracking_number.eq(&trackings[120]))
                    .select(comments::response)
                    .first(conn)
                    .unwrap()
            });
            assert_eq!(fail.as_deref(), Some("FAIL"));
            assert_eq!(waiting_uploads(&app), 0);
        }
    }
}
