//! Bulk changes from a queue: assign, answer, mark as duplicates; stale
//! rows left alone and named; one audit event per comment and field.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments};

use crate::editor::tags::app_with;
use crate::helpers::{TestApp, attrs, comment_id_by_seq as id_of, csrf_token, see_other, texts};

const COMMENTS: &str = "Comment #,Type,Section,Comment
1,T,5.1,Form letter: please add V2X.
2,T,5.1,Form letter: please add V2X!
3,T,5.2,Consumer devices need labels.
4,E,5.3,Typo.
";

const QUEUE: &str = "/editor/d/nistir-8200/s/all";

/// The queue's bulk form with these rows ticked and these fields.
fn bulk_body(page: &scraper::Html, rows: &[usize], fields: &[(&str, &str)]) -> String {
    let picks = attrs(page, "input[name=c]", "value");
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair("csrf", &csrf_token(page));
    out.append_pair(
        "back",
        &attrs(page, "form.bulk input[name=back]", "value")[0],
    );
    for &n in rows {
        out.append_pair("c", &picks[n]);
    }
    for (name, value) in fields {
        out.append_pair(name, value);
    }
    out.finish()
}

async fn post_bulk(app: &TestApp, body: String) -> reqwest::Response {
    app.client
        .post(format!("{}/editor/d/nistir-8200/bulk", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// (disposition, response, assignee, duplicate of, version) by comment seq.
fn triage(
    app: &TestApp,
    seq: i32,
) -> (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i32,
) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(seq))
            .select((
                comments::disposition,
                comments::response,
                comments::assignee_id,
                comments::duplicate_of_id,
                comments::version,
            ))
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn selected_comments_are_assigned_answered_and_marked_as_duplicates(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me = app.user_id("ed@example.org");
        let page = app.page(QUEUE, 200).await;
        assert_eq!(texts(&page, "a.tracking").len(), 4);

        // Assign the first three.
        let response = post_bulk(&app, bulk_body(&page, &[0, 1, 2], &[("action", "assign"), ("assignee", &me.to_string())])).await;
        let back = see_other(&response);
        assert_eq!(back, format!("{QUEUE}?page=1"));
        for seq in 1..=3 {
            assert_eq!(triage(&app, seq).2, Some(me), "comment {seq}");
        }
        assert_eq!(triage(&app, 4).2, None);
        let page = app.page(&back, 200).await;
        assert_eq!(texts(&page, "p.notice.saved"), ["Saved 3 comment(s)."]);

        // Answer two with one disposition and response.
        let response = post_bulk(&app, bulk_body(&page, &[0, 1], &[
            ("action", "answer"), ("disposition", "accepted"), ("response", "Added a V2X paragraph."),
        ])).await;
        assert_eq!(response.status().as_u16(), 303);
        for seq in 1..=2 {
            let (disposition, text, ..) = triage(&app, seq);
            assert_eq!(disposition.as_deref(), Some("accepted"));
            assert_eq!(text.as_deref(), Some("Added a V2X paragraph."));
        }

        // Mark the second as a duplicate of the first.
        let page = app.page(QUEUE, 200).await;
        let response = post_bulk(&app, bulk_body(&page, &[1], &[("action", "duplicate"), ("duplicate_of", "NISTIR-8200-0001-1")])).await;
        assert_eq!(response.status().as_u16(), 303);
        let (disposition, _, _, duplicate, _) = triage(&app, 2);
        assert_eq!(disposition.as_deref(), Some("duplicate"));
        assert_eq!(duplicate, Some(id_of(&app, 1)));

        // Every comment and changed field has its own audit event.
        let events: i64 = app.with_conn(|conn| {
            audit_events::table.filter(audit_events::comment_id.eq(id_of(&app, 2))).count().get_result(conn).unwrap()
        });
        // assignee; disposition + response + status (answered: resolved);
        // disposition + duplicate_of.
        assert_eq!(events, 6);
    }

    async fn rows_changed_since_the_page_was_shown_are_left_alone(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let page = app.page(QUEUE, 200).await;
        // Someone answers comment 2 after the queue was shown.
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(2)))
                .set((comments::response.eq("Theirs."), comments::version.eq(comments::version + 1)))
                .execute(conn)
                .unwrap();
        });
        let before = triage(&app, 2);
        let response = post_bulk(&app, bulk_body(&page, &[0, 1], &[
            ("action", "answer"), ("disposition", "noted"), ("response", "Ours."),
        ])).await;
        let back = see_other(&response);
        let page = app.page(&back, 200).await;
        assert_eq!(
            texts(&page, "p.notice.saved"),
            ["Saved 1 comment(s). Left alone, because someone changed them after this page was shown: NISTIR-8200-0001-2."]
        );
        assert_eq!(triage(&app, 1).1.as_deref(), Some("Ours."));
        assert_eq!(triage(&app, 2), before);
    }

    async fn bad_bulk_forms_change_nothing(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let page = app.page(QUEUE, 200).await;
        let versions: Vec<_> = (1..=4).map(|seq| triage(&app, seq).4).collect();
        type Case<'a> = (&'a [usize], Vec<(&'a str, &'a str)>, &'a str);
        let cases: [Case; 4] = [
            (&[], vec![("action", "assign"), ("assignee", "none")], "Select at least one comment"),
            (&[0], vec![], "Choose what to do"),
            (&[0], vec![("action", "duplicate")], "Give the tracking number"),
            (&[0, 1], vec![("action", "duplicate"), ("duplicate_of", "NISTIR-8200-0001-1")], "NISTIR-8200-0001-1: Duplicate of: a comment cannot duplicate itself."),
        ];
        for (rows, fields, message) in cases {
            let response = post_bulk(&app, bulk_body(&page, rows, &fields)).await;
            let back = see_other(&response);
            let flash = texts(&app.page(&back, 200).await, "p.notice.saved").join(" ");
            assert!(flash.contains(message), "{fields:?}: {flash}");
            assert!(flash.contains("Nothing was changed") || flash.contains("nothing was changed"), "{flash}");
        }
        assert_eq!((1..=4).map(|seq| triage(&app, seq).4).collect::<Vec<_>>(), versions, "nothing saved");
        // No token: 403. Another document's comment: refused.
        let body = bulk_body(&page, &[0], &[("action", "assign"), ("assignee", "none")]).replace("csrf=", "x=");
        assert_eq!(post_bulk(&app, body).await.status().as_u16(), 403);
        let garbage = format!("csrf={}&c=abc&action=assign", csrf_token(&page));
        assert_eq!(post_bulk(&app, garbage).await.status().as_u16(), 400);
    }
}
