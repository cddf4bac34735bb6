//! Clusters kept current without the button: exact duplicates (the same
//! words, whatever the case, spacing or punctuation) join their cluster the
//! moment they arrive; near duplicates are grouped by the background pass,
//! which each new submission asks for.

use std::time::Duration;

use diesel::prelude::*;
use docket::db::schema::{comments, documents};

use crate::editor::clusters::LETTER;
use crate::editor::tags::{app_with, app_with_config, import_late};
use crate::helpers::{TestApp, comment_id as id_of, texts};

/// (tracking number, cluster) of every comment, in id order.
pub(crate) fn placed(app: &TestApp) -> Vec<(String, Option<i64>)> {
    app.with_conn(|conn| {
        comments::table
            .order(comments::id)
            .select((comments::tracking_number, comments::cluster_id))
            .load(conn)
            .unwrap()
    })
}

pub(crate) fn stale(app: &TestApp) -> bool {
    app.with_conn(|conn| {
        documents::table
            .filter(documents::slug.eq("nistir-8200"))
            .select(documents::clusters_stale)
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn exact_duplicates_are_grouped_as_they_arrive(db: TestDb) {
        let first = format!(
            "Comment #,Type,Section,Comment\n\
             1,T,5.1,\"{LETTER}\"\n\
             2,E,5.3,Typo on page 4.\n\
             3,T,5.2,-\n\
             4,T,5.2,-\n"
        );
        let app = app_with(db, &first).await;
        // Alone so far, each its own cluster; "-" never clusters.
        let own = |tracking: &str| Some(id_of(&app, tracking));
        let clusters: Vec<Option<i64>> = placed(&app).into_iter().map(|(_, c)| c).collect();
        let alone = [own("NISTIR-8200-0001-1"), own("NISTIR-8200-0001-2"), None, None];
        assert_eq!(clusters, alone);
        assert!(stale(&app), "a submission asks for re-clustering");

        // The same letter shouted, with other spacing and punctuation, twice
        // more from someone else; and a near duplicate, which must wait.
        let shouted = LETTER.to_uppercase().replace(", ", " ,  ");
        let near = LETTER.replace("clear", "plain");
        let second = format!(
            "Comment #,Type,Section,Comment\n\
             1,T,5.1,\"{shouted}\"\n\
             2,T,5.1,\"{LETTER}!\"\n\
             3,T,5.1,\"{near}\"\n"
        );
        import_late(&app, &second, &["--submitter", "Pat Doe"]);
        let letter = id_of(&app, "NISTIR-8200-0001-1");
        let expected = [
            ("NISTIR-8200-0001-1", Some(letter)),
            ("NISTIR-8200-0001-2", own("NISTIR-8200-0001-2")),
            ("NISTIR-8200-0001-3", None),
            ("NISTIR-8200-0001-4", None),
            ("NISTIR-8200-0002-1", Some(letter)),
            ("NISTIR-8200-0002-2", Some(letter)),
            ("NISTIR-8200-0002-3", own("NISTIR-8200-0002-3")),
        ];
        let expected: Vec<(String, Option<i64>)> =
            expected.iter().map(|(t, c)| ((*t).to_owned(), *c)).collect();
        assert_eq!(placed(&app), expected);

        // Listed at once, without the button.
        let page = app.page("/editor/d/nistir-8200/clusters", 200).await;
        assert_eq!(texts(&page, "section.cluster h2 .size"), ["3"]);

        // The button (or the background pass) adds the near duplicate.
        app.with_conn(|conn| {
            let id = letter_document(conn);
            docket::triage::recluster(conn, id).unwrap().expect("no pass running")
        });
        assert_eq!(placed(&app)[6].1, Some(letter));
        assert!(!stale(&app));
    }

    async fn texts_of_a_submission_still_arriving_are_not_joined(db: TestDb) {
        use docket::db::schema::submissions;
        let app = app_with(db, &format!("Comment #,Comment\n1,\"{LETTER}\"\n")).await;
        // Submission 1 still arriving (as a large one is, until its last
        // turn): it may yet be removed, its comments with it.
        let arriving = |app: &TestApp, yes: bool| {
            app.with_conn(|conn| {
                diesel::update(submissions::table.filter(submissions::tracking_number.eq("NISTIR-8200-0001")))
                    .set(submissions::arriving.eq(yes))
                    .execute(conn)
                    .unwrap()
            })
        };
        assert_eq!(arriving(&app, true), 1);
        // (Another file: the same one would wait for the arriving copy.)
        import_late(&app, &format!("Comment #,Comment\n1,\"{LETTER}\"\n\n"), &["--submitter", "Pat Doe"]);
        arriving(&app, false);
        let (first, second) = (id_of(&app, "NISTIR-8200-0001-1"), id_of(&app, "NISTIR-8200-0002-1"));
        // Apart until the next pass, which the arrival asks for.
        assert_eq!(placed(&app).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), [Some(first), Some(second)]);
        app.with_conn(|conn| {
            let id = letter_document(conn);
            docket::triage::recluster(conn, id).unwrap().expect("no pass running")
        });
        assert_eq!(placed(&app).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), [Some(first), Some(first)]);
    }

    async fn the_background_pass_groups_near_duplicates(db: TestDb) {
        let near = LETTER.replace("clear", "plain");
        let csv = format!("Comment #,Type,Section,Comment\n1,T,5.1,\"{LETTER}\"\n2,T,5.1,\"{near}\"\n3,E,5.3,Typo.\n");
        let app = app_with_config(db, &csv, "[triage]\nrecluster_every_secs = 1\n").await;
        let letter = id_of(&app, "NISTIR-8200-0001-1");
        let mut waited = Duration::ZERO;
        while placed(&app)[1].1 != Some(letter) {
            assert!(waited < Duration::from_secs(20), "not re-clustered: {:?}", placed(&app));
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        assert_eq!(
            placed(&app).into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            [Some(letter), Some(letter), Some(id_of(&app, "NISTIR-8200-0001-3"))]
        );
        assert!(!stale(&app));
    }

    async fn one_instance_claims_a_stale_document(db: TestDb) {
        let app = app_with(db, "Comment #,Comment\n1,Hello there\n").await;
        assert!(stale(&app));
        let done = app.with_conn(|conn| docket::triage::similar::recluster_stale(conn, docket::db::now()).unwrap());
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1.comments, 1);
        assert!(!stale(&app));
        let again = app.with_conn(|conn| docket::triage::similar::recluster_stale(conn, docket::db::now()).unwrap());
        assert!(again.is_empty(), "nothing left to do: {again:?}");
        // Claimed elsewhere first: the conditional update loses.
        app.with_conn(|conn| {
            let id = letter_document(conn);
            assert!(docket::db::documents::set_clusters_stale(conn, id, true).unwrap());
            assert!(docket::db::documents::set_clusters_stale(conn, id, false).unwrap());
            assert!(!docket::db::documents::set_clusters_stale(conn, id, false).unwrap());
        });
    }

    async fn a_pass_whose_instance_died_is_taken_over(db: TestDb) {
        use docket::db::documents::{CLUSTER_LEASE, claim_clusters};
        use docket::triage::similar::recluster_stale;
        let app = app_with(db, "Comment #,Comment\n1,Hello there\n").await;
        let claimed = docket::db::now();
        // An instance claims the document, then dies before it finishes.
        app.with_conn(|conn| {
            let id = letter_document(conn);
            assert!(claim_clusters(conn, id, claimed).unwrap().is_some());
        });
        assert!(!stale(&app), "the claim cleared the mark");
        // While the lease lives, other instances leave it alone.
        let soon = claimed + time::Duration::minutes(1);
        assert!(app.with_conn(|conn| recluster_stale(conn, soon).unwrap()).is_empty());
        // Once it has expired unrenewed, the next pass takes over.
        let later = claimed + CLUSTER_LEASE + time::Duration::minutes(1);
        let done = app.with_conn(|conn| recluster_stale(conn, later).unwrap());
        assert_eq!(done.len(), 1, "{done:?}");
        assert_eq!(done[0].1.comments, 1);
        // Finished: its lease is released, so no pass takes it up again.
        let much_later = later + CLUSTER_LEASE * 2;
        assert!(app.with_conn(|conn| recluster_stale(conn, much_later).unwrap()).is_empty());
        let claim = app.with_conn(|conn| {
            let id = letter_document(conn);
            docket::db::documents::find_by_id(conn, id).unwrap().clusters_claimed_at
        });
        assert_eq!(claim, None);
    }
}

