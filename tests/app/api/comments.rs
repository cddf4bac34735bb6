//! Reading comments with the queue's filters, changing them with
//! `If-Match` (optimistic locking, history), public reads, and the
//! disposition table.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments};
use reqwest::Method;
use serde_json::{Value, json as body};

use super::{api, json};

const LIST: &str = "/api/v1/documents/nistir-8200/comments";

fn trackings(page: &Value) -> Vec<String> {
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(page: &Value, seq: usize) -> i64 {
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["tracking"]
                .as_str()
                .unwrap()
                .ends_with(&format!("-{seq}"))
        })
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

on_both_backends! {
    async fn documents_outlines_and_the_vocabulary_are_public(db: TestDb) {
        let api = api(db).await;
        let none: &[(&str, &str)] = &[];
        let list = json(api.call_with(Method::GET, "/api/v1/documents", None, none).await, 200).await;
        let demo = &list.as_array().unwrap()[0];
        assert_eq!(demo["slug"], "nistir-8200");
        assert_eq!(demo["period"], "closed");
        assert_eq!(demo["template_xlsx"], "/d/nistir-8200/template.xlsx");
        let one = json(
            api.call_with(Method::GET, "/api/v1/documents/nistir-8200", None, none).await,
            200,
        )
        .await;
        assert_eq!(one["title"], demo["title"]);
        let missing = json(
            api.call_with(Method::GET, "/api/v1/documents/nope", None, none).await,
            404,
        )
        .await;
        assert_eq!(missing["error"]["code"], "not_found");
        assert!(missing["error"]["message"].as_str().unwrap().contains("nope"));

        let outline = json(
            api.call_with(Method::GET, "/api/v1/documents/nistir-8200/outline", None, none)
                .await,
            200,
        )
        .await;
        let labels: Vec<&str> = outline
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert!(labels.contains(&"5.1") && labels.contains(&"5.3"), "{labels:?}");
        let stored = api.app.with_conn(|conn| {
            docket::db::sections::for_document(conn, 1).unwrap().len()
        });
        assert_eq!(labels.len(), stored);

        let words = json(api.call_with(Method::GET, "/api/v1/vocabulary", None, none).await, 200).await;
        let dispositions: Vec<&str> = words["dispositions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["value"].as_str().unwrap())
            .collect();
        assert_eq!(
            dispositions,
            ["accepted", "accepted_with_modification", "declined", "noted", "deferred", "duplicate"]
        );
    }

    async fn comments_are_listed_with_the_queue_filters_and_no_email_address(db: TestDb) {
        let api = api(db).await;
        api.app.with_conn(|conn| {
            diesel::update(docket::db::schema::submissions::table)
                .set(docket::db::schema::submissions::email.eq("sam@example.org"))
                .execute(conn)
                .unwrap();
        });
        let all = api.get_json(LIST, 200).await;
        assert_eq!(all["total"], 3);
        assert_eq!(all["capped"], false);
        // Outline order, General last.
        let order = trackings(&all);
        assert!(order[0].ends_with("-1") && order[2].ends_with("-3"), "{order:?}");
        let first = &all["comments"][0];
        assert_eq!(first["type"], "technical");
        assert_eq!(first["filed"]["label"], "5.1");
        assert_eq!(first["suggested_change"], "Add a subsection on updates");
        assert_eq!(first["status"], "new");
        assert!(first["version"].is_i64());
        assert!(!all.to_string().contains("sam@example.org"));

        for (query, expected) in [
            ("?section=5.1", vec!["-1"]),
            ("?section=general", vec!["-3"]),
            ("?type=editorial", vec!["-2"]),
            ("?q=firmware", vec!["-1"]),
            ("?disposition=none&status=new", vec!["-1", "-2", "-3"]),
            ("?per_page=2&page=2", vec!["-3"]),
            ("?per_page=2&page=9", vec![]),
        ] {
            let page = api.get_json(&format!("{LIST}{query}"), 200).await;
            let got = trackings(&page);
            assert_eq!(got.len(), expected.len(), "{query}: {got:?}");
            for (t, e) in got.iter().zip(&expected) {
                assert!(t.ends_with(e), "{query}: {got:?}");
            }
        }
        let by_id = api.get_json(&format!("{LIST}?section_id={}", first["filed"]["section_id"]), 200).await;
        assert_eq!(by_id["total"], 1);
        assert_eq!(trackings(&by_id), trackings(&api.get_json(&format!("{LIST}?section=5.1"), 200).await));
        // A number names a section, never an outline id that happens to match.
        let id = first["filed"]["section_id"].as_i64().unwrap();
        let as_number = api.app.with_conn(|conn| {
            docket::db::sections::for_document(conn, 1)
                .unwrap()
                .iter()
                .any(|s| s.number == id.to_string())
        });
        if !as_number {
            json(api.call(Method::GET, &format!("{LIST}?section={id}"), None).await, 404).await;
        }
        let both = api.get_json(&format!("{LIST}?section=5.1&section_id={id}"), 400).await;
        assert!(both["error"]["message"].as_str().unwrap().contains("not both"));

        for (query, says) in [
            ("?status=done", "`status` must be one of new, in_review"),
            ("?disposition=maybe", "`disposition` must be one of accepted"),
            ("?per_page=0", "`per_page` must be 1 to 500"),
            ("?page=0", "`page` counts from 1"),
            ("?assignee=ed", "`assignee` must be an account id"),
            ("?colour=red", "unknown field `colour`"),
        ] {
            let error = api.get_json(&format!("{LIST}{query}"), 400).await;
            assert!(
                error["error"]["message"].as_str().unwrap().contains(says),
                "{query}: {error}"
            );
        }
        let error = api.get_json(&format!("{LIST}?section=99.9"), 404).await;
        assert!(error["error"]["message"].as_str().unwrap().contains("99.9"));
    }

    async fn a_status_the_patch_gives_is_kept_and_without_one_the_answer_settles_it(db: TestDb) {
        let api = api(db).await;
        let all = api.get_json(LIST, 200).await;
        let path = format!("/api/v1/comments/{}", id_of(&all, 1));
        let bearer = format!("Bearer {}", api.token);
        let auth = ("Authorization", bearer.as_str());
        let patch = |body: Value, version: &'static str| {
            let (path, auth) = (path.clone(), auth);
            let api = &api;
            async move {
                json(api.call_with(Method::PATCH, &path, Some(body), &[auth, ("If-Match", version)]).await, 200).await
            }
        };
        // Part of an answer: in review; the whole answer: resolved.
        let started = patch(body!({"disposition": "accepted"}), "1").await;
        assert_eq!(started["status"], "in_review");
        let answered = patch(body!({"response": "Added in 5.1.2."}), "2").await;
        assert_eq!(answered["status"], "resolved");
        // A status given is kept, even beside a whole answer that changes.
        let kept = patch(body!({"response": "Added in 5.1.2 and 5.1.3.", "status": "in_review"}), "3").await;
        assert_eq!(kept["status"], "in_review");
        // Without one, a changed answer settles it again.
        let settled = patch(body!({"response": "Added in 5.1.3."}), "4").await;
        assert_eq!(settled["status"], "resolved");
    }

    async fn a_change_needs_the_version_it_was_based_on(db: TestDb) {
        let api = api(db).await;
        let all = api.get_json(LIST, 200).await;
        let id = id_of(&all, 1);
        let path = format!("/api/v1/comments/{id}");
        let one = api.call(Method::GET, &path, None).await;
        assert_eq!(one.headers()["etag"], "\"1\"");
        let one = json(one, 200).await;
        assert_eq!(one["version"], 1);

        let change = body!({"disposition": "accepted", "response": "Added in 5.1.2.", "status": "resolved"});
        let bearer = format!("Bearer {}", api.token);
        let auth = ("Authorization", bearer.as_str());

        // No If-Match: 428, nothing saved.
        let missing = json(api.call(Method::PATCH, &path, Some(change.clone())).await, 428).await;
        assert!(missing["error"]["message"].as_str().unwrap().contains("If-Match"));

        // The right version: saved, with history, new ETag.
        let saved = api
            .call_with(Method::PATCH, &path, Some(change.clone()), &[auth, ("If-Match", "\"1\"")])
            .await;
        assert_eq!(saved.headers()["etag"], "\"2\"");
        let saved = json(saved, 200).await;
        assert_eq!(saved["disposition"], "accepted");
        assert_eq!(saved["response"], "Added in 5.1.2.");
        assert_eq!(saved["status"], "resolved");
        assert_eq!(saved["version"], 2);
        let history: Vec<(Option<String>, Option<String>)> = api.app.with_conn(|conn| {
            audit_events::table
                .filter(audit_events::comment_id.eq(id))
                .order(audit_events::id)
                .select((audit_events::field, audit_events::new_value))
                .load(conn)
                .unwrap()
        });
        let fields: Vec<&str> = history.iter().filter_map(|(f, _)| f.as_deref()).collect();
        assert_eq!(fields, ["status", "disposition", "response"]);

        // The same change on the old version: 412 with the comment now.
        let stale = json(
            api.call_with(
                Method::PATCH,
                &path,
                Some(body!({"response": "Overwrite"})),
                &[auth, ("If-Match", "1")],
            )
            .await,
            412,
        )
        .await;
        assert_eq!(stale["error"]["code"], "stale");
        assert_eq!(stale["current"]["version"], 2);
        assert_eq!(stale["current"]["response"], "Added in 5.1.2.");

        // Keys left out stay; null clears.
        let cleared = json(
            api.call_with(
                Method::PATCH,
                &path,
                Some(body!({"response": null})),
                &[auth, ("If-Match", "\"2\"")],
            )
            .await,
            200,
        )
        .await;
        assert_eq!(cleared["response"], Value::Null);
        assert_eq!(cleared["disposition"], "accepted");
        // Without its response the answer is incomplete: back in review.
        assert_eq!(cleared["status"], "in_review");

        // A value that cannot be saved: 422, naming it; nothing changes.
        for (patch, says) in [
            (body!({"disposition": "maybe"}), "`disposition` must be one of"),
            (body!({"status": "done"}), "`status` must be one of"),
            (body!({"disposition": "duplicate"}), "Duplicate of"),
            (body!({"section": "999999"}), "Section: outline node #999999"),
            (body!({"duplicate_of": "NOPE-1"}), "NOPE-1"),
        ] {
            let refused = json(
                api.call_with(Method::PATCH, &path, Some(patch.clone()), &[auth, ("If-Match", "3")])
                    .await,
                422,
            )
            .await;
            assert!(
                refused["error"]["message"].as_str().unwrap().contains(says),
                "{patch}: {refused}"
            );
        }
        let bad_json = api
            .call_with(Method::PATCH, &path, Some(body!({"colour": "red"})), &[auth, ("If-Match", "3")])
            .await;
        let bad_json = json(bad_json, 400).await;
        assert!(bad_json["error"]["message"].as_str().unwrap().contains("colour"));
        let version: i32 = api.app.with_conn(|conn| {
            comments::table.find(id).select(comments::version).first(conn).unwrap()
        });
        assert_eq!(version, 3);

        // Filing it under General, and a duplicate of comment 2.
        let other = all["comments"][1]["tracking"].as_str().unwrap().to_owned();
        let moved = json(
            api.call_with(
                Method::PATCH,
                &path,
                Some(body!({"section": "general", "disposition": "duplicate", "duplicate_of": other})),
                &[auth, ("If-Match", "3")],
            )
            .await,
            200,
        )
        .await;
        assert_eq!(moved["filed"]["label"], "General");
        assert_eq!(moved["filed"]["source"], "manual");
        assert_eq!(moved["duplicate_of"], other);

        // If-Match as RFC 9110 has it: a list; weak tags never match; `*`
        // names no version; anything else is unreadable.
        for (header, status) in [
            ("W/\"4\"", 412),
            ("*", 428),
            ("four", 400),
        ] {
            let answer = api
                .call_with(Method::PATCH, &path, Some(body!({"response": "x"})), &[auth, ("If-Match", header)])
                .await;
            json(answer, status).await;
        }
        let listed = api
            .call_with(
                Method::PATCH,
                &path,
                Some(body!({"assignee_id": 1})),
                &[auth, ("If-Match", "\"1\", \"4\"")],
            )
            .await;
        assert_eq!(listed.headers()["etag"], "\"5\"");
        let assigned = json(listed, 200).await;
        assert_eq!(assigned["assignee_id"], 1);
        let inactive = api.app.with_conn(|conn| {
            docket::auth::create_user(conn, "gone@example.org", "Gone", docket::domain::Role::Editor, "a long enough password")
                .unwrap()
                .id
        });
        api.app.with_conn(|conn| {
            diesel::update(docket::db::schema::users::table.find(inactive))
                .set(docket::db::schema::users::active.eq(false))
                .execute(conn)
                .unwrap();
        });
        let refused = json(
            api.call_with(Method::PATCH, &path, Some(body!({"assignee_id": inactive})), &[auth, ("If-Match", "5")])
                .await,
            422,
        )
        .await;
        assert!(refused["error"]["message"].as_str().unwrap().contains("Assignee"));
        let unassigned = json(
            api.call_with(Method::PATCH, &path, Some(body!({"assignee_id": null, "section": 0})), &[auth, ("If-Match", "5")])
                .await,
            422,
        )
        .await;
        assert!(unassigned["error"]["message"].as_str().unwrap().contains("outline node #0"), "{unassigned}");
        let unassigned = json(
            api.call_with(Method::PATCH, &path, Some(body!({"assignee_id": null})), &[auth, ("If-Match", "5")])
                .await,
            200,
        )
        .await;
        assert_eq!(unassigned["assignee_id"], Value::Null);

        // A path id that is no number: 404, still JSON.
        let odd = json(api.call(Method::GET, "/api/v1/comments/abc", None).await, 404).await;
        assert_eq!(odd["error"]["code"], "not_found");

        // Unknown comment: 404, JSON.
        let missing = json(
            api.call_with(Method::PATCH, "/api/v1/comments/999999", Some(body!({})), &[auth, ("If-Match", "1")])
                .await,
            404,
        )
        .await;
        assert_eq!(missing["error"]["code"], "not_found");
    }

    async fn the_disposition_table_streams_and_a_final_one_waits_for_every_answer(db: TestDb) {
        let api = api(db).await;
        let path = "/api/v1/documents/nistir-8200/dispositions";
        let table = api.get_json(path, 200).await;
        let rows = table.as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows[0]["tracking"].as_str().unwrap().ends_with("-1"));
        assert!(rows[0].get("disposition").is_some());

        let refused = api.get_json(&format!("{path}?final=true"), 409).await;
        assert_eq!(refused["error"]["code"], "conflict");

        let csv = api.call(Method::GET, &format!("{path}?format=csv&public=true"), None).await;
        assert_eq!(csv.status().as_u16(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert!(reader.records().count() >= 3, "{text}");

        let bad = api.get_json(&format!("{path}?format=pdf"), 400).await;
        assert!(bad["error"]["message"].as_str().unwrap().contains("pdf"));
        let none: &[(&str, &str)] = &[];
        json(api.call_with(Method::GET, path, None, none).await, 401).await;
    }
}
