//! Section tagging through the command line: comments are tagged as they
//! are imported, exported with their section, and re-tagged when the
//! outline changes (never those tagged by hand). `fixture_refs`: real
//! references from the shared fixtures, tagged against written-out outlines
//! (the tables in `tests/data/tagging/`).

mod fixture_refs;

use diesel::prelude::*;
use docket::db::schema::comments;
use serde_json::Value;

use crate::cli::{docket, stderr, stdout};
use crate::intake::{export, open_document};

const OUTLINE: &str = "number,title,kind,volume,page_start,page_end,line_start,line_end
1,Introduction,section,,1,2,1,100
2,Identity proofing,section,,3,8,101,300
2.1,Evidence,section,,3,5,101,200
2.2,Verification,section,,6,8,201,300
A,Glossary,appendix,,9,10,301,400
";

const COMMENTS: &str = "Comment #,Section,Page #,Line #,Comment
1,2.1,4,150,By section and line
2,,,250,By line only
3,,7,,By page only
4,General,,,The whole document
5,2.2,,120,The section column and the line disagree
6,9.9,,,A section the outline does not have
7,Appendix A,,,An appendix
8,,,,No location at all
";

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn by_number<'a>(exported: &'a [Value], number: &str) -> &'a Value {
    exported
        .iter()
        .find(|c| c["comment_number"] == number)
        .unwrap()
}

on_both_backends! {
    async fn comments_are_tagged_on_import_and_retagged_when_the_outline_changes(db: TestDb) {
        let dir = tempfile::tempdir().unwrap();
        open_document(&db, "draft");
        let out = docket(&db, &["outline", "import", "--document", "draft", &write(&dir, "outline.csv", OUTLINE)]);
        assert!(out.status.success(), "{}", stderr(&out));

        let out = docket(&db, &["import", "--document", "draft", &write(&dir, "comments.csv", COMMENTS)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("  sections: 3 by section, 1 by line, 1 by page, 2 general, 1 unresolved"),
            "{text}"
        );
        assert!(text.contains("DRAFT-0001-6: the section column \"9.9\" names nothing in the outline"), "{text}");
        assert!(text.contains("DRAFT-0001-5: the section column says 2.2 but line 120 lies in 2.1"), "{text}");

        let exported = export(&db, "draft");
        let tag = |n: &str| {
            let c = by_number(&exported, n);
            (c["section"].clone(), c["tag_source"].as_str().unwrap().to_owned())
        };
        assert_eq!(tag("1"), (Value::from("2.1"), "section".to_owned()));
        assert_eq!(by_number(&exported, "1")["section_title"], "Evidence");
        assert_eq!(tag("2"), (Value::from("2.2"), "line".to_owned()));
        assert_eq!(tag("3"), (Value::from("2.2"), "page".to_owned()));
        assert_eq!(tag("4"), (Value::from("General"), "general".to_owned()));
        assert_eq!(tag("5"), (Value::from("2.2"), "section".to_owned()));
        assert_eq!(by_number(&exported, "5")["tag_conflict"], "the section column says 2.2 but line 120 lies in 2.1");
        assert_eq!(tag("6"), (Value::Null, "none".to_owned()));
        assert_eq!(tag("7"), (Value::from("A"), "section".to_owned()));
        assert_eq!(tag("8"), (Value::from("General"), "general".to_owned()));
        assert_eq!(by_number(&exported, "1")["tag_conflict"], Value::Null);

        // An editor's hand-made tag (simulated here) is never overwritten.
        let mut conn = db.connect();
        diesel::update(comments::table.filter(comments::comment_number.eq("2")))
            .set((comments::tag_source.eq("manual"), comments::section_id.eq(None::<i64>)))
            .execute(&mut conn)
            .unwrap();

        // The outline moves lines 201-300 into a new 2.3 and adds 9.9.
        let moved = OUTLINE.replace("2.2,Verification,section,,6,8,201,300", "2.2,Verification,section,,6,6,201,240\n2.3,Binding,section,,7,8,241,300")
            + "9,Extra,section,,11,12,401,500\n9.9,More,section,,11,12,401,450\n";
        let out = docket(&db, &["outline", "import", "--document", "draft", &write(&dir, "outline2.csv", &moved)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        // 7 comments checked (one is manual); 3 (page 7) and 6 (9.9) moved.
        assert!(text.contains("Re-tagged 7 comment(s): 2 moved"), "{text}");
        let exported = export(&db, "draft");
        assert_eq!(by_number(&exported, "3")["section"], "2.3");
        assert_eq!(by_number(&exported, "6")["section"], "9.9");
        assert_eq!(by_number(&exported, "6")["tag_conflict"], Value::Null);
        assert_eq!(by_number(&exported, "2")["tag_source"], "manual");
        // Filed by hand under no section: the General bucket.
        assert_eq!(by_number(&exported, "2")["section"], "General");

        // Nothing changed since: retag moves nothing.
        let out = docket(&db, &["retag", "--document", "draft"]);
        assert_eq!(stdout(&out).trim(), "Re-tagged 7 comment(s) of `draft`: 0 moved.", "{}", stderr(&out));
    }
}
