//! Replies in each submitter's own file: the file as sent, with
//! Disposition and Response added after the submitter's columns.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use diesel::prelude::*;
use docket::db::schema::{comments, submission_files, submissions};
use docket::export::cells::from_csv_cell;
use rust_xlsxwriter::{Format, Workbook};

use crate::editor::tags::app_with;
use crate::helpers::TestApp;
use crate::spreadsheet::assert_opens_as_text;

/// A CSV with title rows and a blank line above its header.
const CSV: &str = "Comment Template for: Draft NISTIR 8200
Organization:,Acme Labs

Comment #,Section,Page #,Line #,Comment,Suggested Change
1,5.1,,,Vehicles need an update path,Add one
2,5.3,,,=HYPERLINK(\"http://x.invalid\") looks like a formula,
";

/// A workbook: an instructions sheet first, then the comments under a
/// title row, with a styled empty cell far to the right (column J).
fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let instructions = book.add_worksheet();
    instructions.set_name("Instructions").unwrap();
    instructions
        .write_string(0, 0, "Fill in one comment per row.")
        .unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Comments").unwrap();
    sheet
        .write_string_with_format(0, 0, "Comments on NISTIR 8200", &bold)
        .unwrap();
    for (c, h) in [
        "Comment #",
        "Section",
        "Page #",
        "Line #",
        "Comment",
        "Suggested Change",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(2, c as u16, *h, &bold)
            .unwrap();
    }
    sheet
        .write_row(3, 0, ["1", "5.1", "9", "", "Workbook comment one", ""])
        .unwrap();
    sheet
        .write_row(
            4,
            0,
            ["2", "5.3", "10", "", "Workbook comment two", "Change it"],
        )
        .unwrap();
    sheet.write_blank(4, 9, &bold).unwrap();
    book.save_to_buffer().unwrap()
}

fn submission_ids(app: &TestApp) -> Vec<(i64, String)> {
    app.with_conn(|conn| {
        submissions::table
            .order(submissions::seq)
            .select((submissions::id, submissions::tracking_number))
            .load(conn)
            .unwrap()
    })
}

/// Answers every comment `n` of every submission: comment 1 accepted,
/// comment 2 declined, each with a response naming it.
fn answer_all(app: &TestApp) {
    app.with_conn(|conn| {
        for (seq, disposition) in [(1, "accepted"), (2, "declined")] {
            diesel::update(comments::table.filter(comments::seq.eq(seq)))
                .set((
                    comments::disposition.eq(disposition),
                    comments::response.eq(format!("Answer to comment {seq}.")),
                ))
                .execute(conn)
                .unwrap();
        }
    });
}

async fn download(app: &TestApp, path: &str, content_type: &str) -> (Vec<u8>, String) {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type),
        "{path}"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (response.bytes().await.unwrap().to_vec(), disposition)
}

fn cell(sheet: &calamine::Range<Data>, row: u32, col: u32) -> String {
    sheet
        .get_value((row, col))
        .map_or_else(String::new, |d| d.to_string())
}

