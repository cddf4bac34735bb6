//! The outline page as editors and admins see it, with only admins given
//! the forms, and markup in a title shown as text.

use docket::db::sections::Section;
use docket::domain::Role;

use super::{CSV_HEADER, labels, pasted};
use crate::editor::{
    ADD_PATH, Browser, DEMO_NODES, OUTLINE, REPLACE_PATH, delete_path, digest, edit_path, errors,
    field, fingerprint, flash, form_fields, node, save_path, signed_in, stored,
};
use crate::helpers::{TestApp, attrs, see_other, texts};

on_both_backends! {
    async fn editors_and_admins_see_the_outline_but_only_admins_get_the_forms(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let nodes = stored(&app);
        assert_eq!(nodes.len(), DEMO_NODES);
        let (editor, _) = signed_in(&app, Role::Editor).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;

        let home = editor.page("/editor", 200).await;
        assert!(attrs(&home, "td a[href^='/editor/d/']", "href").contains(&OUTLINE.to_owned()));
        let title = texts(&home, "td a[href='/editor/d/nistir-8200']");
        assert_eq!(title.len(), 1);
        assert!(title[0].starts_with("Draft NISTIR 8200"), "{title:?}");

        for (who, browser) in [("editor", &editor), ("admin", &admin)] {
            let page = browser.page(OUTLINE, 200).await;
            assert_eq!(labels(&page), nodes.iter().map(Section::label).collect::<Vec<_>>(), "{who}");
            assert_eq!(texts(&page, "table.outline td.title"), nodes.iter().map(|s| s.title.clone()).collect::<Vec<_>>(), "{who}");
            assert_eq!(&labels(&page)[5..8], ["Figure 1", "5", "5.1"], "{who}");
            assert!(labels(&page).contains(&"Appendix D".to_owned()), "{who}");
            let row_5_2 = texts(&page, "table.outline tbody tr").into_iter().find(|r| r.contains("Consumer IoT")).unwrap();
            assert!(row_5_2.contains("12–14") && row_5_2.contains("801–900"), "{row_5_2}");
            assert_eq!(texts(&page, ".tagging h2"), ["How 0 comment(s) were filed"], "{who}");
            assert_eq!(texts(&page, ".tagging p"), ["No comments yet."], "{who}");
            assert_eq!(
                attrs(&page, ".downloads a", "href"),
                ["/editor/d/nistir-8200/outline.csv", "/editor/d/nistir-8200/outline.toml"],
                "{who}"
            );
            assert!(flash(&page).is_empty());
        }

        let page = editor.page(OUTLINE, 200).await;
        assert_eq!(attrs(&page, "a[href$='/edit']", "href"), Vec::<String>::new());
        assert_eq!(attrs(&page, "form", "action"), ["/editor/find", "/logout"], "an editor gets no outline forms");
        assert_eq!(texts(&page, "nav .who").len(), 1);
        assert!(!texts(&page, "nav .who")[0].contains("(admin)"));

        let page = admin.page(OUTLINE, 200).await;
        assert_eq!(
            attrs(&page, "table.outline a[href$='/edit']", "href"),
            nodes.iter().map(|s| edit_path(s.id)).collect::<Vec<_>>()
        );
        assert_eq!(attrs(&page, "form", "action"), ["/editor/find", "/logout", ADD_PATH, REPLACE_PATH]);
        assert_eq!(attrs(&page, "form[action$='/replace']", "enctype"), ["multipart/form-data"]);
        assert_eq!(fingerprint(&page), digest(&app));

        // The edit form shows the node as stored.
        let d2 = node(&app, "D.2");
        let form = admin.page(&edit_path(d2.id), 200).await;
        assert_eq!(texts(&form, "h1"), ["Edit D.2"]);
        let fields = form_fields(&form, &save_path(d2.id));
        let shown: Vec<(&str, &str)> = fields.iter().filter(|(n, _)| n != "csrf").map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(shown, [
            ("fingerprint", digest(&app).as_str()),
            ("title", "Cyber Incident Management"),
            ("page_start", "56"),
            ("page_end", "61"),
            ("line_start", "2671"),
            ("line_end", "2940"),
        ]);
        let owner_path = format!("{OUTLINE}/{}/owner", d2.id);
        assert_eq!(
            attrs(&form, "form", "action"),
            ["/editor/find", "/logout", save_path(d2.id).as_str(), owner_path.as_str(), delete_path(d2.id).as_str()]
        );
        // Nodes of no document, and documents that do not exist.
        admin.page(&edit_path(999_999), 404).await;
        admin.page("/editor/d/nope/outline", 404).await;
        assert_eq!(admin.get("/editor/d/nope/outline.csv").await.status().as_u16(), 404);
    }

    async fn markup_in_a_node_title_is_shown_as_text(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let title = "<script>alert(\"title\")</script><img src=x onerror=alert(1)> & \"quoted\"";
        let id = node(&app, "5.2").id;
        let response = admin.save_node(id, &[("title", title)]).await;
        admin.followed(response).await;
        assert_eq!(node(&app, "5.2").title, title, "stored as typed");

        for (path, browser) in [(OUTLINE.to_owned(), &admin), ("/d/nistir-8200".to_owned(), &Browser::new(&app)), (edit_path(id), &admin)] {
            let response = browser.get(&path).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("<script>alert"), "{path}");
            assert!(!body.contains("<img src=x"), "{path}");
            let page = scraper::Html::parse_document(&body);
            assert_eq!(texts(&page, "script"), Vec::<String>::new(), "{path}");
            assert_eq!(texts(&page, "img"), Vec::<String>::new(), "{path}");
            if path == edit_path(id) {
                assert_eq!(field(&page, &save_path(id), "title"), title);
            } else {
                assert!(texts(&page, "table.outline td.title").contains(&title.to_owned()), "{path}");
            }
        }

        // Markup in a number that passes the rules, shown in the flash.
        let response = admin.add_node(&[("number", "<i>11</i>"), ("title", "Markup")]).await;
        assert_eq!(see_other(&response), OUTLINE);
        let body = admin.get(OUTLINE).await.text().await.unwrap();
        assert!(!body.contains("<i>11"), "{body}");
        let page = scraper::Html::parse_document(&body);
        assert!(flash(&page)[0].starts_with("Added <i>11</i>. Nodes: 1 added,"), "{:?}", flash(&page));
        assert!(labels(&page).contains(&"<i>11</i>".to_owned()));

        // Markup in a refused addition comes back as text too.
        let response = admin.add_node(&[("number", "<b>9.9.9</b>"), ("title", "</textarea><script>alert(2)</script>")]).await;
        assert_eq!(response.status().as_u16(), 422);
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert(2)"), "{body}");
        assert!(!body.contains("<b>9.9.9"), "{body}");
        let page = scraper::Html::parse_document(&body);
        assert_eq!(field(&page, ADD_PATH, "number"), "<b>9.9.9</b>");
        assert!(errors(&page)[0].contains("<b>9.9.9</b>"), "{:?}", errors(&page));
        // The same in a pasted replacement.
        let text = format!("{CSV_HEADER}</textarea><script>alert(3)</script>,,,,,,,\n");
        let response = admin.replace(|f| pasted(f, &text, "csv")).await;
        assert_eq!(response.status().as_u16(), 422);
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert(3)"), "{body}");
        let page = scraper::Html::parse_document(&body);
        assert_eq!(field(&page, REPLACE_PATH, "text"), text);
    }
}
