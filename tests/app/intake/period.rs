//! The comment period, files sent twice, dry runs and usage errors.

use diesel::prelude::*;
use docket::db::schema::submissions;
use time::macros::date;

use super::{document, import_json, open_document, stored, write};
use crate::cli::{docket, stderr, stdout};

const CSV: &str = "Comment #,Section,Comment\n1,2.1,First comment.\n2,3.4,Second comment.\n";

on_both_backends! {
    async fn outside_the_period_files_are_refused_unless_late(db: TestDb) {
        document(&db, "closed", date!(2000 - 01 - 01), date!(2001 - 01 - 01));
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "comments.csv", CSV);

        let out = docket(&db, &["import", "--document", "closed", &file]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            format!(
                "{file}: rejected, nothing stored: the comment period closed on 2001-01-01; \
                 late comments are accepted only from editors; pass --late to import it anyway"
            )
        );
        assert_eq!(stored(&db), (0, 0));

        let (out, reports) = import_json(&db, &["--document", "closed", "--late", &file]);
        assert_eq!(out.status.code(), Some(0), "{reports:#?}");
        assert_eq!(reports[0]["status"], "stored");
        assert_eq!(reports[0]["tracking"], "CLOSED-0001");
        assert_eq!(stored(&db), (1, 2));
        let late: Vec<bool> = submissions::table
            .select(submissions::late)
            .load(&mut db.connect())
            .unwrap();
        assert_eq!(late, [true]);

        // Not open yet: refused the same way.
        document(&db, "upcoming", date!(2099 - 01 - 01), date!(2100 - 01 - 01));
        let (out, reports) = import_json(&db, &["--document", "upcoming", &file]);
        assert_eq!(out.status.code(), Some(1), "{reports:#?}");
        assert_eq!(
            reports[0]["error"],
            "the comment period opens on 2099-01-01; pass --late to import it anyway"
        );
        assert_eq!(stored(&db), (1, 2));
    }

    async fn the_same_file_from_the_same_sender_is_stored_once(db: TestDb) {
        open_document(&db, "draft");
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "comments.csv", CSV);
        let import = |extra: &[&str]| {
            let out = docket(&db, &[&["import", "--document", "draft"], extra, &[file.as_str()]].concat());
            assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
            stdout(&out).trim().to_owned()
        };

        assert_eq!(
            import(&["--dry-run"]),
            format!("{file}: would store 2 comment(s), 0 warning(s) (dry run: nothing stored)\n  \
                     read as CSV text; NIST comment template: header on row 1, 2 comment(s) (UTF-8)")
        );
        assert_eq!(stored(&db), (0, 0));

        assert!(import(&[]).starts_with(&format!("{file}: stored as DRAFT-0001 with 2 comment(s), 0 warning(s)")));
        assert_eq!(
            import(&[]).lines().next().unwrap(),
            format!("{file}: already received as DRAFT-0001 (the same file from the same sender); not stored again")
        );
        assert_eq!(stored(&db), (1, 2));

        // Another sender's copy of the same file is theirs to send.
        assert!(import(&["--email", "ada@example.org"]).starts_with(&format!("{file}: stored as DRAFT-0002")));
        assert!(import(&["--email", " ADA@Example.org "]).starts_with(&format!("{file}: already received as DRAFT-0002")));
        assert_eq!(stored(&db), (2, 4));
    }

    async fn usage_errors_exit_2_and_store_nothing(db: TestDb) {
        open_document(&db, "draft");
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "comments.csv", CSV);

        let out = docket(&db, &["import", "--document", "nope", &file]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("no document has the slug `nope`"), "{}", stderr(&out));

        let out = docket(&db, &["import", "--document", "draft"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("<FILE>"), "{}", stderr(&out));

        let out = docket(&db, &["import", "--document", "draft", "--max-rows", "lots", &file]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("--max-rows"), "{}", stderr(&out));

        assert_eq!(stored(&db), (0, 0));
    }
}
