//! Sending a disposition table back after offline edits (`/editor/d/{slug}/reimport`).
//!
//! Each test exports a table from docket (the download or `docket export`),
//! edits it as a spreadsheet user would (the `csv` crate; calamine and
//! rust_xlsxwriter for XLSX), sends it back, reads the preview, applies it,
//! and reads what is stored: dispositions, responses, statuses, versions
//! and the audit events the save wrote.

mod apply;
mod preview;
mod regressions;
mod round_trips;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use diesel::prelude::*;
use docket::db::schema::{audit_events, comments, table_uploads};
use docket::domain::Role;

use crate::cli::{docket, stderr};
use crate::editor::{Account, Browser, form_fields, html, pairs, signed_in};
use crate::helpers::{Multipart, TestApp, TestDb, attrs, comment_id, texts};

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
