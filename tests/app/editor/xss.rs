//! Every editor page renders hostile text inert: payloads in every field a
//! submitter, an editor or an admin can fill in (comment cells, unknown
//! columns, submitter, response, names, section titles, search words) never
//! become markup.

use diesel::prelude::*;
use docket::db::schema::{comments, sections, users};

use crate::editor::tags::app_with;
use crate::helpers::TestApp;

const PAYLOADS: [&str; 4] = [
    "<script>alert('s')</script>",
    "\"><img src=x onerror=alert('i')>",
    "</textarea><svg onload=alert('v')>",
    "javascript:alert('j')",
];

/// No element the payloads could have made: no inline script, no event
/// handler attribute, no `javascript:` link.
pub(crate) fn assert_inert(path: &str, html: &str) {
    let page = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").unwrap();
    for element in page.select(&all) {
        let value = element.value();
        if value.name() == "script" {
            assert!(value.attr("src").is_some(), "{path}: an inline script");
        }
        for (name, attr) in value.attrs() {
            assert!(!name.starts_with("on"), "{path}: an `{name}` attribute");
            assert!(
                !(name == "href" && attr.trim_start().starts_with("javascript:")),
                "{path}: a javascript: link"
            );
        }
    }
}

on_both_backends! {
    async fn hostile_text_is_inert_on_every_editor_page(db: TestDb) {
        let [s, i, v, j] = PAYLOADS;
        let csv = format!(
            "Comment #,Type,Section,Page #,Line #,Comment,Suggested change,Submitter,Organization,Notes\n\
             \"{s}\",\"{i}\",\"{v}\",\"{j}\",\"{s}\",\"{i} {s}\",\"{v}\",\"{s}\",\"{i}\",\"{v}\"\n\
             2,T,5.1,,,\"{i} {s}\",\"{j}\",x,y,z\n"
        );
        let app: TestApp = app_with(db, &csv).await;
        let id: i64 = app.with_conn(|conn| comments::table.select(comments::id).first(conn).unwrap());
        app.with_conn(|conn| {
            diesel::update(comments::table)
                .set((comments::response.eq(format!("{s}{i}")), comments::cluster_id.eq(id)))
                .execute(conn)
                .unwrap();
            diesel::update(users::table).set(users::name.eq(format!("Ed {i}"))).execute(conn).unwrap();
            diesel::update(sections::table.filter(sections::number.eq("5.1")))
                .set(sections::title.eq(format!("{v}{s}")))
                .execute(conn)
                .unwrap();
        });
        let five_one: i64 = app.with_conn(|conn| {
            sections::table.filter(sections::number.eq("5.1")).select(sections::id).first(conn).unwrap()
        });
        let search = url::form_urlencoded::byte_serialize(format!("{s} {i}").as_bytes()).collect::<String>();
        let pages = [
            "/editor".to_owned(),
            "/editor/d/nistir-8200".to_owned(),
            "/editor/d/nistir-8200/s/all".to_owned(),
            format!("/editor/d/nistir-8200/s/all?q={search}&submitter={search}"),
            format!("/editor/d/nistir-8200/s/{five_one}"),
            "/editor/d/nistir-8200/tags?show=all".to_owned(),
            "/editor/d/nistir-8200/outline".to_owned(),
            "/editor/d/nistir-8200/clusters".to_owned(),
            format!("/editor/comments/{id}"),
            "/d/nistir-8200".to_owned(),
        ];
        for path in pages {
            let response = app.get(&path).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let html = response.text().await.unwrap();
            assert_inert(&path, &html);
            // The text itself is shown, escaped, where the page shows it.
            if path.starts_with("/editor/comments/") {
                assert!(html.contains("&#60;script&#62;alert("), "{path}");
            }
        }
    }
}
