//! Storing submissions (`docket::submissions`) under races and failures:
//! the same file sent twice at the same moment is stored once, and a
//! failed write reports its own cause.

use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use docket::db::schema::{comments, submissions};
use docket::domain::Channel;
use docket::submissions::{Request, Sender, Stored, Upload, store};
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
