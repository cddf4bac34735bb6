//! Workbooks: title and header rows, the summary, wrapping, and the
//! sheets of `--sheet-per-section`.

use std::io::Cursor;

use super::*;

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

on_both_backends! {
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
