//! "Sections to check": the comments tagging could not settle, filed by
//! hand by a signed-in editor, version-checked and audited.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments, sections};
use docket::domain::Role;

use crate::cli::{docket, stderr};
use crate::helpers::{TestApp, TestDb, csrf_token, see_other, texts};

const COMMENTS: &str = "Comment #,Section,Page #,Line #,Comment
1,5.1,,,Settled by its section
2,11.2,,,<script>alert('x')</script> names a section that does not exist
3,5.3,,2500,The section and the line disagree
";

/// The demo document with the three comments above, and a signed-in editor.
pub(crate) async fn app_with_comments(db: TestDb) -> TestApp {
    app_with(db, COMMENTS).await
}

/// The demo document with the comments of `csv` (as `comments.csv`), and
/// a signed-in editor, Ed Itor.
pub(crate) async fn app_with(db: TestDb, csv: &str) -> TestApp {
    app_with_config(db, csv, "").await
}

/// `app_with`, with extra configuration TOML.
pub(crate) async fn app_with_config(db: TestDb, csv: &str, extra: &str) -> TestApp {
    let app = TestApp::spawn_with(db, extra).await;
    import_late(&app, csv, &[]);
    app.with_conn(|conn| {
        docket::auth::create_user(
            conn,
            "ed@example.org",
            "Ed Itor",
            Role::Editor,
            "a long enough password",
        )
        .unwrap()
    });
    let login = app.page("/login", 200).await;
    let response = app
        .post_form(
            "/login",
            &[
                ("csrf", &csrf_token(&login)),
                ("email", "ed@example.org"),
                ("password", "a long enough password"),
                ("next", "/editor"),
            ],
        )
        .await;
    assert_eq!(see_other(&response), "/editor");
    app
}

/// Imports `csv` into the demo document with `docket import --late` (its
/// comment period ended in 2018) and any `more` arguments.
pub(crate) fn import_late(app: &TestApp, csv: &str, more: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("comments.csv");
    std::fs::write(&file, csv).unwrap();
    let mut args = vec!["import", "--document", "nistir-8200", "--late"];
    args.extend_from_slice(more);
    args.push(file.to_str().unwrap());
    let out = docket(&app.test_db, &args);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// (id, section_id, tag_source, tag_conflict, version) of comment `n` of
/// the first submission.
pub(crate) fn tag_of(app: &TestApp, n: i32) -> (i64, Option<i64>, String, Option<String>, i32) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(n))
            .select((
                comments::id,
                comments::section_id,
                comments::tag_source,
                comments::tag_conflict,
                comments::version,
            ))
            .first(conn)
            .unwrap()
    })
}

