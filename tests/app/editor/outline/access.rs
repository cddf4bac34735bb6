//! Who may change an outline: not editors, not without this session's
//! token, and not another document's nodes through this one.

use docket::domain::Role;
use docket::outline::{OutlineFormat, parse};

use super::{CSV_HEADER, file, labelled};
use crate::editor::{
    ADD_PATH, CSRF_REFUSED, OUTLINE, REPLACE_PATH, delete_path, digest, edit_path, error_message,
    node, save_path, signed_in, stored,
};
use crate::helpers::{Multipart, TestApp, csrf_token, texts};

const ADMINS_ONLY: &str = "Only an admin can edit an outline. Ask an admin of this docket.";

/// `rest` after a `csrf` field holding `token`.
fn with_token<'a>(token: &'a str, rest: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("csrf", token)];
    fields.extend_from_slice(rest);
    fields
}

on_both_backends! {
    async fn editors_cannot_change_the_outline(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (editor, _) = signed_in(&app, Role::Editor).await;
        let before = digest(&app);
        let csrf = editor.csrf().await;
        let id = node(&app, "5.2").id;

        let response = editor.get(&edit_path(id)).await;
        assert_eq!(error_message(response, 403, "edit form").await, ADMINS_ONLY);
        let response = editor
            .post_form(&save_path(id), &[("csrf", csrf.as_str()), ("fingerprint", before.as_str()), ("title", "By an editor"), ("page_start", ""), ("page_end", ""), ("line_start", ""), ("line_end", "")])
            .await;
        assert_eq!(error_message(response, 403, "save").await, ADMINS_ONLY);
        let response = editor.post_form(&delete_path(id), &[("csrf", csrf.as_str()), ("fingerprint", before.as_str())]).await;
        assert_eq!(error_message(response, 403, "remove").await, ADMINS_ONLY);
        let response = editor
            .post_form(ADD_PATH, &[("csrf", csrf.as_str()), ("fingerprint", before.as_str()), ("number", "11"), ("title", "By an editor")])
            .await;
        assert_eq!(error_message(response, 403, "add").await, ADMINS_ONLY);
        let csv = format!("{CSV_HEADER}11,By an editor,,,,,,\n");
        let response = editor.post_multipart(REPLACE_PATH, file(Multipart::new().text("csrf", &csrf), "outline.csv", &csv)).await;
        assert_eq!(
            error_message(response, 403, "replace").await,
            "Only an admin can replace an outline. Ask an admin of this docket."
        );
        assert_eq!(digest(&app), before);
        // Still signed in, still able to look.
        editor.page(OUTLINE, 200).await;
    }

    async fn outline_changes_without_this_sessions_token_are_refused(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);
        let csrf = admin.csrf().await;
        let wrong = "0".repeat(csrf.len());
        let id = node(&app, "5.2").id;

        for token in [wrong.as_str(), ""] {
            let response = admin.post_form(&save_path(id), &with_token(token, &[("fingerprint", before.as_str()), ("title", "Forged"), ("page_start", ""), ("page_end", ""), ("line_start", ""), ("line_end", "")])).await;
            assert_eq!(error_message(response, 403, "save").await, CSRF_REFUSED, "{token:?}");
            let response = admin.post_form(&delete_path(id), &with_token(token, &[("fingerprint", before.as_str())])).await;
            assert_eq!(error_message(response, 403, "remove").await, CSRF_REFUSED, "{token:?}");
            let response = admin.post_form(ADD_PATH, &with_token(token, &[("fingerprint", before.as_str()), ("number", "11"), ("title", "Forged")])).await;
            assert_eq!(error_message(response, 403, "add").await, CSRF_REFUSED, "{token:?}");
            let csv = format!("{CSV_HEADER}11,Forged,,,,,,\n");
            let response = admin.post_multipart(REPLACE_PATH, file(Multipart::new().text("csrf", token), "outline.csv", &csv)).await;
            assert_eq!(error_message(response, 403, "replace").await, CSRF_REFUSED, "{token:?}");
        }
        // No token field at all: the replace form (multipart) …
        let csv = format!("{CSV_HEADER}11,Forged,,,,,,\n");
        let response = admin.post_multipart(REPLACE_PATH, file(Multipart::new(), "outline.csv", &csv)).await;
        assert_eq!(error_message(response, 403, "replace without csrf").await, CSRF_REFUSED);
        assert_eq!(digest(&app), before);
        // … and the urlencoded forms.
        for (path, fields) in [
            (save_path(id), vec![("fingerprint", before.as_str()), ("title", "Forged")]),
            (delete_path(id), vec![("fingerprint", before.as_str())]),
            (ADD_PATH.to_owned(), vec![("fingerprint", before.as_str()), ("number", "11"), ("title", "Forged")]),
            ("/logout".to_owned(), vec![]),
        ] {
            let response = admin.post_form(&path, &fields).await;
            assert_eq!(response.status().as_u16(), 403, "POST {path} without a csrf field");
        }
        assert_eq!(digest(&app), before);
    }

    async fn nodes_of_another_document_cannot_be_reached_through_this_one(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let other = app.with_conn(|conn| {
            let spec = crate::helpers::draft_spec("other", time::macros::date!(2000 - 01 - 01), time::macros::date!(2100 - 01 - 01));
            let document = docket::documents::create(conn, &spec).unwrap();
            let outline = parse(&format!("{CSV_HEADER}1,Other intro,,,1,2,1,50\n"), OutlineFormat::Csv).unwrap();
            docket::documents::import_outline(conn, "other", &outline).unwrap();
            docket::db::sections::for_document(conn, document.id).unwrap().remove(0)
        });
        let before = digest(&app);
        let page = admin.page(OUTLINE, 200).await;
        let csrf = csrf_token(&page);

        admin.page(&edit_path(other.id), 404).await;
        let response = admin
            .post_form(&save_path(other.id), &[("csrf", csrf.as_str()), ("fingerprint", before.as_str()), ("title", "Hijacked"), ("page_start", ""), ("page_end", ""), ("line_start", ""), ("line_end", "")])
            .await;
        assert_eq!(response.status().as_u16(), 404);
        let response = admin.post_form(&delete_path(other.id), &[("csrf", csrf.as_str()), ("fingerprint", before.as_str())]).await;
        assert_eq!(response.status().as_u16(), 422);
        assert_eq!(digest(&app), before);
        let still = app.with_conn(|conn| docket::db::sections::for_document(conn, other.document_id).unwrap());
        assert_eq!(labelled(&still), [("1".to_owned(), "Other intro".to_owned())]);
        assert_eq!(still[0].id, other.id);
        // And the demo's own pages do not list it.
        assert!(!labelled(&stored(&app)).iter().any(|(_, t)| t == "Other intro"));
        assert!(!texts(&admin.page(OUTLINE, 200).await, "td.title").contains(&"Other intro".to_owned()));
    }
}
