//! Publishing a disposition (the completeness gate, statuses, history) and
//! the public comments page (`/d/{slug}/comments`).

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments, documents, submissions, users};

use crate::helpers::{TestApp, csrf_token, see_other, texts};
use crate::tag_review::app_with;

const COMMENTS: &str = "Comment #,Section,Page #,Line #,Comment
1,5.1,,,Vehicles need a firmware update path
2,5.3,,,<script>alert('x')</script> is not escaped anywhere
3,General,,,Withdrawn later by its submitter
";

const EXPORT: &str = "/editor/d/nistir-8200/export";

/// The demo document with the comments above; Ed Itor signed in as admin.
async fn app(db: crate::helpers::TestDb) -> TestApp {
    let app = app_with(db, COMMENTS).await;
    app.with_conn(|conn| {
        diesel::update(users::table.filter(users::email.eq("ed@example.org")))
            .set(users::role.eq("admin"))
            .execute(conn)
            .unwrap();
        diesel::update(submissions::table)
            .set((
                submissions::email.eq("submitter@example.org"),
                submissions::submitter_name.eq("Sam Submitter"),
                submissions::organization.eq("Acme Labs"),
            ))
            .execute(conn)
            .unwrap();
    });
    app
}

async fn post(app: &TestApp, path: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let token = csrf_token(&app.page(EXPORT, 200).await);
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(extra);
    app.post_form(path, &fields).await
}

/// (status, version) of comment `seq`.
fn state(app: &TestApp, seq: i32) -> (String, i32) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(seq))
            .select((comments::status, comments::version))
            .first(conn)
            .unwrap()
    })
}

fn answer(app: &TestApp, seq: i32, disposition: &str, response: &str, status: &str) {
    app.with_conn(|conn| {
        diesel::update(comments::table.filter(comments::seq.eq(seq)))
            .set((
                comments::disposition.eq(disposition),
                comments::response.eq(response),
                comments::status.eq(status),
            ))
            .execute(conn)
            .unwrap();
    });
}

