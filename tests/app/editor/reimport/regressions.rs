//! Regressions: each of these was a bug found by the author of the other
//! reimport tests.

use diesel::prelude::*;
use docket::db::schema::comments;

use super::{
    C1, C4, Csv, SLUG, app, applied, apply, apply_path, counts, download, n, preview, run_ok,
    stored, waiting_uploads, write,
};
use crate::editor::{CSRF_REFUSED, error_message};
use crate::helpers::{TestApp, texts};

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
