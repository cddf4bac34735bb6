//! `docket export`: disposition tables read back (csv, calamine, scraper,
//! serde_json) and compared with what is stored: outline order, each
//! preset's columns, public tables, the completeness gate of a final
//! table, and the filters; each format's own checks and the rows' reader
//! in the modules below. The helpers here also serve the web tests
//! (`editor::export`). Tests that show a bug in the export code are at the
//! end of their module, each under a `// Was a bug:` comment.

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

}

on_both_backends! {
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

on_both_backends! {
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

mod cells;
mod html;
mod json;
mod rows;
mod xlsx;
