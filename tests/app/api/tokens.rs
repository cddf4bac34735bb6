//! API tokens: made and revoked on the profile page, shown once, stored
//! only as a hash, refused when revoked, expired or their account is off.

use diesel::prelude::*;
use docket::db::schema::{auth_tokens, users};
use reqwest::Method;

use super::{api, json, make_token};
use crate::helpers::{csrf_token, see_other, texts};

const COMMENTS: &str = "/api/v1/documents/nistir-8200/comments";

on_both_backends! {
    async fn a_token_made_on_the_profile_page_opens_the_api_and_only_it_does(db: TestDb) {
        let api = api(db).await;
        assert!(api.token.starts_with("docket_"), "{}", api.token);
        let page = json(api.call(Method::GET, COMMENTS, None).await, 200).await;
        assert_eq!(page["total"], 3);

        // Only a hash is stored.
        let stored: Vec<String> = api.app.with_conn(|conn| {
            auth_tokens::table
                .filter(auth_tokens::kind.eq("api"))
                .select(auth_tokens::token_hash)
                .load(conn)
                .unwrap()
        });
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], api.token);
        assert!(!stored[0].contains(&api.token[7..]));

        // The page shows it once; afterwards only its label.
        let profile = api.app.page("/editor/profile", 200).await;
        assert!(texts(&profile, "#new-token").is_empty());
        assert!(!profile.html().contains(&api.token));
        assert!(texts(&profile, "table.grid td").contains(&"a script".to_owned()));

        // Without a token, with the editor's session cookie alone, with a
        // made-up token or another scheme: 401, JSON, WWW-Authenticate.
        let cookie_only = api.app.get(COMMENTS).await;
        assert_eq!(cookie_only.status().as_u16(), 401);
        for headers in [
            vec![],
            vec![("Authorization", "Bearer docket_0000")],
            vec![("Authorization", "Basic ZWRAZXhhbXBsZS5vcmc6eA==")],
        ] {
            let response = api.call_with(Method::GET, COMMENTS, None, &headers).await;
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"docket\""
            );
            let body = json(response, 401).await;
            assert_eq!(body["error"]["code"], "unauthorized", "{headers:?}");
            assert!(body["error"]["message"].as_str().unwrap().contains("/editor/profile"));
        }
    }

    async fn revoked_and_expired_tokens_and_turned_off_accounts_are_refused(db: TestDb) {
        let api = api(db).await;
        let second = make_token(&api.app, "expires", "").await;

        // Revoke the first on the profile page.
        let profile = api.app.page("/editor/profile", 200).await;
        let csrf = csrf_token(&profile);
        let id: i64 = api.app.with_conn(|conn| {
            auth_tokens::table
                .filter(auth_tokens::label.eq("a script"))
                .select(auth_tokens::id)
                .first(conn)
                .unwrap()
        });
        // Without the CSRF token nothing happens.
        let forged = api
            .app
            .post_form(&format!("/editor/profile/tokens/{id}/revoke"), &[])
            .await;
        assert_eq!(forged.status().as_u16(), 403);
        json(api.call(Method::GET, COMMENTS, None).await, 200).await;
        let revoked = api
            .app
            .post_form(&format!("/editor/profile/tokens/{id}/revoke"), &[("csrf", &csrf)])
            .await;
        assert_eq!(see_other(&revoked), "/editor/profile");
        json(api.call(Method::GET, COMMENTS, None).await, 401).await;
        let profile = api.app.page("/editor/profile", 200).await;
        assert!(texts(&profile, ".flash")[0].starts_with("Revoked"));
        assert!(texts(&profile, "table.grid td").iter().any(|t| t.starts_with("revoked ")));

        // The second works until it expires.
        let bearer = format!("Bearer {second}");
        let with_second = [("Authorization", bearer.as_str())];
        json(api.call_with(Method::GET, COMMENTS, None, &with_second).await, 200).await;
        api.app.with_conn(|conn| {
            diesel::update(auth_tokens::table.filter(auth_tokens::label.eq("expires")))
                .set(auth_tokens::expires_at.eq(docket::db::now() - time::Duration::minutes(1)))
                .execute(conn)
                .unwrap();
        });
        json(api.call_with(Method::GET, COMMENTS, None, &with_second).await, 401).await;

        // A working token of an account turned off works no more.
        let third = make_token(&api.app, "third", "10").await;
        let bearer = format!("Bearer {third}");
        let with_third = [("Authorization", bearer.as_str())];
        json(api.call_with(Method::GET, COMMENTS, None, &with_third).await, 200).await;
        api.app.with_conn(|conn| {
            diesel::update(users::table.filter(users::email.eq("ed@example.org")))
                .set(users::active.eq(false))
                .execute(conn)
                .unwrap();
        });
        json(api.call_with(Method::GET, COMMENTS, None, &with_third).await, 401).await;
    }

    async fn an_account_turned_off_and_on_again_does_not_get_its_tokens_back(db: TestDb) {
        let api = api(db).await;
        api.app.with_conn(|conn| {
            diesel::update(users::table.filter(users::email.eq("ed@example.org")))
                .set(users::role.eq("admin"))
                .execute(conn)
                .unwrap();
        });
        let other = api.app.with_conn(|conn| {
            let user = docket::auth::create_user(
                conn,
                "other@example.org",
                "Other Editor",
                docket::domain::Role::Editor,
                "another long password",
            )
            .unwrap();
            docket::auth::api_token::create(conn, user.id, "theirs", None).unwrap()
        });
        let bearer = format!("Bearer {}", other.token);
        let theirs = [("Authorization", bearer.as_str())];
        json(api.call_with(Method::GET, COMMENTS, None, &theirs).await, 200).await;
        let csrf = csrf_token(&api.app.page("/admin/users", 200).await);
        for active in ["0", "1"] {
            let response = api
                .app
                .post_form(
                    &format!("/admin/users/{}/active", other.row.user_id),
                    &[("csrf", &csrf), ("active", active)],
                )
                .await;
            assert_eq!(see_other(&response), "/admin/users");
        }
        let body = json(api.call_with(Method::GET, COMMENTS, None, &theirs).await, 401).await;
        assert_eq!(body["error"]["code"], "unauthorized");
        // Ed's own token is untouched.
        json(api.call(Method::GET, COMMENTS, None).await, 200).await;
    }

    async fn no_more_than_twenty_tokens_even_when_asked_for_at_once(db: TestDb) {
        use docket::auth::api_token::{self, MAX_ACTIVE, TokenError};
        let api = api(db).await;
        let ed = api.app.user_id("ed@example.org");
        // Ed has one already; eight sessions ask for five more each, at once.
        let outcomes: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let mut conn = api.app.test_db.connect();
                        (0..5)
                            .map(|_| match api_token::create(&mut conn, ed, "burst", None) {
                                Ok(_) => Ok(()),
                                Err(TokenError::TooMany) => Err("too many".to_owned()),
                                Err(other) => Err(other.to_string()),
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
        });
        let made = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(made as i64, MAX_ACTIVE - 1, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| o.as_ref().err().is_none_or(|e| e == "too many")), "{outcomes:?}");
        let held: i64 = api.app.with_conn(|conn| {
            auth_tokens::table
                .filter(auth_tokens::user_id.eq(ed))
                .filter(auth_tokens::kind.eq("api"))
                .count()
                .get_result(conn)
                .unwrap()
        });
        assert_eq!(held, MAX_ACTIVE);

        // The profile page says why no token was made.
        let csrf = csrf_token(&api.app.page("/editor/profile", 200).await);
        let response = api
            .app
            .post_form("/editor/profile/tokens", &[("csrf", &csrf), ("label", "one more"), ("days", "")])
            .await;
        assert_eq!(response.status().as_u16(), 422);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        let error = &texts(&page, ".error")[0];
        assert!(error.contains("you have 20 tokens already; revoke one"), "{error}");
    }

    async fn the_profile_page_refuses_bad_tokens_and_others_cannot_revoke_yours(db: TestDb) {
        let api = api(db).await;
        let csrf = csrf_token(&api.app.page("/editor/profile", 200).await);
        for (label, days, expected) in [
            ("", "10", "give the token a label"),
            ("x", "0", "1 to 3650 days"),
            ("x", "many", "1 to 3650 days"),
        ] {
            let response = api
                .app
                .post_form(
                    "/editor/profile/tokens",
                    &[("csrf", &csrf), ("label", label), ("days", days)],
                )
                .await;
            assert_eq!(response.status().as_u16(), 422);
            let page = scraper::Html::parse_document(&response.text().await.unwrap());
            assert!(texts(&page, ".error")[0].contains(expected), "{label} {days}");
            assert!(texts(&page, "#new-token").is_empty());
        }
        // Without the CSRF token, no token is made.
        let forged = api
            .app
            .post_form("/editor/profile/tokens", &[("label", "x"), ("days", "1")])
            .await;
        assert_eq!(forged.status().as_u16(), 403);

        // Another editor's token cannot be revoked from Ed's session.
        let other = api.app.with_conn(|conn| {
            let user = docket::auth::create_user(
                conn,
                "other@example.org",
                "Other Editor",
                docket::domain::Role::Editor,
                "another long password",
            )
            .unwrap();
            docket::auth::api_token::create(conn, user.id, "theirs", None).unwrap()
        });
        let response = api
            .app
            .post_form(
                &format!("/editor/profile/tokens/{}/revoke", other.row.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(see_other(&response), "/editor/profile");
        let bearer = format!("Bearer {}", other.token);
        json(
            api.call_with(Method::GET, COMMENTS, None, &[("Authorization", &bearer)]).await,
            200,
        )
        .await;
        let count: i64 = api.app.with_conn(|conn| {
            auth_tokens::table
                .filter(auth_tokens::kind.eq("api"))
                .count()
                .get_result(conn)
                .unwrap()
        });
        assert_eq!(count, 2, "the refused forms made no token");
    }
}
