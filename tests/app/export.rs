//! `docket export`: disposition tables read back (csv, calamine, scraper,
//! serde_json) and compared with what is stored: outline order, each
//! preset's columns, formula injection, public tables, the completeness
//! gate of a final table, and the filters. The helpers here also serve
//! the web tests (`editor::export`). Tests that show a bug in the export
//! code are at the end, each under a `// Was a bug:` comment.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use std::process::Output;

use calamine::{Data, Range, Reader, Xlsx};
use diesel::prelude::*;
use docket::db::schema::{comments, submissions};
use serde_json::Value;

use crate::cli::{docket, stderr};
use crate::helpers::TestDb;

/// The document every export test builds (`seed`).
pub(crate) const SLUG: &str = "draft-x";
pub(crate) const TITLE: &str = "Draft X: Password Guidance";

const OUTLINE: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end
1,Introduction,,,1,2,10,99
1.1,Scope,,,2,2,50,99
2,Requirements,,,3,5,100,299
2.1,Passwords,,,4,5,200,299
A,Glossary,appendix,,6,7,300,399
";

/// Alice's file, sent first (DRAFT-X-0001).
const ALICE: &str = "Comment #,Type,Section,Line #,Comment,Suggested Change
1,T,2.1,210,Passwords should be longer.,Require 15 characters.
2,E,1,20,The introduction is vague.,
3,G,General,,A general remark on the whole draft.,
";

/// Bob's, sent second (DRAFT-X-0002).
const BOB: &str = "Comment #,Type,Section,Line #,Comment,Suggested Change
1,E,A,310,Define authenticator.,
2,T,1.1,60,The scope omits IoT.,Add IoT.
3,T,2,150,Requirement 2 is unclear.,
4,E,1,15,Typo on line 15.,
";

/// Outline order: 1 (line 15, then line 20, whatever the submission
/// order); 1.1; 2; 2.1; Appendix A; then what is filed under no node
/// (General), last as in the queues. Not the order they came in.
#[rustfmt::skip]
pub(crate) const OUTLINE_ORDER: [&str; 7] = [
    "DRAFT-X-0002-4", "DRAFT-X-0001-2", "DRAFT-X-0002-2", "DRAFT-X-0002-3",
    "DRAFT-X-0001-1", "DRAFT-X-0002-1", "DRAFT-X-0001-3",
];

/// (tracking, disposition, response, status) that `answer_some` stores;
/// DRAFT-X-0001-2, -0002-3 and -0002-1 stay unanswered.
#[rustfmt::skip]
pub(crate) const ANSWERS: [(&str, &str, &str, &str); 4] = [
    ("DRAFT-X-0001-1", "accepted_with_modification", "Raised the minimum to 12 characters.", "resolved"),
    ("DRAFT-X-0002-4", "accepted", "Fixed.", "resolved"),
    ("DRAFT-X-0002-2", "declined", "IoT is out of scope.", "in_review"),
    ("DRAFT-X-0001-3", "noted", "Thank you.", "resolved"),
];

#[rustfmt::skip]
pub(crate) const NIST_HEADERS: [&str; 16] = [
    "Tracking #", "Comment #", "Submitter", "Organization", "E-mail", "Type", "Section",
    "Section title", "Page #", "Line #", "Comment", "Suggested Change", "Disposition", "Response",
    "Status", "Version (do not edit)",
];
#[rustfmt::skip]
const ISO_HEADERS: [&str; 11] = [
    "Tracking #", "MB/NC", "Line number", "Clause/Subclause", "Paragraph/Figure/Table",
    "Type of comment", "Comments", "Proposed change", "Observations of the secretariat", "Status",
    "Version (do not edit)",
];
#[rustfmt::skip]
const IEEE_HEADERS: [&str; 12] = [
    "CID", "Commenter", "Clause", "Page", "Line", "Category", "Comment", "Proposed Change",
    "Resn Status", "Resolution", "Status", "Version (do not edit)",
];
/// The columns a public table leaves out.
const INTERNAL: [&str; 3] = ["E-mail", "Status", "Version (do not edit)"];

/// Creates `SLUG` with its outline and two submissions from two people
/// with e-mail addresses, all through the `docket` command.
pub(crate) fn seed(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let dates = "--opens 2000-01-01 --closes 2100-01-01";
    run_ok(
        db,
        &format!("document create --slug {SLUG} {dates}"),
        &["--title", TITLE],
    );
    let outline = write(dir.path(), "outline.csv", OUTLINE);
    run_ok(
        db,
        &format!("outline import --document {SLUG}"),
        &[&outline],
    );
    for (file, text, who, org, email) in [
        (
            "alice.csv",
            ALICE,
            "Alice Able",
            "Acme",
            "alice@example.org",
        ),
        ("bob.csv", BOB, "Bob Baker", "Bits Ltd", "bob@example.net"),
    ] {
        let path = write(dir.path(), file, text);
        let line = format!("import --document {SLUG} --email {email}");
        run_ok(
            db,
            &line,
            &["--submitter", who, "--organization", org, &path],
        );
    }
}

/// Imports one more submission of `rows` comments filed under section 1;
/// returns their tracking numbers.
fn import_more(db: &TestDb, rows: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = "Comment #,Section,Comment\n".to_owned();
    for n in 1..=rows {
        csv.push_str(&format!("{n},1,Placeholder {n}\n"));
    }
    let path = write(dir.path(), "more.csv", &csv);
    run_ok(
        db,
        &format!("import --document {SLUG} --submitter Carol"),
        &[&path],
    );
    (1..=rows).map(|n| format!("DRAFT-X-0003-{n}")).collect()
}

/// The id of the document `seed` makes.
fn document_id(conn: &mut docket::db::DbConnection) -> i64 {
    use docket::db::schema::documents;
    documents::table
        .filter(documents::slug.eq(SLUG))
        .select(documents::id)
        .first(conn)
        .unwrap()
}

