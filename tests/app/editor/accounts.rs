//! `/admin/users`: inviting editors by an e-mailed link that sets the
//! password (once, for a week), and turning accounts off and on.

use diesel::prelude::*;
use docket::db::schema::{auth_tokens, users};
use docket::domain::Role;

use super::{Browser, signed_in};
use crate::helpers::{TestApp, csrf_token, see_other, texts};
use crate::submit::mail::{Behaviour, SmtpServer};

const USERS: &str = "/admin/users";

async fn invite(admin: &Browser, name: &str, email: &str, role: &str) -> reqwest::Response {
    let csrf = csrf_token(&admin.page(USERS, 200).await);
    admin
        .post_form(
            "/admin/users/invite",
            &[
                ("csrf", csrf.as_str()),
                ("name", name),
                ("email", email),
                ("role", role),
            ],
        )
        .await
}

/// The link shown to the admin when no e-mail could be sent.
async fn link_from_flash(admin: &Browser) -> String {
    link_in(&texts(&admin.page(USERS, 200).await, "p.notice.saved").join(" "))
}

fn link_in(flash: &str) -> String {
    let start = flash
        .find("/invite/")
        .unwrap_or_else(|| panic!("no link in {flash}"));
    flash[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['.', ')'])
        .to_owned()
}

async fn accept(browser: &Browser, link: &str, password: &str, again: &str) -> reqwest::Response {
    let csrf = csrf_token(&browser.page(link, 200).await);
    browser
        .post_form(
            link,
            &[
                ("csrf", csrf.as_str()),
                ("password", password),
                ("again", again),
            ],
        )
        .await
}

