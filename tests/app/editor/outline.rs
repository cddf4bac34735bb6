//! `/editor/d/{slug}/outline`: editors look and download; admins edit, add
//! and remove nodes or replace the whole outline. A change that breaks a
//! rule (422), was made against an outline changed since (409), comes from
//! an editor or without this session's token (403) stores nothing.

use docket::db::sections::Section;
use docket::domain::Role;
use docket::outline::{OutlineFormat, parse};

use super::{
    ADD_PATH, Browser, CSRF_REFUSED, DEMO_NODES, OUTLINE, REPLACE_PATH, delete_path, digest,
    edit_path, error_message, errors, field, filled, fingerprint, flash, form_fields, node, pairs,
    refused, save_path, signed_in, stored,
};
use crate::helpers::{Multipart, TestApp, attrs, csrf_token, see_other, texts};

/// The demo outline as shipped (what `TestApp::spawn` loads).
const DEMO_TOML: &str = include_str!("../../../src/demo/nistir_8200_outline.toml");
const CSV_HEADER: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end\n";

const STALE: &str = "Someone else changed the outline after you opened this form, so nothing \
                     was saved. Your values are kept below; check them against what is stored now and save again.";
const ADMINS_ONLY: &str = "Only an admin can edit an outline. Ask an admin of this docket.";

/// The flash's tail when no comment moved.
fn retag_none(checked: usize) -> String {
    format!(
        "Re-tagging checked {checked} comment(s); 0 changed section or note (hand-made tags stay)."
    )
}

/// The labels in the Node column of the outline table, in order.
fn labels(page: &scraper::Html) -> Vec<String> {
    texts(page, "table.outline td.number")
}

/// Every stored node as `(label, title)`.
fn labelled(sections: &[Section]) -> Vec<(String, String)> {
    sections
        .iter()
        .map(|s| (s.label(), s.title.clone()))
        .collect()
}

/// A file part as a browser sends it.
fn file(form: Multipart, name: &str, text: &str) -> Multipart {
    let content_type = if name.ends_with(".csv") {
        "text/csv"
    } else {
        "application/octet-stream"
    };
    form.file("file", name, content_type, text.as_bytes())
        .text("text", "")
        .text("format", "csv")
}

/// Pasted text, no file chosen.
fn pasted(form: Multipart, text: &str, format: &str) -> Multipart {
    form.file("file", "", "application/octet-stream", b"")
        .text("text", text)
        .text("format", format)
}

/// Another transaction holding the outline for a while: SQLite's write
/// lock, or on PostgreSQL a lock on the first node's row (every save
/// rewrites every node, first node first).
struct Hold {
    conn: docket::db::DbConnection,
    postgres: bool,
}

impl Hold {
    fn take(app: &TestApp) -> Self {
        use diesel::connection::SimpleConnection;
        let mut conn = app.test_db.connect();
        let postgres = app.test_db.backend == docket::db::Backend::Postgres;
        if postgres {
            let first = stored(app)[0].id;
            conn.batch_execute(&format!(
                "BEGIN; SELECT id FROM sections WHERE id = {first} FOR UPDATE;"
            ))
            .unwrap();
        } else {
            conn.batch_execute("BEGIN IMMEDIATE;").unwrap();
        }
        Self { conn, postgres }
    }

    /// Until `n` requests wait for the hold (PostgreSQL tells; SQLite is
    /// given time, its busy timeout being 5 s).
    async fn wait_for_waiters(&self, app: &TestApp, n: i64) {
        use diesel::prelude::*;
        if !self.postgres {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            return;
        }
        let mut watcher = app.test_db.connect();
        for _ in 0..200 {
            let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')",
            ))
            .get_result(&mut watcher)
            .unwrap();
            if waiting >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{n} save(s) never waited for the held outline");
    }

    fn release(mut self) {
        use diesel::connection::SimpleConnection;
        self.conn.batch_execute("COMMIT;").unwrap();
    }
}

