//! The comment page: everything about one comment, the triage form, its
//! version check (409 with nothing lost), validation, and the history.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments};

use crate::editor::tags::{app_with_comments, tag_of};
use crate::helpers::{TestApp, attrs, csrf_token, see_other, texts};

/// Comment 3 of the imported file (5.3 with a conflicting line).
fn third(app: &TestApp) -> (i64, i32) {
    let (id, _, _, _, version) = tag_of(app, 3);
    (id, version)
}

/// The triage fields as stored: status, disposition, response, assignee,
/// duplicate of, version.
type Triage = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i32,
);

fn triage_of(app: &TestApp, id: i64) -> Triage {
    app.with_conn(|conn| {
        comments::table
            .find(id)
            .select((
                comments::status,
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

/// The form as the page fills it in, with `changes` applied.
pub(crate) fn form(page: &scraper::Html, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf_token(page)),
        (
            "version".into(),
            attrs(page, "input[name=version]", "value")[0].clone(),
        ),
        ("section".into(), "keep".into()),
        (
            "status".into(),
            attrs(page, "select[name=status] option[selected]", "value")[0].clone(),
        ),
        (
            "status_shown".into(),
            attrs(page, "input[name=status_shown]", "value")[0].clone(),
        ),
        (
            "disposition".into(),
            attrs(page, "select[name=disposition] option[selected]", "value")[0].clone(),
        ),
        (
            "response".into(),
            texts(page, "textarea[name=response]")
                .first()
                .cloned()
                .unwrap_or_default(),
        ),
        (
            "assignee".into(),
            attrs(page, "select[name=assignee] option[selected]", "value")[0].clone(),
        ),
        (
            "duplicate_of".into(),
            attrs(page, "input[name=duplicate_of]", "value")[0].clone(),
        ),
    ];
    for (name, value) in changes {
        if let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = (*value).to_owned();
        }
    }
    fields
}

pub(crate) async fn post(app: &TestApp, id: i64, fields: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    app.post_form(&format!("/editor/comments/{id}"), &pairs)
        .await
}

on_both_backends! {
    async fn the_status_follows_the_answer_unless_the_editor_sets_it(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, _) = third(&app);
        let path = format!("/editor/comments/{id}");
        let page_now = || app.page(&path, 200);
        let status_of = |app: &TestApp| triage_of(app, id).0;

        // Part of an answer, the status left as shown: in review.
        let page = page_now().await;
        assert_eq!(attrs(&page, "input[name=status_shown]", "value"), ["new"]);
        post(&app, id, &form(&page, &[("disposition", "accepted")])).await;
        assert_eq!(status_of(&app), "in_review");
        // The whole answer: resolved, and the history says so.
        let page = page_now().await;
        post(&app, id, &form(&page, &[("response", "Added in 5.3.")])).await;
        assert_eq!(status_of(&app), "resolved");
        let fields: Vec<Option<String>> = app.with_conn(|conn| {
            audit_events::table
                .filter(audit_events::comment_id.eq(id))
                .order(audit_events::id)
                .select(audit_events::field)
                .load(conn)
                .unwrap()
        });
        let status_events = fields.iter().filter(|f| f.as_deref() == Some("status")).count();
        assert_eq!(status_events, 2, "{fields:?}");

        // A status the editor chooses wins, even beside a whole answer...
        let page = page_now().await;
        post(&app, id, &form(&page, &[("status", "in_review")])).await;
        assert_eq!(status_of(&app), "in_review");
        // ...and stays while the answer does (another field saved).
        let page = page_now().await;
        let me = app.user_id("ed@example.org").to_string();
        post(&app, id, &form(&page, &[("assignee", &me)])).await;
        assert_eq!(status_of(&app), "in_review");
        // A changed answer settles it again; a blank response is none.
        let page = page_now().await;
        post(&app, id, &form(&page, &[("response", "Added in 5.3 and 5.4.")])).await;
        assert_eq!(status_of(&app), "resolved");
        let page = page_now().await;
        post(&app, id, &form(&page, &[("response", " \n ")])).await;
        assert_eq!(status_of(&app), "in_review");
        assert_eq!(triage_of(&app, id).2, None);
    }

    async fn the_page_shows_the_comment_where_it_came_from_and_its_neighbours(db: TestDb) {
        let app = app_with_comments(db).await;
        let (two, _, _, _, _) = tag_of(&app, 2);
        let page = app.page(&format!("/editor/comments/{two}"), 200).await;
        assert_eq!(texts(&page, "h1"), ["NISTIR-8200-0001-2"]);
        let facts = texts(&page, "table.facts td").join(" | ");
        assert!(facts.contains("comments.csv, row 3; comment # 2"), "{facts}");
        assert!(facts.contains("section 11.2"), "{facts}");
        assert!(facts.contains("not found"), "{facts}");
        let html = page.html();
        assert!(!html.contains("<script>alert"), "escaped");
        assert!(texts(&page, "p.text")[0].starts_with("<script>alert('x')</script> names a section"));
        assert_eq!(texts(&page, "ul.others a"), ["NISTIR-8200-0001-1", "NISTIR-8200-0001-3"]);
        assert_eq!(texts(&page, "ol.history li").len(), 0);
        let missing = app.get("/editor/comments/999999").await;
        assert_eq!(missing.status().as_u16(), 404);
    }

    async fn saving_the_triage_form_records_every_change(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let me = app.user_id("ed@example.org").to_string();
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let response = post(&app, id, &form(&page, &[
            ("status", "in_review"),
            ("disposition", "accepted_with_modification"),
            ("response", "  We will cite FDA guidance <b>now</b>.  "),
            ("assignee", &me),
        ])).await;
        assert_eq!(see_other(&response), format!("/editor/comments/{id}"));
        let (status, disposition, text, assignee, duplicate, new_version) = triage_of(&app, id);
        assert_eq!(status, "in_review");
        assert_eq!(disposition.as_deref(), Some("accepted_with_modification"));
        assert_eq!(text.as_deref(), Some("We will cite FDA guidance <b>now</b>."));
        assert_eq!(assignee, Some(app.user_id("ed@example.org")));
        assert_eq!(duplicate, None);
        assert_eq!(new_version, version + 1);
        // Section kept as tagged (automatic), since the form said "keep".
        assert_eq!(tag_of(&app, 3).2, "section");

        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        assert_eq!(texts(&page, "p.notice.saved"), ["Saved NISTIR-8200-0001-3."]);
        let history = texts(&page, "ol.history li");
        assert_eq!(history.len(), 4, "{history:?}");
        assert!(history.iter().any(|h| h.contains("Ed Itor changed status from “new” to “in_review”")), "{history:?}");
        assert!(history.iter().any(|h| h.contains("changed response to “We will cite FDA guidance <b>now</b>.”")), "{history:?}");
        assert!(!page.html().contains("<b>now</b>"), "the response is escaped");
        assert_eq!(texts(&page, "textarea[name=response]"), ["We will cite FDA guidance <b>now</b>."]);

        // Filing under General by hand from the same form.
        let response = post(&app, id, &form(&page, &[("section", "general")])).await;
        assert_eq!(see_other(&response), format!("/editor/comments/{id}"));
        let (_, section, source, conflict, _) = tag_of(&app, 3);
        assert_eq!((section, source.as_str(), conflict), (None, "manual", None));
        let events: i64 = app.with_conn(|conn| {
            audit_events::table.filter(audit_events::comment_id.eq(id)).count().get_result(conn).unwrap()
        });
        assert_eq!(events, 5);
    }

    async fn a_save_on_an_old_version_is_refused_and_keeps_the_text(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let first = form(&page, &[("response", "First editor's answer."), ("disposition", "accepted")]);
        let second = form(&page, &[("response", "Second editor's long, careful answer."), ("disposition", "declined")]);
        assert_eq!(post(&app, id, &first).await.status().as_u16(), 303);
        let refused = post(&app, id, &second).await;
        assert_eq!(refused.status().as_u16(), 409);
        let page = scraper::Html::parse_document(&refused.text().await.unwrap());
        assert!(texts(&page, "p.notice.conflict")[0].contains("Someone else saved this comment"));
        assert!(texts(&page, "table.compare td").join(" ").contains("First editor's answer."));
        assert_eq!(texts(&page, "textarea[name=response]"), ["Second editor's long, careful answer."]);
        assert_eq!(attrs(&page, "select[name=disposition] option[selected]", "value"), ["declined"]);
        // The form now carries the current version: saving again works.
        assert_eq!(attrs(&page, "input[name=version]", "value"), [(version + 1).to_string()]);
        let (_, disposition, text, _, _, stored_version) = triage_of(&app, id);
        assert_eq!(disposition.as_deref(), Some("accepted"));
        assert_eq!(text.as_deref(), Some("First editor's answer."));
        assert_eq!(stored_version, version + 1);
        let again = post(&app, id, &form(&page, &[])).await;
        assert_eq!(again.status().as_u16(), 303);
        assert_eq!(triage_of(&app, id).2.as_deref(), Some("Second editor's long, careful answer."));
    }

    async fn a_save_that_changes_nothing_keeps_the_version_and_the_history(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let answer = form(&page, &[("response", "Noted, thank you."), ("disposition", "noted")]);
        assert_eq!(post(&app, id, &answer).await.status().as_u16(), 303);
        let events = || app.with_conn(|conn| {
            audit_events::table.filter(audit_events::comment_id.eq(id)).count().get_result::<i64>(conn).unwrap()
        });
        let before = events();
        // The same form sent again (a double click): saved, nothing moves.
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let same = form(&page, &[]);
        assert_eq!(post(&app, id, &same).await.status().as_u16(), 303);
        assert_eq!(triage_of(&app, id).5, version + 1, "no second version for no change");
        assert_eq!(events(), before, "no empty history entry");
        // A form opened before it is still current, so it saves.
        let other = form(&page, &[("response", "Noted; see section 4.")]);
        assert_eq!(post(&app, id, &other).await.status().as_u16(), 303);
        assert_eq!(triage_of(&app, id).2.as_deref(), Some("Noted; see section 4."));
    }

    // The update and its audit events are one statement on PostgreSQL
    // (no transaction): a stale version stores neither, a current one both.
    async fn the_update_and_its_history_are_stored_together(db: TestDb) {
        use docket::db::audited_update::FieldChange;
        use docket::db::comments::{TriageFields, save_triage};
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let user = app.user_id("ed@example.org");
        let fields = TriageFields {
            section_id: None,
            tag_source: "manual",
            tag_span: None,
            tag_conflict: None,
            status: "in_review",
            disposition: Some("noted"),
            response: Some("Noted."),
            assignee_id: None,
            duplicate_of_id: None,
        };
        let changes = [
            FieldChange::new("status", Some("new".into()), Some("in_review".into())),
            FieldChange::new("response", None, Some("Noted.".into())),
        ];
        let events = |app: &TestApp| app.with_conn(|conn| {
            audit_events::table
                .filter(audit_events::comment_id.eq(id))
                .order(audit_events::id)
                .select((audit_events::document_id, audit_events::user_id, audit_events::action, audit_events::field, audit_events::old_value, audit_events::new_value, audit_events::created_at))
                .load::<(Option<i64>, Option<i64>, String, Option<String>, Option<String>, Option<String>, time::PrimitiveDateTime)>(conn)
                .unwrap()
        });
        let stale = app.with_conn(|conn| save_triage(conn, id, version - 1, &fields, user, &changes).unwrap());
        assert!(stale.is_none(), "a stale version saves nothing");
        assert!(events(&app).is_empty(), "and records nothing");
        assert_eq!(triage_of(&app, id).5, version);

        let saved = app
            .with_conn(|conn| save_triage(conn, id, version, &fields, user, &changes).unwrap())
            .expect("the current version saves");
        assert_eq!((saved.version, saved.response.as_deref()), (version + 1, Some("Noted.")));
        let history = events(&app);
        let summary: Vec<_> = history
            .iter()
            .map(|(doc, who, action, field, old, new, _)| (*doc, *who, action.as_str(), field.as_deref(), old.as_deref(), new.as_deref()))
            .collect();
        let doc = Some(saved.document_id);
        assert_eq!(summary, [
            (doc, Some(user), "update", Some("status"), Some("new"), Some("in_review")),
            (doc, Some(user), "update", Some("response"), None, Some("Noted.")),
        ]);
        assert!(history.iter().all(|e| e.6 == saved.updated_at), "one time for the save and its events");
    }

    async fn two_saves_at_once_one_wins_one_gets_409(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, _) = third(&app);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let a = form(&page, &[("response", "A")]);
        let b = form(&page, &[("response", "B")]);
        let (ra, rb) = tokio::join!(post(&app, id, &a), post(&app, id, &b));
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409]);
        let stored = triage_of(&app, id).2.unwrap();
        let loser = if ra.status().as_u16() == 409 { ra } else { rb };
        let body = loser.text().await.unwrap();
        let kept = if stored == "A" { "B" } else { "A" };
        assert!(body.contains(&format!(">{kept}</textarea>")), "the loser's text is kept");
    }

    async fn bad_forms_are_refused_with_every_problem_named(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[("disposition", "duplicate")], "names the comment it duplicates"),
            (&[("duplicate_of", "NISTIR-8200-0001-1")], "set it to “duplicate”"),
            (&[("disposition", "duplicate"), ("duplicate_of", "NISTIR-8200-9999-1")], "no comment of this document has the tracking number “NISTIR-8200-9999-1”"),
            (&[("disposition", "duplicate"), ("duplicate_of", "NISTIR-8200-0001-3")], "cannot duplicate itself"),
            (&[("status", "done")], "“done” is not a status"),
            (&[("assignee", "999999")], "does not exist or is inactive"),
        ];
        for (changes, message) in cases {
            let response = post(&app, id, &form(&page, changes)).await;
            assert_eq!(response.status().as_u16(), 422, "{changes:?}");
            let body = scraper::Html::parse_document(&response.text().await.unwrap());
            let errors = texts(&body, ".errors li").join(" | ");
            assert!(errors.contains(message), "{changes:?}: {errors}");
        }
        let long = "x".repeat(docket::triage::MAX_RESPONSE_CHARS + 1);
        let response = post(&app, id, &form(&page, &[("response", &long)])).await;
        assert_eq!(response.status().as_u16(), 422);
        assert_eq!(triage_of(&app, id).5, version, "nothing was saved");

        // A real duplicate is accepted.
        let response = post(&app, id, &form(&page, &[("disposition", "duplicate"), ("duplicate_of", "NISTIR-8200-0001-1")])).await;
        assert_eq!(response.status().as_u16(), 303);
        let (one, _, _, _, _) = tag_of(&app, 1);
        assert_eq!(triage_of(&app, id).4, Some(one));
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        assert_eq!(attrs(&page, "input[name=duplicate_of]", "value"), ["NISTIR-8200-0001-1"]);
    }

    async fn saving_needs_sign_in_and_the_forms_token(db: TestDb) {
        let app = app_with_comments(db).await;
        let (id, version) = third(&app);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let mut fields = form(&page, &[("response", "sneaky")]);
        fields.retain(|(n, _)| n != "csrf");
        assert_eq!(post(&app, id, &fields).await.status().as_u16(), 403);
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = anonymous
            .post(format!("{}/editor/comments/{id}", app.address))
            .form(&form(&page, &[("response", "sneaky")]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        assert!(see_other(&response).starts_with("/login?next="));
        assert_eq!(triage_of(&app, id).5, version);
        assert_eq!(triage_of(&app, id).2, None);
    }

    async fn a_large_submission_lists_the_comments_around_this_one(db: TestDb) {
        let mut csv = String::from("Comment #,Section,Comment\n");
        for n in 1..=60 {
            csv.push_str(&format!("{n},5.1,Point {n} of a long table.\n"));
        }
        let app = crate::editor::tags::app_with(db, &csv).await;
        let id = crate::helpers::comment_id_by_seq(&app, 30);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let listed = texts(&page, "ul.others a");
        let expected: Vec<String> = (20..=40).filter(|n| *n != 30).map(|n| format!("NISTIR-8200-0001-{n}")).collect();
        assert_eq!(listed, expected, "ten either side, not all sixty");
        assert!(texts(&page, "section p.hint").iter().any(|t| t.starts_with("59 more; those just before and after")));
        assert_eq!(attrs(&page, "a[href^=\"/editor/find?number=\"]", "href"), ["/editor/find?number=NISTIR-8200-0001"]);
        // The first comment lists the ten after it.
        let first = crate::helpers::comment_id_by_seq(&app, 1);
        let page = app.page(&format!("/editor/comments/{first}"), 200).await;
        assert_eq!(texts(&page, "ul.others a").len(), 10);
    }
}
