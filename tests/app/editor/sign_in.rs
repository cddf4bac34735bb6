//! Signing in and out: the way back to the page asked for (never off
//! site), one answer for every wrong address or password, the pause after
//! five failures (per client address, alike for unknown addresses), the
//! per-address budget of attempts, CSRF tokens renewed at sign-in, the
//! cookie's flags, and deactivated accounts.

use diesel::prelude::*;
use docket::db::schema::users;

use docket::domain::Role;

use super::{
    Browser, CSRF_REFUSED, OUTLINE, create_user, digest, error_message, fingerprint, html, query,
    refused, signed_in,
};
use crate::helpers::{TestApp, attrs, csrf_token, see_other, texts};

const WRONG: &str = "The e-mail address or the password is wrong.";
/// How the answer to a paused sign-in starts, for any address.
const PAUSED: &str =
    "Too many failed attempts: sign-in with this e-mail address from your network is paused until ";
/// Believes `X-Forwarded-For` from the test client (see `Browser::from`).
const TRUSTING_LOCALHOST: &str = "[limits]\ntrusted_proxies = [\"127.0.0.1\"]\n";

/// Five wrong passwords for `email`: four 401s, then the pause (429 with
/// `Retry-After`); returns the pause's message.
async fn paused_after_five(browser: &Browser, email: &str) -> String {
    for attempt in 1..docket::auth::MAX_FAILURES {
        let response = browser.sign_in(email, "wrong password 123", None).await;
        assert_eq!(
            response.status().as_u16(),
            401,
            "{email}, attempt {attempt}"
        );
    }
    let fifth = browser.sign_in(email, "wrong password 123", None).await;
    let wait: i64 = fifth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&wait), "Retry-After: {wait}");
    let page = refused(fifth, 429, "fifth wrong password").await;
    let message = sign_in_error(&page).join("\n");
    assert!(message.starts_with(PAUSED), "{message}");
    assert!(message.ends_with(" UTC; try again then."), "{message}");
    assert_eq!(attrs(&page, "input[name=email]", "value"), [email]);
    message
}

/// Where a sign-in form is sent from the editor page `path`.
fn to_sign_in(path: &str) -> String {
    format!("/login?{}", query("next", path))
}

/// The error shown above the sign-in form.
fn sign_in_error(page: &scraper::Html) -> Vec<String> {
    texts(page, ".errors p")
}

/// Whether the browser is signed in, as the editor home page tells.
async fn is_signed_in(browser: &Browser) -> bool {
    match browser.get("/editor").await.status().as_u16() {
        200 => true,
        303 => false,
        other => panic!("GET /editor answered {other}"),
    }
}

/// The `Set-Cookie` headers of a response naming the session cookie.
fn session_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("docket_session="))
        .collect()
}