/// `docket` with the words of `line`, then `more` (words with spaces).
fn run_ok(db: &TestDb, line: &str, more: &[&str]) {
    let args: Vec<&str> = line
        .split_whitespace()
        .chain(more.iter().copied())
        .collect();
    let out = docket(db, &args);
    assert!(out.status.success(), "docket {args:?}: {}", stderr(&out));
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Sets columns of the comment with this tracking number.
macro_rules! update_comment {
    ($db:expr, $tracking:expr, $changes:expr) => {{
        let tracking: &str = $tracking;
        let changed =
            diesel::update(comments::table.filter(comments::tracking_number.eq(tracking)))
                .set($changes)
                .execute(&mut $db.connect())
                .unwrap();
        assert_eq!(changed, 1, "{tracking}");
    }};
}

/// Stores a disposition and response as a save would (the version goes up).
pub(crate) fn answer(
    db: &TestDb,
    tracking: &str,
    disposition: Option<&str>,
    response: Option<&str>,
) {
    update_comment!(
        db,
        tracking,
        (
            comments::disposition.eq(disposition),
            comments::response.eq(response),
            comments::version.eq(comments::version + 1),
        )
    );
}

pub(crate) fn set_status(db: &TestDb, tracking: &str, status: &str) {
    update_comment!(db, tracking, comments::status.eq(status));
}

/// Stores `ANSWERS`.
pub(crate) fn answer_some(db: &TestDb) {
    for (tracking, disposition, response, status) in ANSWERS {
        answer(db, tracking, Some(disposition), Some(response));
        set_status(db, tracking, status);
    }
}

/// A comment as stored, with its submission's e-mail address.
#[derive(Debug, Queryable)]
pub(crate) struct Stored {
    pub tracking: String,
    pub body: String,
    pub suggested: Option<String>,
    pub disposition: Option<String>,
    pub response: Option<String>,
    pub status: String,
    pub version: i32,
    pub email: Option<String>,
}

/// Every stored comment, by tracking number.
pub(crate) fn stored(db: &TestDb) -> HashMap<String, Stored> {
    let rows: Vec<Stored> = comments::table
        .inner_join(submissions::table)
        .select((
            comments::tracking_number,
            comments::body,
            comments::suggested_change,
            comments::disposition,
            comments::response,
            comments::status,
            comments::version,
            submissions::email,
        ))
        .load(&mut db.connect())
        .unwrap();
    rows.into_iter().map(|s| (s.tracking.clone(), s)).collect()
}

/// docket's words for a stored disposition and status, spelled out here
/// rather than taken from docket.
pub(crate) fn label(disposition: Option<&str>) -> &'static str {
    match disposition {
        None => "",
        Some("accepted") => "Accepted",
        Some("accepted_with_modification") => "Accepted with modification",
        Some("declined") => "Declined",
        Some("noted") => "Noted",
        Some("deferred") => "Deferred",
        Some("duplicate") => "Duplicate",
        Some(other) => panic!("unknown disposition {other}"),
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "new" => "New",
        "in_review" => "In review",
        "resolved" => "Resolved",
        "published" => "Published",
        "withdrawn" => "Withdrawn",
        other => panic!("unknown status {other}"),
    }
}

/// `docket export --document SLUG ARGS -o FILE`: the process, and the
/// file's bytes (`None` when no file was written).
pub(crate) fn export(db: &TestDb, args: &[&str]) -> (Output, Option<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table");
    let command = ["export", "--document", SLUG, "-o", path.to_str().unwrap()];
    let out = docket(db, &[&command[..], args].concat());
    (out, std::fs::read(&path).ok())
}

/// `export`, asserting it succeeded.
pub(crate) fn export_ok(db: &TestDb, args: &[&str]) -> Vec<u8> {
    let (out, bytes) = export(db, args);
    let code = out.status.code();
    assert_eq!(code, Some(0), "export {args:?}: {}", stderr(&out));
    bytes.unwrap()
}

/// A table read back: its header and rows of text, tracking number first.
#[derive(Debug)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn from_csv(bytes: &[u8]) -> Self {
        let mut reader = csv::Reader::from_reader(bytes);
        let owned = |r: &csv::StringRecord| r.iter().map(str::to_owned).collect::<Vec<_>>();
        let headers = owned(reader.headers().unwrap());
        let rows = reader.records().map(|r| owned(&r.unwrap())).collect();
        Self { headers, rows }
    }

    /// A sheet docket wrote: the header on row 4, the rows below it.
    pub(crate) fn from_sheet(range: &Range<Data>) -> Self {
        let (height, width) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
        let row = |r: u32| (0..width).map(|c| text(range, r, c)).collect::<Vec<_>>();
        let mut headers = row(3);
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        let rows = (4..height)
            .map(|r| row(r)[..headers.len()].to_vec())
            .collect();
        Self { headers, rows }
    }

    pub(crate) fn column(&self, header: &str) -> Vec<&str> {
        let i = self.index(header);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    /// The cell under `header` in the row of this tracking number.
    pub(crate) fn get(&self, tracking: &str, header: &str) -> &str {
        let i = self.index(header);
        let row = self.rows.iter().find(|r| r[0] == tracking);
        &row.unwrap_or_else(|| panic!("no row {tracking}"))[i]
    }

    fn index(&self, header: &str) -> usize {
        let found = self.headers.iter().position(|h| h == header);
        found.unwrap_or_else(|| panic!("no column {header} in {:?}", self.headers))
    }
}

/// Whether `cell` of the first sheet of the workbook `bytes` wraps its
/// text: its style (`s`), looked up in the package's cell formats.
fn cell_wraps(bytes: &[u8], cell: &str) -> bool {
    let sheet = part(bytes, "xl/worksheets/sheet1.xml");
    let styles = part(bytes, "xl/styles.xml");
    let at = sheet
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("no cell {cell}"));
    let tag = &sheet[at..at + sheet[at..].find('>').unwrap()];
    // A cell without a style of its own has the workbook's default (0).
    let style: usize = tag
        .split(" s=\"")
        .nth(1)
        .map_or(0, |s| s[..s.find('"').unwrap()].parse().unwrap());
    let formats = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf = |n: usize| formats.split("<xf ").nth(n + 1).unwrap();
    // A format that gives no alignment of its own takes the default's
    // (the Normal style's, which is the default format's), as Excel does.
    let own = xf(style);
    let alignment = if own.contains("<alignment") {
        own
    } else {
        xf(0)
    };
    alignment.contains("wrapText=\"1\"")
}

/// One part of the workbook package `bytes`, as text.
fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut package = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    package
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

pub(crate) fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

pub(crate) fn sheet(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    workbook.worksheet_range(name).unwrap()
}

/// A cell as text (numbers as `3`), empty when there is none.
pub(crate) fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(other) => panic!("cell ({row}, {col}) is {other:?}"),
    }
}

/// Every NIST row equals what is stored.
fn check_nist_rows(table: &Table, stored: &HashMap<String, Stored>) {
    for tracking in table.column("Tracking #") {
        let s = &stored[tracking];
        let or_empty = |v: &Option<String>| v.clone().unwrap_or_default();
        for (header, value) in [
            ("Comment", s.body.clone()),
            ("Suggested Change", or_empty(&s.suggested)),
            ("Disposition", label(s.disposition.as_deref()).to_owned()),
            ("Response", or_empty(&s.response)),
            ("Status", status_label(&s.status).to_owned()),
            ("Version (do not edit)", s.version.to_string()),
            ("E-mail", or_empty(&s.email)),
        ] {
            assert_eq!(table.get(tracking, header), value, "{header} of {tracking}");
        }
    }
}