on_both_backends! {
    async fn a_csv_comes_back_with_two_columns_after_the_submitter_s(db: TestDb) {
        let app = app_with(db, CSV).await;
        answer_all(&app);
        let (id, _) = submission_ids(&app)[0].clone();
        let (bytes, disposition) = download(&app, &format!("/editor/submissions/{id}/replies"), "text/csv").await;
        assert_eq!(disposition, "attachment; filename=\"comments (replies).csv\"");
        let text = String::from_utf8(bytes).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
        let lines: Vec<&str> = text.split("\r\n").collect();
        // Every field quoted: a reader honouring quotes splits no cell.
        assert_eq!(lines[0], "\"Comment Template for: Draft NISTIR 8200\"");
        assert_eq!(lines[1], "\"Organization:\",\"Acme Labs\"");
        assert_eq!(
            lines[2],
            "\"Comment #\",\"Section\",\"Page #\",\"Line #\",\"Comment\",\"Suggested Change\",\"Disposition\",\"Response\""
        );
        let records: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        assert_eq!(records.len(), 5, "{text:?}");
        let header: Vec<&str> = records[2].iter().collect();
        assert_eq!(
            header,
            ["Comment #", "Section", "Page #", "Line #", "Comment", "Suggested Change", "Disposition", "Response"]
        );
        assert_eq!(&records[3][6], "Accepted");
        assert_eq!(&records[3][7], "Answer to comment 1.");
        assert_eq!(&records[3][4], "Vehicles need an update path");
        assert_eq!(&records[4][6], "Declined");
        // A cell a spreadsheet would run is quoted.
        assert!(records[4][4].starts_with("'=HYPERLINK"), "{:?}", &records[4][4]);
    }

    async fn a_workbook_keeps_its_sheets_and_rows_and_gains_the_answers(db: TestDb) {
        let app = app_with(db, CSV).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.xlsx");
        std::fs::write(&path, workbook()).unwrap();
        let out = crate::cli::docket(
            &app.test_db,
            &["import", "--document", "nistir-8200", "--late", path.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", crate::cli::stderr(&out));
        answer_all(&app);
        let (id, tracking) = submission_ids(&app)[1].clone();
        let (bytes, disposition) = download(
            &app,
            &format!("/editor/submissions/{id}/replies"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .await;
        assert_eq!(disposition, "attachment; filename=\"acme (replies).xlsx\"");
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Instructions", "Comments"]);
        let instructions = book.worksheet_range("Instructions").unwrap();
        assert_eq!(cell(&instructions, 0, 0), "Fill in one comment per row.");
        let sheet = book.worksheet_range("Comments").unwrap();
        assert_eq!(cell(&sheet, 0, 0), "Comments on NISTIR 8200");
        // After the styled empty cell in column J: K and L.
        assert_eq!((cell(&sheet, 2, 10), cell(&sheet, 2, 11)), ("Disposition".to_owned(), "Response".to_owned()));
        assert_eq!((cell(&sheet, 3, 10), cell(&sheet, 3, 11)), ("Accepted".to_owned(), "Answer to comment 1.".to_owned()));
        assert_eq!((cell(&sheet, 4, 10), cell(&sheet, 4, 11)), ("Declined".to_owned(), "Answer to comment 2.".to_owned()));
        assert_eq!(cell(&sheet, 4, 4), "Workbook comment two");
        assert_eq!(cell(&sheet, 4, 5), "Change it");

        // Every file of the document in one ZIP.
        let (zipped, disposition) = download(&app, "/editor/d/nistir-8200/replies.zip", "application/zip").await;
        assert_eq!(disposition, "attachment; filename=\"nistir-8200-replies.zip\"");
        let mut archive = zip::ZipArchive::new(Cursor::new(zipped)).unwrap();
        let mut names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&format!("{tracking} acme (replies).xlsx")), "{names:?}");
        let mut inner = Vec::new();
        archive
            .by_name(&format!("{tracking} acme (replies).xlsx"))
            .unwrap()
            .read_to_end(&mut inner)
            .unwrap();
        let mut again: Xlsx<_> = open_workbook_from_rs(Cursor::new(inner)).unwrap();
        assert_eq!(cell(&again.worksheet_range("Comments").unwrap(), 3, 11), "Answer to comment 1.");
    }

    async fn typed_submissions_and_strangers_get_no_file(db: TestDb) {
        let app = app_with(db, CSV).await;
        let typed = app.with_conn(|conn| {
            let document = docket::db::documents::find_by_slug(conn, "nistir-8200").unwrap();
            let seq = docket::db::documents::take_submission_seq(conn, document.id).unwrap();
            docket::db::submissions::insert(
                conn,
                docket::db::submissions::NewSubmission {
                    document_id: document.id,
                    seq,
                    tracking_number: "NISTIR-8200-TYPED",
                    channel: docket::domain::Channel::Form,
                    submitter_name: "Typist",
                    organization: "",
                    email: None,
                    sha256: None,
                    metadata_json: "{}",
                    report_json: "{}",
                    late: true,
                    received_at: docket::db::now(),
                    arriving: false,
                },
            )
            .unwrap()
            .id
        });
        let response = app.get(&format!("/editor/submissions/{typed}/replies")).await;
        assert_eq!(response.status().as_u16(), 404);
        assert!(response.text().await.unwrap().contains("typed in, not sent as a file"));
        let response = app.get("/editor/submissions/999999/replies").await;
        assert_eq!(response.status().as_u16(), 404);

        let stranger = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for path in [format!("/editor/submissions/{typed}/replies"), "/editor/d/nistir-8200/replies.zip".to_owned()] {
            let response = stranger.get(format!("{}{path}", app.address)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "{path}");
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/login"), "{path}");
        }
    }
}

/// A submitter's CSV whose cells were formulas in a spreadsheet splitting
/// at `;` (or at a line break) when only a cell's first character was
/// guarded.
const INJECTED: &str = "Name:,\"Semi;=2+2;\"
Comment #,Section,Page #,Line #,Comment,Suggested Change
1,5.1,,,\"see;=1+6;\",
2,5.3,,,\"line
=1+1\",\"quote;\"\"=3+3\"
";

on_both_backends! {
    async fn a_csv_reply_opens_as_text_however_it_is_split(db: TestDb) {
        let app = app_with(db, INJECTED).await;
        answer_all(&app);
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(1)))
                .set(comments::response.eq("Done;-1 line.\n@all: see 5.1"))
                .execute(conn)
                .unwrap();
        });
        let (id, _) = submission_ids(&app)[0].clone();
        let (bytes, _) = download(&app, &format!("/editor/submissions/{id}/replies"), "text/csv").await;
        assert_opens_as_text(&bytes, "replies");
        let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(|c| from_csv_cell(c).into_owned()).collect())
            .collect();
        assert_eq!(records[0], ["Name:", "Semi;=2+2;"]);
        assert_eq!(records[2][4], "see;=1+6;");
        assert_eq!(records[2][7], "Done;-1 line.\n@all: see 5.1");
        assert_eq!(records[3][4], "line\n=1+1");
        assert_eq!(records[3][5], "quote;\"=3+3");
    }

    async fn reply_downloads_are_named_without_the_submitter_s_path(db: TestDb) {
        let app = app_with(db, CSV).await;
        let (id, tracking) = submission_ids(&app)[0].clone();
        // The name a browser sent with the upload is stored as it came.
        app.with_conn(|conn| {
            diesel::update(submission_files::table.find(id))
                .set(submission_files::file_name.eq("../../etc/passwd.csv"))
                .execute(conn)
                .unwrap();
        });
        let (_, disposition) = download(&app, &format!("/editor/submissions/{id}/replies"), "text/csv").await;
        assert_eq!(disposition, "attachment; filename=\"passwd (replies).csv\"");
        let (zipped, _) = download(&app, "/editor/d/nistir-8200/replies.zip", "application/zip").await;
        let mut archive = zip::ZipArchive::new(Cursor::new(zipped)).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .collect();
        assert_eq!(names, [format!("{tracking} passwd (replies).csv")]);
    }
}

