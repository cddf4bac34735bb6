//! Outline changes on the web re-tag the document's comments in the same
//! transaction: a line-tagged comment follows its line, an editor's
//! hand-made tag stays, unless its node is removed.

use diesel::prelude::*;
use docket::db::schema::comments;
use docket::domain::Role;

use super::{DEMO, DEMO_NODES, OUTLINE, flash, node, signed_in};
use crate::cli::{docket, stderr, stdout};
use crate::helpers::{TestApp, texts};

/// Comments on the demo document (its ranges: src/demo/nistir_8200_outline.toml).
const COMMENTS: &str = "Comment #,Section,Page #,Line #,Comment
1,,,850,Line 850 lies in 5.2 (lines 801-900)
2,5.4,,,Named by its section
3,,,1150,Line 1150 lies in 5.5 (lines 1101-1180)
4,General,,,About the whole report
";

/// A comment's tag: its node's id and the route that put it there.
fn tag(app: &TestApp, number: &str) -> (Option<i64>, String) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::comment_number.eq(number))
            .select((comments::section_id, comments::tag_source))
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn outline_changes_on_the_web_retag_comments_but_not_hand_made_tags(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("comments.csv");
        std::fs::write(&file, COMMENTS).unwrap();
        // The demo's comment period ended in 2018.
        let out = docket(&app.test_db, &["import", "--document", DEMO, "--late", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        let (admin, _) = signed_in(&app, Role::Admin).await;

        assert_eq!(tag(&app, "1"), (Some(node(&app, "5.2").id), "line".to_owned()));
        assert_eq!(tag(&app, "2"), (Some(node(&app, "5.4").id), "section".to_owned()));
        assert_eq!(tag(&app, "3"), (Some(node(&app, "5.5").id), "line".to_owned()));
        assert_eq!(tag(&app, "4").1, "general");
        let page = admin.page(OUTLINE, 200).await;
        assert_eq!(texts(&page, ".tagging h2"), ["How 4 comment(s) were filed"]);
        // In the order tagging tries the routes.
        assert_eq!(texts(&page, ".routes li"), [
            "1 from the section column",
            "2 from the line number",
            "1 General (no location given)",
            "0 with a conflict note (the signals disagree)",
        ]);
        let row = texts(&page, "table.outline tbody tr").into_iter().find(|r| r.starts_with("5.2 ")).unwrap();
        assert!(row.ends_with(" 1 Edit"), "{row}");

        // 5.2 shrinks to 801-840: line 850 now lies only in 5.
        let consumer = node(&app, "5.2").id;
        let response = admin.save_node(consumer, &[("line_start", "801"), ("line_end", "840")]).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!(
            "Saved node #{consumer}. Re-tagging checked 4 comment(s); 1 changed section or note (hand-made tags stay)."
        )]);
        assert_eq!(tag(&app, "1"), (Some(node(&app, "5").id), "line".to_owned()));
        assert_eq!(tag(&app, "2"), (Some(node(&app, "5.4").id), "section".to_owned()), "the others stay");
        assert_eq!(tag(&app, "3"), (Some(node(&app, "5.5").id), "line".to_owned()));

        // An editor files comment 3 under 5.4 by hand (simulated here).
        let buildings = node(&app, "5.4").id;
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::comment_number.eq("3")))
                .set((comments::tag_source.eq("manual"), comments::section_id.eq(buildings)))
                .execute(conn)
                .unwrap();
        });
        // 5.5 shrinks to 1101-1140, which would move comment 3 (line 1150):
        // the hand-made tag stays.
        let manufacturing = node(&app, "5.5").id;
        let response = admin.save_node(manufacturing, &[("line_end", "1140")]).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!(
            "Saved node #{manufacturing}. Re-tagging checked 3 comment(s); 0 changed section or note (hand-made tags stay)."
        )]);
        assert_eq!(tag(&app, "3"), (Some(buildings), "manual".to_owned()));
        assert!(texts(&page, ".routes li").contains(&"1 by an editor".to_owned()), "{:?}", texts(&page, ".routes li"));

        // So does a replacement that keeps 5.4 (the outline downloaded and
        // uploaded again).
        let csv = admin.get(&format!("{OUTLINE}.csv")).await.text().await.unwrap();
        let response = admin
            .replace(|f| f.file("file", "outline.csv", "text/csv", csv.as_bytes()).text("text", "").text("format", "csv"))
            .await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!(
            "Outline replaced. Nodes: 0 added, {DEMO_NODES} kept, 0 removed. Re-tagging checked 3 comment(s); 0 changed section or note (hand-made tags stay)."
        )]);
        assert_eq!(tag(&app, "3"), (Some(buildings), "manual".to_owned()));

        // Removing 5.4 releases the hand-made tag: comment 3 is tagged again
        // by its line (now in 5), and comment 2 loses the section it named.
        let response = admin.remove_node(buildings).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!(
            "Removed node #{buildings}. Nodes: 0 added, {} kept, 1 removed. Re-tagging checked 4 comment(s); \
             2 changed section or note (hand-made tags stay). 1 comment(s) filed by hand under a removed node were tagged again.",
            DEMO_NODES - 1
        )]);
        let (section, source) = tag(&app, "3");
        assert_ne!(source, "manual");
        assert_eq!((section, source.as_str()), (Some(node(&app, "5").id), "line"));
        // Comment 2 names 5.4, which is gone: filed under its nearest
        // ancestor in the outline.
        assert_eq!(tag(&app, "2"), (Some(node(&app, "5").id), "section".to_owned()));
        assert_eq!(tag(&app, "1"), (Some(node(&app, "5").id), "line".to_owned()));
        let page = admin.page(OUTLINE, 200).await;
        assert!(!texts(&page, ".routes li").iter().any(|r| r.ends_with("by an editor")), "{:?}", texts(&page, ".routes li"));
        let routes = texts(&page, ".routes li");
        assert_eq!(&routes[..3], ["1 from the section column", "2 from the line number", "1 General (no location given)"]);
    }
}
