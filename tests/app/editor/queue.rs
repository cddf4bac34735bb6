//! The section queue: a section's comments (with its subsections) in
//! outline order, then page, then line; filters; full-text search with
//! highlights; paging; refusals.

use diesel::prelude::*;
use docket::db::schema::comments;

use crate::editor::tags::{app_with, section_id};
use crate::helpers::{TestDb, attrs, comment_id_by_seq as id_of, see_other, texts};

const COMMENTS: &str = "Comment #,Type,Section,Page #,Line #,Comment,Suggested change
1,T,5.1,10,702,The connected-vehicle discussion omits V2X message authentication.,Add IEEE 1609.2.
2,E,5.2,,815,Typo in the consumer devices paragraph.,Fix the spelling.
3,G,General,,,The report should state how often it will be updated.,Add a maintenance statement.
4,T,5.1,9,661,Vehicle devices need OTA update guidance.,Cite UNECE R156.
5,T,5.3,,950,Medical devices: FDA premarket guidance is missing.,Cite FDA guidance.
6,E,5,,650,Section 5 intro repeats the executive summary.,Shorten it.
7,T,11.2,,,Section 11.2 contradicts section 4.,Align them.
8,T,5.1,11,750,<script>alert('q')</script> device pairing is unsafe.,Require authenticated pairing.
";

fn rows(page: &scraper::Html) -> Vec<String> {
    texts(page, "table.queue-rows a.tracking")
}

