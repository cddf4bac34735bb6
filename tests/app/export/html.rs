//! The printable HTML table.

use super::*;

on_both_backends! {
    async fn html_is_escaped_with_a_part_per_top_level_section(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let body = "<script>alert('x')</script> & <b>bold</b>";
        let response = "</td></tr><img src=x onerror=alert(1)>";
        update_comment!(db, "DRAFT-X-0002-3", comments::body.eq(body));
        answer(&db, "DRAFT-X-0002-3", Some("noted"), Some(response));

        let html = String::from_utf8(export_ok(&db, &["--format", "html"])).unwrap();
        let page = scraper::Html::parse_document(&html);
        for element in ["script", "img", "b"] {
            let selector = scraper::Selector::parse(element).unwrap();
            assert_eq!(page.select(&selector).count(), 0, "a <{element}> element in the export");
        }
        let cells = |tracking: &str| -> Vec<String> {
            let selector = scraper::Selector::parse(&format!("tr[id=\"{tracking}\"] td")).unwrap();
            page.select(&selector).map(|td| td.text().collect()).collect()
        };
        let row = cells("DRAFT-X-0002-3");
        assert_eq!(row[NIST_HEADERS.iter().position(|h| *h == "Comment").unwrap()], body);
        assert_eq!(row[NIST_HEADERS.iter().position(|h| *h == "Response").unwrap()], response);
        assert_eq!(row.len(), NIST_HEADERS.len());

        assert_eq!(crate::helpers::texts(&page, "h1"), [TITLE]);
        assert_eq!(crate::helpers::texts(&page, "section.part h2"), [
            "1 Introduction", "2 Requirements", "Appendix A Glossary", "General and not found",
        ]);
        assert_eq!(crate::helpers::attrs(&page, "section.part tbody tr", "id"), OUTLINE_ORDER);
        assert_eq!(crate::helpers::texts(&page, "section.part:nth-of-type(1) thead th"), NIST_HEADERS);
        assert_eq!(cells("DRAFT-X-0001-1")[12], "Accepted with modification");
        let scope = crate::helpers::texts(&page, "p.scope");
        assert_eq!(scope.last().map(String::as_str), Some("7 comment(s)."));
    }
}