on_both_backends! {
    // Every real NIST comment workbook of the fixtures comes back readable,
    // with its sheets, and each comment's answer on its own row.
    async fn real_nist_workbooks_come_back_with_each_answer_on_its_row(db: TestDb) {
        let Some(fixtures) = crate::intake::fixtures_dir() else { return };
        let app = app_with(db, CSV).await;
        let dir = fixtures.join("nist-sp800-63-4/xlsx");
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut args = vec!["import".to_owned(), "--document".to_owned(), "nistir-8200".to_owned(), "--late".to_owned()];
        args.extend(files.iter().map(|p| p.to_str().unwrap().to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = crate::cli::docket(&app.test_db, &args);
        assert!(out.status.success(), "{}", crate::cli::stderr(&out));
        app.with_conn(|conn| {
            diesel::update(comments::table)
                .set((comments::disposition.eq("noted"), comments::response.eq(comments::tracking_number.nullable())))
                .execute(conn)
                .unwrap();
        });
        let rows: Vec<(i64, String, Option<String>, Option<i32>)> = app.with_conn(|conn| {
            comments::table
                .select((comments::submission_id, comments::tracking_number, comments::source_sheet, comments::source_row))
                .load(conn)
                .unwrap()
        });
        let mut checked = 0;
        for (id, _) in submission_ids(&app).into_iter().skip(1) {
            let (bytes, _) = download(
                &app,
                &format!("/editor/submissions/{id}/replies"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .await;
            let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
            for (_, tracking, sheet, row) in rows.iter().filter(|r| r.0 == id) {
                let range = book.worksheet_range(sheet.as_deref().unwrap()).unwrap();
                let row = row.unwrap() as u32 - 1;
                // The answer is the row's last two cells.
                let width = (0..range.end().map_or(0, |e| e.1 + 1))
                    .rev()
                    .find(|c| !cell(&range, row, *c).is_empty())
                    .unwrap();
                assert_eq!(cell(&range, row, width), *tracking, "{tracking}");
                assert_eq!(cell(&range, row, width - 1), "Noted", "{tracking}");
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked} comments checked");
    }
}
