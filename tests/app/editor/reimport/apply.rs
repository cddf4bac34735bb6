//! Applying an upload: once, by its uploader, with this session's token;
//! never anonymously; a double click saves once.

use docket::domain::Role;

use super::{
    C1, C3, Csv, PAGE, app, applied, apply, apply_path, audit, download, is, preview, seed, stored,
    waiting_uploads,
};
use crate::editor::{Browser, CSRF_REFUSED, error_message, html, signed_in};
use crate::helpers::{Multipart, TestApp, attrs, see_other, texts};

on_both_backends! {
    async fn an_upload_is_applied_once_by_its_uploader_with_a_valid_token(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        edited.set(C1, "Disposition", "Accepted").set(C1, "Response", "Done.");
        let bytes = edited.bytes();
        let v1 = stored(&app, C1).version;

        // Without the form's token, nothing is read or stored.
        let response = browser
            .post_multipart(PAGE, Multipart::new().file("file", "edited.csv", "text/csv", &bytes))
            .await;
        assert_eq!(error_message(response, 403, "upload without csrf").await, CSRF_REFUSED);
        let response = browser
            .post_multipart(PAGE, Multipart::new().text("csrf", "forged").file("file", "edited.csv", "text/csv", &bytes))
            .await;
        assert_eq!(response.status().as_u16(), 403, "upload with a forged token");
        assert_eq!(waiting_uploads(&app), 0);

        let page = preview(&browser, "edited.csv", "text/csv", &bytes).await;
        let action = apply_path(&page);
        let csrf = attrs(&page, "section.preview form input[name=csrf]", "value").remove(0);

        // Apply without the token, or with another session's.
        // (Without the field at all it is refused as forged too: see `regressions`.)

        let response = browser.post_form(&action, &[]).await;
        assert!(response.status().is_client_error(), "apply without a csrf field: {}", response.status());
        let response = browser.post_form(&action, &[("csrf", "")]).await;
        assert_eq!(error_message(response, 403, "apply with an empty token").await, CSRF_REFUSED);
        let response = browser.post_form(&action, &[("csrf", "forged")]).await;
        assert_eq!(error_message(response, 403, "apply with a forged token").await, CSRF_REFUSED);

        // Another editor, with their own valid token, cannot use it.
        let (other, _) = signed_in(&app, Role::Editor).await;
        let other_csrf = other.csrf().await;
        let response = other.post_form(&action, &[("csrf", other_csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "someone else's upload");
        // Nor an admin.
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let admin_csrf = admin.csrf().await;
        let response = admin.post_form(&action, &[("csrf", admin_csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "an admin, not the uploader");
        // Nor the uploader on another document.
        let elsewhere = action.replace("/editor/d/draft-r/", "/editor/d/nistir-8200/");
        let response = browser.post_form(&elsewhere, &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "the token on another document");
        // Anonymous: sent to sign in.
        let anonymous = Browser::new(&app);
        let response = anonymous.post_form(&action, &[("csrf", csrf.as_str())]).await;
        assert!(see_other(&response).starts_with("/login"), "anonymous apply");
        assert_eq!(stored(&app, C1).version, v1, "none of those applied anything");
        assert_eq!(waiting_uploads(&app), 1, "and the upload still waits");

        let done = applied(&browser, &page).await;
        assert_eq!(texts(&done, "section.applied strong.saved"), ["1"]);
        assert_eq!(stored(&app, C1), is(Some("accepted"), Some("Done."), "resolved", v1 + 1));

        let response = apply(&browser, &page).await;
        let message = error_message(response, 404, "second apply").await;
        assert!(message.contains("that upload is not waiting any more"), "{message}");
        assert_eq!(stored(&app, C1).version, v1 + 1, "applied once");
        assert_eq!(audit(&app, C1).len(), 3);
        let response = browser.post_form("/editor/d/draft-r/reimport/0123456789abcdef/apply", &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status().as_u16(), 404, "a made-up token");
    }

    async fn anonymous_visitors_are_sent_to_sign_in(db: TestDb) {
        let app = TestApp::spawn(db).await;
        seed(&app.test_db);
        let anonymous = Browser::new(&app);
        let response = anonymous.get(PAGE).await;
        assert_eq!(see_other(&response), "/login?next=%2Feditor%2Fd%2Fdraft-r%2Freimport");
        let response = anonymous
            .post_multipart(PAGE, Multipart::new().text("csrf", "x").file("file", "t.csv", "text/csv", b"Tracking #,Disposition\nDRAFT-R-0001-1,Accepted\n"))
            .await;
        assert!(see_other(&response).starts_with("/login"), "anonymous upload");
        assert_eq!(waiting_uploads(&app), 0);
        assert_eq!(stored(&app, C1).disposition, None);
    }

    async fn a_double_click_on_apply_saves_once(db: TestDb) {
        let (app, browser, _) = app(db).await;
        let mut edited = Csv::read(&download(&browser, "format=csv").await);
        edited.set(C1, "Disposition", "Accepted").set(C1, "Response", "Done.");
        edited.set(C3, "Disposition", "Declined").set(C3, "Response", "No.");
        let page = preview(&browser, "edited.csv", "text/csv", &edited.bytes()).await;
        let (v1, v3) = (stored(&app, C1).version, stored(&app, C3).version);
        let (first, second) = tokio::join!(apply(&browser, &page), apply(&browser, &page));
        let mut saved = 0;
        for response in [first, second] {
            match response.status().as_u16() {
                200 => {
                    let done = html(response).await;
                    saved += texts(&done, "section.applied strong.saved")[0].parse::<usize>().unwrap();
                }
                404 => {}
                other => panic!("apply answered {other}"),
            }
        }
        assert_eq!(saved, 2, "each change saved once in all");
        assert_eq!(stored(&app, C1).version, v1 + 1);
        assert_eq!(stored(&app, C3).version, v3 + 1);
        assert_eq!(audit(&app, C1).len(), 3);
        assert_eq!(audit(&app, C3).len(), 3);
        assert_eq!(waiting_uploads(&app), 0);
    }
}