pub(crate) fn letter_document(conn: &mut docket::db::DbConnection) -> i64 {
    docket::documents::find(conn, "nistir-8200").unwrap().id
}

/// Every comment as (tracking number, cluster, and what must not change:
/// text hash, version, last update), in id order.
type Row = (
    String,
    Option<i64>,
    Option<String>,
    i32,
    time::PrimitiveDateTime,
);

fn rows(app: &TestApp) -> Vec<Row> {
    app.with_conn(|conn| {
        comments::table
            .order(comments::id)
            .select((
                comments::tracking_number,
                comments::cluster_id,
                comments::text_hash,
                comments::version,
                comments::updated_at,
            ))
            .load(conn)
            .unwrap()
    })
}

/// `count` short numbered remarks (more than one batch of hashes), in
/// order or reversed, as CSV rows numbered from `from`.
fn remarks(from: usize, count: usize, reversed: bool) -> String {
    let mut numbers: Vec<usize> = (1..=count).collect();
    if reversed {
        numbers.reverse();
    }
    numbers
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{},T,5.1,Remark number {n} about the figures.\n", from + i))
        .collect()
}

/// Imports the texts of `csv` from another sender; checks that every
/// comment of `before` kept everything but the clusters `joined` gives it
/// (tracking number → cluster), and returns the rows after.
fn import_checked(
    app: &TestApp,
    csv: &str,
    sender: &str,
    before: &[Row],
    joined: &std::collections::HashMap<String, i64>,
) -> Vec<Row> {
    import_late(app, csv, &["--submitter", sender]);
    let after = rows(app);
    for (old, new) in before.iter().zip(&after) {
        let cluster = joined.get(&old.0).copied().or(old.1);
        assert_eq!(new, &(old.0.clone(), cluster, old.2.clone(), old.3, old.4));
    }
    after
}