on_both_backends! {
    async fn editor_pages_send_visitors_to_sign_in_and_back(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Admin);
        let browser = Browser::of(&app);

        for path in [
            "/editor",
            OUTLINE,
            "/editor/d/nistir-8200/outline?sort=title&x=1",
            "/editor/d/nistir-8200/outline.csv",
            "/editor/d/nistir-8200/outline/1/edit",
        ] {
            let response = browser.get(path).await;
            assert_eq!(see_other(&response), to_sign_in(path), "GET {path}");
        }
        // A form sent without a sign-in changes nothing and leads back to
        // the page it was sent from (the Referer), not to the POST's URL.
        let before = digest(&app);
        let response = browser
            .client
            .post(format!("{}/editor/d/nistir-8200/outline/add", app.address))
            .header("Referer", format!("{}{OUTLINE}", app.address))
            .form(&[("csrf", "x"), ("fingerprint", "x"), ("number", "11"), ("title", "Sneaky")])
            .send()
            .await
            .unwrap();
        assert_eq!(see_other(&response), to_sign_in(OUTLINE));
        let response = browser.post_form("/editor/d/nistir-8200/outline/add", &[("number", "11")]).await;
        assert_eq!(see_other(&response), to_sign_in("/editor"));
        assert_eq!(digest(&app), before);

        // The sign-in form remembers where to go, and goes there.
        let form = browser.page(&to_sign_in(OUTLINE), 200).await;
        assert_eq!(attrs(&form, "input[name=next]", "value"), [OUTLINE]);
        assert_eq!(attrs(&form, "input[name=email]", "value"), [""]);
        assert_eq!(attrs(&form, "input[name=password]", "type"), ["password"]);
        let response = browser.sign_in(&account.email, &account.password, Some(OUTLINE)).await;
        assert_eq!(see_other(&response), OUTLINE);
        let page = browser.page(OUTLINE, 200).await;
        assert_eq!(texts(&page, "nav .who"), [format!("{} (admin)", account.name)]);

        // The address is not case sensitive; no `next` means the editor home.
        let other = Browser::new(&app);
        let response = other.sign_in(&account.email.to_uppercase(), &account.password, None).await;
        assert_eq!(see_other(&response), "/editor");
        let home = other.page("/editor", 200).await;
        assert_eq!(
            attrs(&home, "a[href='/editor/d/nistir-8200/outline']", "href"),
            [OUTLINE]
        );
        // The sign-in was recorded.
        let last_login = app.with_conn(|conn| {
            users::table
                .find(account.id)
                .select(users::last_login_at)
                .first::<Option<time::PrimitiveDateTime>>(conn)
                .unwrap()
        });
        assert!(last_login.is_some());
    }

    async fn wrong_passwords_and_unknown_addresses_get_the_same_answer(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        let browser = Browser::of(&app);

        let wrong_password = browser.sign_in(&account.email, "not the password at all", Some(OUTLINE)).await;
        let wrong_password = refused(wrong_password, 401, "wrong password").await;
        assert_eq!(sign_in_error(&wrong_password), [WRONG]);
        // The form comes back with the address and `next`, never the password.
        assert_eq!(attrs(&wrong_password, "input[name=email]", "value"), [account.email.as_str()]);
        assert_eq!(attrs(&wrong_password, "input[name=next]", "value"), [OUTLINE]);
        assert_eq!(attrs(&wrong_password, "input[name=password]", "value"), Vec::<String>::new());
        assert!(!wrong_password.html().contains("not the password at all"));

        let unknown = browser.sign_in("nobody@example.org", &account.password, None).await;
        let unknown = refused(unknown, 401, "unknown address").await;
        assert_eq!(sign_in_error(&unknown), [WRONG]);
        assert!(!is_signed_in(&browser).await);

        // The refused form's token still works: the next attempt succeeds.
        let csrf = csrf_token(&unknown);
        let response = browser
            .post_form("/login", &[
                ("csrf", csrf.as_str()),
                ("email", account.email.as_str()),
                ("password", account.password.as_str()),
                ("next", OUTLINE),
            ])
            .await;
        assert_eq!(see_other(&response), OUTLINE);
        assert!(is_signed_in(&browser).await);
    }

    async fn five_wrong_passwords_pause_only_that_address_and_unknown_addresses_alike(db: TestDb) {
        // Behind a proxy on 127.0.0.1, so that each browser can come from
        // an address of its own (X-Forwarded-For).
        let app = TestApp::spawn_with(db, TRUSTING_LOCALHOST).await;
        let account = create_user(&app, Role::Admin);
        let attacker = Browser::from(&app, "198.51.100.66");

        // A success in between starts the count again.
        for _ in 0..3 {
            let response = attacker.sign_in(&account.email, "wrong password 123", None).await;
            assert_eq!(response.status().as_u16(), 401);
        }
        assert_eq!(see_other(&attacker.sign_in(&account.email, &account.password, None).await), "/editor");
        let attacker = Browser::from(&app, "198.51.100.66");

        // Five wrong passwords in a row: the fifth answer is the pause.
        let fifth = paused_after_five(&attacker, &account.email).await;
        // The time given is when the pause ends, rounded up to the minute.
        let now = time::OffsetDateTime::now_utc();
        let ends = |minutes| {
            let at = now + time::Duration::minutes(minutes);
            format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute())
        };
        assert!(fifth.contains(&ends(15)) || fifth.contains(&ends(16)), "{fifth}");

        // Paused: even the right password is refused, and nobody is signed in.
        let right = attacker.sign_in(&account.email, &account.password, Some(OUTLINE)).await;
        let right = refused(right, 429, "right password while paused").await;
        assert!(sign_in_error(&right)[0].starts_with(PAUSED), "{:?}", sign_in_error(&right));
        assert!(!is_signed_in(&attacker).await);

        // An address without an account is paused the same way, with the
        // same words: the pause does not tell which addresses exist.
        let unknown = paused_after_five(&attacker, "nobody@example.org").await;
        let without_time = |m: &str| {
            let (before, rest) = m.split_once("until ").unwrap();
            format!("{before}until …{}", &rest[rest.find(" UTC").unwrap()..])
        };
        assert_eq!(without_time(&unknown), without_time(&fifth));

        // The real admin, from another address, signs in all the same …
        let admin = Browser::from(&app, "203.0.113.5");
        assert_eq!(see_other(&admin.sign_in(&account.email, &account.password, None).await), "/editor");
        // … and so does anyone from the attacker's address to another account.
        let bystander = create_user(&app, Role::Editor);
        let neighbour = Browser::from(&app, "198.51.100.66");
        assert_eq!(see_other(&neighbour.sign_in(&bystander.email, &bystander.password, None).await), "/editor");
    }

    async fn sign_in_attempts_are_limited_per_client_address(db: TestDb) {
        let config = format!("{TRUSTING_LOCALHOST}sign_in_per_minute = 3\n");
        let app = TestApp::spawn_with(db, &config).await;
        let account = create_user(&app, Role::Editor);
        let flooder = Browser::from(&app, "198.51.100.7");
        for (i, email) in ["a@example.org", "b@example.org", "c@example.org"].into_iter().enumerate() {
            let response = flooder.sign_in(email, "wrong password 123", None).await;
            assert_eq!(response.status().as_u16(), 401, "attempt {i}");
        }
        // The fourth in a minute, whatever the address tried, right or wrong.
        let fourth = flooder.sign_in(&account.email, &account.password, None).await;
        assert_eq!(fourth.status().as_u16(), 429);
        let wait: u64 = fourth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        let message = error_message(fourth, 429, "fourth sign-in in a minute").await;
        assert!(message.starts_with("Too many sign-in attempts came from your network. Try again in "), "{message}");
        assert!(!is_signed_in(&flooder).await);
        // Another client address has its own budget.
        let other = Browser::from(&app, "203.0.113.5");
        assert_eq!(see_other(&other.sign_in(&account.email, &account.password, None).await), "/editor");
    }

    async fn over_long_passwords_get_the_same_answer_for_real_and_unknown_addresses(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        // Starts with the right password: only its length is wrong.
        let long = format!("{}{}", account.password, "x".repeat(docket::auth::password::MAX_BYTES));
        for email in [account.email.as_str(), "nobody@example.org"] {
            let browser = Browser::new(&app);
            let response = browser.sign_in(email, &long, None).await;
            let page = refused(response, 401, email).await;
            assert_eq!(sign_in_error(&page), [WRONG], "{email}");
            assert!(!is_signed_in(&browser).await);
        }
    }

    async fn sign_in_never_redirects_to_another_site(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        for (next, lands_on) in [
            ("//evil.example/x", "/editor"),
            ("https://evil.example/x?y=1", "/x?y=1"),
            ("http://evil.example", "/"),
            ("/\\evil.example", "/editor"),
            ("\\\\evil.example", "/editor"),
            ("javascript:alert(1)", "/editor"),
            ("evil.example", "/editor"),
            ("", "/editor"),
            ("/editor/d/nistir-8200/outline?a=1&b=2", "/editor/d/nistir-8200/outline?a=1&b=2"),
        ] {
            // Both as the form shows it and as a crafted POST would send it.
            let browser = Browser::new(&app);
            let form = browser.page(&format!("/login?{}", query("next", next)), 200).await;
            assert_eq!(attrs(&form, "input[name=next]", "value"), [lands_on], "form for {next:?}");
            let csrf = csrf_token(&form);
            let response = browser
                .post_form("/login", &[
                    ("csrf", csrf.as_str()),
                    ("email", account.email.as_str()),
                    ("password", account.password.as_str()),
                    ("next", next),
                ])
                .await;
            assert_eq!(see_other(&response), lands_on, "next={next:?}");
        }
    }

    async fn redirect_targets_with_tabs_or_newlines_stay_on_this_site(db: TestDb) {
        // Browsers drop tabs and newlines from a URL before reading it (URL
        // standard), so a `Location: /<TAB>/evil.example` is
        // `//evil.example`: another site. A link to
        // `/login?next=/%09/evil.example` must not lead there after signing in.
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        let site = url::Url::parse(&app.address).unwrap();
        let mut off_site = Vec::new();
        for next in ["/\t/evil.example/x", "/\n/evil.example/x", "/\r\n/evil.example/x", "\t//evil.example", "/\t\\evil.example"] {
            let response = Browser::new(&app).sign_in(&account.email, &account.password, Some(next)).await;
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
            let target = location.as_deref().map(|l| site.join(l).unwrap());
            if status != 303 || target.as_ref().and_then(|t| t.host_str()) != site.host_str() {
                off_site.push(format!("next={next:?}: {status}, Location {location:?} = {target:?}"));
            }
        }
        assert!(off_site.is_empty(), "sign-in sends the browser off site:\n{}", off_site.join("\n"));
    }

    async fn signing_out_needs_the_token_and_ends_the_session(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (browser, _) = signed_in(&app, Role::Editor).await;
        let csrf = browser.csrf().await;

        let response = browser.post_form("/logout", &[("csrf", "0".repeat(csrf.len()).as_str())]).await;
        assert_eq!(error_message(response, 403, "wrong token").await, CSRF_REFUSED);
        assert!(is_signed_in(&browser).await, "a refused sign-out leaves the session");
        let response = browser.post_form("/logout", &[("csrf", "")]).await;
        assert_eq!(error_message(response, 403, "empty token").await, CSRF_REFUSED);
        assert!(is_signed_in(&browser).await);

        let response = browser.post_form("/logout", &[("csrf", csrf.as_str())]).await;
        assert_eq!(see_other(&response), "/");
        // The cookie is removed (expired) …
        let cookies = session_cookies(&response);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        assert!(cookies[0].contains("Max-Age=0") || cookies[0].to_lowercase().contains("expires="), "{cookies:?}");
        // … so editor pages want a sign-in again, and the old token is gone.
        assert!(!is_signed_in(&browser).await);
        let response = browser.post_form("/logout", &[("csrf", csrf.as_str())]).await;
        assert_eq!(error_message(response, 403, "token of the ended session").await, CSRF_REFUSED);
    }

    async fn a_session_cookie_copied_before_sign_out_is_worthless_after_it(db: TestDb) {
        // Sign-out must end the session for whoever holds a copy of its
        // cookie (a shared computer, a proxy log), not only in this browser.
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Admin);
        let browser = Browser::new(&app);
        let response = browser.sign_in(&account.email, &account.password, None).await;
        let copied = session_cookies(&response)[0].split(';').next().unwrap().to_owned();
        let csrf = browser.csrf().await;
        assert_eq!(see_other(&browser.post_form("/logout", &[("csrf", csrf.as_str())]).await), "/");

        let thief = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = thief
            .get(format!("{}/editor", app.address))
            .header("Cookie", &copied)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            303,
            "the session cookie from before sign-out still opens /editor"
        );
    }

    async fn a_token_from_before_sign_in_is_refused_after_it(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Admin);
        let browser = Browser::of(&app);
        let form = browser.page("/login", 200).await;
        let before = csrf_token(&form);
        let response = browser
            .post_form("/login", &[
                ("csrf", before.as_str()),
                ("email", account.email.as_str()),
                ("password", account.password.as_str()),
                ("next", "/editor"),
            ])
            .await;
        assert_eq!(see_other(&response), "/editor");

        let after = browser.csrf().await;
        assert_ne!(after, before, "the token is renewed at sign-in");
        // The old token opens nothing: neither sign-out nor an outline change.
        let response = browser.post_form("/logout", &[("csrf", before.as_str())]).await;
        assert_eq!(error_message(response, 403, "sign-out with the old token").await, CSRF_REFUSED);
        let page = browser.page(OUTLINE, 200).await;
        let unchanged = digest(&app);
        let response = browser
            .post_form("/editor/d/nistir-8200/outline/add", &[
                ("csrf", before.as_str()),
                ("fingerprint", fingerprint(&page).as_str()),
                ("number", "11"),
                ("title", "Added with an old token"),
            ])
            .await;
        assert_eq!(error_message(response, 403, "add with the old token").await, CSRF_REFUSED);
        assert_eq!(digest(&app), unchanged);
        assert!(is_signed_in(&browser).await);
        // The new one works.
        let response = browser.post_form("/logout", &[("csrf", after.as_str())]).await;
        assert_eq!(see_other(&response), "/");
    }

    async fn the_session_cookie_is_http_only_and_same_site_strict(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        let browser = Browser::of(&app);
        let response = browser.sign_in(&account.email, &account.password, None).await;
        assert_eq!(see_other(&response), "/editor");
        let cookies = session_cookies(&response);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let flags: Vec<String> = cookies[0].split(';').skip(1).map(|f| f.trim().to_lowercase()).collect();
        assert!(flags.contains(&"httponly".to_owned()), "{cookies:?}");
        assert!(flags.contains(&"samesite=strict".to_owned()), "{cookies:?}");
        assert!(flags.contains(&"path=/".to_owned()), "{cookies:?}");
        // Served on 127.0.0.1 (plain HTTP): not Secure, or it could not work.
        assert!(!flags.contains(&"secure".to_owned()), "{cookies:?}");
    }

    async fn cookies_are_secure_when_configured(db: TestDb) {
        let app = TestApp::spawn_with(db, "[server]\nsecure_cookies = \"always\"\n").await;
        let response = app.get("/login").await;
        assert_eq!(response.status().as_u16(), 200);
        let cookies = session_cookies(&response);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let flags: Vec<String> = cookies[0].split(';').skip(1).map(|f| f.trim().to_lowercase()).collect();
        assert!(flags.contains(&"secure".to_owned()), "{cookies:?}");
        assert!(flags.contains(&"httponly".to_owned()), "{cookies:?}");
        assert!(flags.contains(&"samesite=strict".to_owned()), "{cookies:?}");
    }

    async fn a_deactivated_account_is_signed_out_at_its_next_request(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (browser, account) = signed_in(&app, Role::Admin).await;
        let (colleague, _) = signed_in(&app, Role::Editor).await;
        browser.page(OUTLINE, 200).await;

        let set_active = |active: bool| {
            app.with_conn(|conn| {
                diesel::update(users::table.find(account.id))
                    .set(users::active.eq(active))
                    .execute(conn)
                    .unwrap();
            });
        };
        set_active(false);
        let response = browser.get(OUTLINE).await;
        assert_eq!(see_other(&response), to_sign_in(OUTLINE));
        // Its forms are refused too, and it cannot sign in again.
        let response = browser.post_form("/logout", &[("csrf", "x")]).await;
        assert_eq!(response.status().as_u16(), 403);
        let again = browser.sign_in(&account.email, &account.password, None).await;
        assert_eq!(sign_in_error(&refused(again, 401, "inactive account").await), [WRONG]);
        // Others carry on.
        colleague.page(OUTLINE, 200).await;

        // Reactivated: the old session stays ended; a new sign-in works.
        set_active(true);
        assert!(!is_signed_in(&browser).await);
        assert_eq!(see_other(&browser.sign_in(&account.email, &account.password, None).await), "/editor");
        assert!(is_signed_in(&browser).await);
    }

    async fn what_a_failed_sign_in_echoes_is_escaped(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let browser = Browser::of(&app);
        let email = "\"><script>alert('email')</script><img src=x onerror=alert(1)>@example.org";
        let next = "/editor\"><script>alert('next')</script>";
        let form = browser.page("/login", 200).await;
        let csrf = csrf_token(&form);
        let response = browser
            .post_form("/login", &[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", "whatever whatever"),
                ("next", next),
            ])
            .await;
        assert_eq!(response.status().as_u16(), 401);
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("<img src=x"), "{body}");
        let page = scraper::Html::parse_document(&body);
        // The typed values come back intact, as attribute values.
        assert_eq!(attrs(&page, "input[name=email]", "value"), [email]);
        // `next` comes back as the same-site path it resolves to, percent-encoded.
        assert_eq!(attrs(&page, "input[name=next]", "value"), [NEXT_AS_PATH]);
        assert_eq!(texts(&page, "script"), Vec::<String>::new());
        assert_eq!(texts(&page, "img"), Vec::<String>::new());

        // The same through `?next=` on the form.
        let response = browser.get(&format!("/login?{}", query("next", next))).await;
        let page = html(response).await;
        assert_eq!(attrs(&page, "input[name=next]", "value"), [NEXT_AS_PATH]);
        assert_eq!(texts(&page, "script"), Vec::<String>::new());
    }
}

