//! The data model works the same on both back ends: every table written and
//! read back through the row structs, constraints enforced.

use diesel::prelude::*;
use docket::db::{self, audit, comments, documents, submissions, users};
use docket::documents::DocumentSpec;
use docket::domain::{Channel, CommentType, Role, TagSource, TriageStatus};

fn new_document(conn: &mut db::DbConnection, slug: &str) -> documents::Document {
    let spec = DocumentSpec {
        slug: slug.to_owned(),
        title: format!("Draft {slug}"),
        tracking_prefix: None,
        description: String::new(),
        opens_on: None,
        closes_on: None,
    };
    docket::documents::create(conn, &spec).unwrap()
}

fn new_submission<'a>(
    document: &documents::Document,
    seq: i32,
    tracking: &'a str,
) -> submissions::NewSubmission<'a> {
    submissions::NewSubmission {
        document_id: document.id,
        seq,
        tracking_number: tracking,
        channel: Channel::Upload,
        submitter_name: "Ada Example",
        organization: "Example Org",
        email: Some("ada@example.org"),
        sha256: Some("ab12"),
        metadata_json: r#"{"Organization:":"Example Org"}"#,
        report_json: "[]",
        late: false,
        received_at: db::now(),
        arriving: false,
    }
}

fn new_comment<'a>(
    document_id: i64,
    submission_id: i64,
    seq: i32,
    tracking: &'a str,
) -> comments::NewComment<'a> {
    let now = db::now();
    comments::NewComment {
        id: None,
        document_id,
        submission_id,
        seq,
        tracking_number: tracking,
        source_sheet: Some("Sheet1"),
        source_row: Some(14),
        extra_json: r#"{"Priority":"High"}"#,
        problems_json: "[]",
        comment_number: Some("AFNOR-001"),
        commenter: None,
        organization: None,
        volume_raw: Some("63-Base"),
        type_raw: Some("Ed/te"),
        comment_type: Some(CommentType::Technical.as_ref()),
        severity: None,
        section_raw: Some("§ 6.2"),
        paragraph_raw: None,
        page_raw: Some("24 - 39"),
        page_start: Some("24"),
        page_end: Some("39"),
        page_sort: Some(24),
        line_raw: Some("156-\n161"),
        line_start: Some(156),
        line_end: Some(161),
        body: "Unicode survives: é ü — 漢字 🙂",
        suggested_change: Some("Replace \"shall\" with \"should\"."),
        section_id: None,
        tag_source: "none",
        tag_span: None,
        tag_conflict: None,
        assignee_id: None,
        text_hash: None,
        cluster_id: None,
        created_at: now,
        updated_at: now,
    }
}

on_both_backends! {
    async fn every_entity_round_trips(db: TestDb) {
        let pool = db.migrated_pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;

        let editor = users::insert(conn, users::NewUser {
            email: "  Editor@Example.ORG ",
            name: "Eddie Editor",
            role: Role::Editor,
            password_hash: Some("$argon2id$v=19$..."),
            created_at: db::now(),
        }).unwrap();
        assert_eq!(editor.email, "editor@example.org");
        assert_eq!(editor.role, Role::Editor);
        assert!(editor.active);
        assert_eq!(users::find_by_email(conn, "EDITOR@example.org").unwrap().id, editor.id);

        let document = new_document(conn, "sp800-63-4");
        assert_eq!(document.tracking_prefix, "SP800-63-4");
        assert_eq!(documents::take_submission_seq(conn, document.id).unwrap(), 1);
        assert_eq!(documents::take_submission_seq(conn, document.id).unwrap(), 2);

        let tracking = submissions::tracking_number(&document.tracking_prefix, 1);
        let submission = submissions::insert(conn, new_submission(&document, 1, &tracking)).unwrap();
        assert_eq!(submission.tracking_number, "SP800-63-4-0001");
        assert_eq!(submission.channel, Channel::Upload);
        // Reply mail (migration 000012): unsent until marked, marked once.
        assert_eq!(submission.reply_sent_at, None);
        assert!(submissions::mark_reply_sent(conn, submission.id, db::now()).unwrap());
        assert!(!submissions::mark_reply_sent(conn, submission.id, db::now()).unwrap(), "marked once");
        assert!(submissions::find(conn, submission.id).unwrap().reply_sent_at.is_some());

        // The original file, byte for byte, including bytes that are not UTF-8.
        let bytes: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0, 0x50, 0x4b]).collect();
        submissions::insert_file(conn, &submissions::SubmissionFile {
            submission_id: submission.id,
            file_name: "comments.xlsx".into(),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            size_bytes: bytes.len() as i64,
            sha256: "ab12".into(),
            bytes: bytes.clone(),
        }).unwrap();
        assert_eq!(submissions::file(conn, submission.id).unwrap().bytes, bytes);

        let comment_tracking = comments::tracking_number(&submission.tracking_number, 7);
        let id = comments::insert(conn, &new_comment(document.id, submission.id, 7, &comment_tracking)).unwrap();
        let comment = comments::find(conn, id).unwrap();
        assert_eq!(comment.tracking_number, "SP800-63-4-0001-7");
        assert_eq!(comment.line_raw.as_deref(), Some("156-\n161"));
        assert_eq!((comment.line_start, comment.line_end), (Some(156), Some(161)));
        assert_eq!(comment.comment_type.0, Some(CommentType::Technical));
        assert_eq!(comment.disposition.0, None);
        assert_eq!(comment.status, TriageStatus::New);
        assert_eq!(comment.tag_source, TagSource::None);
        assert_eq!(comment.version, 1);
        assert_eq!(comment.body, "Unicode survives: é ü — 漢字 🙂");
        assert_eq!(comments::for_submission(conn, submission.id).unwrap().len(), 1);
        assert_eq!(comments::count_by_section(conn, document.id).unwrap(), [(None, 1)]);

        audit::record(conn, audit::NewAuditEvent {
            document_id: Some(document.id),
            comment_id: Some(id),
            user_id: Some(editor.id),
            action: "update",
            field: Some("disposition"),
            old_value: None,
            new_value: Some("accepted"),
            created_at: db::now(),
        }).unwrap();
        let history = audit::for_comment(conn, id).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].new_value.as_deref(), Some("accepted"));
    }

    async fn constraints_hold_on_both_backends(db: TestDb) {
        let pool = db.migrated_pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let document = new_document(conn, "nistir-1");
        submissions::insert(conn, new_submission(&document, 1, "NISTIR-1-0001")).unwrap();
        // Tracking numbers are unique.
        assert!(submissions::insert(conn, new_submission(&document, 2, "NISTIR-1-0001")).is_err());
        // Foreign keys are enforced (SQLite needs its pragma for that).
        assert!(comments::insert(conn, &new_comment(document.id, 999_999, 1, "NISTIR-1-0001-1")).is_err());
        // Vocabulary columns refuse unknown words.
        let bad_role = diesel::insert_into(db::schema::users::table)
            .values((
                db::schema::users::email.eq("x@example.org"),
                db::schema::users::name.eq("X"),
                db::schema::users::role.eq("superuser"),
                db::schema::users::created_at.eq(db::now()),
            ))
            .execute(conn);
        assert!(bad_role.is_err(), "role CHECK constraint");
        // Deleting a document takes its submissions and comments with it.
        diesel::delete(db::schema::documents::table.find(document.id)).execute(conn).unwrap();
        assert_eq!(db::schema::submissions::table.count().get_result::<i64>(conn).unwrap(), 0);
    }
}