/// `rest` after a `csrf` field holding `token`.
fn with_token<'a>(token: &'a str, rest: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("csrf", token)];
    fields.extend_from_slice(rest);
    fields
}

/// What the replace form carries besides its token.
enum Input<'a> {
    /// A chosen file: its name and contents.
    File(&'a str, &'a str),
    /// Pasted text and the format chosen for it.
    Pasted(&'a str, &'a str),
}

impl Input<'_> {
    fn into_form(self, form: Multipart) -> Multipart {
        match self {
            Self::File(name, text) => file(form, name, text),
            Self::Pasted(text, format) => pasted(form, text, format),
        }
    }
}

/// The outline page after a refused replacement; the demo outline is still
/// stored, all of it.
async fn refused_replacement(
    app: &TestApp,
    response: reqwest::Response,
    what: &str,
) -> scraper::Html {
    let page = refused(response, 422, what).await;
    assert_eq!(stored(app).len(), DEMO_NODES, "{what}: nothing stored");
    page
}

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
        assert_eq!(attrs(&page, "form", "action"), ["/logout"], "an editor gets no outline forms");
        assert_eq!(texts(&page, "nav .who").len(), 1);
        assert!(!texts(&page, "nav .who")[0].contains("(admin)"));

        let page = admin.page(OUTLINE, 200).await;
        assert_eq!(
            attrs(&page, "table.outline a[href$='/edit']", "href"),
            nodes.iter().map(|s| edit_path(s.id)).collect::<Vec<_>>()
        );
        assert_eq!(attrs(&page, "form", "action"), ["/logout", ADD_PATH, REPLACE_PATH]);
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
            ["/logout", save_path(d2.id).as_str(), owner_path.as_str(), delete_path(d2.id).as_str()]
        );
        // Nodes of no document, and documents that do not exist.
        admin.page(&edit_path(999_999), 404).await;
        admin.page("/editor/d/nope/outline", 404).await;
        assert_eq!(admin.get("/editor/d/nope/outline.csv").await.status().as_u16(), 404);
    }

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

    async fn a_form_opened_before_someone_elses_change_is_refused(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (first, _) = signed_in(&app, Role::Admin).await;
        let (second, _) = signed_in(&app, Role::Admin).await;
        let health = node(&app, "5.3");

        // The first admin opens 5.3 and the outline page; the second saves 5.4.
        let form = first.page(&edit_path(health.id), 200).await;
        let outline_page = first.page(OUTLINE, 200).await;
        let response = second.save_node(node(&app, "5.4").id, &[("title", "Smart Buildings and Cities")]).await;
        second.followed(response).await;
        let after_second = digest(&app);

        let fields = filled(&form_fields(&form, &save_path(health.id)), &[("title", "Health IoT"), ("line_end", "1000")]);
        let response = first.post_form(&save_path(health.id), &pairs(&fields)).await;
        let page = refused(response, 409, "stale edit").await;
        assert_eq!(texts(&page, "p.notice.conflict"), [STALE]);
        assert_eq!(texts(&page, "table.compare caption"), ["Stored now"]);
        assert_eq!(texts(&page, "table.compare td"), ["Health IoT and Medical Devices", "14 – 17", "901 – 1020"]);
        assert_eq!(field(&page, &save_path(health.id), "title"), "Health IoT");
        assert_eq!(field(&page, &save_path(health.id), "line_end"), "1000");
        assert_eq!(digest(&app), after_second, "nothing stored");
        assert_eq!(node(&app, "5.3").title, "Health IoT and Medical Devices");
        assert_eq!(node(&app, "5.4").title, "Smart Buildings and Cities");

        // Adding and removing from the stale page are refused the same way.
        let stale = fingerprint(&outline_page);
        let csrf = csrf_token(&outline_page);
        let response = first
            .post_form(ADD_PATH, &[("csrf", csrf.as_str()), ("fingerprint", stale.as_str()), ("number", "5.6"), ("title", "Smart Cities"), ("kind", ""), ("volume", ""), ("parent", ""), ("page_start", "20"), ("page_end", "21"), ("line_start", ""), ("line_end", "")])
            .await;
        let page = refused(response, 409, "stale add").await;
        assert_eq!(texts(&page, "p.notice.conflict"), [STALE]);
        assert_eq!(field(&page, ADD_PATH, "number"), "5.6");
        assert_eq!(field(&page, ADD_PATH, "title"), "Smart Cities");
        assert_eq!(field(&page, ADD_PATH, "page_start"), "20");
        let response = first.post_form(&delete_path(node(&app, "5.5").id), &[("csrf", csrf.as_str()), ("fingerprint", stale.as_str())]).await;
        let page = refused(response, 409, "stale remove").await;
        assert_eq!(texts(&page, "p.notice.conflict"), [STALE]);
        assert_eq!(digest(&app), after_second, "nothing stored");
        assert_eq!(stored(&app).len(), DEMO_NODES);

        // The refused form carries the current fingerprint: sent again, it saves.
        let response = first.post_form(&save_path(health.id), &pairs(&fields)).await;
        let page = refused(response, 409, "stale again").await;
        let again = form_fields(&page, &save_path(health.id));
        let response = first.post_form(&save_path(health.id), &pairs(&again)).await;
        let page = first.followed(response).await;
        assert_eq!(flash(&page), [format!("Saved node #{}. {}", health.id, retag_none(0))]);
        let saved = node(&app, "5.3");
        assert_eq!((saved.title.as_str(), saved.line_end), ("Health IoT", Some(1000)));
        assert_eq!(node(&app, "5.4").title, "Smart Buildings and Cities", "the other change stays");
    }

    async fn saving_a_node_someone_else_removed_says_so(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (first, _) = signed_in(&app, Role::Admin).await;
        let (second, _) = signed_in(&app, Role::Admin).await;
        let manufacturing = node(&app, "5.5").id;
        let form = first.page(&edit_path(manufacturing), 200).await;
        let response = second.remove_node(manufacturing).await;
        second.followed(response).await;
        let after = digest(&app);

        let title = "Smart <em>Manufacturing</em>";
        let fields = filled(&form_fields(&form, &save_path(manufacturing)), &[("title", title)]);
        let response = first.post_form(&save_path(manufacturing), &pairs(&fields)).await;
        assert_eq!(response.status().as_u16(), 404);
        let body = response.text().await.unwrap();
        assert!(!body.contains("<em>"), "{body}");
        let page = scraper::Html::parse_document(&body);
        assert_eq!(
            texts(&page, "p.message"),
            [format!("Outline node #{manufacturing} was removed by someone else, so your changes to it (title “{title}”) were not saved.")]
        );
        assert_eq!(digest(&app), after, "nothing stored, nothing brought back");
        assert!(stored(&app).iter().all(|s| s.id != manufacturing));
    }

    async fn two_admins_saving_at_once_cannot_undo_each_other(db: TestDb) {
        // Both open their forms on the same outline; both press Save while
        // another transaction holds the outline, so the two saves overlap.
        // One must be saved and the other refused (409), never both saved
        // with the second silently writing back the first one's old values.
        let app = TestApp::spawn(db).await;
        let (first, _) = signed_in(&app, Role::Admin).await;
        let (second, _) = signed_in(&app, Role::Admin).await;
        let health = node(&app, "5.3").id;
        let buildings = node(&app, "5.4").id;
        let first_form = first.page(&edit_path(health), 200).await;
        let second_form = second.page(&edit_path(buildings), 200).await;
        let first_fields = filled(&form_fields(&first_form, &save_path(health)), &[("title", "Saved by the first admin")]);
        let second_fields = filled(&form_fields(&second_form, &save_path(buildings)), &[("title", "Saved by the second admin")]);

        let hold = Hold::take(&app);
        let send = |browser: &Browser, path: String, fields: Vec<(String, String)>| {
            let browser = browser.clone();
            tokio::spawn(async move { browser.post_form(&path, &pairs(&fields)).await.status().as_u16() })
        };
        let first_save = send(&first, save_path(health), first_fields);
        hold.wait_for_waiters(&app, 1).await;
        let second_save = send(&second, save_path(buildings), second_fields);
        hold.wait_for_waiters(&app, 2).await;
        hold.release();
        let mut statuses = [first_save.await.unwrap(), second_save.await.unwrap()];
        statuses.sort_unstable();

        let titles = (node(&app, "5.3").title, node(&app, "5.4").title);
        assert_eq!(
            statuses,
            [303, 409],
            "both saves answered {statuses:?}; stored now: 5.3 {:?}, 5.4 {:?}",
            titles.0,
            titles.1
        );
        let saved = [titles.0 == "Saved by the first admin", titles.1 == "Saved by the second admin"];
        assert_eq!(saved.iter().filter(|s| **s).count(), 1, "{titles:?}");
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

    async fn the_outline_is_replaced_from_an_upload_or_pasted_text(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let kept = [node(&app, "5").id, node(&app, "5.1").id, stored(&app)[0].id];

        // An uploaded CSV: three nodes kept (same ids), one new, 30 gone.
        let csv = format!(
            "{CSV_HEADER},Executive Summary,front,,v,viii,95,230\n5,IoT Applications,,,9,21,641,1180\n\
             5.1,Connected Vehicles,,,9,12,660,800\n11,Outlook,,,117,120,5401,5500\n"
        );
        let response = admin.replace(|f| file(f, "outline.csv", &csv)).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 1 added, 3 kept, 30 removed. {}", retag_none(0))]);
        let nodes = stored(&app);
        assert_eq!(labelled(&nodes), [
            (String::new(), "Executive Summary".to_owned()),
            ("5".to_owned(), "IoT Applications".to_owned()),
            ("5.1".to_owned(), "Connected Vehicles".to_owned()),
            ("11".to_owned(), "Outlook".to_owned()),
        ]);
        assert_eq!([nodes[1].id, nodes[2].id, nodes[0].id], kept);
        assert_eq!(nodes[2].parent_id, Some(kept[0]));
        assert_eq!(labels(&page), ["", "5", "5.1", "11"]);

        // An uploaded TOML file (numbers quoted, as TOML needs for 5.10).
        let toml = "[[section]]\nnumber = \"5\"\ntitle = \"IoT Applications\"\nline_start = 641\nline_end = 1180\n\n\
                    [[section]]\nnumber = \"5.10\"\ntitle = \"Smart Cities\"\nline_start = 1101\nline_end = 1180\n\n\
                    [[section]]\nnumber = 11\ntitle = \"Outlook\"\npage_start = \"117\"\npage_end = \"120\"\n";
        let response = admin.replace(|f| file(f, "outline.toml", toml)).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 1 added, 2 kept, 2 removed. {}", retag_none(0))]);
        assert_eq!(labels(&page), ["5", "5.10", "11"]);
        assert_eq!(node(&app, "5").id, kept[0]);
        assert_eq!(node(&app, "5").page_start, None, "a replacement is the whole truth");

        // A file without a telling extension, read in the chosen format; a
        // file wins over pasted text.
        let response = admin
            .replace(|f| {
                f.file("file", "outline.txt", "text/plain", format!("{CSV_HEADER}1,Introduction,,,1,2,231,300\n").as_bytes())
                    .text("text", "this is not an outline")
                    .text("format", "csv")
            })
            .await;
        let page = admin.followed(response).await;
        assert_eq!(labels(&page), ["1"]);

        // Pasted text: the demo outline back (TOML), then CSV.
        let response = admin.replace(|f| pasted(f, DEMO_TOML, "toml")).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 32 added, 1 kept, 0 removed. {}", retag_none(0))]);
        assert_eq!(stored(&app).len(), DEMO_NODES);
        let response = admin.replace(|f| pasted(f, &format!("{CSV_HEADER}A,Acronyms,,,42,44,2121,2230\n"), "csv")).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 0 added, 1 kept, 32 removed. {}", retag_none(0))]);
        assert_eq!(labels(&page), ["Appendix A"]);
    }

    async fn a_broken_replacement_lists_every_problem_and_changes_nothing(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);

        let bad = format!(
            "{CSV_HEADER}4,Functional description,,,4,9,400,640\n5,Applications,,,9,21,600,1180\n\
             5,Applications again,,,,,,\n5.9.1,Orphan,,,,,,\n"
        );
        let response = admin.replace(|f| file(f, "bad.csv", &bad)).await;
        let page = refused_replacement(&app, response, "bad.csv").await;
        let mut listed = errors(&page);
        listed.sort();
        assert_eq!(listed, [
            "row 3 (5): lines 600–1180 overlap 4 (lines 400–640, row 2)",
            "row 4 (5): duplicate number: 5 is also row 3",
            "row 5 (5.9.1): missing parent: the numbering puts 5.9.1 under 5.9, which is not in the outline",
        ]);
        assert_eq!(texts(&page, ".errors p"), ["Nothing was changed: the outline would break 3 rule(s)."]);
        assert_eq!(digest(&app), before);

        // Pasted: the text and its format come back to be fixed.
        let toml = "[[section]]\nnumber = \"1\"\ntitle = \"One\"\nline_start = 10\nline_end = 5\n\n\
                    [[section]]\nnumber = \"2\"\ntitle = \"\"\n";
        let response = admin.replace(|f| pasted(f, toml, "toml")).await;
        let page = refused_replacement(&app, response, "pasted toml").await;
        assert_eq!(errors(&page), [
            "[[section]] #1 (1): line_start comes after line_end",
            "[[section]] #2 (2): title is empty",
        ]);
        assert_eq!(field(&page, REPLACE_PATH, "text"), toml);
        assert_eq!(field(&page, REPLACE_PATH, "format"), "toml");

        // Files that cannot be read at all.
        for (what, input, expected) in [
            ("nothing chosen", Input::Pasted("  \n", "csv"),
             "cannot read the outline: choose a file or paste the outline"),
            ("a decimal number", Input::Pasted("[[section]]\nnumber = 5.10\ntitle = \"x\"\n", "toml"),
             "cannot read the outline: [[section]] #1: number = 5.1 is read as a decimal number; quote it, e.g. number = \"5.1\""),
            ("an unknown column", Input::Pasted("number,titel\n1,One\n", "csv"),
             "cannot read the outline: unknown column `titel` in the header; expected number,title,kind,volume,page_start,page_end,line_start,line_end,parent"),
            ("only a header", Input::File("empty.csv", CSV_HEADER),
             "the outline has no sections"),
        ] {
            let response = admin.replace(|f| input.into_form(f)).await;
            let page = refused_replacement(&app, response, what).await;
            assert_eq!(errors(&page), [expected], "{what}");
        }
        let response = admin
            .replace(|f| f.file("file", "outline.csv", "text/csv", b"number,title\n1,\xff\xfe\n").text("format", "csv"))
            .await;
        let page = refused_replacement(&app, response, "not UTF-8").await;
        assert_eq!(errors(&page), ["cannot read the outline: the file is not UTF-8 text; save it as UTF-8 CSV or TOML"]);
        let response = admin
            .replace(|f| f.file("file", "outline.xlsx", "application/octet-stream", b"PK\x03\x04").text("format", ""))
            .await;
        let page = refused_replacement(&app, response, "a spreadsheet").await;
        assert_eq!(errors(&page), ["cannot read the outline: name the file .csv or .toml, or choose its format"]);
        assert_eq!(digest(&app), before);
    }

    async fn a_downloaded_outline_uploads_unchanged(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);

        for (extension, content_type) in [("csv", "text/csv; charset=utf-8"), ("toml", "application/toml; charset=utf-8")] {
            let response = admin.get(&format!("{OUTLINE}.{extension}")).await;
            assert_eq!(response.status().as_u16(), 200, "{extension}");
            assert_eq!(response.headers()["content-type"], content_type);
            assert_eq!(
                response.headers()["content-disposition"],
                format!("attachment; filename=\"nistir-8200-outline.{extension}\"").as_str()
            );
            let text = response.text().await.unwrap();
            let name = format!("nistir-8200-outline.{extension}");
            let response = admin.replace(|f| file(f, &name, &text)).await;
            let page = admin.followed(response).await;
            assert_eq!(
                flash(&page),
                [format!("Outline replaced. Nodes: 0 added, {DEMO_NODES} kept, 0 removed. {}", retag_none(0))],
                "{extension}"
            );
            assert_eq!(digest(&app), before, "{extension}: every node as it was, ids included");
        }
    }

    async fn downloads_read_back_as_the_stored_outline(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (editor, _) = signed_in(&app, Role::Editor).await;
        let demo = parse(DEMO_TOML, OutlineFormat::Toml).unwrap();

        let csv = editor.get(&format!("{OUTLINE}.csv")).await.text().await.unwrap();
        // Every field quoted (`export::cells`: no spreadsheet splits a cell).
        assert!(csv.starts_with("\"number\",\"title\",\"kind\",\"volume\",\"page_start\",\"page_end\",\"line_start\",\"line_end\",\"parent\"\n"), "{csv}");
        assert!(csv.contains("\n\"5.1\",\"Connected Vehicles IoT\",\"section\",\"\",\"9\",\"12\",\"660\",\"800\",\"\"\n"), "{csv}");
        assert!(csv.contains("\n\"1\",\"IoT components and their interactions\",\"figure\",\"\",\"6\",\"6\",\"480\",\"500\",\"4\"\n"), "{csv}");
        assert_eq!(parse(&csv, OutlineFormat::Csv).unwrap(), demo);

        let toml = editor.get(&format!("{OUTLINE}.toml")).await.text().await.unwrap();
        assert!(toml.contains("number = \"5.1\""), "{toml}");
        assert_eq!(parse(&toml, OutlineFormat::Toml).unwrap(), demo);

        // Also after edits: what is downloaded is what is stored.
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let response = admin.save_node(node(&app, "D.10").id, &[("title", "Supply Chain, \"Risk\" Management; a=b")]).await;
        admin.followed(response).await;
        let response = admin.add_node(&[("number", "5.10"), ("title", "Smart Cities")]).await;
        admin.followed(response).await;
        // A title a spreadsheet would run as a formula is written as text.
        let response = admin.save_node(node(&app, "5.1").id, &[("title", "=HYPERLINK(\"http://example.com/\"&A1)")]).await;
        admin.followed(response).await;
        let csv = editor.get(&format!("{OUTLINE}.csv")).await.text().await.unwrap();
        assert!(csv.contains("\n\"5.1\",\"'=HYPERLINK(\"\"http://example.com/\"\"&A1)\",\"section\","), "{csv}");
        let toml = editor.get(&format!("{OUTLINE}.toml")).await.text().await.unwrap();
        let expected = docket::outline::build(docket::outline::entries_of(&stored(&app))).unwrap();
        assert_eq!(parse(&csv, OutlineFormat::Csv).unwrap(), expected);
        assert_eq!(parse(&toml, OutlineFormat::Toml).unwrap(), expected);
        assert!(expected.nodes.iter().any(|n| n.number == "5.10"));

        assert_eq!(editor.get(&format!("{OUTLINE}.xlsx")).await.status().as_u16(), 404);
    }

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

on_both_backends! {
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

    async fn pasting_more_than_an_outline_is_refused(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = stored(&app);
        let huge = format!("number,title\n{}", "1,x\n".repeat(300_000));
        let response = admin.replace(|form| form.text("text", &huge).text("format", "csv")).await;
        assert_eq!(response.status().as_u16(), 422);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert!(errors(&page)[0].contains("larger than 1 MB"), "{:?}", errors(&page));
        assert!(attrs(&page, "textarea[name=text]", "name").len() == 1);
        assert!(texts(&page, "textarea[name=text]")[0].is_empty());
        assert_eq!(stored(&app).len(), before.len());
    }
}
