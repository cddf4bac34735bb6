//! Odd cells are reported against their row, column and value, and the row
//! is stored all the same: only whole-file failures refuse a file.

use serde_json::json;

use super::{export, import_json, open_document, stored, write};
use crate::cli::{docket, stderr, stdout};

const CSV: &str = "Comment #,Type,Section,Page #,Comment,Suggested Change\n\
                   1,E,5.1,12,Typo in the second sentence.,Fix it.\n\
                   2,X,5.2,Figure 3,Figure 3 is hard to read.,\n\
                   3,T,6,14,,Say which requirement applies.\n";

const TYPE_X: &str = r#"row 3, "Type": "X" is not one of E, G, T; kept as other"#;
const PAGE_FIGURE: &str = r#"row 3, "Page #": "Figure 3" is not a page number; expected e.g. 12, iii or 24 - 39 (kept as written)"#;
const NO_COMMENT: &str = r#"row 4, "Comment": "" is empty: the row has other cells but no comment text; kept for the editors"#;

on_both_backends! {
    async fn odd_cells_are_reported_by_row_column_and_value_and_kept(db: TestDb) {
        open_document(&db, "draft");
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "odd.csv", CSV);

        // The text report: a line per warning under the file's line.
        let out = docket(&db, &["import", "--document", "draft", "--dry-run", &file]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{file}: would store 3 comment(s), 3 warning(s) (dry run: nothing stored)"));
        assert!(lines[1].starts_with("  read as CSV text; "), "{text}");
        assert_eq!(lines[2..], [format!("  {TYPE_X}"), format!("  {PAGE_FIGURE}"), format!("  {NO_COMMENT}")]);
        assert_eq!(stored(&db), (0, 0));

        let (out, reports) = import_json(&db, &["--document", "draft", &file]);
        assert_eq!(out.status.code(), Some(0), "{reports:#?}");
        let report = &reports[0];
        assert_eq!(report["status"], "stored");
        assert_eq!(report["tracking"], "DRAFT-0001");
        assert_eq!(report["comments"], 3);
        assert_eq!(report["warnings"], json!([TYPE_X, PAGE_FIGURE, NO_COMMENT]));
        let type_x = json!({"row": 3, "column": "Type", "value": "X",
            "message": "is not one of E, G, T; kept as other"});
        let page_figure = json!({"row": 3, "column": "Page #", "value": "Figure 3",
            "message": "is not a page number; expected e.g. 12, iii or 24 - 39 (kept as written)"});
        let no_comment = json!({"row": 4, "column": "Comment", "value": "",
            "message": "is empty: the row has other cells but no comment text; kept for the editors"});
        assert_eq!(report["problems"], json!([type_x, page_figure, no_comment]));
        assert_eq!(stored(&db), (1, 3));

        // Every row is stored, its odd cells as written, its problems with it.
        let mut comments = export(&db, "draft");
        assert_eq!(comments.len(), 3);
        // Exports list comments in the draft's order; here, the file's.
        comments.sort_by_key(|c| c["source_row"].as_i64());
        let rows: Vec<_> = comments.iter().map(|c| c["source_row"].clone()).collect();
        assert_eq!(rows, [json!(2), json!(3), json!(4)]);
        let (fine, odd, empty) = (&comments[0], &comments[1], &comments[2]);
        assert_eq!((&fine["type"], &fine["page_start"], &fine["problems"]), (&json!("editorial"), &json!("12"), &json!([])));
        assert_eq!(odd["type"], "other");
        assert_eq!(odd["type_raw"], "X");
        assert_eq!(odd["page_raw"], "Figure 3");
        assert_eq!(odd["page_start"], json!(null));
        assert_eq!(odd["comment"], "Figure 3 is hard to read.");
        assert_eq!(odd["problems"], json!([type_x, page_figure]));
        assert_eq!(empty["comment"], "");
        assert_eq!(empty["type"], "technical");
        assert_eq!(empty["suggested_change"], "Say which requirement applies.");
        assert_eq!(empty["problems"], json!([no_comment]));
    }
}
