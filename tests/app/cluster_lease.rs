//! One re-clustering pass per document at a time, across instances: a pass
//! holds a lease on its document until it ends (renewing it as it goes); a
//! submission arriving meanwhile marks the document stale, which earns it
//! one more pass after this one, not a second pass beside it; a lease left
//! to expire is taken over, and the pass that held it writes nothing more.

use time::Duration;

use docket::db::DbConnection;
use docket::db::documents::{
    CLUSTER_LEASE, claim_clusters, find_by_id, release_clusters, renew_clusters,
};
use docket::triage::similar::{recluster_leased, recluster_stale};

use crate::cluster_upkeep::{letter_document, placed, stale};
use crate::editor::clusters::LETTER;
use crate::editor::tags::{app_with, import_late};
use crate::helpers::{TestApp, comment_id as id_of};

/// When the document's lease was last renewed (`None`: no pass holds it).
fn lease_of(app: &TestApp) -> Option<time::PrimitiveDateTime> {
    app.with_conn(|conn| {
        let id = letter_document(conn);
        find_by_id(conn, id).unwrap().clusters_claimed_at
    })
}

on_both_backends! {
    async fn a_running_pass_keeps_its_document_until_it_ends(db: TestDb) {
        let app = app_with(db, "Comment #,Comment\n1,Hello there\n").await;
        // Instance B, with a connection of its own.
        let mut other: DbConnection = app.test_db.connect();
        let id = app.with_conn(letter_document);
        let start = docket::db::now().replace_nanosecond(0).unwrap();
        // Instance A claims the document and is mid-pass.
        let mut lease = app
            .with_conn(|conn| claim_clusters(conn, id, start).unwrap())
            .expect("A claims the stale document");
        assert!(!stale(&app));

        // A submission arrives during A's pass.
        import_late(&app, "Comment #,Comment\n1,Another remark\n", &["--submitter", "Pat Doe"]);
        assert!(stale(&app), "the submission marks the document stale");

        // B finds nothing to do while A's lease lives: no second pass.
        let soon = start + Duration::minutes(1);
        assert!(recluster_stale(&mut other, soon).unwrap().is_empty());
        assert!(claim_clusters(&mut other, id, soon).unwrap().is_none());

        // A renews as it goes, so its lease outlives the first term.
        let renewed = start + Duration::minutes(2);
        assert!(app.with_conn(|conn| renew_clusters(conn, &mut lease, renewed).unwrap()));
        let past_first_term = start + CLUSTER_LEASE + Duration::minutes(1);
        assert!(recluster_stale(&mut other, past_first_term).unwrap().is_empty());
        assert!(stale(&app), "the mark waits for A's pass to end");

        // A ends; the document then gets its extra pass, for the new comment.
        app.with_conn(|conn| release_clusters(conn, lease).unwrap());
        assert_eq!(lease_of(&app), None);
        let done = recluster_stale(&mut other, past_first_term).unwrap();
        assert_eq!(done.len(), 1, "{done:?}");
        assert_eq!(done[0].1.comments, 2);
        assert!(!stale(&app));
        assert_eq!(lease_of(&app), None);
        assert!(recluster_stale(&mut other, past_first_term).unwrap().is_empty());
    }

    async fn an_expired_lease_is_taken_over_and_its_pass_writes_nothing(db: TestDb) {
        // A letter and a near duplicate of it: a pass would cluster them.
        let near = LETTER.replace("clear", "plain");
        let csv = format!("Comment #,Comment\n1,\"{LETTER}\"\n2,\"{near}\"\n");
        let app = app_with(db, &csv).await;
        let mut other: DbConnection = app.test_db.connect();
        let id = app.with_conn(letter_document);
        let start = docket::db::now().replace_nanosecond(0).unwrap();
        let lease = app
            .with_conn(|conn| claim_clusters(conn, id, start).unwrap())
            .expect("A claims the stale document");

        // A stalls past its lease; B takes the document over.
        let later = start + CLUSTER_LEASE + Duration::seconds(1);
        let taken = claim_clusters(&mut other, id, later)
            .unwrap()
            .expect("an expired lease is taken over");
        assert_eq!(lease_of(&app), Some(later));

        // A goes on: its first write finds the lease gone (no renewal due
        // yet by its own clock), and it stops without writing.
        let a_clock = move || start + Duration::seconds(1);
        let outcome = app.with_conn(|conn| recluster_leased(conn, lease, &a_clock).unwrap());
        assert_eq!(outcome, None);
        // So does a renewal while reading.
        let late_clock = move || later + Duration::minutes(1);
        let outcome = app.with_conn(|conn| recluster_leased(conn, lease, &late_clock).unwrap());
        assert_eq!(outcome, None);
        // As intake left them: each its own cluster.
        let own: Vec<Option<i64>> = ["NISTIR-8200-0001-1", "NISTIR-8200-0001-2"]
            .iter()
            .map(|t| Some(id_of(&app, t)))
            .collect();
        assert_eq!(placed(&app).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), own);
        assert_eq!(lease_of(&app), Some(later), "A released nothing of B's");

        // B's pass writes and releases.
        let b_clock = move || later + Duration::seconds(2);
        let report = recluster_leased(&mut other, taken, &b_clock)
            .unwrap()
            .expect("B holds the lease");
        assert_eq!(report.clusters, 1);
        let letter = id_of(&app, "NISTIR-8200-0001-1");
        assert!(placed(&app).iter().all(|(_, c)| *c == Some(letter)), "{:?}", placed(&app));
        assert_eq!(lease_of(&app), None);
        assert!(!stale(&app));
    }
}