on_both_backends! {
    async fn a_section_lists_its_own_and_its_subsections_comments_in_document_order(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let five = section_id(&app, "5");
        let page = app.page(&format!("/editor/d/nistir-8200/s/{five}"), 200).await;
        assert_eq!(texts(&page, "h1"), ["5 IoT Applications"]);
        // 5 itself, then 5.1 by page (9, 10, 11), then 5.2, then 5.3.
        assert_eq!(
            rows(&page),
            ["NISTIR-8200-0001-6", "NISTIR-8200-0001-4", "NISTIR-8200-0001-1", "NISTIR-8200-0001-8",
             "NISTIR-8200-0001-2", "NISTIR-8200-0001-5"]
        );
        assert!(texts(&page, "p.count")[0].starts_with("6 comment(s)."));
        let one = section_id(&app, "5.1");
        let page = app.page(&format!("/editor/d/nistir-8200/s/{one}"), 200).await;
        assert_eq!(rows(&page), ["NISTIR-8200-0001-4", "NISTIR-8200-0001-1", "NISTIR-8200-0001-8"]);
        // Escaped, never markup.
        assert!(!page.html().contains("<script>alert"));
        let general = app.page("/editor/d/nistir-8200/s/general", 200).await;
        assert_eq!(rows(&general), ["NISTIR-8200-0001-3", "NISTIR-8200-0001-7"]);
        let all = app.page("/editor/d/nistir-8200/s/all", 200).await;
        assert_eq!(rows(&all).len(), 8);
        assert_eq!(rows(&all).last().unwrap(), "NISTIR-8200-0001-7", "unfiled comments come last");
        assert_eq!(app.get("/editor/d/nistir-8200/s/999999").await.status().as_u16(), 404);
        assert_eq!(app.get("/editor/d/nistir-8200/s/abc").await.status().as_u16(), 404);
        assert_eq!(app.get("/editor/d/nope/s/all").await.status().as_u16(), 404);
    }

    async fn filters_narrow_the_queue(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me: i64 = app.user_id("ed@example.org");
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(1)))
                .set((comments::status.eq("resolved"), comments::disposition.eq("accepted"), comments::assignee_id.eq(me)))
                .execute(conn)
                .unwrap();
            diesel::update(comments::table.filter(comments::seq.eq(4)))
                .set(comments::assignee_id.eq(me))
                .execute(conn)
                .unwrap();
        });
        let all = "/editor/d/nistir-8200/s/all";
        let of = |query: &str| format!("{all}?{query}");
        assert_eq!(rows(&app.page(&of("type=editorial"), 200).await), ["NISTIR-8200-0001-6", "NISTIR-8200-0001-2"]);
        assert_eq!(rows(&app.page(&of("status=resolved"), 200).await), ["NISTIR-8200-0001-1"]);
        assert_eq!(rows(&app.page(&of("disposition=accepted"), 200).await), ["NISTIR-8200-0001-1"]);
        assert_eq!(rows(&app.page(&of("disposition=none"), 200).await).len(), 7);
        assert_eq!(rows(&app.page(&of("assignee=me"), 200).await), ["NISTIR-8200-0001-4", "NISTIR-8200-0001-1"]);
        assert_eq!(rows(&app.page(&of(&format!("assignee={me}")), 200).await).len(), 2);
        assert_eq!(rows(&app.page(&of("assignee=none"), 200).await).len(), 6);
        assert_eq!(rows(&app.page(&of("conflicts=1"), 200).await), ["NISTIR-8200-0001-7"]);
        assert_eq!(rows(&app.page(&of("submitter=nobody-like-this"), 200).await).len(), 0);
        assert_eq!(rows(&app.page(&of("type=technical&assignee=me&status=new"), 200).await), ["NISTIR-8200-0001-4"]);
        // Unknown words are ignored rather than refused.
        assert_eq!(rows(&app.page(&of("type=bogus"), 200).await).len(), 8);
        // The form shows the filters in force.
        let page = app.page(&of("type=technical&q=device"), 200).await;
        assert_eq!(attrs(&page, "select[name=type] option[selected]", "value"), ["technical"]);
        assert_eq!(attrs(&page, "input[name=q]", "value"), ["device"]);
    }

    async fn half_answered_comments_have_a_filter_of_their_own(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let answer = |seq: i32, disposition: Option<&str>, response: Option<&str>| {
            app.with_conn(|conn| {
                diesel::update(comments::table.filter(comments::seq.eq(seq)))
                    .set((comments::disposition.eq(disposition), comments::response.eq(response)))
                    .execute(conn)
                    .unwrap();
            })
        };
        answer(1, Some("accepted"), None);
        answer(2, Some("noted"), Some(" \n\t"));
        answer(3, Some("declined"), Some("Out of scope."));
        answer(4, None, Some("A draft response."));
        let page = app.page("/editor/d/nistir-8200/s/all?disposition=no_response", 200).await;
        let mut found = rows(&page);
        found.sort();
        assert_eq!(found, ["NISTIR-8200-0001-1", "NISTIR-8200-0001-2"], "a blank response is none");
        assert_eq!(attrs(&page, "select[name=disposition] option[selected]", "value"), ["no_response"]);
    }

    async fn search_finds_stemmed_words_and_marks_them(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let page = app.page("/editor/d/nistir-8200/s/all?q=device", 200).await;
        // "devices" and "device" (stemmed), in the comment text.
        assert_eq!(rows(&page), ["NISTIR-8200-0001-4", "NISTIR-8200-0001-8", "NISTIR-8200-0001-2", "NISTIR-8200-0001-5"]);
        let marks = texts(&page, "td.text mark");
        assert!(marks.iter().all(|m| m.to_lowercase().starts_with("devic")), "{marks:?}");
        assert!(marks.len() >= 4, "{marks:?}");
        // All words must occur; the suggested change counts too.
        assert_eq!(rows(&app.page("/editor/d/nistir-8200/s/all?q=FDA+premarket", 200).await), ["NISTIR-8200-0001-5"]);
        assert_eq!(rows(&app.page("/editor/d/nistir-8200/s/all?q=UNECE", 200).await), ["NISTIR-8200-0001-4"]);
        // Operators and quotes typed by an editor are just words.
        let odd = app.page("/editor/d/nistir-8200/s/all?q=%22device%22+AND+*", 200).await;
        assert_eq!(rows(&odd).len(), 4, "quotes, AND and * are not operators; `and` is a stop word");
        let pairing = app.page("/editor/d/nistir-8200/s/all?q=device+pairing", 200).await;
        assert_eq!(rows(&pairing), ["NISTIR-8200-0001-8"]);
        // Only stop words: no search at all, as on PostgreSQL.
        assert_eq!(rows(&app.page("/editor/d/nistir-8200/s/all?q=the+and", 200).await).len(), 8);
        assert_eq!(app.get("/editor/d/nistir-8200/s/all?q=NEAR(x+y)").await.status().as_u16(), 200);
        // A response written later is found: the index follows updates.
        let two = id_of(&app, 2);
        app.with_conn(|conn| {
            diesel::update(comments::table.find(two))
                .set(comments::response.eq("Fixed; see the errata."))
                .execute(conn)
                .unwrap();
        });
        assert_eq!(rows(&app.page("/editor/d/nistir-8200/s/all?q=errata", 200).await), ["NISTIR-8200-0001-2"]);
    }

    async fn a_search_keeps_to_its_section_and_follows_refiling(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let queue = |section: String, q: &str| format!("/editor/d/nistir-8200/s/{section}?q={q}");
        let (one, two) = (section_id(&app, "5.1"), section_id(&app, "5.2"));
        assert_eq!(rows(&app.page(&queue(one.to_string(), "device"), 200).await), ["NISTIR-8200-0001-4", "NISTIR-8200-0001-8"]);
        assert_eq!(rows(&app.page(&queue(two.to_string(), "device"), 200).await), ["NISTIR-8200-0001-2"]);
        assert_eq!(rows(&app.page(&queue("general".into(), "report"), 200).await), ["NISTIR-8200-0001-3"]);
        // Where a comment is filed is not a word of it (SQLite indexes it
        // as `s<id>` and `d<id>` tokens).
        let document: i64 = app.with_conn(|conn| {
            comments::table.select(comments::document_id).first(conn).unwrap()
        });
        for word in [format!("s{one}"), format!("d{document}"), "s0".into()] {
            let page = app.page(&queue("all".into(), &word), 200).await;
            assert!(rows(&page).is_empty(), "{word}");
        }
        // Re-filed: 2 (no page) joins 5.1 after the paged ones; 4 goes to
        // General.
        let (c2, c4) = (id_of(&app, 2), id_of(&app, 4));
        app.with_conn(|conn| {
            diesel::update(comments::table.find(c2)).set(comments::section_id.eq(one)).execute(conn).unwrap();
            diesel::update(comments::table.find(c4)).set(comments::section_id.eq(None::<i64>)).execute(conn).unwrap();
        });
        assert_eq!(rows(&app.page(&queue(one.to_string(), "device"), 200).await), ["NISTIR-8200-0001-8", "NISTIR-8200-0001-2"]);
        assert!(rows(&app.page(&queue(two.to_string(), "device"), 200).await).is_empty());
        assert_eq!(rows(&app.page(&queue("general".into(), "vehicle"), 200).await), ["NISTIR-8200-0001-4"]);
        // Scope and another filter together.
        let page = app.page(&format!("{}&type=technical", queue(one.to_string(), "device")), 200).await;
        assert_eq!(rows(&page), ["NISTIR-8200-0001-8"]);
    }

    async fn pages_of_fifty_keep_their_filters(db: TestDb) {
        let mut csv = String::from("Comment #,Type,Section,Comment\n");
        for n in 1..=120 {
            csv.push_str(&format!("{n},T,5.1,Comment number {n} about devices\n"));
        }
        let app = app_with(db, &csv).await;
        let first = app.page("/editor/d/nistir-8200/s/all?type=technical&q=devices", 200).await;
        assert_eq!(rows(&first).len(), 50);
        assert!(texts(&first, "p.count")[0].starts_with("120 comment(s), page 1 of 3."));
        let next = attrs(&first, "a[rel=next]", "href");
        assert_eq!(next, ["?type=technical&q=devices&page=2"]);
        let last = app.page("/editor/d/nistir-8200/s/all?type=technical&q=devices&page=3", 200).await;
        assert_eq!(rows(&last).len(), 20);
        let beyond = app.page("/editor/d/nistir-8200/s/all?page=99", 200).await;
        assert!(texts(&beyond, "p.count")[0].contains("page 3 of 3"));
    }

    async fn pages_run_across_sections_in_outline_order(db: TestDb) {
        // 130 comments over 5, 5.1, 5.2, 5.3 and General, pages mixed, some
        // without one; read three pages, with and without a search.
        let place = ["5.3", "5.1", "General", "5", "5.2"];
        let mut csv = String::from("Comment #,Type,Section,Page #,Comment\n");
        let mut expected: Vec<(usize, i32, usize)> = Vec::new();
        for n in 1..=130usize {
            let section = place[n % 5];
            let page = (n % 4 != 0).then_some(((n * 7) % 13) as i32 + 1);
            let page_cell = page.map(|p| p.to_string()).unwrap_or_default();
            csv.push_str(&format!("{n},T,{section},{page_cell},Comment {n} on devices\n"));
            let rank = ["5", "5.1", "5.2", "5.3", "General"].iter().position(|s| *s == section).unwrap();
            expected.push((rank, page.unwrap_or(i32::MAX), n));
        }
        expected.sort();
        let expected: Vec<String> =
            expected.iter().map(|(_, _, n)| format!("NISTIR-8200-0001-{n}")).collect();
        let app = app_with(db, &csv).await;
        for query in ["", "q=devices&"] {
            let mut seen = Vec::new();
            for page in 1..=3 {
                let html = app.page(&format!("/editor/d/nistir-8200/s/all?{query}page={page}"), 200).await;
                assert!(texts(&html, "p.count")[0].starts_with("130 comment(s)"), "{query}");
                seen.extend(rows(&html));
            }
            assert_eq!(seen, expected, "{query}");
        }
    }

    async fn a_search_matching_more_than_the_cap_pages_in_outline_order(db: TestDb) {
        // More matches than SEARCH_CAP are paged section by section; both
        // back ends say "more than" and give the same order, with a filter
        // that the full-text index alone cannot answer and without.
        let cap = docket::db::queue::SEARCH_CAP as usize;
        let place = ["5.3", "5.1", "General", "5", "5.2"];
        let mut csv = String::from("Comment #,Type,Section,Page #,Comment\n");
        let mut expected: Vec<(usize, i32, usize)> = Vec::new();
        for n in 1..=cap + 300 {
            let section = place[n % 5];
            let page = ((n * 7) % 13) as i32 + 1;
            let words = if n % 61 == 0 { "Unrelated remark" } else { "Comment on devices" };
            csv.push_str(&format!("{n},T,{section},{page},{words} {n}\n"));
            if n % 61 != 0 {
                let rank = ["5", "5.1", "5.2", "5.3", "General"].iter().position(|s| *s == section).unwrap();
                expected.push((rank, page, n));
            }
        }
        expected.sort();
        let expected: Vec<String> =
            expected.iter().map(|(_, _, n)| format!("NISTIR-8200-0001-{n}")).collect();
        assert!(expected.len() > cap);
        let app = app_with(db, &csv).await;
        let pages = [(1, ""), (2, ""), (41, ""), (81, ""), (200, ""), (1, "&type=technical"), (200, "&type=technical")];
        for (page, filter) in pages {
            let html = app.page(&format!("/editor/d/nistir-8200/s/all?q=devices{filter}&page={page}"), 200).await;
            let count = &texts(&html, "p.count")[0];
            assert!(count.starts_with(&format!("More than {cap} comments match")), "{count}");
            assert!(count.contains(&format!("page {page} of 200.")), "{count}");
            let from = (page - 1) * 50;
            assert_eq!(rows(&html), expected[from..from + 50].to_vec(), "page {page}");
        }
        // Was a bug: without a search the count is exact, and every page is
        // reachable; the queue said "More than 10000 … add a word to narrow
        // the search" and stopped at page 200.
        let total = cap + 300;
        let last = total.div_ceil(50);
        let html = app.page(&format!("/editor/d/nistir-8200/s/all?page={last}"), 200).await;
        let count = &texts(&html, "p.count")[0];
        assert!(count.starts_with(&format!("{total} comment(s), page {last} of {last}.")), "{count}");
        assert_eq!(rows(&html).len(), total - (last - 1) * 50);
    }

    async fn the_queue_needs_sign_in(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = anonymous.get(format!("{}/editor/d/nistir-8200/s/all?q=x", app.address)).send().await.unwrap();
        assert_eq!(see_other(&response), "/login?next=%2Feditor%2Fd%2Fnistir-8200%2Fs%2Fall%3Fq%3Dx");
    }
}

