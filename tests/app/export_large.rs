//! A node with more comments than PostgreSQL's export reads at once
//! (10,000): its rows are streamed instead, still complete and in order.

use crate::cli::{docket, stderr};
use crate::helpers::TestDb;
use crate::tag_review::app_with;

#[tokio::test]
async fn postgres_streams_a_node_too_large_to_hold() {
    use diesel::RunQueryDsl;
    let Some(db) = TestDb::postgres() else { return };
    let app = app_with(
        db,
        "Comment #,Section,Comment\n1,5.1,Seed remark\n2,5.3,Elsewhere\n",
    )
    .await;
    // 12,000 more comments in section 5.1, numbered after the seed.
    app.with_conn(|conn| {
        diesel::sql_query(
            "INSERT INTO comments (document_id, submission_id, seq, tracking_number, body, section_id, tag_source, created_at, updated_at) \
             SELECT c.document_id, c.submission_id, g, 'BULK-' || lpad(g::text, 6, '0'), 'bulk ' || g, \
                    c.section_id, c.tag_source, c.created_at, c.updated_at \
             FROM comments c, generate_series(3, 12002) AS g WHERE c.seq = 1",
        )
        .execute(conn)
        .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.csv");
    let out = docket(
        &app.test_db,
        &[
            "export",
            "--document",
            "nistir-8200",
            "--format",
            "csv",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let tracking: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(tracking.len(), 12_002);
    // Section 5.1 (the seed first, then the bulk in order), then 5.3.
    assert!(tracking[0].ends_with("-1"), "{}", tracking[0]);
    assert_eq!(tracking[1], "BULK-000003");
    assert_eq!(tracking[12_000], "BULK-012002");
    assert!(tracking[12_001].ends_with("-2"), "{}", tracking[12_001]);
}
