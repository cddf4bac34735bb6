//! An admin edits, adds and removes nodes; a change that breaks a rule is
//! refused (422) with the rule named and the values kept.

use docket::db::sections::Section;
use docket::domain::Role;

use super::{labels, retag_none};
use crate::editor::{
    ADD_PATH, DEMO_NODES, OUTLINE, delete_path, digest, edit_path, errors, field, filled, flash,
    form_fields, node, pairs, refused, save_path, signed_in, stored,
};
use crate::helpers::{TestApp, attrs, csrf_token, texts};

on_both_backends! {
    async fn an_admin_changes_a_nodes_title_and_ranges(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = stored(&app);
        let consumer = node(&app, "5.2");

        let response = admin
            .save_node(consumer.id, &[("title", "  Consumer IoT and Wearables "), ("line_start", "801"), ("line_end", "880")])
            .await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Saved node #{}. {}", consumer.id, retag_none(0))]);
        // Shown once only.
        assert!(flash(&admin.page(OUTLINE, 200).await).is_empty());

        let after = stored(&app);
        let saved = node(&app, "5.2");
        assert_eq!(saved.id, consumer.id);
        assert_eq!(saved.title, "Consumer IoT and Wearables");
        assert_eq!((saved.line_start, saved.line_end), (Some(801), Some(880)));
        assert_eq!((saved.page_start.as_deref(), saved.page_end.as_deref()), (Some("12"), Some("14")));
        assert_eq!((saved.parent_id, saved.depth, saved.position), (consumer.parent_id, consumer.depth, consumer.position));
        // Nothing else changed.
        let others = |nodes: &[Section]| {
            let mut rest = docket::outline::entries_of(nodes);
            rest.retain(|e| e.number != "5.2");
            (rest, nodes.iter().map(|s| s.id).collect::<Vec<_>>())
        };
        assert_eq!(others(&after), others(&before));
        let row = texts(&page, "table.outline tbody tr").into_iter().find(|r| r.contains("Wearables")).unwrap();
        assert!(row.contains("801–880"), "{row}");

        // Ranges can be cleared (both ends).
        let response = admin.save_node(consumer.id, &[("page_start", ""), ("page_end", " "), ("line_start", ""), ("line_end", "")]).await;
        admin.followed(response).await;
        let saved = node(&app, "5.2");
        assert_eq!((saved.page_start, saved.page_end, saved.line_start, saved.line_end), (None, None, None, None));
        assert_eq!(saved.title, "Consumer IoT and Wearables");

        // The public page shows the change at once.
        let public = app.page("/d/nistir-8200", 200).await;
        assert!(texts(&public, "table.outline td.title").contains(&"Consumer IoT and Wearables".to_owned()));
    }

    async fn edits_that_break_a_rule_are_refused_with_the_rule_named(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);
        let consumer = node(&app, "5.2").id;
        let d11 = node(&app, "D.11").id;

        for (id, changes, expected) in [
            (consumer, vec![("line_start", "900"), ("line_end", "801")],
             "the form for 5.2 (5.2): line_start comes after line_end"),
            (d11, vec![("line_end", "5500")],
             "the form for D.11 (D.11): lines 5101–5500 lie outside its parent D (lines 2401–5400)"),
            (consumer, vec![("page_end", "99")],
             "the form for 5.2 (5.2): pages 12–99 lie outside its parent 5 (pages 9–21)"),
            (consumer, vec![("line_start", "eight hundred")],
             "the form for 5.2 (5.2): line_start: `eight hundred` is not a line number (a whole number from 1)"),
            (consumer, vec![("line_end", "")],
             "the form for 5.2 (5.2): line range needs both line_start and line_end, or neither"),
            (consumer, vec![("title", "   ")],
             "the form for 5.2 (5.2): title is empty"),
        ] {
            let mut typed = changes.clone();
            if !typed.iter().any(|(n, _)| *n == "title") {
                typed.push(("title", "A title the admin typed"));
            }
            let response = admin.save_node(id, &typed).await;
            let page = refused(response, 422, expected).await;
            assert_eq!(errors(&page), [expected]);
            assert_eq!(texts(&page, ".errors p"), ["Nothing was saved: the outline would break 1 rule(s)."]);
            // What the admin typed is kept, nothing is stored.
            for (name, value) in &typed {
                assert_eq!(field(&page, &save_path(id), name), *value, "{expected}: {name}");
            }
            assert_eq!(digest(&app), before, "{expected}");
        }

        // Two rules at once: both are listed.
        let response = admin.save_node(node(&app, "5.5").id, &[("line_start", "1101"), ("line_end", "1190")]).await;
        let page = refused(response, 422, "5.5 runs into 6").await;
        let listed = errors(&page);
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert!(listed.contains(&"the form for 5.5 (5.5): lines 1101–1190 lie outside its parent 5 (lines 641–1180)".to_owned()), "{listed:?}");
        assert!(listed.iter().any(|e| e.contains("(6): lines 1181–1460 overlap 5.5 (lines 1101–1190, the form for 5.5)")), "{listed:?}");
        assert_eq!(digest(&app), before);

        // The refused form is current: corrected, it saves.
        let fields = filled(&form_fields(&page, &save_path(node(&app, "5.5").id)), &[("line_end", "1150")]);
        let response = admin.post_form(&save_path(node(&app, "5.5").id), &pairs(&fields)).await;
        admin.followed(response).await;
        assert_eq!(node(&app, "5.5").line_end, Some(1150));
    }

    async fn an_added_node_takes_its_place_in_the_outline(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;

        let response = admin.add_node(&[("number", "5.6"), ("title", "Smart Cities"), ("page_start", "20"), ("page_end", "21")]).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Added 5.6. Nodes: 1 added, {DEMO_NODES} kept, 0 removed. {}", retag_none(0))]);
        let nodes = stored(&app);
        assert_eq!(nodes.len(), DEMO_NODES + 1);
        let at = nodes.iter().position(|s| s.number == "5.6").unwrap();
        assert_eq!(nodes[at - 1].number, "5.5");
        assert_eq!(nodes[at + 1].number, "6");
        let added = &nodes[at];
        assert_eq!(added.parent_id, Some(node(&app, "5").id));
        assert_eq!((added.depth, <&str>::from(added.kind)), (1, "section"));
        assert_eq!((added.page_start.as_deref(), added.page_end.as_deref(), added.line_start), (Some("20"), Some("21"), None));
        let shown = labels(&page);
        let at = shown.iter().position(|l| l == "5.6").unwrap();
        assert_eq!(&shown[at - 1..=at + 1], ["5.5", "5.6", "6"]);

        // A table sits in the section whose lines hold its lines; an
        // appendix without a dot goes at the top level, last.
        let response = admin.add_node(&[("number", "2"), ("kind", "table"), ("title", "Gaps by core area"), ("line_start", "1900"), ("line_end", "1950")]).await;
        admin.followed(response).await;
        let response = admin.add_node(&[("number", "E"), ("title", "Glossary")]).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Added E. Nodes: 1 added, {} kept, 0 removed. {}", DEMO_NODES + 2, retag_none(0))]);
        let nodes = stored(&app);
        let table = nodes.iter().find(|s| s.label() == "Table 2").unwrap();
        assert_eq!(table.parent_id, Some(node(&app, "9").id));
        let at = nodes.iter().position(|s| s.label() == "Table 2").unwrap();
        assert_eq!(nodes[at - 1].number, "9");
        let last = nodes.last().unwrap();
        assert_eq!((last.label(), last.parent_id, last.depth), ("Appendix E".to_owned(), None, 0));
    }

    async fn additions_that_break_a_rule_are_refused_with_the_values_kept(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);

        for (values, expected) in [
            (vec![("number", "5.9.1"), ("title", "Orphan")],
             "the new node (5.9.1): missing parent: the numbering puts 5.9.1 under 5.9, which is not in the outline"),
            (vec![("number", "12"), ("title", "Adopted"), ("parent", "Z")],
             "the new node (12): parent `Z` is not in the outline"),
            (vec![("number", "D.12"), ("title", "Outside"), ("line_start", "5401"), ("line_end", "5450")],
             "the new node (D.12): lines 5401–5450 lie outside its parent D (lines 2401–5400)"),
            (vec![("number", "11"), ("title", "")],
             "the new node (11): title is empty"),
            (vec![("number", ""), ("title", "No number")],
             "the new node (No number): number is empty (only front matter may omit it)"),
            (vec![("number", "11"), ("title", "Chapter"), ("kind", "chapter")],
             "the new node (11): kind `chapter` is not one of front, section, appendix, table, figure"),
        ] {
            let response = admin.add_node(&values).await;
            let page = refused(response, 422, expected).await;
            assert_eq!(errors(&page), [expected]);
            assert_eq!(texts(&page, ".errors p"), ["Nothing was changed: the outline would break 1 rule(s)."]);
            for (name, value) in &values {
                if *name != "kind" {
                    assert_eq!(field(&page, ADD_PATH, name), *value, "{expected}: {name}");
                }
            }
            assert_eq!(digest(&app), before, "{expected}");
        }

        // A number the outline already has.
        let response = admin.add_node(&[("number", "5.1"), ("title", "Vehicles again")]).await;
        let page = refused(response, 422, "duplicate").await;
        let listed = errors(&page);
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0].starts_with("the new node (5.1): duplicate number: 5.1 is also "), "{listed:?}");
        assert_eq!(digest(&app), before);
        // The chosen kind is kept selected.
        let response = admin.add_node(&[("number", "3"), ("title", "Another figure"), ("kind", "figure"), ("line_start", "1"), ("line_end", "")]).await;
        let page = refused(response, 422, "figure with one line end").await;
        assert_eq!(field(&page, ADD_PATH, "kind"), "figure");
        assert_eq!(digest(&app), before);
    }

    async fn a_leaf_can_be_removed_but_not_a_node_with_children(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let manufacturing = node(&app, "5.5");

        let response = admin.remove_node(manufacturing.id).await;
        let page = admin.followed(response).await;
        assert_eq!(
            flash(&page),
            [format!("Removed node #{}. Nodes: 0 added, {} kept, 1 removed. {}", manufacturing.id, DEMO_NODES - 1, retag_none(0))]
        );
        assert_eq!(stored(&app).len(), DEMO_NODES - 1);
        assert!(stored(&app).iter().all(|s| s.id != manufacturing.id));
        assert!(!labels(&page).contains(&"5.5".to_owned()));
        admin.page(&edit_path(manufacturing.id), 404).await;

        // Section 5 still has 5.1 to 5.4: each would lose its parent.
        let before = digest(&app);
        let response = admin.remove_node(node(&app, "5").id).await;
        let page = refused(response, 422, "remove 5").await;
        let listed = errors(&page);
        assert_eq!(listed.len(), 4, "{listed:?}");
        for (child, error) in ["5.1", "5.2", "5.3", "5.4"].iter().zip(&listed) {
            assert!(
                error.ends_with(&format!("({child}): missing parent: the numbering puts {child} under 5, which is not in the outline")),
                "{listed:?}"
            );
        }
        assert_eq!(texts(&page, ".errors p"), ["Nothing was changed: the outline would break 4 rule(s)."]);
        assert_eq!(digest(&app), before);
        assert_eq!(stored(&app).len(), DEMO_NODES - 1);

        // Removing a node twice (an old form): the second time it is gone.
        let csrf = csrf_token(&page);
        let response = admin
            .post_form(&delete_path(manufacturing.id), &[("csrf", csrf.as_str()), ("fingerprint", before.as_str())])
            .await;
        let page = refused(response, 422, "remove a removed node").await;
        assert_eq!(errors(&page), [format!("Outline node #{} was removed by someone else in the meantime.", manufacturing.id)]);
        assert_eq!(digest(&app), before);
    }

    async fn renaming_front_matter_keeps_the_node_and_its_id(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let summary = stored(&app).into_iter().find(|s| s.title == "Executive Summary").unwrap();
        let edit = admin.page(&format!("{OUTLINE}/{}/edit", summary.id), 200).await;
        assert_eq!(texts(&edit, "h1"), ["Edit Executive Summary"]);

        let response = admin.save_node(summary.id, &[("title", "Summary")]).await;
        admin.followed(response).await;
        let after = stored(&app).into_iter().find(|s| s.id == summary.id).expect("same node, same id");
        assert_eq!(after.title, "Summary");
        assert_eq!(after.lookup_key, "front:summary");
        assert_eq!(stored(&app).len(), DEMO_NODES);
        // Editing it again works from the new key.
        let response = admin.save_node(summary.id, &[("title", "Executive Summary")]).await;
        admin.followed(response).await;
        assert_eq!(stored(&app).iter().filter(|s| s.id == summary.id).count(), 1);
        let outline = admin.page(OUTLINE, 200).await;
        assert!(attrs(&outline, "a[aria-label]", "aria-label").contains(&"Edit Executive Summary".to_owned()));
    }
}