/// The tracking numbers of `OUTLINE_ORDER` but these.
pub(crate) fn order_without(left_out: &[&str]) -> Vec<&'static str> {
    OUTLINE_ORDER
        .into_iter()
        .filter(|t| !left_out.contains(t))
        .collect()
}

on_both_backends! {
    async fn nist_csv_holds_what_is_stored_in_outline_order(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let bytes = export_ok(&db, &["--format", "csv"]);
        let table = Table::from_csv(&bytes);
        assert_eq!(table.headers, NIST_HEADERS);
        assert_eq!(table.column("Tracking #"), OUTLINE_ORDER);
        let mut sent = OUTLINE_ORDER;
        sent.sort();
        assert_ne!(sent, OUTLINE_ORDER, "the outline order is not the order they came in");
        check_nist_rows(&table, &stored(&db));

        let row = |h: &str| table.get("DRAFT-X-0001-1", h).to_owned();
        assert_eq!(row("Disposition"), "Accepted with modification");
        assert_eq!(row("Response"), "Raised the minimum to 12 characters.");
        assert_eq!((row("Section"), row("Section title"), row("Line #")), ("2.1".into(), "Passwords".into(), "210".into()));
        assert_eq!((row("Submitter"), row("Organization"), row("Type")), ("Alice Able".into(), "Acme".into(), "Technical".into()));
        assert_eq!(table.get("DRAFT-X-0002-1", "Section"), "Appendix A");
        assert_eq!(table.get("DRAFT-X-0001-3", "Section"), "General");
        assert_eq!(table.get("DRAFT-X-0002-2", "Status"), "In review");

        // The same table on standard output; --bom puts a byte-order mark first.
        let out = docket(&db, &["export", "--document", SLUG, "--format", "csv"]);
        assert_eq!(out.stdout, bytes);
        let with_bom = export_ok(&db, &["--format", "csv", "--bom"]);
        assert_eq!(with_bom[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(with_bom[3..], bytes[..]);
    }

    async fn iso_and_ieee_presets_use_their_own_columns_and_words(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let iso = Table::from_csv(&export_ok(&db, &["--format", "csv", "--preset", "iso"]));
        assert_eq!(iso.headers, ISO_HEADERS);
        assert_eq!(iso.column("Tracking #"), OUTLINE_ORDER);
        let observations = iso.column("Observations of the secretariat");
        assert_eq!(observations, [
            "Accepted. Fixed.", "", "Not accepted. IoT is out of scope.", "",
            "Accepted in principle. Raised the minimum to 12 characters.", "", "Noted. Thank you.",
        ]);
        assert_eq!(iso.column("Clause/Subclause"), ["1", "1", "1.1", "2", "2.1", "Appendix A", "General"]);
        assert_eq!(iso.column("Type of comment"), ["ed", "ed", "te", "te", "te", "ed", "ge"]);
        assert_eq!(iso.get("DRAFT-X-0001-1", "MB/NC"), "Acme");
        assert_eq!(iso.get("DRAFT-X-0001-1", "Line number"), "210");
        assert_eq!(iso.get("DRAFT-X-0001-1", "Comments"), "Passwords should be longer.");
        assert_eq!(iso.get("DRAFT-X-0001-1", "Proposed change"), "Require 15 characters.");

        let ieee = Table::from_csv(&export_ok(&db, &["--format", "csv", "--preset", "ieee"]));
        assert_eq!(ieee.headers, IEEE_HEADERS);
        assert_eq!(ieee.column("CID"), OUTLINE_ORDER);
        assert_eq!(ieee.column("Resn Status"), ["A", "", "J", "", "V", "", "Noted"]);
        assert_eq!(ieee.get("DRAFT-X-0001-1", "Resolution"), "Raised the minimum to 12 characters.");
        assert_eq!(ieee.get("DRAFT-X-0002-2", "Commenter"), "Bob Baker");
        assert_eq!(ieee.get("DRAFT-X-0002-2", "Category"), "Technical");
        assert_eq!(ieee.get("DRAFT-X-0002-2", "Clause"), "1.1");

        for (preset, headers) in [("nist", &NIST_HEADERS[..]), ("iso", &ISO_HEADERS), ("ieee", &IEEE_HEADERS)] {
            let public = Table::from_csv(&export_ok(&db, &["--format", "csv", "--preset", preset, "--public"]));
            let expected: Vec<&str> = headers.iter().copied().filter(|h| !INTERNAL.contains(h)).collect();
            assert_eq!(public.headers, expected, "{preset}");
        }
    }

    async fn xlsx_has_title_header_rows_and_a_summary(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let mut book = workbook(export_ok(&db, &["--format", "xlsx"]));
        assert_eq!(book.sheet_names(), ["All comments", "Summary"]);
        let all = sheet(&mut book, "All comments");
        assert_eq!(text(&all, 0, 0), TITLE);
        let subtitle = text(&all, 1, 0);
        assert!(subtitle.starts_with("Disposition of comments: All comments; exported "), "{subtitle}");
        let table = Table::from_sheet(&all);
        assert_eq!(table.headers, NIST_HEADERS);
        assert_eq!(table.column("Tracking #"), OUTLINE_ORDER);
        check_nist_rows(&table, &stored(&db));
        assert_eq!(table.get("DRAFT-X-0001-1", "Disposition"), "Accepted with modification");

        let summary = sheet(&mut book, "Summary");
        assert_eq!(text(&summary, 0, 0), TITLE);
        let counts = Table::from_sheet(&summary);
        assert_eq!(counts.headers, [
            "Section", "Accepted", "Accepted with modification", "Declined", "Noted", "Deferred", "Duplicate",
            "No disposition yet", "Total",
        ]);
        let expected: [(&str, [u8; 8]); 7] = [
            ("1 Introduction", [1, 0, 0, 0, 0, 0, 1, 2]),
            ("1.1 Scope", [0, 0, 1, 0, 0, 0, 0, 1]),
            ("2 Requirements", [0, 0, 0, 0, 0, 0, 1, 1]),
            ("2.1 Passwords", [0, 1, 0, 0, 0, 0, 0, 1]),
            ("Appendix A Glossary", [0, 0, 0, 0, 0, 0, 1, 1]),
            ("General and not found", [0, 0, 0, 1, 0, 0, 0, 1]),
            ("Total", [1, 1, 1, 1, 0, 0, 3, 7]),
        ];
        let expected: Vec<Vec<String>> = expected
            .iter()
            .map(|(name, n)| std::iter::once(name.to_string()).chain(n.iter().map(u8::to_string)).collect())
            .collect();
        assert_eq!(counts.rows, expected);

        // A sheet per top-level section, between "All comments" and "Summary".
        let mut book = workbook(export_ok(&db, &["--format", "xlsx", "--sheet-per-section"]));
        let parts: [(&str, &[&str]); 4] = [
            ("1 Introduction", &["DRAFT-X-0002-4", "DRAFT-X-0001-2", "DRAFT-X-0002-2"]),
            ("2 Requirements", &["DRAFT-X-0002-3", "DRAFT-X-0001-1"]),
            ("Appendix A Glossary", &["DRAFT-X-0002-1"]),
            ("General and not found", &["DRAFT-X-0001-3"]),
        ];
        let mut names = vec!["All comments"];
        names.extend(parts.iter().map(|(name, _)| *name));
        names.push("Summary");
        assert_eq!(book.sheet_names(), names);
        for (name, rows) in parts {
            let range = sheet(&mut book, name);
            assert_eq!(text(&range, 0, 0), TITLE, "{name}");
            assert!(text(&range, 1, 0).ends_with(&format!(": {name}")), "{name}: {}", text(&range, 1, 0));
            let part = Table::from_sheet(&range);
            assert_eq!(part.headers, NIST_HEADERS, "{name}");
            assert_eq!(part.column("Tracking #"), rows, "{name}");
        }
    }

    async fn xlsx_cells_wrap_as_in_nist_s_template_but_the_title_lines(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let bytes = export_ok(&db, &["--format", "xlsx"]);
        // NIST: A is "Tracking #", C "Submitter", K "Comment", M
        // "Disposition"; row 4 is the header, row 5 the first under it.
        let sheet1 = part(&bytes, "xl/worksheets/sheet1.xml");
        let disposition = (5..12)
            .map(|row| format!("M{row}"))
            .find(|cell| sheet1.contains(&format!("<c r=\"{cell}\"")))
            .expect("an answered comment");
        for cell in ["A4", "K4", "A5", "C5", "K5", "K6", "C6", &disposition] {
            assert!(cell_wraps(&bytes, cell), "{cell} wraps");
        }
        // The title and the line under it run across the columns.
        for cell in ["A1", "A2"] {
            assert!(!cell_wraps(&bytes, cell), "{cell} does not wrap");
        }
        // Each column has its width (set after the rows, written at save):
        // "Tracking #" 20, "Comment" 50.
        for (col, width) in [(1, 20), (11, 50)] {
            let at = format!("<col min=\"{col}\" max=\"{col}\" width=\"{width}.");
            assert!(sheet1.contains(&at), "{at}");
        }
        let mut book = workbook(bytes);
        let all = sheet(&mut book, "All comments");
        assert_eq!(text(&all, 3, 12), "Disposition");
        assert_eq!(text(&all, 4, 0), OUTLINE_ORDER[0]);
    }

    async fn a_section_filter_takes_the_node_and_what_lies_below(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let rows = |args: &[&str]| {
            let table = Table::from_csv(&export_ok(&db, &[&["--format", "csv"], args].concat()));
            table.column("Tracking #").into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(rows(&["--section", "1"]), ["DRAFT-X-0002-4", "DRAFT-X-0001-2", "DRAFT-X-0002-2"]);
        assert_eq!(rows(&["--section", "1.1"]), ["DRAFT-X-0002-2"]);
        assert_eq!(rows(&["--section", "2"]), ["DRAFT-X-0002-3", "DRAFT-X-0001-1"]);
        assert_eq!(rows(&["--section", "Section 2.1"]), ["DRAFT-X-0001-1"]);
        assert_eq!(rows(&["--section", "Appendix A"]), ["DRAFT-X-0002-1"]);
        assert_eq!(rows(&["--section", "general"]), ["DRAFT-X-0001-3"]);
        assert_eq!(rows(&["--status", "resolved"]), ["DRAFT-X-0002-4", "DRAFT-X-0001-1", "DRAFT-X-0001-3"]);
        assert_eq!(rows(&["--status", "in_review"]), ["DRAFT-X-0002-2"]);
        assert_eq!(rows(&["--status", "new"]), ["DRAFT-X-0001-2", "DRAFT-X-0002-3", "DRAFT-X-0002-1"]);
        assert_eq!(rows(&["--disposition", "accepted_with_modification"]), ["DRAFT-X-0001-1"]);
        assert_eq!(rows(&["--disposition", "declined", "--section", "1"]), ["DRAFT-X-0002-2"]);
        assert!(rows(&["--disposition", "duplicate"]).is_empty());

        // The title rows say what the table holds.
        let mut book = workbook(export_ok(&db, &["--format", "xlsx", "--section", "1", "--disposition", "declined"]));
        let subtitle = text(&sheet(&mut book, "All comments"), 1, 0);
        assert!(subtitle.starts_with("Disposition of comments: 1 Introduction and below; Declined; exported"), "{subtitle}");

        // Unknown names: exit 2, nothing written.
        for (args, message) in [
            (&["--section", "9"][..], "the outline has no section `9`"),
            (&["--section", "Appendix Z"], "the outline has no section `Appendix Z`"),
        ] {
            let (out, file) = export(&db, &[&["--format", "csv"], args].concat());
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(stderr(&out).contains(message), "{}", stderr(&out));
            assert!(file.is_none());
        }
        let out = docket(&db, &["export", "--document", "nope", "--format", "csv"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("no document has the slug `nope`"), "{}", stderr(&out));
        let out = docket(&db, &["export", "--document", SLUG, "--status", "bogus"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
}

/// Payloads a spreadsheet would run as formulas (OWASP, PayloadsAllTheThings),
/// a carriage return first (the one trigger not in the shared fixture), one
/// already quoted, and one harmless DDE look-alike that must stay as it is.
const PAYLOADS: [&str; 10] = [
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "=cmd|' /C calc'!A0",
    "'=already quoted",
    "DDE (\"cmd\";\"/C calc\";\"!A0\")A0",
];

/// Cells a spreadsheet evaluates, or reads as such after a leading `'`.
fn triggers(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r', '\''])
}

/// Puts each payload into the comment, suggested change, response and
/// commenter of a comment of its own, then checks that no CSV (any preset)
/// or XLSX export holds a cell a spreadsheet would evaluate, and that each
/// reads back as stored.
fn check_inert(db: &TestDb, payloads: &[String]) {
    seed(db);
    let trackings = import_more(db, payloads.len());
    for (tracking, payload) in trackings.iter().zip(payloads) {
        update_comment!(
            db,
            tracking,
            (
                comments::body.eq(payload),
                comments::suggested_change.eq(payload),
                comments::response.eq(payload),
                comments::commenter.eq(payload),
                comments::disposition.eq("noted"),
            )
        );
    }
    let fields = ["Comment", "Suggested Change", "Response", "Submitter"];
    for preset in ["nist", "iso", "ieee"] {
        let bytes = export_ok(db, &["--format", "csv", "--preset", preset]);
        crate::spreadsheet::assert_opens_as_text(&bytes, preset);
        let table = Table::from_csv(&bytes);
        for cell in table.rows.iter().flatten() {
            assert!(
                !triggers(cell) || cell.starts_with('\''),
                "{preset}: live cell {cell:?}"
            );
        }
        if preset == "nist" {
            for (tracking, payload) in trackings.iter().zip(payloads) {
                for field in fields {
                    let cell = table.get(tracking, field);
                    assert_eq!(
                        docket::export::cells::from_csv_cell(cell),
                        payload.as_str(),
                        "{field} of {tracking}"
                    );
                    // A `'` in front; more after separators inside.
                    if triggers(payload) {
                        assert!(cell.starts_with('\''), "{field} of {tracking}: {cell:?}");
                        assert!(
                            cell[1..].starts_with(payload.chars().next().unwrap()),
                            "{field} of {tracking}: {cell:?}"
                        );
                    }
                }
            }
        }
    }
    let mut book = workbook(export_ok(db, &["--format", "xlsx"]));
    let formulas = book.worksheet_formula("All comments").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "formulas in the workbook"
    );
    let all = sheet(&mut book, "All comments");
    let table = Table::from_sheet(&all);
    let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    for (tracking, payload) in trackings.iter().zip(payloads) {
        let row = 4 + table
            .column("Tracking #")
            .iter()
            .position(|t| t == tracking)
            .unwrap() as u32;
        for field in fields {
            let col = headers.iter().position(|h| *h == field).unwrap() as u32;
            match all.get_value((row, col)) {
                Some(Data::String(s)) => assert_eq!(s, payload, "{field} of {tracking}"),
                other => panic!("{field} of {tracking} ({payload:?}) is {other:?}, not a string"),
            }
        }
    }
}

on_both_backends! {
    async fn formula_payloads_are_never_live_cells(db: TestDb) {
        check_inert(&db, &PAYLOADS.map(str::to_owned));
    }

    async fn the_shared_formula_payloads_are_never_live_cells(db: TestDb) {
        let Some(fixtures) = crate::intake::fixtures_dir() else { return };
        let file = std::fs::read_to_string(fixtures.join("security/formula-injection.txt")).unwrap();
        let mut payloads: Vec<String> = file.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
        assert!(payloads.len() > 10, "{payloads:?}");
        payloads.push("\r=1+1".to_owned());
        check_inert(&db, &payloads);
    }

    async fn public_tables_hold_no_address_and_no_withdrawn_comment(db: TestDb) {
        seed(&db);
        answer_some(&db);
        set_status(&db, "DRAFT-X-0002-3", "withdrawn");
        let addresses = ["alice@example.org", "bob@example.net"];

        // The editors' own table has the addresses and the withdrawn comment.
        let internal = Table::from_csv(&export_ok(&db, &["--format", "csv"]));
        assert_eq!(internal.column("Tracking #"), OUTLINE_ORDER);
        assert_eq!(internal.get("DRAFT-X-0001-1", "E-mail"), addresses[0]);
        assert_eq!(internal.get("DRAFT-X-0002-1", "E-mail"), addresses[1]);
        assert_eq!(internal.get("DRAFT-X-0002-3", "Status"), "Withdrawn");

        let public_order = order_without(&["DRAFT-X-0002-3"]);
        let no_address = |what: &str, text: &str| {
            for address in ["alice@", "bob@", "example.org", "example.net"] {
                assert!(!text.contains(address), "{what}: {address} in {text:?}");
            }
        };
        for preset in ["nist", "iso", "ieee"] {
            let bytes = export_ok(&db, &["--format", "csv", "--public", "--preset", preset]);
            no_address(preset, &String::from_utf8(bytes.clone()).unwrap());
            let table = Table::from_csv(&bytes);
            assert_eq!(table.column(&table.headers[0].clone()), public_order, "{preset}");
            assert!(INTERNAL.iter().all(|h| !table.headers.iter().any(|x| x == h)), "{preset}");

            let html = String::from_utf8(export_ok(&db, &["--format", "html", "--public", "--preset", preset])).unwrap();
            no_address(preset, &html);
            let page = scraper::Html::parse_document(&html);
            assert_eq!(crate::helpers::attrs(&page, "tbody tr", "id"), public_order, "{preset}");
            assert!(crate::helpers::texts(&page, "th").iter().all(|h| !INTERNAL.contains(&h.as_str())), "{preset}");
        }

        let mut book = workbook(export_ok(&db, &["--format", "xlsx", "--public", "--sheet-per-section"]));
        for name in book.sheet_names() {
            let range = sheet(&mut book, &name);
            for (_, _, cell) in range.used_cells() {
                no_address(&name, &cell.to_string());
                assert_ne!(cell.to_string(), "Withdrawn", "{name}");
            }
        }
        let all = Table::from_sheet(&sheet(&mut book, "All comments"));
        assert_eq!(all.column("Tracking #"), public_order);
        assert!(!all.headers.iter().any(|h| INTERNAL.contains(&h.as_str())), "{:?}", all.headers);

        let bytes = export_ok(&db, &["--format", "json", "--public"]);
        no_address("json", &String::from_utf8(bytes.clone()).unwrap());
        let objects: Vec<serde_json::Map<String, Value>> = serde_json::from_slice(&bytes).unwrap();
        let trackings: Vec<&str> = objects.iter().map(|o| o["tracking"].as_str().unwrap()).collect();
        assert_eq!(trackings, public_order);
        for object in &objects {
            for key in ["status", "problems", "extra", "source_file", "source_sheet", "source_row", "tag_source", "tag_conflict"] {
                assert!(!object.contains_key(key), "public JSON has {key}: {object:?}");
            }
            assert!(object.contains_key("disposition") && object.contains_key("response"), "{object:?}");
        }
        // The editors' JSON has no addresses either, but keeps the withdrawn one.
        let internal = String::from_utf8(export_ok(&db, &["--format", "json"])).unwrap();
        no_address("internal json", &internal);
        assert!(internal.contains("DRAFT-X-0002-3"));
    }

    async fn a_final_table_is_refused_until_every_comment_is_answered(db: TestDb) {
        seed(&db);
        answer_some(&db);
        answer(&db, "DRAFT-X-0002-2", None, Some("IoT is out of scope."));
        answer(&db, "DRAFT-X-0002-3", Some("deferred"), Some("   "));
        // Withdrawn and unanswered: not in a final table, so not asked for.
        set_status(&db, "DRAFT-X-0002-1", "withdrawn");

        let (out, file) = export(&db, &["--format", "csv", "--final"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(file.is_none(), "a refused table leaves no file");
        let err = stderr(&out);
        assert!(err.contains("the final table is refused: 3 comment(s) lack a disposition or a response"), "{err}");
        let listed: Vec<&str> = err.lines().filter(|l| l.starts_with("  ")).map(str::trim).collect();
        assert_eq!(listed, [
            "DRAFT-X-0001-2: no disposition, no response",
            "DRAFT-X-0002-2: no disposition",
            "DRAFT-X-0002-3: no response",
        ]);
        // Every format is held to it; a section whose comments are answered is not.
        for format in ["xlsx", "html", "json"] {
            assert_eq!(export(&db, &["--format", format, "--final"]).0.status.code(), Some(3), "{format}");
        }
        let part = Table::from_csv(&export_ok(&db, &["--format", "csv", "--final", "--section", "2.1"]));
        assert_eq!(part.column("Tracking #"), ["DRAFT-X-0001-1"]);

        answer(&db, "DRAFT-X-0001-2", Some("accepted"), Some("Rewritten."));
        answer(&db, "DRAFT-X-0002-2", Some("declined"), Some("IoT is out of scope."));
        answer(&db, "DRAFT-X-0002-3", Some("deferred"), Some("In the next revision."));
        let table = Table::from_csv(&export_ok(&db, &["--format", "csv", "--final"]));
        assert_eq!(table.column("Tracking #"), order_without(&["DRAFT-X-0002-1"]));
        assert!(table.column("Disposition").iter().all(|d| !d.is_empty()));
        assert!(table.column("Response").iter().all(|r| !r.trim().is_empty()));
        check_nist_rows(&table, &stored(&db));
        let mut book = workbook(export_ok(&db, &["--format", "xlsx", "--final", "--public"]));
        let subtitle = text(&sheet(&mut book, "All comments"), 1, 0);
        assert!(subtitle.contains("(final) (public)"), "{subtitle}");
    }

    async fn html_is_escaped_with_a_part_per_top_level_section(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let body = "<script>alert('x')</script> & <b>bold</b>";
        let response = "</td></tr><img src=x onerror=alert(1)>";
        update_comment!(db, "DRAFT-X-0002-3", comments::body.eq(body));
        answer(&db, "DRAFT-X-0002-3", Some("noted"), Some(response));

        let html = String::from_utf8(export_ok(&db, &["--format", "html"])).unwrap();
        let page = scraper::Html::parse_document(&html);
        for element in ["script", "img", "b"] {
            let selector = scraper::Selector::parse(element).unwrap();
            assert_eq!(page.select(&selector).count(), 0, "a <{element}> element in the export");
        }
        let cells = |tracking: &str| -> Vec<String> {
            let selector = scraper::Selector::parse(&format!("tr[id=\"{tracking}\"] td")).unwrap();
            page.select(&selector).map(|td| td.text().collect()).collect()
        };
        let row = cells("DRAFT-X-0002-3");
        assert_eq!(row[NIST_HEADERS.iter().position(|h| *h == "Comment").unwrap()], body);
        assert_eq!(row[NIST_HEADERS.iter().position(|h| *h == "Response").unwrap()], response);
        assert_eq!(row.len(), NIST_HEADERS.len());

        assert_eq!(crate::helpers::texts(&page, "h1"), [TITLE]);
        assert_eq!(crate::helpers::texts(&page, "section.part h2"), [
            "1 Introduction", "2 Requirements", "Appendix A Glossary", "General and not found",
        ]);
        assert_eq!(crate::helpers::attrs(&page, "section.part tbody tr", "id"), OUTLINE_ORDER);
        assert_eq!(crate::helpers::texts(&page, "section.part:nth-of-type(1) thead th"), NIST_HEADERS);
        assert_eq!(cells("DRAFT-X-0001-1")[12], "Accepted with modification");
        let scope = crate::helpers::texts(&page, "p.scope");
        assert_eq!(scope.last().map(String::as_str), Some("7 comment(s)."));
    }

    async fn json_keeps_its_keys_and_adds_the_answers(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let objects: Vec<serde_json::Map<String, Value>> =
            serde_json::from_slice(&export_ok(&db, &["--format", "json"])).unwrap();
        let trackings: Vec<&str> = objects.iter().map(|o| o["tracking"].as_str().unwrap()).collect();
        assert_eq!(trackings, OUTLINE_ORDER);
        let stored = stored(&db);
        for object in &objects {
            for key in [
                "tracking", "submission", "comment_number", "submitter", "organization", "type", "type_raw",
                "section_raw", "page_raw", "line_raw", "line_start", "line_end", "comment", "suggested_change",
                "extra", "problems", "source_file", "source_row", "section", "section_title", "tag_source",
                "disposition", "response", "status",
            ] {
                assert!(object.contains_key(key), "no {key} in {object:?}");
            }
            let s = &stored[object["tracking"].as_str().unwrap()];
            assert_eq!(object["comment"], s.body.as_str());
            assert_eq!(object["disposition"].as_str(), s.disposition.as_deref());
            assert_eq!(object["response"].as_str(), s.response.as_deref());
            assert_eq!(object["status"], s.status.as_str());
        }
        let first = &objects[4];
        assert_eq!(first["tracking"], "DRAFT-X-0001-1");
        assert_eq!(first["submission"], "DRAFT-X-0001");
        assert_eq!(first["section"], "2.1");
        assert_eq!(first["section_title"], "Passwords");
        assert_eq!(first["submitter"], "Alice Able");
        assert_eq!(first["source_file"], "alice.csv");
        assert_eq!(first["disposition"], "accepted_with_modification");
        assert_eq!(first["response"], "Raised the minimum to 12 characters.");
        assert_eq!(first["status"], "resolved");
        assert_eq!(objects[6]["section"], "General");
        assert_eq!(objects[6]["section_title"], Value::Null);
        assert_eq!(objects[1]["tracking"], "DRAFT-X-0001-2");
        assert_eq!(objects[1]["disposition"], Value::Null);
        assert_eq!(objects[1]["status"], "new");
    }
}

/// A document `slug` with this outline and one submission of `csv`.
fn small_document(db: &TestDb, slug: &str, outline: &str, csv: &str) {
    let dir = tempfile::tempdir().unwrap();
    let dates = "--opens 2000-01-01 --closes 2100-01-01";
    run_ok(
        db,
        &format!("document create --slug {slug} --title Small {dates}"),
        &[],
    );
    let outline = write(dir.path(), "outline.csv", outline);
    run_ok(
        db,
        &format!("outline import --document {slug}"),
        &[&outline],
    );
    let csv = write(dir.path(), "c.csv", csv);
    run_ok(
        db,
        &format!("import --document {slug} --submitter S"),
        &[&csv],
    );
}

/// The sheet names of `docket export --document SLUG --format xlsx
/// --sheet-per-section`, asserting it succeeded.
fn sheet_names(db: &TestDb, slug: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let args = [
        "export",
        "--document",
        slug,
        "--format",
        "xlsx",
        "--sheet-per-section",
        "-o",
    ];
    let out = docket(db, &[&args[..], &[path.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    workbook(std::fs::read(&path).unwrap()).sheet_names()
}

// Was a bug: src/export/xlsx.rs writes every cell with `write_string`, which
// refuses text over Excel's 32,767-character cell limit; intake stores such
// a comment, and then the whole XLSX export fails ("the workbook could not
// be written: String exceeds Excel's limit of 32,767 characters", exit 1;
// over the web the download breaks off after its 200). CSV, HTML and JSON
// export the same comment.
on_both_backends! {
    async fn a_very_long_comment_does_not_stop_the_workbook(db: TestDb) {
        seed(&db);
        let long = "Passwords. ".repeat(3_500);
        assert!(long.len() > 32_767);
        update_comment!(db, "DRAFT-X-0001-1", comments::body.eq(&long));
        let csv = Table::from_csv(&export_ok(&db, &["--format", "csv"]));
        assert_eq!(csv.get("DRAFT-X-0001-1", "Comment"), long);
        let mut book = workbook(export_ok(&db, &["--format", "xlsx"]));
        let all = Table::from_sheet(&sheet(&mut book, "All comments"));
        assert_eq!(all.column("Tracking #"), OUTLINE_ORDER);
        assert!(all.get("DRAFT-X-0001-1", "Comment").starts_with("Passwords. Passwords."));
    }
}

// Was a bug: src/export/xlsx.rs `sheet_name` keeps part-sheet names apart from
// one another but not from "All comments" and "Summary": a top-level node
// headed "Summary" (front matter with no number) gives a second "Summary"
// and `--sheet-per-section` fails ("Worksheet name 'summary' has already
// been used in this workbook", exit 1).
on_both_backends! {
    async fn section_sheets_never_take_the_workbook_s_own_names(db: TestDb) {
        small_document(
            &db,
            "small",
            "number,title,kind,volume,page_start,page_end,line_start,line_end\n,Summary,front,,,,1,9\n1,Introduction,,,,,10,99\n",
            "Comment #,Section,Line #,Comment\n1,,5,On the summary.\n2,1,20,On the introduction.\n",
        );
        let names = sheet_names(&db, "small");
        assert_eq!(names.len(), 4, "{names:?}");
        assert_eq!((names[0].as_str(), names[3].as_str()), ("All comments", "Summary"));
        assert!(!names[1].eq_ignore_ascii_case("Summary") && names[2] == "1 Introduction", "{names:?}");
    }
}

// Was a bug: src/export/xlsx.rs `sheet_name` cuts names to 31 `char`s, but
// Excel's limit (which rust_xlsxwriter checks) is 31 UTF-16 code units: a
// heading with characters outside the BMP (emoji, mathematical letters)
// passes the cut and `--sheet-per-section` fails ("Invalid Excel worksheet
// name", exit 1).
on_both_backends! {
    async fn section_sheet_names_fit_excel_s_limit(db: TestDb) {
        let title = "Emoji \u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}\u{1F510}";
        small_document(
            &db,
            "small",
            &format!("number,title,kind,volume,page_start,page_end,line_start,line_end\n1,{title},,,,,10,99\n"),
            "Comment #,Section,Line #,Comment\n1,1,20,On the emoji.\n",
        );
        let names = sheet_names(&db, "small");
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names[1].encode_utf16().count() <= 31 && names[1].starts_with("1 Emoji"), "{names:?}");
    }
}

// Was a bug: src/db/export_rows.rs `unanswered` takes a response as blank only
// when SQL `trim(response) = ''`, and SQL's trim (SQLite and PostgreSQL)
// strips spaces only: a response of a line break or a tab passes the
// completeness gate and the final table goes out with an empty-looking
// answer, though the module says "blank counts as missing" and
// `Unanswered::missing` trims all whitespace.
on_both_backends! {
    async fn a_response_of_only_line_breaks_is_no_answer(db: TestDb) {
        seed(&db);
        for tracking in OUTLINE_ORDER {
            answer(&db, tracking, Some("noted"), Some("Thank you."));
        }
        answer(&db, "DRAFT-X-0002-3", Some("noted"), Some("\r\n\t"));
        let (out, file) = export(&db, &["--format", "csv", "--final"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(file.is_none());
        assert!(stderr(&out).contains("DRAFT-X-0002-3: no response"), "{}", stderr(&out));
    }
}

// Was a bug: src/export/mod.rs: `ExportError::{Output, Workbook, Csv, Page, Json}`
// put their cause in their own message (`…: {0}`) and also give it as the
// `#[from]` source, so `docket export` prints the reason twice ("the export
// could not be written: No space left on device (os error 28): No space
// left on device (os error 28)"); the CLI says each reason once elsewhere
// (cli::bad_database_urls_are_named).
on_both_backends! {
    async fn a_failed_write_names_its_cause_once(db: TestDb) {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("skipping: no /dev/full");
            return;
        };
        seed(&db);
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_docket"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("DOCKET") || k == "DATABASE_URL") {
            command.env_remove(key);
        }
        let out = command
            .args(["export", "--document", SLUG, "--format", "csv"])
            .env("DATABASE_URL", &db.url)
            .env("NO_COLOR", "1")
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("the export could not be written"), "{err}");
        assert_eq!(err.matches("No space left on device").count(), 1, "{err}");
    }
}

// Was a gap: src/export/json.rs named a filed comment's section by its
// number alone, so in a multi-volume draft (SP 800-63-4's 63A, 63B…) two
// comments on different volumes' section 1 both said "1", while the
// tables said "63A 1" and "63B 1".
on_both_backends! {
    async fn json_sections_name_their_volume(db: TestDb) {
        small_document(
            &db,
            "volumes",
            "number,title,kind,volume,page_start,page_end,line_start,line_end\n1,Intro A,,63A,,,,\n1,Intro B,,63B,,,,\n",
            "Comment #,Publication,Section,Comment\n1,63A,1,On volume A.\n2,63B,1,On volume B.\n",
        );
        let out = docket(&db, &["export", "--document", "volumes", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let sections: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["section"].as_str().unwrap())
            .collect();
        assert_eq!(sections, ["63A 1", "63B 1"]);
    }
}

// The order worked out in memory (`TableOrder::InMemory`, what workbooks
// use) against the database's own sort (`TableOrder::Database`; on
// PostgreSQL a COPY with the filter written into it): the same rows in
// the same order, for the whole table and under each filter, across fetch
// batches (607 comments, 600 of them tied on section, page and line).
on_both_backends! {
    async fn rows_ordered_in_memory_come_as_the_database_sorts_them(db: TestDb) {
        use docket::db::export_rows::{self, ExportFilter, ExportRow, Limits, TableOrder};
        use docket::db::schema::sections;
        use docket::domain::{Disposition, TriageStatus};

        seed(&db);
        answer_some(&db);
        // One comment with a value of its own in every column a row reads,
        // so two columns read in each other's place cannot go unseen.
        update_comment!(
            db,
            "DRAFT-X-0001-1",
            (
                comments::source_sheet.eq("sheet"),
                comments::source_row.eq(41),
                comments::extra_json.eq(r#"{"Extra":"extra"}"#),
                comments::problems_json.eq(r#"["problem"]"#),
                comments::comment_number.eq("number"),
                comments::commenter.eq("commenter"),
                comments::organization.eq("organization"),
                comments::volume_raw.eq("volume"),
                comments::type_raw.eq("type"),
                comments::severity.eq("severity"),
                comments::section_raw.eq("section"),
                comments::paragraph_raw.eq("paragraph"),
                comments::page_raw.eq("page"),
                comments::page_start.eq("start"),
                comments::page_end.eq("end"),
                comments::line_raw.eq("line"),
                comments::line_start.eq(42),
                comments::line_end.eq(43),
                comments::suggested_change.eq("suggested"),
                comments::tag_conflict.eq("conflict"),
                comments::disposition_raw.eq("disposition"),
            )
        );
        let more = import_more(&db, 600);
        let mut conn = db.connect();
        let document = document_id(&mut conn);
        let intro: Vec<i64> = sections::table
            .filter(sections::document_id.eq(document))
            .filter(sections::number.eq_any(["1", "1.1"]))
            .select(sections::id)
            .load(&mut conn)
            .unwrap();
        // Every field of every row, each row handed back to be read into
        // (as the export's reader does), so a reused row must not keep
        // anything of the one before.
        let mut rows = |filter: &ExportFilter, order: TableOrder, limits: Limits| {
            let mut seen = Seen::default();
            let count =
                export_rows::for_each_within(&mut conn, document, filter, order, limits, &mut seen)
                    .unwrap();
            assert_eq!(count, seen.rows.len());
            seen.rows
        };
        let within = Limits::default();
        let tracking = |rows: Vec<ExportRow>| -> Vec<String> {
            rows.into_iter().map(|row| row.comment.tracking_number).collect()
        };
        let whole = tracking(rows(&ExportFilter::default(), TableOrder::InMemory, within));
        let expected: Vec<String> = OUTLINE_ORDER[..2]
            .iter()
            .map(|t| (*t).to_owned())
            .chain(more)
            .chain(OUTLINE_ORDER[2..].iter().map(|t| (*t).to_owned()))
            .collect();
        assert_eq!(whole, expected);
        for filter in [
            ExportFilter::default(),
            ExportFilter { general_only: true, ..ExportFilter::default() },
            ExportFilter { sections: Some(intro.clone()), ..ExportFilter::default() },
            ExportFilter { without_withdrawn: true, ..ExportFilter::default() },
            ExportFilter { status: Some(TriageStatus::Resolved), ..ExportFilter::default() },
            ExportFilter { disposition: Some(Disposition::Declined), ..ExportFilter::default() },
            ExportFilter {
                sections: Some(intro.clone()),
                status: Some(TriageStatus::New),
                without_withdrawn: true,
                ..ExportFilter::default()
            },
        ] {
            let as_text = |rows: Vec<ExportRow>| -> Vec<String> {
                rows.iter().map(|row| format!("{row:?}")).collect()
            };
            let in_memory = as_text(rows(&filter, TableOrder::InMemory, within));
            assert!(!in_memory.is_empty(), "{filter:?}");
            assert_eq!(in_memory, as_text(rows(&filter, TableOrder::Database, within)), "{filter:?}");
            // Past its limits each way reads otherwise, to the same rows:
            // too many comments to order in memory (the database sorts),
            // too many submissions to hold (PostgreSQL's COPY then reads
            // their fields in each row).
            for limits in [
                Limits { in_memory: 0, ..Limits::default() },
                Limits { submitters: 0, ..Limits::default() },
            ] {
                for order in [TableOrder::InMemory, TableOrder::Database] {
                    let read = as_text(rows(&filter, order, limits));
                    assert_eq!(in_memory, read, "{filter:?} {order:?} {limits:?}");
                }
            }
        }
        let resolved = tracking(rows(
            &ExportFilter { status: Some(TriageStatus::Resolved), ..ExportFilter::default() },
            TableOrder::Database,
            within,
        ));
        assert_eq!(resolved.len(), 3, "{resolved:?}");
        let none = ExportFilter { sections: Some(Vec::new()), ..ExportFilter::default() };
        assert!(rows(&none, TableOrder::Database, within).is_empty());
        assert!(rows(&none, TableOrder::InMemory, within).is_empty());
    }
}

/// Keeps a copy of every row it is sent, and hands each back to be read
/// into for the next.
#[derive(Default)]
struct Seen {
    rows: Vec<docket::db::export_rows::ExportRow>,
    spare: Option<Box<docket::db::export_rows::ExportRow>>,
}

impl docket::db::export_rows::RowSink<diesel::result::Error> for Seen {
    fn row(
        &mut self,
        row: Box<docket::db::export_rows::ExportRow>,
    ) -> Result<(), diesel::result::Error> {
        self.rows
            .push(docket::db::export_rows::ExportRow::clone(&row));
        self.spare = Some(row);
        Ok(())
    }

    fn spare(&mut self) -> Option<Box<docket::db::export_rows::ExportRow>> {
        self.spare.take()
    }
}

// A reader stopped mid-export (the writer failed: a download broken off)
// leaves its connection usable: on PostgreSQL the rest of the COPY is
// drained by the rollback, not left to confuse the next statement.
on_both_backends! {
    async fn an_export_stopped_midway_leaves_its_connection_usable(db: TestDb) {
        use docket::db::export_rows::{self, ExportFilter, ExportRow, TableOrder};

        seed(&db);
        import_more(&db, 600);
        let mut conn = db.connect();
        let document = document_id(&mut conn);
        let mut taken = 0;
        let stopped = export_rows::for_each(
            &mut conn,
            document,
            &ExportFilter::default(),
            TableOrder::Database,
            &mut |_row: Box<ExportRow>| {
                taken += 1;
                if taken == 3 {
                    Err(diesel::result::Error::RollbackTransaction)
                } else {
                    Ok(())
                }
            },
        );
        assert!(stopped.is_err());
        assert_eq!(taken, 3);
        let stored: i64 = comments::table
            .filter(comments::document_id.eq(document))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(stored, 607);
        let all = export_rows::for_each(
            &mut conn,
            document,
            &ExportFilter::default(),
            TableOrder::Database,
            &mut |_row: Box<ExportRow>| Ok::<_, diesel::result::Error>(()),
        )
        .unwrap();
        assert_eq!(all, 607);
    }
}
