//! The editor bar's tracking-number box (`/editor/find`): a comment's
//! number opens its page, a submission's lists its comments, anything
//! else says that nothing has that number.

use crate::editor::tags::{app_with_comments, tag_of};
use crate::helpers::{see_other, texts};

on_both_backends! {
    async fn a_comment_number_opens_the_comment_as_typed_or_in_lower_case(db: TestDb) {
        let app = app_with_comments(db).await;
        let (two, _, _, _, _) = tag_of(&app, 2);
        let home = app.page("/editor", 200).await;
        assert_eq!(
            texts(&home, "nav.editor form.find label"),
            ["Tracking #"],
            "the box is in the editor bar"
        );
        for typed in ["NISTIR-8200-0001-2", "  nistir-8200-0001-2 "] {
            let response = app
                .get(&format!("/editor/find?number={}", urlencoding(typed)))
                .await;
            assert_eq!(see_other(&response), format!("/editor/comments/{two}"), "{typed:?}");
        }
    }

    async fn a_submission_number_lists_its_comments(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/find?number=NISTIR-8200-0001", 200).await;
        assert_eq!(texts(&page, "h1"), ["Submission NISTIR-8200-0001"]);
        assert!(texts(&page, "article p")[1].starts_with("From a submitter who gave no name, received "));
        assert_eq!(
            texts(&page, "tbody td a"),
            ["NISTIR-8200-0001-1", "NISTIR-8200-0001-2", "NISTIR-8200-0001-3"]
        );
        let (three, _, _, _, _) = tag_of(&app, 3);
        let links = crate::helpers::attrs(&page, "tbody td a", "href");
        assert_eq!(links[2], format!("/editor/comments/{three}"));
        let html = page.html();
        assert!(!html.contains("<script>alert"), "comment text is escaped");
    }

    async fn an_unknown_number_is_a_404_that_repeats_it_escaped(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app
            .page("/editor/find?number=%3Cb%3ENISTIR-9999%3C%2Fb%3E", 404)
            .await;
        assert_eq!(
            texts(&page, "p.notice[role=alert]"),
            ["No comment or submission has the tracking number “<b>NISTIR-9999</b>”."]
        );
        assert!(!page.html().contains("<b>NISTIR"), "escaped");
        let empty = app.page("/editor/find?number=+", 200).await;
        assert!(texts(&empty, "p.notice").is_empty(), "an empty box is no error");
        assert_eq!(texts(&empty, "h1"), ["Find by tracking number"]);
    }

    async fn a_tracking_number_in_the_queue_search_opens_what_it_names(db: TestDb) {
        let app = app_with_comments(db).await;
        let (two, _, _, _, _) = tag_of(&app, 2);
        let queue = "/editor/d/nistir-8200/s/all";
        let response = app.get(&format!("{queue}?q=nistir-8200-0001-2")).await;
        assert_eq!(see_other(&response), format!("/editor/comments/{two}"));
        let response = app.get(&format!("{queue}?q=+NISTIR-8200-0001+")).await;
        assert_eq!(see_other(&response), "/editor/find?number=NISTIR-8200-0001");
        // A word with a dash that names nothing is searched for as words.
        let page = app.page(&format!("{queue}?q=five-3"), 200).await;
        assert_eq!(texts(&page, "h1"), ["All comments"]);
        let page = app.page(&format!("{queue}?q=section+disagree"), 200).await;
        assert_eq!(texts(&page, "a.tracking"), ["NISTIR-8200-0001-3"]);
    }

    async fn finding_needs_a_sign_in(db: TestDb) {
        let app = app_with_comments(db).await;
        let anonymous = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = anonymous
            .get(format!("{}/editor/find?number=NISTIR-8200-0001-2", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        assert!(see_other(&response).starts_with("/login?"), "{}", see_other(&response));
    }
}

/// `text` as a query value.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
