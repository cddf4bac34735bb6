//! Migrations replay up → down → up, and `schema.rs` matches what they build.

use diesel::prelude::*;
use docket::db::{migrate, schema};

/// Running a select of every column of every table fails if `schema.rs`
/// names a column the migrations did not create. (Column types are checked
/// by `data_model`, which loads real rows into the row structs.)
fn every_table_is_readable(conn: &mut docket::db::DbConnection) {
    macro_rules! read_all {
        ($($table:ident),*) => {$(
            schema::$table::table
                .select(schema::$table::all_columns)
                .limit(0)
                .execute(conn)
                .unwrap_or_else(|e| panic!("{}: {e}", stringify!($table)));
        )*};
    }
    read_all!(
        users,
        auth_tokens,
        documents,
        sections,
        submissions,
        submission_files,
        comments,
        audit_events,
        pending_uploads,
        section_tallies,
        table_uploads,
        mail_outbox
    );
}

on_both_backends! {
    async fn migrations_replay_up_down_up(db: TestDb) {
        let mut conn = db.connect();
        let applied = migrate::run_pending(&mut conn).unwrap();
        assert_eq!(applied.len(), 20, "{applied:?}");
        assert!(migrate::pending(&mut conn).unwrap().is_empty());
        every_table_is_readable(&mut conn);

        let reverted = migrate::revert_all(&mut conn).unwrap();
        // Newest first.
        assert_eq!(reverted, applied.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(migrate::pending(&mut conn).unwrap().len(), 20);
        assert!(schema::documents::table.count().get_result::<i64>(&mut conn).is_err(), "tables dropped");

        assert_eq!(migrate::run_pending(&mut conn).unwrap(), applied);
        every_table_is_readable(&mut conn);
        assert!(migrate::run_pending(&mut conn).unwrap().is_empty(), "nothing left to apply");
    }
}