on_both_backends! {
    async fn publishing_waits_for_every_answer_then_publishes_them_with_history(db: TestDb) {
        let app = app(db).await;
        let refused = app.page(EXPORT, 200).await;
        assert!(texts(&refused, ".publication p.state")[0].contains("not published"));

        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(response.status().as_u16(), 409);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        let listed = texts(&page, "section.refused li");
        assert_eq!(listed.len(), 3, "{listed:?}");
        assert!(listed[0].ends_with("no disposition, no response"), "{listed:?}");
        assert_eq!(state(&app, 1), ("new".to_owned(), 1), "nothing changed");

        answer(&app, 1, "accepted", "The text now covers updates.", "resolved");
        answer(&app, 2, "declined", "Out of scope.", "in_review");
        // A withdrawn comment needs no answer and stays withdrawn.
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(3)))
                .set(comments::status.eq("withdrawn"))
                .execute(conn)
                .unwrap();
        });
        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(see_other(&response), EXPORT);
        assert_eq!(state(&app, 1), ("published".to_owned(), 2));
        assert_eq!(state(&app, 2), ("published".to_owned(), 2));
        assert_eq!(state(&app, 3), ("withdrawn".to_owned(), 1));
        let (history, published_at) = app.with_conn(|conn| {
            let history: Vec<(Option<String>, Option<String>)> = audit_events::table
                .filter(audit_events::field.eq("status"))
                .filter(audit_events::new_value.eq("published"))
                .order(audit_events::comment_id)
                .select((audit_events::old_value, audit_events::new_value))
                .load(conn)
                .unwrap();
            let published_at: Option<time::PrimitiveDateTime> = documents::table
                .filter(documents::slug.eq("nistir-8200"))
                .select(documents::published_at)
                .first(conn)
                .unwrap();
            (history, published_at)
        });
        assert_eq!(
            history,
            [
                (Some("resolved".to_owned()), Some("published".to_owned())),
                (Some("in_review".to_owned()), Some("published".to_owned()))
            ]
        );
        assert!(published_at.is_some());
        let page = app.page(EXPORT, 200).await;
        assert_eq!(
            texts(&page, "p.flash"),
            ["Published: 2 comment(s) moved to “published”. The public comments page shows the answers."]
        );
        assert_eq!(texts(&page, ".published-at").len(), 1);
    }

    async fn only_admins_publish_or_post_and_forms_need_their_token(db: TestDb) {
        let app = app(db).await;
        let response = app
            .post_form("/editor/d/nistir-8200/publish", &[("csrf", "wrong")])
            .await;
        assert_eq!(response.status().as_u16(), 403);
        app.with_conn(|conn| {
            diesel::update(users::table.filter(users::email.eq("ed@example.org")))
                .set(users::role.eq("editor"))
                .execute(conn)
                .unwrap();
        });
        let page = app.page(EXPORT, 200).await;
        assert!(texts(&page, ".publication button").is_empty(), "editors see no publication forms");
        for (path, extra) in [
            ("/editor/d/nistir-8200/publish", vec![]),
            ("/editor/d/nistir-8200/posting", vec![("posting", "on")]),
        ] {
            let response = post(&app, path, &extra).await;
            assert_eq!(response.status().as_u16(), 403, "{path}");
        }
        let posting: bool = app.with_conn(|conn| {
            documents::table
                .filter(documents::slug.eq("nistir-8200"))
                .select(documents::public_posting)
                .first(conn)
                .unwrap()
        });
        assert!(!posting);
    }

    async fn posted_comments_are_public_by_section_without_addresses(db: TestDb) {
        let app = app(db).await;
        let page = app.page("/d/nistir-8200/comments", 404).await;
        assert_eq!(texts(&page, "p.message"), ["the comments on this document are not posted publicly"]);
        assert!(texts(&app.page("/d/nistir-8200", 200).await, ".posted-link").is_empty());

        let response = post(&app, "/editor/d/nistir-8200/posting", &[("posting", "sideways")]).await;
        assert_eq!(response.status().as_u16(), 400);
        let response = post(&app, "/editor/d/nistir-8200/posting", &[("posting", "on")]).await;
        assert_eq!(see_other(&response), EXPORT);
        assert_eq!(texts(&app.page("/d/nistir-8200", 200).await, ".posted-link a"), ["Comments received"]);
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(3)))
                .set(comments::status.eq("withdrawn"))
                .execute(conn)
                .unwrap();
        });
        answer(&app, 1, "accepted", "The text now covers updates.", "resolved");

        let html = app.get("/d/nistir-8200/comments").await.text().await.unwrap();
        assert!(!html.contains("@example.org"), "no e-mail address on the page");
        assert!(!html.contains("<script>alert"), "text is escaped");
        let page = scraper::Html::parse_document(&html);
        // The withdrawn comment (the only General one) is not posted.
        assert_eq!(texts(&page, "p.total"), ["2 comment(s)."]);
        let headings = texts(&page, "section.section-group h2");
        assert_eq!(headings.len(), 2, "{headings:?}");
        assert!(headings[0].starts_with("5.1 ") && headings[1].starts_with("5.3 "), "{headings:?}");
        assert_eq!(texts(&page, ".posted .from")[0], "Sam Submitter (Acme Labs)");
        assert!(!html.contains("Withdrawn later by its submitter"), "a withdrawn comment's text is not shown");
        assert!(texts(&page, ".posted .body").iter().any(|b| b.starts_with("<script>alert('x')</script>")));
        assert!(texts(&page, ".answer").is_empty(), "no answers before publication");

        let searched = app.page("/d/nistir-8200/comments?q=firmware+updates", 200).await;
        assert_eq!(texts(&searched, "p.total"), ["1 comment(s) matching “firmware updates”."]);
        assert_eq!(texts(&searched, ".posted .tracking").len(), 1);
        // Neither an unpublished response nor a withdrawn comment's text
        // can be found by searching.
        for hidden in ["covers", "withdrawn"] {
            let searched = app.page(&format!("/d/nistir-8200/comments?q={hidden}"), 200).await;
            assert_eq!(texts(&searched, "p.total"), [format!("0 comment(s) matching “{hidden}”.")], "{hidden}");
        }

        answer(&app, 2, "declined", "Out of scope.", "resolved");
        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(see_other(&response), EXPORT);
        let page = app.page("/d/nistir-8200/comments", 200).await;
        assert_eq!(
            texts(&page, ".answer"),
            ["Accepted. The text now covers updates.", "Declined. Out of scope."]
        );
        assert_eq!(texts(&page, "p.published").len(), 1);
        // An answer changed after publication waits for the next one.
        answer(&app, 2, "accepted", "Draft: reconsidered.", "in_review");
        let page = app.page("/d/nistir-8200/comments", 200).await;
        assert_eq!(texts(&page, ".answer"), ["Accepted. The text now covers updates."]);
    }
}
