//! The export's rows as `db::export_rows` reads them.

use super::*;

// The export's one ordered statement: every field in its own place, the
// table order across many rows tied on section, page and line (607
// comments, 600 of them so), and each filter the same rows as the whole
// table narrowed by hand.
on_both_backends! {
    async fn export_rows_come_in_table_order_under_each_filter(db: TestDb) {
        use docket::db::export_rows::{self, ExportFilter, ExportRow};
        use docket::db::schema::sections;
        use docket::domain::{Disposition, TriageStatus};

        seed(&db);
        answer_some(&db);
        // One comment with a value of its own in every column a row reads,
        // so two columns read in each other's place cannot go unseen.
        update_comment!(
            db,
            "DRAFT-X-0001-1",
            (
                comments::source_sheet.eq("sheet"),
                comments::source_row.eq(41),
                comments::extra_json.eq(r#"{"Extra":"extra"}"#),
                comments::problems_json.eq(r#"["problem"]"#),
                comments::comment_number.eq("number"),
                comments::commenter.eq("commenter"),
                comments::organization.eq("organization"),
                comments::volume_raw.eq("volume"),
                comments::type_raw.eq("type"),
                comments::severity.eq("severity"),
                comments::section_raw.eq("section"),
                comments::paragraph_raw.eq("paragraph"),
                comments::page_raw.eq("page"),
                comments::page_start.eq("start"),
                comments::page_end.eq("end"),
                comments::line_raw.eq("line"),
                comments::line_start.eq(42),
                comments::line_end.eq(43),
                comments::suggested_change.eq("suggested"),
                comments::tag_conflict.eq("conflict"),
                comments::disposition_raw.eq("disposition"),
            )
        );
        let more = import_more(&db, 600);
        let mut conn = db.connect();
        let document = document_id(&mut conn);
        let intro: Vec<i64> = sections::table
            .filter(sections::document_id.eq(document))
            .filter(sections::number.eq_any(["1", "1.1"]))
            .select(sections::id)
            .load(&mut conn)
            .unwrap();
        let mut rows = |filter: &ExportFilter| {
            let mut seen = Vec::new();
            let count = export_rows::for_each(&mut conn, document, filter, &mut |row| {
                seen.push(row);
                Ok::<_, diesel::result::Error>(())
            })
            .unwrap();
            assert_eq!(count, seen.len());
            seen
        };
        let whole = rows(&ExportFilter::default());
        let tracking = |rows: &[ExportRow]| -> Vec<String> {
            rows.iter().map(|row| row.comment.tracking_number.clone()).collect()
        };
        let expected: Vec<String> = OUTLINE_ORDER[..2]
            .iter()
            .map(|t| (*t).to_owned())
            .chain(more)
            .chain(OUTLINE_ORDER[2..].iter().map(|t| (*t).to_owned()))
            .collect();
        assert_eq!(tracking(&whole), expected);

        let full = whole
            .iter()
            .find(|row| row.comment.tracking_number == "DRAFT-X-0001-1")
            .unwrap();
        let c = &full.comment;
        assert_eq!(
            (c.source_sheet.as_deref(), c.source_row, c.extra_json.as_str(), c.problems_json.as_str()),
            (Some("sheet"), Some(41), r#"{"Extra":"extra"}"#, r#"["problem"]"#)
        );
        assert_eq!(
            [&c.comment_number, &c.commenter, &c.organization, &c.volume_raw, &c.type_raw, &c.severity]
                .map(|v| v.as_deref()),
            [Some("number"), Some("commenter"), Some("organization"), Some("volume"), Some("type"), Some("severity")]
        );
        assert_eq!(
            [&c.section_raw, &c.paragraph_raw, &c.page_raw, &c.page_start, &c.page_end, &c.line_raw]
                .map(|v| v.as_deref()),
            [Some("section"), Some("paragraph"), Some("page"), Some("start"), Some("end"), Some("line")]
        );
        assert_eq!((c.line_start, c.line_end), (Some(42), Some(43)));
        assert_eq!(
            [&c.suggested_change, &c.tag_conflict, &c.disposition_raw].map(|v| v.as_deref()),
            [Some("suggested"), Some("conflict"), Some("disposition")]
        );
        assert_eq!(
            (
                full.submission.tracking_number.as_str(),
                full.submission.submitter_name.as_str(),
                full.submission.organization.as_str(),
                full.submission.email.as_deref(),
                full.file_name.as_deref(),
            ),
            ("DRAFT-X-0001", "Alice Able", "Acme", Some("alice@example.org"), Some("alice.csv"))
        );

        type Keep = Box<dyn Fn(&ExportRow) -> bool>;
        let in_intro = {
            let intro = intro.clone();
            move |row: &ExportRow| row.comment.section_id.is_some_and(|id| intro.contains(&id))
        };
        let cases: Vec<(ExportFilter, Keep)> = vec![
            (
                ExportFilter { general_only: true, ..ExportFilter::default() },
                Box::new(|row| row.comment.section_id.is_none()),
            ),
            (
                ExportFilter { sections: Some(intro.clone()), ..ExportFilter::default() },
                Box::new(in_intro.clone()),
            ),
            (
                ExportFilter { without_withdrawn: true, ..ExportFilter::default() },
                Box::new(|row| row.comment.status != TriageStatus::Withdrawn),
            ),
            (
                ExportFilter { status: Some(TriageStatus::Resolved), ..ExportFilter::default() },
                Box::new(|row| row.comment.status == TriageStatus::Resolved),
            ),
            (
                ExportFilter { disposition: Some(Disposition::Declined), ..ExportFilter::default() },
                Box::new(|row| row.comment.disposition.0 == Some(Disposition::Declined)),
            ),
            (
                ExportFilter {
                    sections: Some(intro.clone()),
                    status: Some(TriageStatus::New),
                    without_withdrawn: true,
                    ..ExportFilter::default()
                },
                Box::new(move |row| in_intro(row) && row.comment.status == TriageStatus::New),
            ),
            (
                ExportFilter { sections: Some(Vec::new()), ..ExportFilter::default() },
                Box::new(|_| false),
            ),
        ];
        for (filter, keep) in cases {
            let by_hand: Vec<String> =
                whole.iter().filter(|row| keep(row)).map(|row| format!("{row:?}")).collect();
            let read: Vec<String> = rows(&filter).iter().map(|row| format!("{row:?}")).collect();
            assert_eq!(read, by_hand, "{filter:?}");
            let empty_expected = filter.sections.as_ref().is_some_and(Vec::is_empty);
            assert_eq!(read.is_empty(), empty_expected, "{filter:?}");
        }
        let resolved = rows(&ExportFilter {
            status: Some(TriageStatus::Resolved),
            ..ExportFilter::default()
        });
        assert_eq!(resolved.len(), 3, "{:?}", tracking(&resolved));
    }
}

// A reader stopped mid-export (the writer failed: a download broken off)
// leaves its connection usable: the rollback ends the statement, which is
// not left to confuse the next one.
on_both_backends! {
    async fn an_export_stopped_midway_leaves_its_connection_usable(db: TestDb) {
        use docket::db::export_rows::{self, ExportFilter};

        seed(&db);
        import_more(&db, 600);
        let mut conn = db.connect();
        let document = document_id(&mut conn);
        let mut taken = 0;
        let stopped = export_rows::for_each(
            &mut conn,
            document,
            &ExportFilter::default(),
            &mut |_row| {
                taken += 1;
                if taken == 3 {
                    Err(diesel::result::Error::RollbackTransaction)
                } else {
                    Ok(())
                }
            },
        );
        assert!(stopped.is_err());
        assert_eq!(taken, 3);
        let stored: i64 = comments::table
            .filter(comments::document_id.eq(document))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(stored, 607);
        let all = export_rows::for_each(
            &mut conn,
            document,
            &ExportFilter::default(),
            &mut |_row| Ok::<_, diesel::result::Error>(()),
        )
        .unwrap();
        assert_eq!(all, 607);
    }
}
