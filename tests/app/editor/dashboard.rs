//! The dashboard `/editor/d/{slug}`: counts per section by status and type,
//! the General row and totals, progress, the SVG chart (one bar per
//! top-level section with comments, subsections rolled up, then General),
//! escaping, and who may see it.

use diesel::prelude::*;
use docket::db::schema::{comments, sections, submission_files, submissions};

use crate::editor::tags::{app_with_comments, section_id};
use crate::helpers::{TestApp, attrs, comment_id as id_of, texts};

const MORE: &str = "Comment #,Section,Page #,Line #,Comment
1,5.1,,,Also about 5.1
2,5.1,,,Withdrawn later
3,D.1,,,About the cryptographic techniques
4,General,,,A remark on the whole draft
";

const DASHBOARD: &str = "/editor/d/nistir-8200";

/// Imports [`MORE`] as the document's second submission.
fn import_more(app: &TestApp) {
    crate::editor::tags::import_late(app, MORE, &[]);
}

/// Sets the triage fields the dashboard counts.
fn set(
    app: &TestApp,
    tracking: &str,
    status: &str,
    comment_type: Option<&str>,
    assignee: Option<i64>,
    duplicate_of: Option<i64>,
) {
    let id = id_of(app, tracking);
    app.with_conn(|conn| {
        diesel::update(comments::table.find(id))
            .set((
                comments::status.eq(status),
                comments::comment_type.eq(comment_type),
                comments::assignee_id.eq(assignee),
                comments::duplicate_of_id.eq(duplicate_of),
            ))
            .execute(conn)
            .unwrap()
    });
}

/// The cells of the row `row` selects, after its header cell: comments,
/// new, in review, resolved, withdrawn, E/G/T, unassigned, conflicts,
/// duplicates, progress.
fn cells(page: &scraper::Html, row: &str) -> Vec<String> {
    texts(page, &format!("{row} > td"))
}

/// Seven comments: A–C from `app_with_comments`, D–G from [`MORE`].
///
/// | | section | status | type | assignee | other |
/// |---|---|---|---|---|---|
/// | A 0001-1 | 5.1 | resolved | technical | ed | |
/// | B 0001-2 | none (11.2 not found) | new | – | – | conflict note |
/// | C 0001-3 | 5.3 | in review | editorial | ed | conflict |
/// | D 0002-1 | 5.1 | published | editorial | ed | |
/// | E 0002-2 | 5.1 | withdrawn | general | – | duplicate of A |
/// | F 0002-3 | D.1 | new | other | – | |
/// | G 0002-4 | General | resolved | general | ed | |
async fn app_with_triage(db: crate::helpers::TestDb) -> TestApp {
    let app = app_with_comments(db).await;
    import_more(&app);
    let ed = Some(app.user_id("ed@example.org"));
    let a = id_of(&app, "NISTIR-8200-0001-1");
    set(
        &app,
        "NISTIR-8200-0001-1",
        "resolved",
        Some("technical"),
        ed,
        None,
    );
    set(
        &app,
        "NISTIR-8200-0001-3",
        "in_review",
        Some("editorial"),
        ed,
        None,
    );
    set(
        &app,
        "NISTIR-8200-0002-1",
        "published",
        Some("editorial"),
        ed,
        None,
    );
    set(
        &app,
        "NISTIR-8200-0002-2",
        "withdrawn",
        Some("general"),
        None,
        Some(a),
    );
    set(&app, "NISTIR-8200-0002-3", "new", Some("other"), None, None);
    set(
        &app,
        "NISTIR-8200-0002-4",
        "resolved",
        Some("general"),
        ed,
        None,
    );
    // The tags the rows rely on.
    let tag = |tracking: &str| -> (Option<i64>, String) {
        let id = id_of(&app, tracking);
        app.with_conn(|conn| {
            comments::table
                .find(id)
                .select((comments::section_id, comments::tag_source))
                .first(conn)
                .unwrap()
        })
    };
    assert_eq!(tag("NISTIR-8200-0002-1").0, Some(section_id(&app, "5.1")));
    assert_eq!(tag("NISTIR-8200-0002-3").0, Some(section_id(&app, "D.1")));
    assert_eq!(tag("NISTIR-8200-0002-4"), (None, "general".to_owned()));
    assert_eq!(tag("NISTIR-8200-0001-2"), (None, "none".to_owned()));
    app
}

