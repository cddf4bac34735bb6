//! Uploads and confirmed submissions are limited per client address: a
//! confirm sends a receipt e-mail to whatever address was typed, so
//! without a limit the form would relay e-mail for anyone.

use super::{ADA, about, confirm, form_csrf, open_document, preview, send, spawn, stored, typed};
use crate::helpers::{TestApp, see_other, texts};

const ROW: [&str; 6] = ["G", "", "", "", "A comment.", ""];

/// The error page's message, asserting 429 and a `Retry-After` of at most
/// `most` seconds.
async fn too_many(response: reqwest::Response, most: u64) -> String {
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=most).contains(&wait), "Retry-After: {wait}");
    let page = scraper::Html::parse_document(&response.text().await.unwrap());
    texts(&page, "p.message").join("\n")
}

/// POSTs the typed form as the proxy on 127.0.0.1 would for `client`.
async fn send_from(app: &TestApp, client: &str, csrf: &str) -> reqwest::Response {
    let form = typed(csrf, ADA, &[ROW]);
    app.client
        .post(format!("{}/d/draft/submit", app.address))
        .header("content-type", form.content_type())
        .header("x-forwarded-for", client)
        .body(form.into_body())
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn uploads_and_confirms_are_limited_per_client_address(db: TestDb) {
        let site = spawn(
            db,
            "",
            "[limits]\ntrusted_proxies = [\"127.0.0.1\"]\nupload_per_minute = 2\nconfirm_per_minute = 1\n",
        )
        .await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let (first, _) = preview(app, "draft", send(app, "draft", typed(&csrf, ADA, &[ROW])).await).await;
        let (second, _) = preview(app, "draft", send(app, "draft", typed(&csrf, ADA, &[ROW])).await).await;

        // A third upload in a minute from the same address: refused unread.
        let message = too_many(send(app, "draft", typed(&csrf, ADA, &[ROW])).await, 60).await;
        assert!(message.starts_with("Too many submissions came from your network"), "{message}");
        assert_eq!(stored(app), (0, 0, 2));
        // Whatever the form holds: the limit is checked before it is read.
        let junk = send(app, "draft", about(&csrf, ADA)).await;
        assert_eq!(junk.status().as_u16(), 429);
        // Another client address (behind the trusted proxy) has its own budget.
        let other = send_from(app, "203.0.113.7", &csrf).await;
        assert!(see_other(&other).starts_with("/d/draft/submit/"));

        // One confirm a minute: the second is refused, no second e-mail.
        assert_eq!(see_other(&confirm(app, "draft", &first, &csrf).await), format!("/receipt/{first}"));
        let message = too_many(confirm(app, "draft", &second, &csrf).await, 60).await;
        assert!(message.starts_with("Too many submissions were confirmed from your network"), "{message}");
        assert_eq!(site.mails().await.len(), 1);
        assert_eq!(stored(app).0, 1);
    }
}