/// `/editor"><script>alert('next')</script>` as the path it resolves to.
const NEXT_AS_PATH: &str = "/editor%22%3E%3Cscript%3Ealert('next')%3C/script%3E";

on_both_backends! {
    async fn links_from_other_sites_do_not_sign_editors_out(db: TestDb) {
        // SameSite=Strict cookies stay home on a link from an e-mail: the
        // sign-in page must not answer with a new session over the real one.
        let app = TestApp::spawn(db).await;
        let account = create_user(&app, Role::Editor);
        let browser = Browser::new(&app);
        let response = browser
            .client
            .get(format!("{}/login?next=%2Feditor%2Fd%2Fnistir-8200%2Foutline", app.address))
            .header("Sec-Fetch-Site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers().get("set-cookie").is_none(), "no new session");
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert_eq!(
            attrs(&page, "meta[http-equiv=refresh]", "content"),
            ["0; url=/login?next=%2Feditor%2Fd%2Fnistir-8200%2Foutline"]
        );
        assert!(attrs(&page, "input[name=csrf]", "value").is_empty());

        // Signed in already: the sign-in page goes straight on.
        assert_eq!(see_other(&browser.sign_in(&account.email, &account.password, None).await), "/editor");
        let again = browser.get("/login?next=%2Feditor%2Fd%2Fnistir-8200%2Foutline").await;
        assert_eq!(see_other(&again), "/editor/d/nistir-8200/outline");
        let offsite = browser.get("/login?next=%2F%2Fevil.example").await;
        assert_eq!(see_other(&offsite), "/editor");
    }
}