on_both_backends! {
    async fn an_invited_editor_sets_a_password_and_is_signed_in(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let response = invite(&admin, "Nia <b>New</b>", "Nia@Example.org", "editor").await;
        assert_eq!(see_other(&response), USERS);
        let page = admin.page(USERS, 200).await;
        // Mail is off in tests: the admin is given the link to pass on.
        let flash = texts(&page, "p.notice.saved").join(" ");
        assert!(flash.contains("but the e-mail could not be sent"), "{flash}");
        assert!(texts(&page, "td.name").contains(&"Nia <b>New</b>".to_owned()), "escaped, as text");
        assert!(!page.html().contains("<b>New</b>"));
        assert!(texts(&page, "td.state").contains(&"invited, no password yet".to_owned()));
        let link = link_in(&flash);

        // Before a password is set, the account cannot sign in.
        let nia = Browser::new(&app);
        assert_eq!(nia.sign_in("nia@example.org", "", None).await.status().as_u16(), 401);

        let page = nia.page(&link, 200).await;
        assert_eq!(texts(&page, "h1"), ["Welcome, Nia <b>New</b>"]);
        let mismatch = accept(&nia, &link, "a long enough password", "a long enough passw0rd").await;
        assert_eq!(mismatch.status().as_u16(), 422);
        let short = accept(&nia, &link, "short", "short").await;
        assert_eq!(short.status().as_u16(), 422);
        assert!(short.text().await.unwrap().contains("shorter than 12 characters"));
        let done = accept(&nia, &link, "a long enough password", "a long enough password").await;
        assert_eq!(see_other(&done), "/editor");
        let home = nia.page("/editor", 200).await;
        assert!(texts(&home, "a.who")[0].starts_with("Nia <b>New</b>"), "{:?}", texts(&home, "a.who"));

        // The link works once; the password works on the sign-in form.
        assert_eq!(Browser::new(&app).get(&link).await.status().as_u16(), 410);
        let again = Browser::new(&app);
        assert_eq!(see_other(&again.sign_in("nia@example.org", "a long enough password", None).await), "/editor");
        // An account with a password is not invited again.
        let response = invite(&admin, "Nia", "nia@example.org", "editor").await;
        assert_eq!(response.status().as_u16(), 422);
        assert!(response.text().await.unwrap().contains("An account with that e-mail address already exists."));
    }

    async fn links_expire_and_a_new_invitation_replaces_the_old_link(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        assert_eq!(see_other(&invite(&admin, "Olu", "olu@example.org", "admin").await), USERS);
        let first = link_from_flash(&admin).await;
        assert_eq!(see_other(&invite(&admin, "Olu", "olu@example.org", "admin").await), USERS);
        let second = link_from_flash(&admin).await;
        assert_ne!(first, second);
        let browser = Browser::new(&app);
        assert_eq!(browser.get(&first).await.status().as_u16(), 410, "replaced");
        assert_eq!(browser.get(&second).await.status().as_u16(), 200);
        // A week later it no longer works either.
        app.with_conn(|conn| {
            diesel::update(auth_tokens::table)
                .set(auth_tokens::expires_at.eq(docket::db::now() - time::Duration::minutes(1)))
                .execute(conn)
                .unwrap();
        });
        let gone = browser.get(&second).await;
        assert_eq!(gone.status().as_u16(), 410);
        assert!(gone.text().await.unwrap().contains("Ask an admin of this docket to invite you again"));
        assert_eq!(browser.get("/invite/not-a-token").await.status().as_u16(), 410);
        // Only hashes are stored.
        let hashes: Vec<String> = app.with_conn(|conn| auth_tokens::table.select(auth_tokens::token_hash).load(conn).unwrap());
        assert!(hashes.iter().all(|h| !second.contains(h.as_str())));
    }

    async fn the_invitation_is_e_mailed_over_smtp(db: TestDb) {
        let server = SmtpServer::start(Behaviour::Accept).await;
        let app = TestApp::spawn_with(db, &format!(
            "[server]\npublic_url = \"https://docket.example\"\n[mail]\nfrom = \"docket@example.org\"\n{}\n",
            server.config()
        )).await;
        let (admin, me) = signed_in(&app, Role::Admin).await;
        assert_eq!(see_other(&invite(&admin, "Pat", "pat@example.org", "editor").await), USERS);
        let flash = texts(&admin.page(USERS, 200).await, "p.notice.saved").join(" ");
        assert!(flash.starts_with("Invited Pat: the link to set a password is on its way by e-mail"), "{flash}");
        assert!(!flash.contains("/invite/"), "the link is not shown when it is e-mailed");
        app.outbox_drained().await;
        let mails = server.delivered();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["pat@example.org"]);
        assert!(mails[0].data.contains("https://docket.example/invite/"), "{}", mails[0].data);
        assert!(mails[0].data.contains(&format!("{} has made you an editor", me.name)), "{}", mails[0].data);
    }

    async fn only_admins_manage_accounts_and_turning_one_off_signs_it_out(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, me) = signed_in(&app, Role::Admin).await;
        let (editor, ed) = signed_in(&app, Role::Editor).await;
        assert_eq!(editor.get(USERS).await.status().as_u16(), 403);
        let csrf = editor.csrf().await;
        let refused = editor
            .post_form("/admin/users/invite", &[("csrf", csrf.as_str()), ("name", "X"), ("email", "x@example.org"), ("role", "admin")])
            .await;
        assert_eq!(refused.status().as_u16(), 403);
        let no_token = admin.post_form("/admin/users/invite", &[("name", "X"), ("email", "x@example.org"), ("role", "editor")]).await;
        assert_eq!(no_token.status().as_u16(), 403);
        let bad = invite(&admin, "X", "not-an-address", "editor").await;
        assert_eq!(bad.status().as_u16(), 422);
        assert!(bad.text().await.unwrap().contains("does not look like an e-mail address"));
        assert_eq!(invite(&admin, "X", "x@example.org", "owner").await.status().as_u16(), 422);

        let csrf = admin.csrf().await;
        let off = admin.post_form(&format!("/admin/users/{}/active", ed.id), &[("csrf", csrf.as_str()), ("active", "0")]).await;
        assert_eq!(see_other(&off), USERS);
        assert!(see_other(&editor.get("/editor").await).starts_with("/login"), "signed out at once");
        assert_eq!(Browser::new(&app).sign_in(&ed.email, &ed.password, None).await.status().as_u16(), 401);
        let on = admin.post_form(&format!("/admin/users/{}/active", ed.id), &[("csrf", csrf.as_str()), ("active", "1")]).await;
        assert_eq!(see_other(&on), USERS);
        assert_eq!(see_other(&Browser::new(&app).sign_in(&ed.email, &ed.password, None).await), "/editor");
        let myself = admin.post_form(&format!("/admin/users/{}/active", me.id), &[("csrf", csrf.as_str()), ("active", "0")]).await;
        assert_eq!(myself.status().as_u16(), 400);
        let active: bool = app.with_conn(|conn| users::table.find(me.id).select(users::active).first(conn).unwrap());
        assert!(active);
    }
}

on_both_backends! {
    async fn a_cookie_copied_before_an_account_is_turned_off_stays_void_once_it_is_on_again(db: TestDb) {
        // Turning an account off because its session leaked must end that
        // session for good, not only while the account is off.
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let ed = crate::editor::create_user(&app, Role::Editor);
        let response = Browser::new(&app).sign_in(&ed.email, &ed.password, None).await;
        assert_eq!(see_other(&response), "/editor");
        let copied = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("docket_session="))
            .expect("a session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let thief = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let editor_home = || async {
            thief
                .get(format!("{}/editor", app.address))
                .header("Cookie", &copied)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(editor_home().await, 200, "the copied cookie works at first");

        let csrf = admin.csrf().await;
        for active in ["0", "1"] {
            let response = admin
                .post_form(&format!("/admin/users/{}/active", ed.id), &[("csrf", csrf.as_str()), ("active", active)])
                .await;
            assert_eq!(see_other(&response), USERS);
        }
        assert_eq!(editor_home().await, 303, "the cookie from before the account was turned off opens /editor again");
        // The account itself works again with a new sign-in.
        assert_eq!(see_other(&Browser::new(&app).sign_in(&ed.email, &ed.password, None).await), "/editor");
    }
}
