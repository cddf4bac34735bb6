//! What the preview lists and does not apply: conflicts with saves made in
//! docket since the export, unmatched rows and problems, files that are not
//! disposition tables, and duplicates.

use diesel::prelude::*;
use docket::db::schema::comments;
use docket::domain::Role;

use super::{
    C1, C2, C3, C4, C5, Csv, ORDER, PAGE, VERSION, XLSX_TYPE, all_audit_events, all_stored,
    answer_directly, app, applied, audit, counts, download, event, in_rows, is, line, n, preview,
    send, stored, waiting_uploads,
};
use crate::editor::{filled, form_fields, html, pairs, signed_in};
use crate::helpers::{Multipart, attrs, comment_id, see_other, texts};

on_both_backends! {
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
