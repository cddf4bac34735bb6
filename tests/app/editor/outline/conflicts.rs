//! Changes made against an outline changed since the form was opened are
//! refused (409) with nothing lost, and two saves at once cannot undo each
//! other.

use docket::domain::Role;

use super::retag_none;
use crate::editor::{
    ADD_PATH, Browser, DEMO_NODES, OUTLINE, delete_path, digest, edit_path, field, filled,
    fingerprint, flash, form_fields, node, pairs, refused, save_path, signed_in, stored,
};
use crate::helpers::{TestApp, csrf_token, texts};

const STALE: &str = "Someone else changed the outline after you opened this form, so nothing \
                     was saved. Your values are kept below; check them against what is stored now and save again.";

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

on_both_backends! {
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
}
