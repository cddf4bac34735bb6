//! Every payload of `security/xss-quick.txt` in the name, organisation,
//! section, comment and suggested change: shown as text on the re-rendered
//! form, the preview and the receipt, never run as markup.

use diesel::prelude::*;
use docket::db::schema::comments;

use super::{Who, confirm, form_csrf, open_document, send, spawn, submission, tracking, typed};
use crate::helpers::{attrs, see_other, texts};
use crate::intake::fixtures_dir;

/// Whitespace collapsed, as `texts` reads a page.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A page shows `payloads` only as text: none appears verbatim where it
/// holds markup, and no element or event handler of theirs made it in.
fn assert_inert(body: &str, payloads: &[String], what: &str) {
    for payload in payloads.iter().filter(|p| p.contains('<')) {
        assert!(
            !body.contains(payload.as_str()),
            "{what}: {payload:?} appears unescaped"
        );
    }
    let page = scraper::Html::parse_document(body);
    // docket's own script (the form's "More rows") is the one allowed.
    let foreign = "script:not([src^='/static/']), svg, iframe, img, video, audio, source, marquee, marguee, keygen, \
                   a[href^='javascript'], button[formaction], input[autofocus], select[autofocus], \
                   textarea[autofocus]";
    let found: Vec<String> = page
        .select(&scraper::Selector::parse(foreign).unwrap())
        .map(|e| e.html())
        .collect();
    assert!(
        found.is_empty(),
        "{what}: elements from the payloads: {found:#?}"
    );
    let handlers: Vec<String> = page
        .select(&scraper::Selector::parse("*").unwrap())
        .filter(|e| e.value().attrs().any(|(name, _)| name.starts_with("on")))
        .map(|e| e.html())
        .collect();
    assert!(handlers.is_empty(), "{what}: event handlers: {handlers:#?}");
    assert_eq!(
        texts(&page, "h1").len(),
        1,
        "{what}: one heading, the page's own"
    );
}

on_both_backends! {
    async fn xss_payloads_are_shown_as_text_on_every_page(db: TestDb) {
        let Some(fixtures) = fixtures_dir() else { return };
        let payloads: Vec<String> = std::fs::read_to_string(fixtures.join("security/xss-quick.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        assert!(payloads.len() >= 30, "{}", payloads.len());
        // As many payloads as a name (200 characters) and an organisation
        // (300) hold; every payload goes in the comments' fields.
        let fitting = |payloads: &mut dyn Iterator<Item = &String>, limit: usize| {
            let mut joined = String::new();
            for p in payloads {
                if joined.chars().count() + 1 + p.chars().count() > limit {
                    continue;
                }
                if !joined.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(p);
            }
            joined
        };
        let name = fitting(&mut payloads.iter(), docket::submissions::MAX_NAME_CHARS);
        let organization = fitting(&mut payloads.iter().rev(), docket::submissions::MAX_ORGANIZATION_CHARS);
        assert!(name.contains('<') && organization.contains('<'), "{name} / {organization}");
        let rows: Vec<[&str; 6]> = payloads
            .iter()
            .map(|p| ["", p.as_str(), "", "", p.as_str(), p.as_str()])
            .collect();

        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;

        // The form shown again (a bad address) echoes every field.
        let who = Who { name: &name, organization: &organization, email: "not an address" };
        let response = send(app, "draft", typed(&csrf, who, &rows)).await;
        assert_eq!(response.status().as_u16(), 422);
        let body = response.text().await.unwrap();
        assert_inert(&body, &payloads, "the form shown again");
        let page = scraper::Html::parse_document(&body);
        assert_eq!(attrs(&page, "input[name=name]", "value"), [name.trim()]);
        assert_eq!(attrs(&page, "input[name=organization]", "value"), [organization.trim()]);
        assert_eq!(attrs(&page, "input[name=section]", "value"), payloads);
        let typed_back: Vec<String> = payloads.iter().map(|p| collapsed(p)).collect();
        assert_eq!(texts(&page, "textarea[name=comment]"), typed_back);
        assert_eq!(texts(&page, "textarea[name=suggested_change]"), typed_back);

        // The preview.
        let who = Who { email: "xss@example.org", ..who };
        let location = see_other(&send(app, "draft", typed(&csrf, who, &rows)).await);
        let token = location.rsplit('/').next().unwrap().to_owned();
        let body = app.get(&location).await.text().await.unwrap();
        assert_inert(&body, &payloads, "the preview");
        let page = scraper::Html::parse_document(&body);
        assert_eq!(texts(&page, ".count"), [format!("{} comment(s)", payloads.len())]);
        assert_eq!(texts(&page, ".submitter"), [collapsed(&name)]);
        assert_eq!(texts(&page, ".organization"), [collapsed(&organization)]);
        assert_eq!(texts(&page, "td.change"), typed_back);
        let shown = texts(&page, "td.comment");
        assert_eq!(shown.len(), payloads.len());
        for (cell, payload) in shown.iter().zip(&typed_back) {
            assert!(cell.starts_with(payload.as_str()), "{cell:?} should show {payload:?}");
        }

        // The receipt.
        let receipt_at = see_other(&confirm(app, "draft", &token, &csrf).await);
        let body = app.get(&receipt_at).await.text().await.unwrap();
        assert_inert(&body, &payloads, "the receipt");
        let receipt = scraper::Html::parse_document(&body);
        assert_eq!(texts(&receipt, ".submitter"), [collapsed(&name)]);

        // Stored as written.
        let sub = submission(app, &tracking(&receipt));
        assert_eq!(sub.submitter_name, name.trim());
        assert_eq!(sub.organization, organization.trim());
        let bodies: Vec<(String, Option<String>)> = app.with_conn(|conn| {
            comments::table
                .filter(comments::submission_id.eq(sub.id))
                .order(comments::seq)
                .select((comments::body, comments::suggested_change))
                .load(conn)
                .unwrap()
        });
        let expected: Vec<(String, Option<String>)> = payloads
            .iter()
            .map(|p| (p.clone(), Some(p.clone())))
            .collect();
        assert_eq!(bodies, expected);
    }
}
