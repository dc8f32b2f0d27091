//! The OpenAPI document: every call of the contract described, with its parameters and the
//! errors a client must expect, so generated clients and contract checkers read it rightly.

use crate::helpers::{TestApp, json_of};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_the_contract() {
    let app = TestApp::spawn().await;
    let doc = json_of(app.get_as(None, "/api/openapi.json").await, StatusCode::OK).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/tokens",
        "/me",
        "/hubs",
        "/devices",
        "/devices/{asset_tag}",
        "/devices/{asset_tag}/events",
        "/borrowers",
        "/loans",
        "/loans/{id}/return",
        "/loans/{id}/agreement.pdf",
        "/loans/{id}/agreement/accept",
        "/labels",
        "/devices/{asset_tag}/label.pdf",
        "/repairs",
        "/repairs/{id}/close",
        "/training/courses",
        "/training/sessions",
        "/training/sessions/{id}",
        "/training/sessions/{id}/enrolments",
        "/training/sessions/{id}/attendance",
        "/devices/{asset_tag}/sessions",
        "/reminders/call-list",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    assert!(paths["/devices/{asset_tag}"].get("patch").is_some());
    // Every schema the document names is in it: a dangling reference breaks generated clients.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in text.split("#/components/schemas/").skip(1) {
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        assert!(schemas.contains_key(&name), "{name} is named but not described");
    }
    // A name the server requires is required in the document, as one line with a character in it.
    let hub = &schemas["HubRequest"];
    assert_eq!(hub["required"], serde_json::json!(["name"]));
    assert_eq!(hub["properties"]["name"]["minLength"], 1);
    assert!(
        hub["properties"]["name"]["pattern"]
            .as_str()
            .unwrap()
            .contains(r"[^\s")
    );
    assert!(paths["/training/sessions/{id}/attendance"].get("put").is_some());
    // Every parameter in a path is declared, as generated clients need.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let declared: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for name in path.split('{').skip(1).filter_map(|rest| rest.split('}').next()) {
                assert!(
                    declared.contains(&name),
                    "{method} {path} does not declare {name}"
                );
            }
        }
    }
    assert!(doc["components"]["schemas"]["DeviceRequest"].is_object());
}

/// The statuses `operation` lists.
fn statuses(operation: &Value) -> Vec<&str> {
    operation["responses"]
        .as_object()
        .map(|r| r.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_lists_the_errors_it_can_answer() {
    let app = TestApp::spawn().await;
    let doc = json_of(app.get_as(None, "/api/openapi.json").await, StatusCode::OK).await;
    let paths = doc["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let listed = statuses(operation);
            let secured = operation["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                for status in ["401", "403"] {
                    assert!(
                        listed.contains(&status),
                        "{method} {path} lists {listed:?}, not {status}"
                    );
                }
            }
            if path.contains('{') {
                assert!(
                    listed.contains(&"404"),
                    "{method} {path} lists {listed:?}, not 404"
                );
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "422"] {
                    assert!(
                        listed.contains(&status),
                        "{method} {path} lists {listed:?}, not {status}"
                    );
                }
            }
            for status in listed.iter().filter(|s| s.starts_with('4')) {
                assert_eq!(
                    operation["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status} is not the contract's error body"
                );
            }
        }
    }
    // What the document promises is what the server does: a bad token is a 401 in that shape.
    let refused = app.get_as(Some("not-a-token"), "/api/v1/devices").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(
        paths["/devices"]["get"]["responses"]["401"].is_object(),
        "GET /devices should list 401"
    );
}

/// utoipa names a schema after its type alone: two types of one name in different modules would
/// share one entry in the document, the second silently describing the first's answers.
#[test]
fn every_type_in_the_document_has_a_name_of_its_own() {
    fn walk(dir: &std::path::Path, names: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, names);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("utoipa::ToSchema") {
                let rest = &text[at..];
                let Some(start) = ["pub struct ", "pub enum "]
                    .iter()
                    .filter_map(|k| rest.find(k).map(|i| i + k.len()))
                    .min()
                else {
                    continue;
                };
                let name: String = rest[start..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.push((name, path.display().to_string()));
            }
        }
    }
    let mut names = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut names,
    );
    names.sort();
    let twice: Vec<_> = names
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
        .collect();
    assert!(twice.is_empty(), "schema names used twice: {twice:?}");
    assert!(names.len() > 50, "the types were read: {}", names.len());
}
