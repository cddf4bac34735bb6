//! Storing submissions (`docket::submissions`) under races and failures:
//! the same file sent twice at the same moment is stored once; a large
//! submission, stored a batch per transaction, is seen by nobody until it
//! has arrived, and what a failure or a dead process left half-stored is
//! removed.

use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use docket::db::documents::Document;
use docket::db::export_rows::{self, ExportFilter};
use docket::db::schema::{comments, submissions};
use docket::db::{DbConnection, progress, queue};
use docket::domain::Channel;
use docket::submissions::{Request, Sender, Stored, SubmitError, Upload, store, store_then};
use time::macros::date;

use crate::helpers::{TestDb, draft_spec};

const CSV: &str = "Comment #,Type,Section,Page #,Line #,Comment,Suggested Change\n\
                   1,E,2.1,4,120,The first sentence repeats the title.,Drop it.\n\
                   2,T,3.4,9,310-318,Say which assurance level applies.,Add IAL2.\n";

/// Sends `bytes` as Ada from `senders` connections at once; returns what
/// each was told.
fn send_at_once(db: &TestDb, slug: &str, bytes: &'static [u8], senders: usize) -> Vec<Stored> {
    let document = {
        let mut conn = db.connect();
        docket::db::documents::find_by_slug(&mut conn, slug).unwrap()
    };
    let start = Arc::new(Barrier::new(senders));
    let threads: Vec<_> = (0..senders)
        .map(|_| {
            let (start, document) = (Arc::clone(&start), document.clone());
            let mut conn = db.connect();
            std::thread::spawn(move || {
                let intake =
                    docket::intake::read("comments.csv", bytes, &Default::default()).unwrap();
                let sender = Sender {
                    name: Some("Ada Lovelace".into()),
                    organization: None,
                    email: Some("ada@example.org".into()),
                };
                let request = Request {
                    channel: Channel::Upload,
                    file: Some(Upload {
                        file_name: "comments.csv",
                        content_type: "text/csv",
                        bytes,
                    }),
                    allow_late: true,
                    today: date!(2026 - 12 - 07),
                    transaction_time: docket::submissions::TRANSACTION_TIME,
                };
                start.wait();
                store(&mut conn, &document, &sender, request, &intake, &mut |_| {}).unwrap()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

on_both_backends! {
    async fn the_same_file_sent_at_the_same_moment_is_stored_once(db: TestDb) {
        let _pool = db.migrated_pool();
        {
            let mut conn = db.connect();
            docket::documents::create(&mut conn, &draft_spec("draft", date!(2026 - 01 - 01), date!(2027 - 01 - 01))).unwrap();
        }
        // Each round sends a different file (a row more each time) from
        // four connections at once: on PostgreSQL the check used to run
        // before the document's lock and stored every copy.
        let mut expected_seq = 0;
        for round in 0..6 {
            let mut text = CSV.to_owned();
            for extra in 0..round {
                text.push_str(&format!("{},E,4,1,1,Round {round} row {extra}.,\n", extra + 3));
            }
            let bytes: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
            let told = send_at_once(&db, "draft", bytes, 4);
            let new: Vec<&str> = told.iter().filter_map(|s| match s {
                Stored::New { submission, .. } => Some(submission.tracking_number.as_str()),
                Stored::AlreadyReceived { .. } => None,
            }).collect();
            assert_eq!(new.len(), 1, "round {round}: one copy stored, not {new:?}");
            expected_seq += 1;
            let tracking = format!("DRAFT-{expected_seq:04}");
            assert_eq!(new[0], tracking, "no number taken by a copy that was not stored");
            for answer in &told {
                let (Stored::New { submission, .. } | Stored::AlreadyReceived { submission }) = answer;
                assert_eq!(submission.tracking_number, tracking, "the others are told the first one's number");
            }
        }
        let mut conn = db.connect();
        let stored: i64 = submissions::table.count().get_result(&mut conn).unwrap();
        assert_eq!(stored, 6);
        let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, (0..6).map(|round| 2 + round).sum::<i64>());
    }
}

/// A CSV of `rows` comments (texts all different), as a file sent by Bo.
fn large_csv(rows: usize) -> Vec<u8> {
    let mut text = String::from("Comment #,Type,Section,Page #,Line #,Comment,Suggested Change\n");
    for n in 1..=rows {
        text.push_str(&format!(
            "{n},T,{}.1,{},{n},Large comment number {n}.,Change {n}.\n",
            n % 5,
            n % 40
        ));
    }
    text.into_bytes()
}

fn request(bytes: &[u8]) -> Request<'_> {
    Request {
        channel: Channel::Upload,
        file: Some(Upload {
            file_name: "large.csv",
            content_type: "text/csv",
            bytes,
        }),
        allow_late: true,
        today: date!(2026 - 12 - 07),
        // A transaction per batch: the tests look in after each.
        transaction_time: std::time::Duration::ZERO,
    }
}

fn bo() -> Sender {
    Sender {
        name: Some("Bo".into()),
        organization: None,
        email: Some("bo@example.org".into()),
    }
}

/// A document with one small submission of two comments stored.
fn document_with_two_comments(db: &TestDb) -> Document {
    let _pool = db.migrated_pool();
    let mut conn = db.connect();
    let document = docket::documents::create(
        &mut conn,
        &draft_spec("draft", date!(2026 - 01 - 01), date!(2027 - 01 - 01)),
    )
    .unwrap();
    let intake = docket::intake::read("comments.csv", CSV.as_bytes(), &Default::default()).unwrap();
    store(
        &mut conn,
        &document,
        &Sender::default(),
        request(CSV.as_bytes()),
        &intake,
        &mut |_| {},
    )
    .unwrap();
    document
}

/// What each reader sees of the document: comments counted, queue total,
/// export rows, unanswered total, tallied total, submissions counted.
fn seen(conn: &mut DbConnection, document_id: i64) -> [i64; 6] {
    let counted = docket::db::comments::count_for_document(conn, document_id).unwrap();
    let (_, queued) = queue::page(conn, document_id, &Default::default(), 0, 50).unwrap();
    let mut exported = 0;
    let mut sink = |_row| {
        exported += 1;
        Ok::<_, diesel::result::Error>(())
    };
    export_rows::for_each(conn, document_id, &ExportFilter::default(), &mut sink).unwrap();
    let (_, unanswered) =
        export_rows::unanswered(conn, document_id, &ExportFilter::default(), 5).unwrap();
    let tallied: i64 = progress::by_section(conn, document_id)
        .unwrap()
        .iter()
        .map(|(_, c)| c.total)
        .sum();
    let submitted = docket::db::submissions::count_for_document(conn, document_id).unwrap();
    [counted, queued, exported, unanswered, tallied, submitted]
}

/// Tallies as the triggers and `count_submission` kept them, and as the
/// comments count them.
fn tallies_agree(conn: &mut DbConnection, document_id: i64) {
    let mut kept = progress::by_section(conn, document_id).unwrap();
    kept.retain(|(_, c)| c.total != 0);
    kept.sort_by_key(|(s, _)| *s);
    let mut counted = progress::recount(conn, document_id).unwrap();
    counted.sort_by_key(|(s, _)| *s);
    assert_eq!(kept, counted);
}

on_both_backends! {
    async fn a_large_submission_is_seen_by_nobody_until_it_has_arrived(db: TestDb) {
        let document = document_with_two_comments(&db);
        let bytes = large_csv(1_200);
        let intake = docket::intake::read("large.csv", &bytes, &Default::default()).unwrap();
        let small = docket::intake::read("comments.csv", CSV.as_bytes(), &Default::default()).unwrap();
        let cy = Sender { email: Some("cy@example.org".into()), ..Sender::default() };
        let mut reader = db.connect();
        let mut batches = 0;
        let mut stored_meanwhile = Vec::new();
        let mut conn = db.connect();
        let stored = store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {
            batches += 1;
            if batches == 1 {
                // Another submission to the document goes through meanwhile
                // (the import holds no lock between its batches) and is
                // seen at once.
                let other = store(&mut reader, &document, &cy, request(CSV.as_bytes()), &small, &mut |_| {}).unwrap();
                let Stored::New { submission, .. } = other else { panic!("stored as new") };
                assert_eq!(submission.tracking_number, "DRAFT-0003");
            }
            // Each batch is committed: another connection finds its rows,
            // but no reader shows them.
            stored_meanwhile.push(comments::table.count().get_result::<i64>(&mut reader).unwrap());
            assert_eq!(seen(&mut reader, document.id), [4, 4, 4, 4, 4, 2], "after batch {batches}");
            tallies_agree(&mut reader, document.id);
            let newest: i64 = comments::table
                .filter(comments::tracking_number.like("DRAFT-0002-%"))
                .select(diesel::dsl::max(comments::id))
                .first::<Option<i64>>(&mut reader).unwrap().unwrap();
            assert!(docket::db::comments::find(&mut reader, newest).is_err(), "not found by id either");
        }).unwrap();
        assert_eq!(batches, 3);
        assert_eq!(stored_meanwhile, [504, 1004, 1204], "each batch committed on its own");
        let Stored::New { submission, comments: n, .. } = stored else { panic!("stored as new") };
        assert_eq!((submission.tracking_number.as_str(), n, submission.arriving), ("DRAFT-0002", 1_200, false));
        assert_eq!(seen(&mut reader, document.id), [1204, 1204, 1204, 1204, 1204, 3]);
        tallies_agree(&mut reader, document.id);
        let arriving: i64 = submissions::table.filter(submissions::arriving).count().get_result(&mut reader).unwrap();
        assert_eq!(arriving, 0);
    }

    async fn a_large_submission_that_fails_on_arrival_leaves_nothing(db: TestDb) {
        let document = document_with_two_comments(&db);
        let bytes = large_csv(700);
        let intake = docket::intake::read("large.csv", &bytes, &Default::default()).unwrap();
        let mut conn = db.connect();
        let failed = store_then(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {}, |_, submission, n| {
            assert_eq!((submission.tracking_number.as_str(), n), ("DRAFT-0002", 700));
            Err(SubmitError::Closed(date!(2026 - 12 - 01)))
        });
        assert!(matches!(failed, Err(SubmitError::Closed(_))), "{failed:?}");
        assert_eq!(seen(&mut conn, document.id), [2, 2, 2, 2, 2, 1]);
        let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, 2, "the batches stored are removed again");
        tallies_agree(&mut conn, document.id);
        // Its number is not given back: a second copy of the file may
        // have been told it.
        let again = store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {}).unwrap();
        let Stored::New { submission, .. } = again else { panic!("stored as new") };
        assert_eq!(submission.tracking_number, "DRAFT-0003");
        tallies_agree(&mut conn, document.id);
    }

    async fn what_a_dead_process_left_half_stored_is_swept_away(db: TestDb) {
        let document = document_with_two_comments(&db);
        let bytes = large_csv(1_100);
        let intake = docket::intake::read("large.csv", &bytes, &Default::default()).unwrap();
        let mut conn = db.connect();
        // The process "dies" after the second batch: nothing after it runs.
        let mut batches = 0;
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {
                batches += 1;
                if batches == 2 {
                    panic!("killed");
                }
            })
        }));
        assert!(died.is_err());
        let mut conn = db.connect();
        let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, 1002, "two batches were committed");
        assert_eq!(seen(&mut conn, document.id), [2, 2, 2, 2, 2, 1]);
        // The same file again is "already received" while the first copy
        // might still be arriving; a sweep leaves a fresh one alone.
        let told = store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {}).unwrap();
        let Stored::AlreadyReceived { submission } = told else { panic!("the copy arriving is found") };
        assert_eq!((submission.tracking_number.as_str(), submission.arriving), ("DRAFT-0002", true));
        let now = docket::db::now();
        assert_eq!(docket::submissions::sweep_abandoned(&mut conn, now).unwrap(), 0);
        let later = now + docket::db::submissions::ABANDONED_AFTER + time::Duration::minutes(1);
        assert_eq!(docket::submissions::sweep_abandoned(&mut conn, later).unwrap(), 1);
        assert_eq!(docket::submissions::sweep_abandoned(&mut conn, later).unwrap(), 0);
        let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, 2);
        tallies_agree(&mut conn, document.id);
        let again = store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {}).unwrap();
        let Stored::New { submission, .. } = again else { panic!("stored as new once the half-stored copy is gone") };
        assert_eq!(submission.tracking_number, "DRAFT-0003");
        assert_eq!(seen(&mut conn, document.id)[0], 1102);
    }

    async fn a_submission_swept_away_while_arriving_does_not_arrive(db: TestDb) {
        // Silent too long (a stalled disk, a paused process): a sweep
        // removes it between its last batch and its arrival.
        let document = document_with_two_comments(&db);
        let bytes = large_csv(1_100);
        let intake = docket::intake::read("large.csv", &bytes, &Default::default()).unwrap();
        let mut sweeper = db.connect();
        let mut conn = db.connect();
        let mut batches = 0;
        let stored = store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {
            batches += 1;
            if batches == 3 {
                let later = docket::db::now() + docket::db::submissions::ABANDONED_AFTER + time::Duration::minutes(1);
                assert_eq!(docket::submissions::sweep_abandoned(&mut sweeper, later).unwrap(), 1);
            }
        });
        assert!(matches!(stored, Err(SubmitError::Abandoned)), "{stored:?}");
        assert_eq!(seen(&mut conn, document.id), [2, 2, 2, 2, 2, 1]);
        let rows: i64 = comments::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, 2);
        tallies_agree(&mut conn, document.id);
    }

    async fn an_outline_replaced_while_a_submission_arrives_files_all_of_it(db: TestDb) {
        // The document has no outline when the import starts; one comes
        // in after its first batch. On arrival every comment is filed by
        // it, those stored before it came included.
        let document = document_with_two_comments(&db);
        let bytes = large_csv(1_100);
        let intake = docket::intake::read("large.csv", &bytes, &Default::default()).unwrap();
        let outline = docket::outline::parse(
            "number,title,kind,volume\n1,One,,\n1.1,One one,,\n2,Two,,\n2.1,Two one,,\n",
            docket::outline::OutlineFormat::Csv,
        ).unwrap();
        let mut editor = db.connect();
        let mut conn = db.connect();
        let mut batches = 0;
        store(&mut conn, &document, &bo(), request(&bytes), &intake, &mut |_| {
            batches += 1;
            if batches == 1 {
                docket::documents::import_outline(&mut editor, "draft", &outline).unwrap();
            }
        }).unwrap();
        let unfiled: i64 = comments::table
            .filter(comments::tracking_number.like("DRAFT-0002-%"))
            .filter(comments::section_raw.eq_any(["1.1", "2.1"]))
            .filter(comments::section_id.is_null())
            .count().get_result(&mut conn).unwrap();
        let filed: i64 = comments::table
            .filter(comments::tracking_number.like("DRAFT-0002-%"))
            .filter(comments::section_id.is_not_null())
            .count().get_result(&mut conn).unwrap();
        assert_eq!((unfiled, filed), (0, 440));
        tallies_agree(&mut conn, document.id);
    }

    async fn readers_of_several_statements_see_one_moment(db: TestDb) {
        // `read_snapshot`: which submissions are arriving and the comments
        // read after are of one moment, even when a submission commits in
        // between (here: a whole one, from another connection).
        let document = document_with_two_comments(&db);
        let small = docket::intake::read("comments.csv", CSV.as_bytes(), &Default::default()).unwrap();
        let cy = Sender { email: Some("cy@example.org".into()), ..Sender::default() };
        let mut writer = db.connect();
        let mut reader = db.connect();
        let (before, after) = docket::db::read_snapshot(&mut reader, |conn| {
            let before = docket::db::comments::count_for_document(conn, document.id)?;
            store(&mut writer, &document, &cy, request(CSV.as_bytes()), &small, &mut |_| {}).unwrap();
            let after = docket::db::comments::count_for_document(conn, document.id)?;
            Ok::<_, diesel::result::Error>((before, after))
        }).unwrap();
        assert_eq!((before, after), (2, 2));
        assert_eq!(docket::db::comments::count_for_document(&mut reader, document.id).unwrap(), 4);
    }
}
