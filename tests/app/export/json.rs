//! The JSON table.

use super::*;

on_both_backends! {
    async fn json_keeps_its_keys_and_adds_the_answers(db: TestDb) {
        seed(&db);
        answer_some(&db);
        let objects: Vec<serde_json::Map<String, Value>> =
            serde_json::from_slice(&export_ok(&db, &["--format", "json"])).unwrap();
        let trackings: Vec<&str> = objects.iter().map(|o| o["tracking"].as_str().unwrap()).collect();
        assert_eq!(trackings, OUTLINE_ORDER);
        let stored = stored(&db);
        for object in &objects {
            for key in [
                "tracking", "submission", "comment_number", "submitter", "organization", "type", "type_raw",
                "section_raw", "page_raw", "line_raw", "line_start", "line_end", "comment", "suggested_change",
                "extra", "problems", "source_file", "source_row", "section", "section_title", "tag_source",
                "disposition", "response", "status",
            ] {
                assert!(object.contains_key(key), "no {key} in {object:?}");
            }
            let s = &stored[object["tracking"].as_str().unwrap()];
            assert_eq!(object["comment"], s.body.as_str());
            assert_eq!(object["disposition"].as_str(), s.disposition.as_deref());
            assert_eq!(object["response"].as_str(), s.response.as_deref());
            assert_eq!(object["status"], s.status.as_str());
        }
        let first = &objects[4];
        assert_eq!(first["tracking"], "DRAFT-X-0001-1");
        assert_eq!(first["submission"], "DRAFT-X-0001");
        assert_eq!(first["section"], "2.1");
        assert_eq!(first["section_title"], "Passwords");
        assert_eq!(first["submitter"], "Alice Able");
        assert_eq!(first["source_file"], "alice.csv");
        assert_eq!(first["disposition"], "accepted_with_modification");
        assert_eq!(first["response"], "Raised the minimum to 12 characters.");
        assert_eq!(first["status"], "resolved");
        assert_eq!(objects[6]["section"], "General");
        assert_eq!(objects[6]["section_title"], Value::Null);
        assert_eq!(objects[1]["tracking"], "DRAFT-X-0001-2");
        assert_eq!(objects[1]["disposition"], Value::Null);
        assert_eq!(objects[1]["status"], "new");
    }
}

// Was a gap: src/export/json.rs named a filed comment's section by its
// number alone, so in a multi-volume draft (SP 800-63-4's 63A, 63B…) two
// comments on different volumes' section 1 both said "1", while the
// tables said "63A 1" and "63B 1".
on_both_backends! {
    async fn json_sections_name_their_volume(db: TestDb) {
        small_document(
            &db,
            "volumes",
            "number,title,kind,volume,page_start,page_end,line_start,line_end\n1,Intro A,,63A,,,,\n1,Intro B,,63B,,,,\n",
            "Comment #,Publication,Section,Comment\n1,63A,1,On volume A.\n2,63B,1,On volume B.\n",
        );
        let out = docket(&db, &["export", "--document", "volumes", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let sections: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["section"].as_str().unwrap())
            .collect();
        assert_eq!(sections, ["63A 1", "63B 1"]);
    }
}
