//! Forms docket refuses, each with its reason and nothing stored: no or a
//! foreign CSRF token, nothing to send, a bad e-mail address, broken files,
//! uploads over the size limit, documents not open for comment.

use super::{
    ADA, CSV, Who, about, confirm, document, form_csrf, open_document, preview, refused, rows,
    send, spawn, stored, typed, upload,
};
use crate::helpers::{Multipart, attrs, csrf_token, texts};
use crate::intake::broken::noise;

const CSRF_REFUSED: &str = "This form has expired or was not sent from this site, so nothing was done. \
                            Go back, reload the page and send it again.";

/// The message of an error page, asserting its status.
async fn error_page(response: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "{what}");
    let page = scraper::Html::parse_document(&response.text().await.unwrap());
    texts(&page, "p.message").join("\n")
}

/// The errors listed above a re-rendered form.
fn errors(page: &scraper::Html) -> Vec<String> {
    texts(page, ".errors li")
}

on_both_backends! {
    async fn forms_without_this_sessions_csrf_token_are_refused(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let good = || upload(&csrf, ADA, "comments.csv", CSV.as_bytes());

        // No token at all: the form without its `csrf` field.
        let form = Multipart::new()
            .text("name", ADA.name)
            .text("organization", ADA.organization)
            .text("email", ADA.email)
            .file("file", "comments.csv", "text/csv", CSV.as_bytes());
        let response = send(app, "draft", form).await;
        assert_eq!(error_page(response, 403, "no csrf field").await, CSRF_REFUSED);
        assert_eq!(stored(app), (0, 0, 0), "no csrf field");

        // A wrong token, and an empty one.
        for wrong in ["0".repeat(csrf.len()), String::new()] {
            let response = send(app, "draft", upload(&wrong, ADA, "comments.csv", CSV.as_bytes())).await;
            assert_eq!(error_page(response, 403, "wrong csrf").await, CSRF_REFUSED);
            assert_eq!(stored(app), (0, 0, 0), "wrong csrf {wrong:?}");
        }

        // This session's token from another browser (no session cookie).
        let stranger = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = good();
        let response = stranger
            .post(format!("{}/d/draft/submit", app.address))
            .header("content-type", form.content_type())
            .body(form.into_body())
            .send()
            .await
            .unwrap();
        assert_eq!(error_page(response, 403, "another browser").await, CSRF_REFUSED);
        assert_eq!(stored(app), (0, 0, 0), "another browser");

        // Confirm and Cancel check the token too.
        let (token, _) = preview(app, "draft", send(app, "draft", good()).await).await;
        let wrong = "f".repeat(csrf.len());
        let response = confirm(app, "draft", &token, &wrong).await;
        assert_eq!(error_page(response, 403, "confirm, wrong csrf").await, CSRF_REFUSED);
        let response = app
            .post_form(&format!("/d/draft/submit/{token}/cancel"), &[("csrf", wrong.as_str())])
            .await;
        assert_eq!(error_page(response, 403, "cancel, wrong csrf").await, CSRF_REFUSED);
        let response = app.post_form(&format!("/d/draft/submit/{token}/confirm"), &[]).await;
        assert_eq!(error_page(response, 403, "confirm without csrf").await, CSRF_REFUSED);
        // Still waiting for a real Confirm, nothing stored.
        assert_eq!(stored(app), (0, 0, 1));
        app.page(&format!("/d/draft/submit/{token}"), 200).await;
        assert!(site.mails().await.is_empty());
    }

    async fn incomplete_forms_are_shown_again_with_what_to_fix(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;

        // Neither a file nor a typed comment (three blank rows).
        let page = refused(send(app, "draft", typed(&csrf, ADA, &[[""; 6]; 3])).await, "nothing sent").await;
        assert_eq!(errors(&page), ["Choose a file to upload, or type at least one comment below."]);
        assert_eq!(texts(&page, ".errors p"), ["Please fix the following; nothing has been stored yet."]);
        // The form is shown again, filled in, with a fresh token of the session.
        assert_eq!(csrf_token(&page), csrf);
        assert_eq!(attrs(&page, "input[name=name]", "value"), [ADA.name]);

        // Not an e-mail address.
        for email in ["ada at example.org", "ada@localhost", "", "<ada@example.org>"] {
            let who = Who { email, ..ADA };
            let page = refused(send(app, "draft", upload(&csrf, who, "comments.csv", CSV.as_bytes())).await, email).await;
            assert_eq!(
                errors(&page),
                ["Give an e-mail address such as name@example.org: the receipt is sent there. It is never published."],
                "{email:?}"
            );
            assert_eq!(attrs(&page, "input[name=email]", "value"), [email.trim()]);
        }

        // No name, and both a file and typed rows.
        let who = Who { name: "  ", ..ADA };
        let form = rows(
            about(&csrf, who).file("file", "comments.csv", "text/csv", CSV.as_bytes()),
            &[["E", "1", "", "", "Also this.", ""]],
        );
        let page = refused(send(app, "draft", form).await, "no name, file and rows").await;
        assert_eq!(errors(&page), [
            "Give your name: editors need to know who sent the comments.",
            "Send either a file or typed comments, not both: clear the typed rows or the file.",
        ]);
        // The typed row is kept in the form.
        assert_eq!(texts(&page, "textarea[name=comment]"), ["Also this."]);
        assert_eq!(attrs(&page, "select[name=kind] option[selected]", "value"), ["E"]);

        assert_eq!(stored(app), (0, 0, 0));
        assert!(site.mails().await.is_empty());
    }

    async fn broken_files_are_refused_with_the_intake_message(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let who = Who { name: "Grace Hopper", organization: "Navy <Compilers> & Co", email: "grace@example.org" };
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("random.xlsx", noise(4096),
                "this is not a spreadsheet docket can read: it is named .xlsx but its content is not a spreadsheet"),
            ("quote.csv", b"Comment #,Section,Comment\n1,5.1,\"two\nlines\"\n2,5.2,\"This quote never closes\n3,5.3,Third\n".to_vec(),
                "row 3: a quoted cell opens with \" and never closes"),
            ("header-only.csv", b"Comment #,Section,Comment\n".to_vec(),
                "the header row was found (the file, row 1) but there are no comment rows below it"),
            ("noheader.csv", b"Name,Date\nAda,2023-01-01\n".to_vec(),
                "no header row was found in the first 30 rows of the file"),
        ];
        for (name, bytes, says) in cases {
            let page = refused(send(app, "draft", upload(&csrf, who, name, &bytes)).await, name).await;
            let errors = errors(&page);
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            let start = format!("“{name}” was not accepted: {says}");
            assert!(errors[0].starts_with(&start), "{name}: {:?}\nexpected it to start {start:?}", errors[0]);
            assert!(errors[0].ends_with(". Nothing was stored."), "{name}: {:?}", errors[0]);
            // What was typed is kept.
            assert_eq!(attrs(&page, "input[name=name]", "value"), [who.name], "{name}");
            assert_eq!(attrs(&page, "input[name=organization]", "value"), [who.organization], "{name}");
            assert_eq!(attrs(&page, "input[name=email]", "value"), [who.email], "{name}");
            assert_eq!(stored(app), (0, 0, 0), "{name}");
        }

        // An empty file named .csv.
        let page = refused(send(app, "draft", upload(&csrf, who, "empty.csv", b"")).await, "empty.csv").await;
        let said = errors(&page);
        assert_eq!(said, ["“empty.csv” was not accepted: the file is empty. Nothing was stored."]);
        assert_eq!(attrs(&page, "input[name=name]", "value"), [who.name]);
        assert_eq!(stored(app), (0, 0, 0));
        assert!(site.mails().await.is_empty());
    }

    async fn an_upload_over_the_size_limit_is_refused(db: TestDb) {
        let site = spawn(db, "", "[intake]\nmax_file_bytes = 2000").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let hint = texts(&app.page("/d/draft/submit", 200).await, "fieldset p").join(" ");
        assert!(hint.contains("at most 2000 bytes"), "{hint}");

        // Over the file limit plus the form's 1 MiB: the request is cut short.
        let big = format!("Comment #,Comment\n{}", "1,A comment long enough to count for something\n".repeat(34_000));
        assert!(big.len() > 3 * 1024 * 1024 / 2);
        let response = send(app, "draft", upload(&csrf, ADA, "big.csv", big.as_bytes())).await;
        let status = response.status().as_u16();
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        let message = texts(&page, "p.message").join("\n");
        assert!(message.to_lowercase().contains("nothing was stored"), "{message}");
        assert_eq!(status, 413, "{message}");
        assert!(message.contains("larger than the limit of 2000 bytes"), "{message}");

        // Over the file limit but within the form's room: the intake says so,
        // on the form shown again, still with 413.
        let over = format!("Comment #,Comment\n{}", "1,A comment long enough to count for something\n".repeat(60));
        let response = send(app, "draft", upload(&csrf, ADA, "over.csv", over.as_bytes())).await;
        assert_eq!(response.status().as_u16(), 413, "over");
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert_eq!(
            errors(&page),
            [format!("“over.csv” was not accepted: the file is {} bytes and the limit is 2000 bytes. Nothing was stored.", over.len())]
        );
        assert_eq!(stored(app), (0, 0, 0));
    }

    async fn documents_not_open_for_comment_show_a_notice_and_refuse_posts(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let today = time::OffsetDateTime::now_utc().date();
        document(app, "upcoming", today + time::Duration::days(30), today + time::Duration::days(60));
        // The token of the session, from an open document's form.
        let csrf = form_csrf(app, "draft").await;

        // The demo document's period ended in 2018.
        let page = app.page("/d/nistir-8200/submit", 200).await;
        assert_eq!(
            texts(&page, ".notice.closed"),
            ["The comment period for this document closed on 18 April 2018. Comments can no longer be \
              submitted here; if you have a question, contact the document's editors."]
        );
        assert!(texts(&page, "form").is_empty(), "no form on a closed document");
        let response = send(app, "nistir-8200", upload(&csrf, ADA, "comments.csv", CSV.as_bytes())).await;
        assert_eq!(response.status().as_u16(), 403, "POST to a closed document");
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert_eq!(texts(&page, ".notice.closed").len(), 1);
        assert!(texts(&page, "form").is_empty());

        let page = app.page("/d/upcoming/submit", 200).await;
        let notice = texts(&page, ".notice.closed");
        assert_eq!(notice.len(), 1);
        assert!(notice[0].starts_with("The comment period for this document opens on "), "{notice:?}");
        assert!(texts(&page, "form").is_empty());
        let response = send(app, "upcoming", typed(&csrf, ADA, &[["E", "1", "", "", "Early.", ""]])).await;
        assert_eq!(response.status().as_u16(), 403, "POST to a document not open yet");

        assert_eq!(app.get("/d/no-such-draft/submit").await.status().as_u16(), 404);
        assert_eq!(stored(app), (0, 0, 0));
        assert!(site.mails().await.is_empty());
    }
}
