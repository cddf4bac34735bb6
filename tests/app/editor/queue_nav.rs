//! A comment page opened from a queue links back to it and to the
//! comments before and after it there, filters and pages kept.

use crate::editor::comment::form;
use crate::editor::tags::{app_with, app_with_comments};
use crate::helpers::{attrs, comment_id_by_seq as id_of, see_other, texts};

const ALL: &str = "/editor/d/nistir-8200/s/all";

/// `/editor/comments/{id}?from=` the queue at `from`.
fn opened(id: i64, from: &str) -> String {
    let from: String = url::form_urlencoded::byte_serialize(from.as_bytes()).collect();
    format!("/editor/comments/{id}?from={from}")
}

on_both_backends! {
    async fn a_queue_s_comments_link_back_and_to_each_other(db: TestDb) {
        let app = app_with_comments(db).await;
        let (one, two, three) = (id_of(&app, 1), id_of(&app, 2), id_of(&app, 3));
        // In outline order: 5.1, 5.3, then 11.2 (not found: General, last).
        let queue = app.page(&format!("{ALL}?status=new"), 200).await;
        let here = format!("{ALL}?status=new&page=1");
        assert_eq!(
            attrs(&queue, "a.tracking", "href"),
            [opened(one, &here), opened(three, &here), opened(two, &here)]
        );

        let first = app.page(&opened(one, &here), 200).await;
        assert_eq!(attrs(&first, "p.crumbs a.back", "href"), std::slice::from_ref(&here));
        assert_eq!(texts(&first, "p.crumbs a.back"), ["All comments"]);
        let facts = texts(&first, "table.facts td");
        assert!(facts[0].starts_with("a submitter who gave no name, received "), "{facts:?}");
        assert!(attrs(&first, "nav.neighbours a[rel=prev]", "href").is_empty());
        assert_eq!(texts(&first, "nav.neighbours .hint"), ["First in the queue"]);
        assert_eq!(attrs(&first, "nav.neighbours a[rel=next]", "href"), [opened(three, &here)]);

        let middle = app.page(&opened(three, &here), 200).await;
        assert_eq!(attrs(&middle, "nav.neighbours a[rel=prev]", "href"), [opened(one, &here)]);
        assert_eq!(attrs(&middle, "nav.neighbours a[rel=next]", "href"), [opened(two, &here)]);
        let last = app.page(&opened(two, &here), 200).await;
        assert_eq!(texts(&last, "nav.neighbours .hint"), ["Last in the queue"]);

        // A save without JavaScript comes back to the page, queue kept.
        assert_eq!(attrs(&middle, "#triage form", "action"), [opened(three, &here)]);
        let fields = form(&middle, &[("response", "Noted.")]);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let response = app.post_form(&opened(three, &here), &pairs).await;
        assert_eq!(see_other(&response), opened(three, &here));
    }

    async fn without_a_queue_of_this_site_the_page_leads_to_the_section_queue(db: TestDb) {
        let app = app_with_comments(db).await;
        let one = id_of(&app, 1);
        // Another site's address counts for its path only: the links stay here.
        let elsewhere = app.page(&opened(one, "https://evil.example/editor/d/nistir-8200/s/all"), 200).await;
        assert!(!elsewhere.html().contains("evil.example"));
        assert_eq!(attrs(&elsewhere, "p.crumbs a.back", "href"), [format!("{ALL}?page=1")]);
        for from in [None, Some("/editor/d/nistir-8200/outline"), Some("/editor/d/another-document/s/all")] {
            let path = match from {
                Some(from) => opened(one, from),
                None => format!("/editor/comments/{one}"),
            };
            let page = app.page(&path, 200).await;
            assert!(texts(&page, "nav.neighbours").is_empty(), "{from:?}");
            let back = attrs(&page, "p.crumbs a.back", "href");
            assert_eq!(back.len(), 1);
            assert!(back[0].starts_with("/editor/d/nistir-8200/s/"), "{back:?}");
        }
        // A queue of a node no longer in the outline: no neighbours, no error.
        let gone = app.page(&opened(one, "/editor/d/nistir-8200/s/999999"), 200).await;
        assert!(texts(&gone, "nav.neighbours").is_empty());
    }

    async fn neighbours_across_a_page_boundary_link_to_their_own_page(db: TestDb) {
        // 52 comments of 5.1, in line order: 50 on page 1, 2 on page 2.
        let mut csv = String::from("Comment #,Section,Line #,Comment\n");
        for n in 1..=52 {
            csv.push_str(&format!("{n},5.1,{n},Comment number {n}\n"));
        }
        let app = app_with(db, &csv).await;
        let page1 = format!("{ALL}?page=1");
        let page2 = format!("{ALL}?page=2");
        let fiftieth = app.page(&opened(id_of(&app, 50), &page1), 200).await;
        assert_eq!(
            attrs(&fiftieth, "nav.neighbours a[rel=next]", "href"),
            [opened(id_of(&app, 51), &page2)]
        );
        let fifty_first = app.page(&opened(id_of(&app, 51), &page2), 200).await;
        assert_eq!(
            attrs(&fifty_first, "nav.neighbours a[rel=prev]", "href"),
            [opened(id_of(&app, 50), &page1)]
        );
        assert_eq!(
            attrs(&fifty_first, "nav.neighbours a[rel=next]", "href"),
            [opened(id_of(&app, 52), &page2)]
        );
    }
}
