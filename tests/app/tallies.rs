//! The dashboard's counts come from `section_tallies`, which triggers keep
//! in step with the comments. After every kind of write docket makes (and
//! raw ones it does not), the tallies must equal the counts grouped from
//! the comments themselves.

use diesel::prelude::*;
use docket::db::progress::{self, Counts};
use docket::db::schema::{comments, sections};
use docket::domain::{Disposition, Role, TriageStatus};
use docket::triage::{self, BulkAction, SectionChoice, TriageEdit};

use crate::editor::tags::{app_with, import_late, section_id, tag_of};
use crate::helpers::TestApp;

const FIRST: &str = "Comment #,Type,Section,Page #,Line #,Comment
1,T,5.1,,,Settled by its section
2,E,11.2,,,Names a section that does not exist
3,G,5.3,,2500,The section and the line disagree
4,,5.1,,,No type given
5,T,,,,General remark
6,T,5.2,,,Same words again
";

type BySection = Vec<(Option<i64>, Counts)>;

/// Tallies and the grouped recount, each sorted by section.
fn both(app: &TestApp) -> (BySection, BySection) {
    app.with_conn(|conn| {
        let id = docket::documents::find(conn, "nistir-8200").unwrap().id;
        let mut tallied = progress::by_section(conn, id).unwrap();
        let mut counted = progress::recount(conn, id).unwrap();
        tallied.sort_by_key(|(s, _)| *s);
        counted.sort_by_key(|(s, _)| *s);
        (tallied, counted)
    })
}

#[track_caller]
fn assert_in_step(app: &TestApp, after: &str) {
    let (tallied, counted) = both(app);
    assert!(!counted.is_empty(), "{after}: no comments?");
    assert_eq!(tallied, counted, "after {after}");
}

fn ids(app: &TestApp) -> Vec<(i64, i32)> {
    app.with_conn(|conn| {
        comments::table
            .order(comments::id)
            .select((comments::id, comments::version))
            .load(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn tallies_follow_every_write(db: TestDb) {
        let app = app_with(db, FIRST).await;
        assert_in_step(&app, "the first import");
        let second = format!("{FIRST}7,T,5.1,,,One more\n");
        import_late(&app, &second, &["--submitter", "Pat Doe"]);
        assert_in_step(&app, "a second import");

        let user = app.with_conn(|conn| {
            docket::auth::create_user(conn, "al@example.org", "Al", Role::Editor, "a long enough password")
                .unwrap()
                .id
        });
        // One save changing status, disposition, assignee and section.
        let (id, _, _, _, version) = tag_of(&app, 1);
        let edit = TriageEdit {
            section: SectionChoice::Node(section_id(&app, "5.2")),
            status: Some(TriageStatus::Resolved),
            disposition: Some(Disposition::Accepted),
            response: "Done.".into(),
            assignee: Some(user),
            duplicate_of: String::new(),
        };
        app.with_conn(|conn| triage::save(conn, id, version, &edit, user).unwrap());
        assert_in_step(&app, "a save");
        // A save that changes nothing counted (the response only).
        let version = ids(&app).into_iter().find(|c| c.0 == id).unwrap().1;
        let edit = TriageEdit { response: "Done, with thanks.".into(), section: SectionChoice::Keep, ..edit };
        app.with_conn(|conn| triage::save(conn, id, version, &edit, user).unwrap());
        assert_in_step(&app, "a response-only save");

        // Bulk: assign everything, then mark two as duplicates.
        let all = ids(&app);
        let document_id = app.with_conn(|conn| docket::documents::find(conn, "nistir-8200").unwrap().id);
        app.with_conn(|conn| {
            triage::bulk(conn, document_id, &all, &BulkAction::Assign(Some(user)), user).unwrap()
        });
        assert_in_step(&app, "a bulk assignment");
        let all = ids(&app);
        let target: String = app.with_conn(|conn| {
            comments::table.find(all[0].0).select(comments::tracking_number).first(conn).unwrap()
        });
        app.with_conn(|conn| {
            triage::bulk(conn, document_id, &all[1..3], &BulkAction::DuplicateOf(target), user).unwrap()
        });
        assert_in_step(&app, "bulk duplicates");

        // Filed by hand under General, and moved by re-tagging.
        let (id, _, _, _, version) = tag_of(&app, 2);
        app.with_conn(|conn| triage::retag_by_hand(conn, id, version, None, user).unwrap());
        assert_in_step(&app, "hand-filing");

        // A section removed under its comments (the foreign key sets NULL).
        let gone = section_id(&app, "5.3");
        app.with_conn(|conn| {
            diesel::delete(sections::table.find(gone)).execute(conn).unwrap();
        });
        assert_in_step(&app, "a removed section");
        app.with_conn(|conn| docket::documents::retag(conn, "nistir-8200").unwrap());
        assert_in_step(&app, "re-tagging");

        // Clusters written, and raw writes docket never makes itself.
        app.with_conn(|conn| {
            triage::recluster(conn, document_id).unwrap().expect("no pass running");
            diesel::update(comments::table)
                .set((comments::status.eq("withdrawn"), comments::comment_type.eq("other")))
                .filter(comments::seq.eq(4))
                .execute(conn)
                .unwrap();
        });
        assert_in_step(&app, "raw updates");
        app.with_conn(|conn| {
            diesel::delete(comments::table.filter(comments::seq.eq(6))).execute(conn).unwrap();
        });
        assert_in_step(&app, "deleting comments");
        let (tallied, _) = both(&app);
        let total: i64 = tallied.iter().map(|(_, c)| c.total).sum();
        assert_eq!(total, 11, "13 imported, 2 deleted");
    }
}