on_both_backends! {
    async fn the_table_counts_each_section_by_status_type_and_what_needs_a_hand(db: TestDb) {
        let app = app_with_triage(db).await;
        let page = app.page(DASHBOARD, 200).await;
        assert_eq!(texts(&page, "h1"), ["Draft NISTIR 8200, Interagency Report on Status of International Cybersecurity Standardization for the Internet of Things (IoT)"]);
        assert_eq!(texts(&page, "p.period"), ["Comment period: 14 February 2018 – 18 April 2018"]);
        assert_eq!(texts(&page, ".total-comments"), ["7"]);
        assert_eq!(texts(&page, ".total-submissions"), ["2"]);
        assert_eq!(texts(&page, ".total-percent"), ["50%"]);
        assert_eq!(
            attrs(&page, "p.links a", "href"),
            ["/editor/d/nistir-8200/outline", "/editor/d/nistir-8200/tags"]
        );
        let links = texts(&page, "p.links");
        assert!(links[0].contains("(1 not found in the outline, 2 with a conflict note)"), "{links:?}");

        let row = |number: &str| format!("tr#s{}", section_id(&app, number));
        //                                  all new rev res wd  E/G/T   una con dup progress
        assert_eq!(cells(&page, &row("5.1")), ["3", "0", "0", "2", "1", "1/1/1", "1", "0", "1", "2/2 100%"]);
        assert_eq!(cells(&page, &row("5.3")), ["1", "0", "1", "0", "0", "1/0/0", "0", "1", "0", "0/1 0%"]);
        assert_eq!(cells(&page, &row("D.1")), ["1", "1", "0", "0", "0", "0/0/0 +1", "1", "0", "0", "0/1 0%"]);
        // Own counts only: the parents of 5.1 and D.1 have none themselves.
        assert_eq!(cells(&page, &row("5")), ["0", "0", "0", "0", "0", "0/0/0", "0", "0", "0", "0/0 –"]);
        assert_eq!(cells(&page, &row("D")), ["0", "0", "0", "0", "0", "0/0/0", "0", "0", "0", "0/0 –"]);
        // B's note says why it was not found: a conflict note too.
        assert_eq!(cells(&page, "tr.general"), ["2", "1", "0", "1", "0", "0/1/0 +1", "1", "1", "0", "1/2 50%"]);
        assert_eq!(texts(&page, "tr.general th"), ["General / no section 1 not found in the outline"]);
        assert_eq!(cells(&page, "tfoot tr.totals"), ["7", "2", "1", "3", "1", "2/2/1 +2", "3", "2", "1", "3/6 50%"]);
        assert_eq!(texts(&page, "tr.totals td.resolved"), ["3"]);

        // Every node of the outline, in document order, then General.
        let outline = app.with_conn(|conn| {
            let id = docket::db::documents::find_by_slug(conn, "nistir-8200").unwrap().id;
            docket::db::sections::for_document(conn, id).unwrap()
        });
        let ids: Vec<String> = attrs(&page, "tbody tr.section", "id");
        let expected: Vec<String> = outline.iter().map(|s| format!("s{}", s.id)).collect();
        assert_eq!(ids, expected);
        let five_one = outline.iter().find(|s| s.number == "5.1").unwrap();
        assert_eq!(
            attrs(&page, &row("5.1"), "class"),
            [format!("section depth-{}", five_one.depth)]
        );
        assert!(five_one.depth > 0);
        assert_eq!(attrs(&page, "tbody tr:last-child", "class"), ["general"]);
        assert_eq!(
            attrs(&page, &format!("{} th a", row("5.1")), "href"),
            [format!("/editor/d/nistir-8200/s/{}", five_one.id)]
        );

        // Accessible progress: a <progress> for rows with something to answer.
        let progress = format!("{} progress", row("5.3"));
        assert_eq!(attrs(&page, &progress, "value"), ["0"]);
        assert_eq!(attrs(&page, &progress, "max"), ["1"]);
        assert_eq!(attrs(&page, &progress, "aria-label"), ["5.3: 0 of 1 answered"]);
        assert!(attrs(&page, &format!("{} progress", row("5")), "max").is_empty());
        assert_eq!(attrs(&page, "tr.totals progress", "max"), ["6"]);

        // No inline styles or scripts (the CSP forbids them).
        let html = page.html();
        assert!(!html.contains(" style="), "inline style");
        assert!(!html.contains("<script"), "inline script");
    }

    async fn the_chart_has_one_bar_per_top_level_section_with_comments_then_general(db: TestDb) {
        let app = app_with_triage(db).await;
        let page = app.page(DASHBOARD, 200).await;
        assert_eq!(texts(&page, "svg.chart").len(), 1);
        assert_eq!(attrs(&page, "svg.chart", "role"), ["img"]);
        let labels = texts(&page, "svg.chart g.bar text.label");
        assert_eq!(labels.len(), 3, "{labels:?}");
        assert!(labels[0].starts_with("5 "), "{labels:?}");
        assert!(labels[1].starts_with("Appendix D "), "{labels:?}");
        assert_eq!(labels[2], "General / no section");
        // Section 5 rolls up 5.1 (resolved, published, withdrawn) and 5.3
        // (in review); withdrawn comments are not drawn.
        assert_eq!(
            texts(&page, "svg.chart g.bar text.summary"),
            ["2/3 (66%)", "0/1 (0%)", "1/2 (50%)"]
        );
        // One scale for all bars: 3 comments are 400 units long.
        let segments: Vec<(String, String)> = attrs(&page, "svg.chart rect.segment", "class")
            .into_iter()
            .zip(attrs(&page, "svg.chart rect.segment", "width"))
            .collect();
        let expected = [
            ("segment in-review", "133"),
            ("segment done", "267"),
            ("segment new", "133"),
            ("segment new", "133"),
            ("segment done", "134"),
        ];
        assert_eq!(
            segments,
            expected.map(|(c, w)| (c.to_owned(), w.to_owned()))
        );
        assert_eq!(attrs(&page, "svg.chart rect.segment.done", "fill")[0], "#3a7d44");
        assert_eq!(
            texts(&page, "svg.chart g.legend text"),
            ["New", "In review", "Resolved or published"]
        );
        let tooltips = texts(&page, "svg.chart g.bar > title");
        assert!(
            tooltips[0].ends_with(": 0 new, 1 in review, 2 resolved or published, 1 withdrawn"),
            "{tooltips:?}"
        );
    }

    async fn section_titles_are_escaped_in_the_table_and_the_chart(db: TestDb) {
        let app = app_with_comments(db).await;
        let five = section_id(&app, "5");
        let evil = r#"<script>alert("x")</script> & <b>"#;
        app.with_conn(|conn| {
            diesel::update(sections::table.find(five))
                .set(sections::title.eq(evil))
                .execute(conn)
                .unwrap()
        });
        let page = app.page(DASHBOARD, 200).await;
        let html = page.html();
        assert!(!html.contains("<script>alert"), "must be escaped");
        assert!(!html.contains("<b>"), "must be escaped");
        let script = scraper::Selector::parse("script, b").unwrap();
        assert_eq!(page.select(&script).count(), 0);
        assert_eq!(texts(&page, &format!("tr#s{five} span.title")), [evil]);
        assert_eq!(texts(&page, "svg.chart g.bar text.label")[0], format!("5 {evil}"));
        assert!(texts(&page, "svg.chart g.bar > title")[0].starts_with(&format!("5 {evil}: ")));
    }

    async fn an_empty_document_says_so_and_still_lists_its_sections(db: TestDb) {
        let app = app_with_comments(db).await;
        app.with_conn(|conn| {
            diesel::delete(comments::table).execute(conn).unwrap();
            diesel::delete(submission_files::table).execute(conn).unwrap();
            diesel::delete(submissions::table).execute(conn).unwrap();
        });
        let page = app.page(DASHBOARD, 200).await;
        assert_eq!(texts(&page, "p.no-comments").len(), 1);
        assert!(texts(&page, "p.no-comments")[0].starts_with("No comments yet"));
        assert_eq!(texts(&page, "svg").len(), 0);
        assert_eq!(texts(&page, ".total-comments"), ["0"]);
        assert_eq!(texts(&page, ".total-submissions"), ["0"]);
        assert_eq!(texts(&page, ".total-percent"), ["–"]);
        let sections: i64 = app.with_conn(|conn| sections::table.count().get_result(conn).unwrap());
        assert!(sections > 10);
        assert_eq!(texts(&page, "tbody tr.section").len() as i64, sections);
        assert_eq!(cells(&page, "tr.general"), ["0", "0", "0", "0", "0", "0/0/0", "0", "0", "0", "0/0 –"]);
        assert_eq!(cells(&page, "tr.totals"), ["0", "0", "0", "0", "0", "0/0/0", "0", "0", "0", "0/0 –"]);
        assert!(attrs(&page, "progress", "max").is_empty());
    }

    async fn only_signed_in_users_see_it_and_unknown_documents_are_404(db: TestDb) {
        let app = app_with_comments(db).await;
        let home = app.page("/editor", 200).await;
        assert!(attrs(&home, "td a", "href").contains(&DASHBOARD.to_owned()));
        let missing = app.page("/editor/d/no-such-draft", 404).await;
        assert!(texts(&missing, "main").join(" ").contains("no-such-draft"));

        let anonymous = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = anonymous
            .get(format!("{}{DASHBOARD}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            crate::helpers::see_other(&response),
            "/login?next=%2Feditor%2Fd%2Fnistir-8200"
        );
    }
}

on_both_backends! {
    // The query straight: one group per section with comments, NULL for
    // General, and the columns add up.
    async fn progress_by_section_counts_every_column_in_one_query(db: TestDb) {
        let app = app_with_triage(db).await;
        let groups = app.with_conn(|conn| {
            let id = docket::db::documents::find_by_slug(conn, "nistir-8200").unwrap().id;
            docket::db::progress::by_section(conn, id).unwrap()
        });
        assert_eq!(groups.len(), 4, "{groups:?}");
        let of = |section: Option<i64>| groups.iter().find(|(s, _)| *s == section).unwrap().1;
        let five_one = of(Some(section_id(&app, "5.1")));
        assert_eq!(
            (five_one.total, five_one.resolved, five_one.published, five_one.withdrawn),
            (3, 1, 1, 1)
        );
        assert_eq!((five_one.editorial, five_one.general, five_one.technical), (1, 1, 1));
        assert_eq!((five_one.unassigned, five_one.duplicates, five_one.conflicts), (1, 1, 0));
        let general = of(None);
        assert_eq!((general.total, general.new, general.resolved, general.untyped, general.unresolved), (2, 1, 1, 1, 1));
        let conflicted = of(Some(section_id(&app, "5.3")));
        assert_eq!((conflicted.in_review, conflicted.conflicts), (1, 1));
        for (_, c) in &groups {
            assert_eq!(c.new + c.in_review + c.resolved + c.published + c.withdrawn, c.total);
            assert_eq!(c.editorial + c.general + c.technical + c.other + c.untyped, c.total);
        }
        // Another document's comments are not counted; none: no groups.
        let none = app.with_conn(|conn| docket::db::progress::by_section(conn, i64::MAX).unwrap());
        assert!(none.is_empty());
    }
}