pub(crate) fn section_id(app: &TestApp, number: &str) -> i64 {
    app.with_conn(|conn| {
        sections::table
            .filter(sections::number.eq(number))
            .filter(sections::kind.ne("table"))
            .filter(sections::kind.ne("figure"))
            .select(sections::id)
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn unresolved_and_conflicting_comments_are_listed_and_filed_by_hand(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/d/nistir-8200/tags", 200).await;
        let tracking = texts(&page, "td.tracking");
        assert_eq!(tracking, ["NISTIR-8200-0001-2", "NISTIR-8200-0001-3"]);
        let html = page.html();
        assert!(!html.contains("<script>alert"), "comment text must be escaped");
        assert!(html.contains("&lt;script&gt;alert"), "{html}");
        assert!(
            texts(&page, "td.filed")[1].contains("the section column says 5.3 but line 2500 lies in D.1"),
            "{:?}",
            texts(&page, "td.filed")
        );

        let (id, _, source, conflict, version) = tag_of(&app, 3);
        assert_eq!(source, "section");
        assert!(conflict.is_some());
        let target = section_id(&app, "D.1");
        let response = app
            .post_form(
                &format!("/editor/comments/{id}/section"),
                &[
                    ("csrf", &csrf_token(&page)),
                    ("version", &version.to_string()),
                    ("section", " d.1 "),
                    ("back", "/editor/d/nistir-8200/tags?page=1"),
                ],
            )
            .await;
        assert_eq!(see_other(&response), "/editor/d/nistir-8200/tags?page=1");
        let (_, section, source, conflict, new_version) = tag_of(&app, 3);
        assert_eq!(section, Some(target));
        assert_eq!(source, "manual");
        assert_eq!(conflict, None);
        assert_eq!(new_version, version + 1);

        let page = app.page("/editor/d/nistir-8200/tags", 200).await;
        assert_eq!(
            texts(&page, "p.notice.saved"),
            ["NISTIR-8200-0001-3 filed under D.1 Cryptographic Techniques (was 5.3 Health IoT and Medical Devices)."]
        );
        assert_eq!(texts(&page, "td.tracking"), ["NISTIR-8200-0001-2"]);

        type Event = (Option<i64>, String, Option<String>, Option<String>, Option<String>);
        let events: Vec<Event> =
            app.with_conn(|conn| {
                audit_events::table
                    .filter(audit_events::comment_id.eq(id))
                    .select((
                        audit_events::user_id,
                        audit_events::action,
                        audit_events::field,
                        audit_events::old_value,
                        audit_events::new_value,
                    ))
                    .load(conn)
                    .unwrap()
            });
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].0.is_some());
        assert_eq!(events[0].1, "retag");
        assert_eq!(events[0].2.as_deref(), Some("section"));
        assert_eq!(events[0].3.as_deref(), Some("5.3 Health IoT and Medical Devices"));
        assert_eq!(events[0].4.as_deref(), Some("D.1 Cryptographic Techniques"));

        // Filing the unresolved one under General.
        let (id, _, source, _, version) = tag_of(&app, 2);
        assert_eq!(source, "none");
        let response = app
            .post_form(
                &format!("/editor/comments/{id}/section"),
                &[("csrf", &csrf_token(&page)), ("version", &version.to_string()), ("section", "general")],
            )
            .await;
        assert_eq!(see_other(&response), "/editor");
        let exported = crate::intake::export(&app.test_db, "nistir-8200");
        let two = exported.iter().find(|c| c["tracking"] == "NISTIR-8200-0001-2").unwrap();
        assert_eq!(two["section"], "General");
        assert_eq!(two["tag_source"], "manual");

        // Hand-made tags survive re-tagging.
        let out = docket(&app.test_db, &["retag", "--document", "nistir-8200"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(tag_of(&app, 3).1, Some(target));
        assert_eq!(tag_of(&app, 3).2, "manual");
        assert_eq!(tag_of(&app, 2).2, "manual");
    }

    async fn a_stale_form_is_refused_and_changes_nothing(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/d/nistir-8200/tags", 200).await;
        let csrf = csrf_token(&page);
        let (id, _, _, _, version) = tag_of(&app, 3);
        let first = section_id(&app, "D.1");
        let post = |section: &'static str| {
            let csrf = csrf.clone();
            let app = &app;
            async move {
                app.post_form(
                    &format!("/editor/comments/{id}/section"),
                    &[("csrf", csrf.as_str()), ("version", &version.to_string()), ("section", section)],
                )
                .await
            }
        };
        assert_eq!(post("D.1 Cryptographic Techniques").await.status().as_u16(), 303);
        // The second editor's form was opened at the same version.
        let response = post("5.3").await;
        assert_eq!(response.status().as_u16(), 409);
        let body = response.text().await.unwrap();
        assert!(body.contains("Someone else changed NISTIR-8200-0001-3"), "{body}");
        assert!(body.contains("It is now filed under D.1 Cryptographic Techniques"), "{body}");
        assert_eq!(tag_of(&app, 3).1, Some(first));
        assert_eq!(tag_of(&app, 3).4, version + 1);
    }

    async fn filing_is_refused_without_sign_in_csrf_or_a_valid_section(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/d/nistir-8200/tags", 200).await;
        let csrf = csrf_token(&page);
        let (id, before, _, _, version) = tag_of(&app, 3);
        let version = version.to_string();
        let path = format!("/editor/comments/{id}/section");

        let missing_csrf = app.post_form(&path, &[("version", &version), ("section", "general")]).await;
        assert_eq!(missing_csrf.status().as_u16(), 403);
        let wrong_csrf = app
            .post_form(&path, &[("csrf", "0000"), ("version", &version), ("section", "general")])
            .await;
        assert_eq!(wrong_csrf.status().as_u16(), 403);
        let not_a_section = app
            .post_form(&path, &[("csrf", &csrf), ("version", &version), ("section", "999999")])
            .await;
        assert_eq!(not_a_section.status().as_u16(), 400);
        let not_in_the_outline = app
            .post_form(&path, &[("csrf", &csrf), ("version", &version), ("section", "11.2")])
            .await;
        assert_eq!(not_in_the_outline.status().as_u16(), 400);
        let body = not_in_the_outline.text().await.unwrap();
        assert!(body.contains("The outline has no section “11.2”"), "{body}");
        assert!(body.contains("Nothing was changed."), "{body}");
        let no_version = app.post_form(&path, &[("csrf", &csrf), ("section", "general")]).await;
        assert_eq!(no_version.status().as_u16(), 400);
        let no_comment = app
            .post_form("/editor/comments/999999/section", &[("csrf", &csrf), ("version", "1"), ("section", "general")])
            .await;
        assert_eq!(no_comment.status().as_u16(), 404);
        // A link offered as `back` that leaves the site is not followed.
        let (other_id, _, _, _, other_version) = tag_of(&app, 2);
        let offsite = app
            .post_form(
                &format!("/editor/comments/{other_id}/section"),
                &[("csrf", &csrf), ("version", &other_version.to_string()), ("section", "general"), ("back", "//evil.example/x")],
            )
            .await;
        assert_eq!(see_other(&offsite), "/editor");

        let anonymous = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = anonymous
            .post(format!("{}{path}", app.address))
            .form(&[("csrf", csrf.as_str()), ("version", &version), ("section", "general")])
            .send()
            .await
            .unwrap();
        assert_eq!(see_other(&response), format!("/login?next=%2Feditor"));
        let page = anonymous
            .get(format!("{}/editor/d/nistir-8200/tags", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(see_other(&page), "/login?next=%2Feditor%2Fd%2Fnistir-8200%2Ftags");

        assert_eq!(tag_of(&app, 3).1, before);
        assert_eq!(tag_of(&app, 3).2, "section");
    }
}

on_both_backends! {
    async fn pages_past_the_end_show_the_last_and_a_choice_is_required(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/d/nistir-8200/tags?page=9223372036854775807", 200).await;
        assert_eq!(texts(&page, "td.tracking"), ["NISTIR-8200-0001-2", "NISTIR-8200-0001-3"]);
        let bad = app.get("/editor/d/nistir-8200/tags?page=abc").await;
        assert_eq!(bad.status().as_u16(), 400);
        assert!(bad.text().await.unwrap().contains("The address could not be read"));

        // One list of suggestions serves every row: General and each node
        // by its full name. The unresolved comment's box starts empty (the
        // conflicting one's shows where it is filed); sending it empty
        // changes nothing.
        let names = crate::helpers::attrs(&page, "datalist#outline-names option", "value");
        assert_eq!(names[0], "General");
        assert!(names.contains(&"D.1 Cryptographic Techniques".to_owned()), "{names:?}");
        assert_eq!(crate::helpers::attrs(&page, "input[list=outline-names]", "value"), ["", "5.3 Health IoT and Medical Devices"]);
        assert_eq!(texts(&page, "select").len(), 0, "no select per row");
        let (id, before, source, _, version) = tag_of(&app, 2);
        let response = app
            .post_form(
                &format!("/editor/comments/{id}/section"),
                &[("csrf", &csrf_token(&page)), ("version", &version.to_string()), ("section", "")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 400);
        assert!(response.text().await.unwrap().contains("Choose a section"));
        assert_eq!((tag_of(&app, 2).1, tag_of(&app, 2).2), (before, source));
    }
}

on_both_backends! {
    async fn any_comment_can_be_filed_by_hand_from_the_full_list(db: TestDb) {
        let app = app_with_comments(db).await;
        let page = app.page("/editor/d/nistir-8200/tags?show=all", 200).await;
        assert_eq!(
            texts(&page, "td.tracking"),
            ["NISTIR-8200-0001-1", "NISTIR-8200-0001-2", "NISTIR-8200-0001-3"]
        );
        assert_eq!(texts(&page, "h1"), ["File comments by hand"]);
        // A settled comment (5.1 by its section column) moved to 5.2.
        let (id, _, source, _, version) = tag_of(&app, 1);
        assert_eq!(source, "section");
        let back = crate::helpers::attrs(&page, "tr:first-child input[name=back]", "value");
        assert_eq!(back, ["/editor/d/nistir-8200/tags?page=1&show=all"]);
        let target = section_id(&app, "5.2");
        let response = app
            .post_form(
                &format!("/editor/comments/{id}/section"),
                &[
                    ("csrf", &csrf_token(&page)),
                    ("version", &version.to_string()),
                    ("section", "5.2 consumer iot"),
                    ("back", &back[0]),
                ],
            )
            .await;
        assert_eq!(see_other(&response), back[0]);
        assert_eq!((tag_of(&app, 1).1, tag_of(&app, 1).2), (Some(target), "manual".to_owned()));
        // It is not one to check, so the default list still has two.
        let check = app.page("/editor/d/nistir-8200/tags", 200).await;
        assert_eq!(texts(&check, "td.tracking").len(), 2);
    }
}
