//! The home page and the document page.

use docket::documents::{self, DocumentSpec};
use time::{Duration, OffsetDateTime};

use crate::helpers::{TestApp, texts};

fn spec(slug: &str, title: &str, opens_in_days: i64, closes_in_days: i64) -> DocumentSpec {
    let today = OffsetDateTime::now_utc().date();
    DocumentSpec {
        slug: slug.to_owned(),
        title: title.to_owned(),
        tracking_prefix: None,
        description: String::new(),
        opens_on: Some(today + Duration::days(opens_in_days)),
        closes_on: Some(today + Duration::days(closes_in_days)),
    }
}

on_both_backends! {
    async fn a_fresh_docket_shows_the_demo_document(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let home = app.page("/", 200).await;
        // The demo's period (2018) is over: it is listed as closed.
        let closed = texts(&home, "#closed li a");
        assert_eq!(closed.len(), 1);
        assert!(closed[0].starts_with("Draft NISTIR 8200, Interagency Report on Status of International Cybersecurity"));
        assert_eq!(texts(&home, "#closed li .period"), ["14 February 2018 – 18 April 2018"]);
        assert_eq!(texts(&home, "#open .empty"), ["No document is open for comment right now."]);
    }

    async fn the_home_page_puts_open_documents_first(db: TestDb) {
        let app = TestApp::spawn(db).await;
        app.with_conn(|conn| {
            documents::create(conn, &spec("open-now", "Open draft", -3, 10)).unwrap();
            documents::create(conn, &spec("later", "Later draft", 5, 40)).unwrap();
            documents::create(conn, &spec("closes-today", "Last-day draft", -30, 0)).unwrap();
            documents::create(conn, &spec("closed", "Closed draft", -900, -800)).unwrap();
        });
        let home = app.page("/", 200).await;
        // The nearest deadline first.
        assert_eq!(texts(&home, "#open li a"), ["Last-day draft", "Open draft"]);
        assert_eq!(texts(&home, "#upcoming li a"), ["Later draft"]);
        // Closed: the most recently closed first (the demo closed in 2018).
        let closed = texts(&home, "#closed li a");
        assert_eq!(closed.len(), 2);
        assert_eq!(closed[0], "Closed draft");
        assert!(closed[1].starts_with("Draft NISTIR 8200"));
        let links: Vec<String> = home
            .select(&scraper::Selector::parse("#open li a").unwrap())
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect();
        assert!(links.contains(&"/d/open-now".to_owned()));
    }

    async fn the_document_page_shows_title_period_and_outline(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let page = app.page("/d/nistir-8200", 200).await;
        assert!(texts(&page, "h1")[0].starts_with("Draft NISTIR 8200"));
        assert_eq!(texts(&page, "p.status"), ["Comment period closed: 14 February 2018 – 18 April 2018"]);
        let numbers = texts(&page, "table.outline td.number");
        let position = |n: &str| numbers.iter().position(|x| x == n).unwrap_or_else(|| panic!("{n} missing: {numbers:?}"));
        assert!(position("5") < position("5.1") && position("5.1") < position("5.5"));
        assert!(position("10") < position("Appendix D") && position("Appendix D") < position("D.1"));
        assert!(numbers.contains(&"Table 1".to_owned()) && numbers.contains(&"Figure 1".to_owned()));
        let titles = texts(&page, "table.outline td.title");
        assert!(titles.contains(&"Smart Manufacturing".to_owned()));
        // Ranges: section 5.1 sits on pages 9–12, lines 660–800 (illustrative).
        let row = texts(&page, "tr.depth-1")
            .into_iter()
            .find(|r| r.starts_with("5.1 "))
            .unwrap();
        assert_eq!(row, "5.1 Connected Vehicles IoT 9–12 660–800");
    }

    async fn an_unknown_document_is_a_404_page(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let page = app.page("/d/no-such-draft", 404).await;
        assert_eq!(texts(&page, "p.message"), ["no document is called `no-such-draft`"]);
    }

    async fn page_text_is_escaped(db: TestDb) {
        let app = TestApp::spawn(db).await;
        app.with_conn(|conn| {
            documents::create(conn, &spec("xss", "<script>alert(1)</script> & co", -1, 1)).unwrap();
        });
        let response = app.get("/d/xss").await;
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert(1)</script>"));
        // Shown as text, not run as markup.
        let page = scraper::Html::parse_document(&body);
        assert_eq!(texts(&page, "h1"), ["<script>alert(1)</script> & co"]);
        assert!(texts(&page, "script").is_empty());
        assert_eq!(texts(&page, "p.empty"), ["This document has no outline yet."]);
    }
}

on_both_backends! {
    async fn the_document_page_offers_its_comment_template(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let page = app.page("/d/nistir-8200", 200).await;
        let links: Vec<String> = page
            .select(&scraper::Selector::parse("a.download").unwrap())
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect();
        assert_eq!(links, ["/d/nistir-8200/template.xlsx", "/d/nistir-8200/template.csv"]);

        let xlsx = app.get("/d/nistir-8200/template.xlsx").await;
        assert_eq!(xlsx.status().as_u16(), 200);
        assert_eq!(
            xlsx.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            xlsx.headers()["content-disposition"],
            "attachment; filename=\"nistir-8200-comment-template.xlsx\""
        );
        let bytes = xlsx.bytes().await.unwrap();
        // docket's own reader finds the header of its own blank template.
        let read = docket::intake::read("t.xlsx", &bytes, &docket::intake::Limits::default());
        assert!(
            matches!(&read, Err(docket::intake::IntakeError::NoComments { where_ }) if where_.contains("sheet \"Comments\", row 8")),
            "{read:?}"
        );

        let csv = app.get("/d/nistir-8200/template.csv").await;
        assert_eq!(csv.status().as_u16(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let mut bytes = csv.bytes().await.unwrap().to_vec();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark, for Excel");
        // The title has commas, so the cell is quoted.
        assert!(String::from_utf8_lossy(&bytes).starts_with("\u{feff}\"Comment Template for: Draft NISTIR 8200,"));
        bytes.extend_from_slice(b"7,E,D.3,iii,12-14,Typo.,Fix it.\r\n");
        let read = docket::intake::read("t.csv", &bytes, &docket::intake::Limits::default()).unwrap();
        assert_eq!(read.comments.len(), 1);
        assert_eq!(read.comments[0].comment_number.as_deref(), Some("7"));
        assert_eq!(read.comments[0].lines, Some((12, 14)));

        // The submission form's "More rows" script is served.
        let script = app.get("/static/submit.js").await;
        assert_eq!(script.status().as_u16(), 200);
        assert!(script.headers()["content-type"].to_str().unwrap().contains("javascript"));
        assert!(script.text().await.unwrap().contains("a.more-rows"));

        assert_eq!(app.get("/d/nistir-8200/template.pdf").await.status().as_u16(), 404);
        assert_eq!(app.get("/d/no-such-draft/template.xlsx").await.status().as_u16(), 404);
    }
}