on_both_backends! {
    async fn texts_seen_before_join_their_clusters(db: TestDb) {
        let near = LETTER.replace("clear", "plain");
        let first = format!(
            "Comment #,Type,Section,Comment\n\
             1,T,5.1,\"{LETTER}\"\n\
             2,E,5.3,Typo on page 4.\n\
             3,T,5.2,-\n\
             4,T,5.1,\"{}\"\n\
             5,T,5.2,A unique remark about section 3.1.\n\
             6,T,5.1,\"{near}\"\n{}\
             607,T,5.1,\"{LETTER}\"\n",
            LETTER.to_uppercase(),
            remarks(7, 600, false)
        );
        let app = app_with(db, &first).await;
        // The near duplicate joins the letter's cluster by re-clustering,
        // so one group below has a cluster that is not its lowest id.
        app.with_conn(|conn| {
            let id = letter_document(conn);
            docket::triage::recluster(conn, id).unwrap().expect("no pass running")
        });
        let letter = id_of(&app, "NISTIR-8200-0001-1");
        let own = |tracking: &str| (tracking.to_owned(), id_of(&app, tracking));
        let first_of = |seq: usize| id_of(&app, &format!("NISTIR-8200-0001-{seq}"));
        let clusters: Vec<Option<i64>> = rows(&app).iter().take(7).map(|r| r.1).collect();
        let expected = [letter, first_of(2), 0, letter, first_of(5), letter, first_of(7)];
        let expected: Vec<Option<i64>> = expected.iter().map(|&c| (c != 0).then_some(c)).collect();
        assert_eq!(clusters, expected);
        // A copy in a later batch of the same file joined the first ones.
        assert_eq!(rows(&app)[606].1, Some(letter));

        // As an older version stored them: comments alone without a
        // cluster, and a copy of the letter not placed yet (as when the
        // submission holding its cluster was removed).
        let unplaced: Vec<String> = [2, 4, 5]
            .into_iter()
            .chain(7..607)
            .map(|seq| format!("NISTIR-8200-0001-{seq}"))
            .collect();
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::tracking_number.eq_any(&unplaced)))
                .set(comments::cluster_id.eq(None::<i64>))
                .execute(conn)
                .unwrap()
        });
        let before = rows(&app);

        // The same texts (some written differently), and new ones, from
        // someone else.
        let second = format!(
            "Comment #,Type,Section,Comment\n\
             1,T,5.2,A unique remark about section 3.1!\n\
             2,T,5.1,\"{near}\"\n\
             3,T,5.1,\"{LETTER}\"\n\
             4,T,5.2,-\n\
             5,E,5.3,typo on PAGE 4\n\
             6,G,,Brand new text here.\n\
             7,G,,brand new text here\n\
             8,G,,Only once.\n{}",
            remarks(9, 600, true)
        );
        // Only those are updated: each joins its text's cluster, the lowest
        // id of a group without any.
        let mut joined: std::collections::HashMap<String, i64> =
            (7..607).map(|seq| own(&format!("NISTIR-8200-0001-{seq}"))).collect();
        joined.extend([own("NISTIR-8200-0001-2"), own("NISTIR-8200-0001-5")]);
        joined.insert("NISTIR-8200-0001-4".to_owned(), letter);
        let after = import_checked(&app, &second, "Pat Doe", &before, &joined);

        let cluster_of = |rows: &[Row], tracking: &str| {
            rows.iter().find(|r| r.0 == tracking).unwrap().1
        };
        let brand_new = id_of(&app, "NISTIR-8200-0002-6");
        let once = id_of(&app, "NISTIR-8200-0002-8");
        let expected = [
            Some(first_of(5)),
            Some(letter),
            Some(letter),
            None,
            Some(first_of(2)),
            Some(brand_new),
            Some(brand_new),
            Some(once),
        ];
        for (seq, cluster) in expected.iter().enumerate() {
            let tracking = format!("NISTIR-8200-0002-{}", seq + 1);
            assert_eq!(cluster_of(&after, &tracking), *cluster, "{tracking}");
        }
        // Remark n came 600 − n + 1st in the second file, n-th in the first.
        for n in 1..=600 {
            let tracking = format!("NISTIR-8200-0002-{}", 8 + 601 - n);
            assert_eq!(cluster_of(&after, &tracking), Some(first_of(6 + n)), "{tracking}");
        }

        // Once more from a third sender: every text has its cluster now, so
        // no stored comment changes at all.
        // (A blank line more: another file, not the second "already received".)
        let again = format!("{second}\n");
        let third = import_checked(&app, &again, "Sam Roe", &after, &Default::default());
        for seq in 1..=608 {
            let tracking = format!("NISTIR-8200-0003-{seq}");
            let twin = format!("NISTIR-8200-0002-{seq}");
            assert_eq!(cluster_of(&third, &tracking), cluster_of(&after, &twin), "{tracking}");
        }
    }
}
