//! Comments typed into the form, no file: blank rows skipped, odd cells
//! warned about on the preview and kept, the cells parsed when stored.

use diesel::prelude::*;
use docket::db::schema::{comments, submission_files};

use super::{
    ADA, confirm, form_csrf, open_document, preview, send, spawn, stored, submission, tracking,
    typed,
};
use crate::helpers::{see_other, texts};

const PAGE_FIGURE: &str =
    "is not a page number; expected e.g. 12, iii or 24 - 39 (kept as written)";

/// One stored comment, the columns this test reads.
#[derive(Debug, PartialEq, Queryable)]
struct Stored {
    tracking_number: String,
    comment_type: Option<String>,
    type_raw: Option<String>,
    section_raw: Option<String>,
    page_raw: Option<String>,
    page_start: Option<String>,
    line_raw: Option<String>,
    line_start: Option<i32>,
    line_end: Option<i32>,
    body: String,
    suggested_change: Option<String>,
}

on_both_backends! {
    async fn typed_comments_are_previewed_with_warnings_and_stored_parsed(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let form = typed(&csrf, ADA, &[
            ["E", "2.1", "4", "120-124", "The first sentence repeats the title.", "Drop the first sentence."],
            ["", "", "", "", "", ""],
            ["T", "5.1", "Figure 3", "660", "Figure 3 is hard to read.", "Redraw it in larger type."],
        ]);
        let (token, page) = preview(app, "draft", send(app, "draft", form).await).await;
        assert_eq!(texts(&page, ".source"), ["comments typed into the form"]);
        assert!(texts(&page, ".summary")[0].contains("read as the web form:"), "{:?}", texts(&page, ".summary"));
        assert_eq!(texts(&page, ".count"), ["2 comment(s)"]);
        assert_eq!(texts(&page, ".warn-count"), ["1 warning(s)"]);
        assert_eq!(texts(&page, ".submitter"), ["Ada Lovelace"]);
        assert_eq!(texts(&page, ".organization"), ["Analytical Engines Ltd"]);
        // The blank row is skipped but keeps its place: rows are numbered as
        // on the form, so the warning names the row the submitter typed.
        assert_eq!(texts(&page, "table.rows tbody tr").len(), 2);
        assert_eq!(texts(&page, "table.rows td.row"), ["1", "3"]);
        // And the list above the table says where, in the words of a spreadsheet.
        assert_eq!(
            texts(&page, "section.warnings li"),
            [format!("row 3, \"Page #\": \"Figure 3\" {PAGE_FIGURE}")]
        );
        assert_eq!(texts(&page, "table.rows tr.has-problems .problem"), [PAGE_FIGURE]);
        assert_eq!(texts(&page, ".problem"), [PAGE_FIGURE]);
        assert_eq!(
            texts(&page, "table.rows tr.has-problems td.change"),
            ["Redraw it in larger type."]
        );
        assert_eq!(
            texts(&page, "table.rows td.comment"),
            ["The first sentence repeats the title.", &format!("Figure 3 is hard to read. {PAGE_FIGURE}")]
        );
        assert_eq!(stored(app), (0, 0, 1), "nothing is stored before Confirm");

        let location = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert_eq!(location, format!("/receipt/{token}"));
        let receipt = app.page(&location, 200).await;
        let number = tracking(&receipt);
        assert_eq!(texts(&receipt, ".range"), [format!("{number}-1 to {number}-2")]);
        assert_eq!(texts(&receipt, ".submitter"), ["Ada Lovelace"]);

        let sub = submission(app, &number);
        assert_eq!(sub.channel, "form");
        assert_eq!((sub.submitter_name.as_str(), sub.organization.as_str()), ("Ada Lovelace", "Analytical Engines Ltd"));
        assert_eq!(sub.email.as_deref(), Some("ada@example.org"));
        assert_eq!(sub.sha256, None, "no file, no hash");
        let files: i64 = app.with_conn(|conn| {
            submission_files::table.count().get_result(conn).unwrap()
        });
        assert_eq!(files, 0);
        let got: Vec<Stored> = app.with_conn(|conn| {
            comments::table
                .filter(comments::submission_id.eq(sub.id))
                .order(comments::seq)
                .select((
                    comments::tracking_number,
                    comments::comment_type,
                    comments::type_raw,
                    comments::section_raw,
                    comments::page_raw,
                    comments::page_start,
                    comments::line_raw,
                    comments::line_start,
                    comments::line_end,
                    comments::body,
                    comments::suggested_change,
                ))
                .load(conn)
                .unwrap()
        });
        let text = |s: &str| Some(s.to_owned());
        assert_eq!(got, [
            Stored {
                tracking_number: format!("{number}-1"),
                comment_type: text("editorial"),
                type_raw: text("E"),
                section_raw: text("2.1"),
                page_raw: text("4"),
                page_start: text("4"),
                line_raw: text("120-124"),
                line_start: Some(120),
                line_end: Some(124),
                body: "The first sentence repeats the title.".to_owned(),
                suggested_change: text("Drop the first sentence."),
            },
            Stored {
                tracking_number: format!("{number}-2"),
                comment_type: text("technical"),
                type_raw: text("T"),
                section_raw: text("5.1"),
                page_raw: text("Figure 3"),
                page_start: None,
                line_raw: text("660"),
                line_start: Some(660),
                line_end: Some(660),
                body: "Figure 3 is hard to read.".to_owned(),
                suggested_change: text("Redraw it in larger type."),
            },
        ]);
        let problems: Vec<String> = app.with_conn(|conn| {
            comments::table
                .filter(comments::submission_id.eq(sub.id))
                .order(comments::seq)
                .select(comments::problems_json)
                .load(conn)
                .unwrap()
        });
        assert_eq!(problems[0], "[]");
        assert!(problems[1].contains(PAGE_FIGURE), "{}", problems[1]);
        assert_eq!(stored(app), (1, 2, 1));
        assert_eq!(site.mails().await.len(), 1);
    }
}

on_both_backends! {
    async fn the_preview_shows_where_each_comment_will_be_filed(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let outline = docket::outline::parse(
            "number,title,kind,volume,page_start,page_end,line_start,line_end\n1,Scope,section,,1,3,1,100\n2,Identity,section,,4,9,101,200\n",
            docket::outline::OutlineFormat::Csv,
        )
        .unwrap();
        app.with_conn(|conn| docket::documents::import_outline(conn, "draft", &outline).unwrap());
        let csrf = form_csrf(app, "draft").await;
        // Rows: [type, section, page, line, comment, suggested change].
        let form = typed(&csrf, ADA, &[
            ["E", "2", "", "", "Filed by its section.", ""],
            ["G", "", "", "150", "Filed by its line.", ""],
            ["T", "9", "", "", "Section 9 does not exist.", ""],
        ]);
        let (_, page) = preview(app, "draft", send(app, "draft", form).await).await;
        assert_eq!(texts(&page, ".tag-summary"), ["1 by section, 1 by line, 1 unresolved"]);
        assert_eq!(texts(&page, "table.rows td.tagged"), ["2", "2", "not found"]);
        assert_eq!(
            texts(&page, ".section-notes li"),
            ["row 3: the section column \"9\" names nothing in the outline"]
        );
    }
}
