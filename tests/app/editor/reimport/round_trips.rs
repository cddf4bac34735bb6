//! Tables that come back in each format and preset: docket's own export,
//! edited as a spreadsheet user would, previewed and applied; an unedited
//! table changes nothing, and one without versions says so.

use super::{
    C1, C2, C3, C4, C5, Csv, FORMULA_RESPONSE, ORDER, PAGE, SLUG, Stored, VERSION, XLSX_TYPE,
    all_audit_events, all_stored, answer_directly, app, applied, audit, counts, download, event,
    in_rows, is, line, n, new_workbook, preview, run_ok, sheet_cells, stored, waiting_uploads,
};
use crate::helpers::{attrs, comment_id, texts};

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
        assert_eq!(stored(&app, C3), is(Some("accepted"), None, "in_review", v3 + 1));
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
        assert_eq!(audit(&app, C3), [
            event(me, "disposition", None, Some("accepted")),
            event(me, "status", Some("new"), Some("in_review")),
        ]);
        assert_eq!(audit(&app, C4), [
            event(me, "disposition", None, Some("noted")),
            event(me, "response", None, Some("-5 characters was a typo; fixed.")),
            event(me, "status", Some("new"), Some("resolved")),
        ]);
        assert!(audit(&app, C5).is_empty());
        assert_eq!(all_audit_events(&app), 10);

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
        // Part of an answer puts a new comment in review.
        assert_eq!(stored(&app, C4), is(None, Some("Thank you; see the new line 160."), "in_review", v4 + 1));
        assert_eq!(audit(&app, C4), [
            event(editor.id, "response", None, Some("Thank you; see the new line 160.")),
            event(editor.id, "status", Some("new"), Some("in_review")),
        ]);
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
}
