//! Assignment e-mail: one message per save and assignee, over real SMTP to
//! a server the test runs on loopback (through the mail queue); none for
//! assigning oneself; a mail server that refuses costs nothing but the
//! e-mail, which stays queued for its retry.

use docket::domain::Role;

use crate::editor::comment::{form, post};
use crate::editor::tags::{app_with_config, tag_of};
use crate::helpers::{TestApp, TestDb, attrs, csrf_token, see_other};
use crate::submit::mail::{Behaviour, SmtpServer};

const COMMENTS: &str = "Comment #,Type,Section,Comment
1,T,5.1,One.
2,T,5.1,Two.
3,T,5.2,Three.
";

async fn site(db: TestDb, behaviour: Behaviour) -> (TestApp, SmtpServer, i64) {
    let server = SmtpServer::start(behaviour).await;
    let extra = format!(
        "[server]\npublic_url = \"https://docket.example\"\n[mail]\nfrom = \"docket@example.org\"\n{}\n",
        server.config()
    );
    let app = app_with_config(db, COMMENTS, &extra).await;
    let ann = app.with_conn(|conn| {
        docket::auth::create_user(
            conn,
            "ann@example.org",
            "Ann Editor",
            Role::Editor,
            "another long password",
        )
        .unwrap()
        .id
    });
    (app, server, ann)
}

/// What the SMTP server received once the mail queue is drained.
async fn delivered(app: &TestApp, server: &SmtpServer) -> Vec<crate::submit::mail::Delivered> {
    app.outbox_drained().await;
    server.delivered()
}

async fn bulk_assign(app: &TestApp, rows: &[usize], assignee: i64) -> reqwest::Response {
    let page = app.page("/editor/d/nistir-8200/s/all", 200).await;
    let picks = attrs(&page, "input[name=c]", "value");
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &csrf_token(&page));
    for &n in rows {
        body.append_pair("c", &picks[n]);
    }
    body.append_pair("action", "assign");
    body.append_pair("assignee", &assignee.to_string());
    app.client
        .post(format!("{}/editor/d/nistir-8200/bulk", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn assigning_comments_sends_one_message_per_save(db: TestDb) {
        let (app, server, ann) = site(db, Behaviour::Accept).await;
        // Three comments in one bulk save: one message listing all three.
        assert_eq!(bulk_assign(&app, &[0, 1, 2], ann).await.status().as_u16(), 303);
        let mails = delivered(&app, &server).await;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_eq!(mails[0].to, ["ann@example.org"]);
        assert!(mails[0].data.contains("Subject: 3 comments assigned to you"), "{}", mails[0].data);
        for n in 1..=3 {
            assert!(mails[0].data.contains(&format!("NISTIR-8200-0001-{n}")), "{}", mails[0].data);
        }
        assert!(mails[0].data.contains("https://docket.example/editor/comments/"), "{}", mails[0].data);
        assert!(mails[0].data.contains("Ed Itor assigned 3 comment(s)"), "{}", mails[0].data);

        // Saving again with the same assignee assigns nothing new: no mail.
        assert_eq!(bulk_assign(&app, &[0], ann).await.status().as_u16(), 303);
        assert_eq!(delivered(&app, &server).await.len(), 1);

        // One comment from its page: one message naming it.
        let me = app.user_id("ed@example.org");
        let (id, ..) = tag_of(&app, 2);
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        assert_eq!(see_other(&post(&app, id, &form(&page, &[("assignee", &me.to_string())])).await), format!("/editor/comments/{id}"));
        assert_eq!(delivered(&app, &server).await.len(), 1, "assigning oneself sends nothing");
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        assert_eq!(see_other(&post(&app, id, &form(&page, &[("assignee", &ann.to_string())])).await), format!("/editor/comments/{id}"));
        let mails = delivered(&app, &server).await;
        assert_eq!(mails.len(), 2);
        assert!(mails[1].data.contains("Subject: Assigned to you: NISTIR-8200-0001-2"), "{}", mails[1].data);
    }

    async fn a_refusing_mail_server_loses_nothing(db: TestDb) {
        let (app, server, ann) = site(db, Behaviour::RefuseSender).await;
        assert_eq!(bulk_assign(&app, &[0, 1], ann).await.status().as_u16(), 303);
        assert!(delivered(&app, &server).await.is_empty());
        assert_eq!(tag_of(&app, 1).4, 2, "saved all the same");
        let (attempts, sent): (i32, bool) = app.with_conn(|conn| {
            use diesel::prelude::*;
            use docket::db::schema::mail_outbox as m;
            m::table.select((m::attempts, m::sent_at.is_not_null())).first(conn).unwrap()
        });
        assert_eq!((attempts, sent), (1, false), "tried once, kept for its retry");
    }
}
