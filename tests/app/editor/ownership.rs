//! Sections given to editors: new comments filed there (or under a
//! subsection without an owner of its own) are assigned to them at intake.

use diesel::prelude::*;
use docket::db::schema::{comments, sections};
use docket::domain::Role;

use super::{Browser, OUTLINE, create_user, signed_in};
use crate::helpers::{TestApp, attrs, see_other, texts};

fn node_id(app: &TestApp, number: &str) -> i64 {
    app.with_conn(|conn| {
        sections::table
            .filter(sections::number.eq(number))
            .filter(sections::kind.eq_any(["section", "appendix"]))
            .select(sections::id)
            .first(conn)
            .unwrap()
    })
}

async fn give(admin: &Browser, id: i64, owner: &str) -> reqwest::Response {
    let page = admin.page(&format!("{OUTLINE}/{id}/edit"), 200).await;
    let csrf = attrs(&page, "form.owner input[name=csrf]", "value")[0].clone();
    admin
        .post_form(
            &format!("{OUTLINE}/{id}/owner"),
            &[("csrf", csrf.as_str()), ("owner", owner)],
        )
        .await
}

fn import(app: &TestApp, csv: &str) {
    crate::editor::tags::import_late(app, csv, &[]);
}

fn assignee_of(app: &TestApp, body: &str) -> Option<i64> {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::body.eq(body))
            .select(comments::assignee_id)
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn new_comments_go_to_the_owner_of_their_section(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let ann = create_user(&app, Role::Editor);
        let bob = create_user(&app, Role::Editor);
        let five = node_id(&app, "5");
        let five_two = node_id(&app, "5.2");

        let response = give(&admin, five, &ann.id.to_string()).await;
        assert_eq!(see_other(&response), OUTLINE);
        let page = admin.page(OUTLINE, 200).await;
        assert_eq!(
            texts(&page, "p.notice.saved"),
            [format!("Node #{five} now belongs to {}: new comments filed there are assigned to them.", ann.name)]
        );
        assert_eq!(see_other(&give(&admin, five_two, &bob.id.to_string()).await), OUTLINE);
        let page = admin.page(OUTLINE, 200).await;
        let owners = texts(&page, "td.owner");
        assert_eq!(owners.iter().filter(|o| **o == ann.name).count(), 1);
        assert_eq!(owners.iter().filter(|o| **o == bob.name).count(), 1);
        let edit = admin.page(&format!("{OUTLINE}/{five}/edit"), 200).await;
        assert_eq!(attrs(&edit, "select[name=owner] option[selected]", "value"), [ann.id.to_string()]);

        import(&app, "Comment #,Section,Comment\n1,5,On five\n2,5.1,On five one\n3,5.2,On five two\n4,6,On six\n");
        assert_eq!(assignee_of(&app, "On five"), Some(ann.id));
        assert_eq!(assignee_of(&app, "On five one"), Some(ann.id), "a subsection without an owner");
        assert_eq!(assignee_of(&app, "On five two"), Some(bob.id), "its own owner wins");
        assert_eq!(assignee_of(&app, "On six"), None);

        // Giving it to nobody stops it; comments already assigned stay.
        assert_eq!(see_other(&give(&admin, five, "").await), OUTLINE);
        import(&app, "Comment #,Section,Comment\n1,5,Later on five\n");
        assert_eq!(assignee_of(&app, "Later on five"), None);
        assert_eq!(assignee_of(&app, "On five"), Some(ann.id));
    }

    async fn only_admins_give_sections_and_only_to_active_accounts(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let (editor, me) = signed_in(&app, Role::Editor).await;
        let five = node_id(&app, "5");
        let csrf = editor.csrf().await;
        let response = editor
            .post_form(&format!("{OUTLINE}/{five}/owner"), &[("csrf", csrf.as_str()), ("owner", &me.id.to_string())])
            .await;
        assert_eq!(response.status().as_u16(), 403);
        assert_eq!(give(&admin, five, "999999").await.status().as_u16(), 400);
        assert_eq!(give(&admin, five, "abc").await.status().as_u16(), 400);
        let csrf = admin.csrf().await;
        let other = admin
            .post_form(&format!("{OUTLINE}/999999/owner"), &[("csrf", csrf.as_str()), ("owner", "")])
            .await;
        assert_eq!(other.status().as_u16(), 400);
        let owner: Option<i64> = app.with_conn(|conn| {
            sections::table.find(five).select(sections::owner_id).first(conn).unwrap()
        });
        assert_eq!(owner, None);
    }
}
