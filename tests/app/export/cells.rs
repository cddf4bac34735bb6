//! Formula injection: no exported cell is one a spreadsheet evaluates,
//! whatever the comment holds, in every preset and format.

use super::*;

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
}