/// On PostgreSQL, a whole-document search for common words is told apart
/// by a sample of the document (`db::search_sample`) instead of reading
/// its first 10,001 matches; rarer words, and common words that never
/// meet, are still counted exactly.
#[tokio::test]
async fn postgres_tells_common_words_from_a_sample() {
    use diesel::RunQueryDsl;
    use docket::db::DbConnection;
    use docket::db::search_sample::clearly_more_than;
    let Some(db) = TestDb::postgres() else { return };
    let app = app_with(db, "Comment #,Type,Section,Comment\n1,T,5.1,Seed remark\n").await;
    // 120,000 more comments: all about devices, every second about a
    // gateway too, every 40th (never a gateway one) about firmware.
    app.with_conn(|conn| {
        diesel::sql_query(
            "INSERT INTO comments (document_id, submission_id, seq, tracking_number, body, section_id, tag_source, created_at, updated_at) \
             SELECT c.document_id, c.submission_id, g, 'BULK-' || g, \
                    CASE WHEN g % 40 = 1 THEN 'firmware devices' WHEN g % 2 = 0 THEN 'gateway devices' ELSE 'devices' END, \
                    c.section_id, c.tag_source, c.created_at, c.updated_at \
             FROM comments c, generate_series(2, 120001) AS g WHERE c.seq = 1",
        )
        .execute(conn)
        .unwrap();
        diesel::sql_query("ANALYZE comments").execute(conn).unwrap();
    });
    let document = app.with_conn(|conn| docket::documents::find(conn, "nistir-8200").unwrap().id);
    let cap = docket::db::queue::SEARCH_CAP;
    let size =
        app.with_conn(|conn| docket::db::comments::count_for_document(conn, document).unwrap());
    assert_eq!(size, 120_001);
    let verdict = |words: &str| {
        app.with_conn(|conn| {
            let DbConnection::Postgres(pg) = conn else {
                unreachable!()
            };
            clearly_more_than(pg, document, size, words, cap).unwrap()
        })
    };
    assert!(verdict("devices"), "120,000 matches");
    assert!(verdict("gateway"), "60,000 matches");
    assert!(!verdict("firmware"), "3,000 matches: counted");
    assert!(
        !verdict("firmware gateway"),
        "two common words that never meet: counted"
    );
    assert!(!verdict("remark"), "one match");

    let html = app.page("/editor/d/nistir-8200/s/all?q=devices", 200).await;
    let count = &texts(&html, "p.count")[0];
    assert!(
        count.starts_with(&format!("More than {cap} comments match")),
        "{count}"
    );
    assert_eq!(rows(&html).len(), 50);
    let html = app
        .page("/editor/d/nistir-8200/s/all?q=firmware+gateway", 200)
        .await;
    assert!(rows(&html).is_empty(), "firmware and gateway never meet");
    let html = app
        .page("/editor/d/nistir-8200/s/all?q=firmware", 200)
        .await;
    assert!(
        texts(&html, "p.count")[0].starts_with("3000 comment(s)"),
        "{:?}",
        texts(&html, "p.count")
    );
}
