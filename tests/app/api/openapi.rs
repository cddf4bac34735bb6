//! `/api/openapi.json` describes exactly the routes served: every operation
//! it lists answers (not the router's 404 or 405), every `$ref` resolves,
//! and the operations are the ones the API promises.

use reqwest::Method;
use serde_json::{Value, json as body};

use super::{api, json};

/// Every `"$ref"` in the description.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

on_both_backends! {
    async fn the_description_matches_the_routes_served(db: TestDb) {
        let api = api(db).await;
        let none: &[(&str, &str)] = &[];
        let doc = json(api.call_with(Method::GET, "/api/openapi.json", None, none).await, 200).await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
        assert_eq!(doc["info"]["title"], "docket API");
        assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");

        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                    operations.push((method.to_uppercase(), path.clone(), operation.clone()));
                }
            }
        }
        let mut listed: Vec<String> = operations
            .iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect();
        listed.sort();
        assert_eq!(
            listed,
            [
                "GET /api/v1/comments/{id}",
                "GET /api/v1/documents",
                "GET /api/v1/documents/{slug}",
                "GET /api/v1/documents/{slug}/comments",
                "GET /api/v1/documents/{slug}/dispositions",
                "GET /api/v1/documents/{slug}/outline",
                "GET /api/v1/vocabulary",
                "PATCH /api/v1/comments/{id}",
                "POST /api/v1/documents/{slug}/submissions",
            ]
        );

        // Operation ids name one operation each; every answer is described.
        let mut ids: Vec<&str> = operations
            .iter()
            .map(|(_, _, o)| o["operationId"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
        for (method, path, operation) in &operations {
            for (status, response) in operation["responses"].as_object().unwrap() {
                assert!(
                    !response["description"].as_str().unwrap_or("").is_empty(),
                    "{method} {path} {status}"
                );
            }
        }

        let comments = api.get_json("/api/v1/documents/nistir-8200/comments", 200).await;
        let id = comments["comments"][0]["id"].as_i64().unwrap().to_string();
        for (method, path, operation) in &operations {
            // Each path parameter is declared, and each declared one is in the path.
            let declared: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            for name in ["slug", "id"] {
                assert_eq!(
                    path.contains(&format!("{{{name}}}")),
                    declared.contains(&name),
                    "{method} {path}: {declared:?}"
                );
            }
            // The route answers: never the router's own 404 or a 405.
            let real = path.replace("{slug}", "nistir-8200").replace("{id}", &id);
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let sent = (method != Method::GET).then(|| body!({}));
            let bearer = format!("Bearer {}", api.token);
            let response = api
                .call_with(method.clone(), &real, sent, &[("Authorization", &bearer), ("If-Match", "1")])
                .await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert_ne!(status, 405, "{method} {real}");
            assert!(!text.contains("nothing is at"), "{method} {real}: {status} {text}");
            assert!(status < 500, "{method} {real}: {status} {text}");
            // What needs a token says so.
            let secured = operation["security"].as_array().is_some_and(|s| {
                s.iter().any(|r| r.get("token").is_some())
            });
            let optional = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
            let anonymous = api.call_with(method.clone(), &real, (method != Method::GET).then(|| body!({})), &[]).await;
            let refused = anonymous.status().as_u16() == 401;
            assert_eq!(
                refused,
                secured && !optional,
                "{method} {path}: anonymous answer {} against its security {}",
                anonymous.status(),
                operation["security"]
            );
        }
        // The check above can fail: an undescribed path is the router's 404.
        let unknown = api.call(Method::GET, "/api/v1/nothing-here", None).await;
        let unknown = json(unknown, 404).await;
        assert!(unknown["error"]["message"].as_str().unwrap().contains("nothing is at"));

        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
            assert!(doc["components"]["schemas"].get(name).is_some(), "{r} does not resolve");
        }
    }
}
