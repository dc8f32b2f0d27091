//! The public Open Referral UK feed: valid against the profile's JSON Schemas, paged as the
//! profile describes, holding no one's details; and the hubs' lending and open training an
//! organisation publishes in it.

use std::{io::Write, process::Command};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::directory::{add, food_bank};
use crate::helpers::{TestApp, json_of};

/// Validates each `(schema file, document)` with Python's `jsonschema` (`tests/openreferral/validate.py`).
fn validate(documents: &[(&str, &Value)]) {
    let available = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        available || std::env::var_os("CI").is_none(),
        "python3 with jsonschema is missing"
    );
    if !available {
        eprintln!("skipped: the Open Referral schema check needs python3 with jsonschema");
        return;
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openreferral");
    let input: Vec<Value> = documents
        .iter()
        .map(|(schema, document)| json!({"schema": schema, "document": document}))
        .collect();
    let mut child = Command::new("python3")
        .arg(format!("{dir}/validate.py"))
        .arg(format!("{dir}/schemas"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the feed does not match the profile:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

async fn feed(app: &TestApp, path: &str) -> (Value, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["access-control-allow-origin"], "*", "{path}");
    let text = response.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_open_referral_feed_follows_the_profile_and_names_no_one() {
    let app = TestApp::spawn().await;
    let food = add(&app, &food_bank()).await;
    add(
        &app,
        &json!({"name": "Digital drop-in", "impact_areas": ["digital_inclusion"]}),
    )
    .await;
    add(
        &app,
        &json!({"name": "Warm Welcome café", "impact_areas": ["isolation", "community_support"],
        "locations": [{"name": "Shepway hall"}]}),
    )
    .await;
    // People signposted, with their details in notes: none of it may reach the feed.
    let people = [
        ("Grace Hopper", "grace@example.org", "07700 900111"),
        ("Alan Turing", "alan@example.org", "07700 900222"),
    ];
    for (name, email, phone) in people {
        let body = json!({"name": name, "email": email, "phone": phone, "consent": {"loan": true}});
        let id = json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"].clone();
        let signpost =
            json!({"service_id": food["id"], "notes": format!("{name} on {phone}"), "consent": true});
        json_of(
            app.post(&format!("/api/v1/borrowers/{id}/signposts"), &signpost)
                .await,
            StatusCode::CREATED,
        )
        .await;
    }

    let (about, _) = feed(&app, "/openreferral/").await;
    assert_eq!(about["version"], "3.0");
    let mut texts = Vec::new();
    let mut items = Vec::new();
    for page in 1..=3 {
        let (list, text) = feed(&app, &format!("/openreferral/services?per_page=1&page={page}")).await;
        assert_eq!(
            (list["total_items"].as_u64(), list["total_pages"].as_u64()),
            (Some(3), Some(3))
        );
        assert_eq!(list["page_number"], page);
        assert_eq!(list["first_page"], page == 1);
        assert_eq!(list["last_page"], page == 3);
        items.push(list["contents"][0].clone());
        texts.push(text);
    }
    let (beyond, _) = feed(&app, "/openreferral/services?per_page=1&page=4").await;
    assert_eq!(beyond["empty"], true);
    let (searched, _) = feed(&app, "/openreferral/services?search=food").await;
    assert_eq!(searched["total_items"], 1);

    let (whole, text) = feed(
        &app,
        &format!("/openreferral/services/{}", food["uuid"].as_str().unwrap()),
    )
    .await;
    texts.push(text);
    assert_eq!(whole["name"], "Maidstone Food Bank");
    assert_eq!(whole["organization"]["name"], "Trussell Trust");
    let terms: Vec<&str> = whole["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["taxonomy_term"]["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms, ["food_and_medicine", "money_advice"]);
    assert_eq!(
        whole["service_at_locations"][0]["location"]["addresses"][0]["postal_code"],
        "ME14 1LH"
    );
    let (taxonomies, _) = feed(&app, "/openreferral/taxonomies").await;
    assert_eq!(taxonomies["total_items"], 1);
    let (term_list, _) = feed(&app, "/openreferral/taxonomy_terms").await;
    assert_eq!(term_list["total_items"], 13);
    let term_id = term_list["contents"][0]["id"].as_str().unwrap().to_owned();
    let (term, _) = feed(&app, &format!("/openreferral/taxonomy_terms/{term_id}")).await;
    assert_eq!(term, term_list["contents"][0]);

    let mut documents: Vec<(&str, &Value)> = vec![("service.json", &whole)];
    documents.extend(items.iter().map(|i| ("service_list.json", i)));
    documents.push(("organization.json", &whole["organization"]));
    documents.extend(
        term_list["contents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| ("taxonomy_term.json", t)),
    );
    validate(&documents);

    for (name, email, phone) in people {
        for text in &texts {
            for detail in [name, email, phone] {
                assert!(!text.contains(detail), "{detail} is in the public feed");
            }
        }
    }
    let unknown = app
        .client
        .get(app.url("/openreferral/services/00000000-0000-4000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bad = app
        .client
        .get(app.url("/openreferral/services?per_page=1000"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organisation_publishes_its_hubs_lending_and_open_training_in_the_feed() {
    let app = TestApp::spawn().await;
    add(&app, &food_bank()).await;
    let hub = app.hub("Riverside Hub").await;
    let session = app.session(hub, json!({"capacity": 2})).await;
    let learner = app.borrower("Margaret Learner").await;
    app.take_register(&session, &[(learner, "present")]).await;
    let (list, _) = feed(&app, "/openreferral/services").await;
    assert_eq!(
        list["total_items"], 1,
        "nothing is published until the organisation says so"
    );

    let settings = json!({"publish_lending": true, "publish_training": true, "email": "hello@example.org"});
    json_of(app.patch("/api/v1/organisation", &settings).await, StatusCode::OK).await;
    let (list, text) = feed(&app, "/openreferral/services").await;
    assert_eq!(list["total_items"], 3, "{list}");
    let names: Vec<&str> = list["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[0], "Maidstone Food Bank",
        "the directory's own entries first"
    );
    assert_eq!(names[1], "Device lending at Riverside Hub");
    assert!(names[2].contains("training by"), "{names:?}");
    assert!(
        !text.contains("Margaret Learner"),
        "a learner's name is in the public feed"
    );
    // Paged across the directory's entries and the published ones alike.
    let (second, _) = feed(&app, "/openreferral/services?per_page=2&page=2").await;
    assert_eq!(second["contents"].as_array().unwrap().len(), 1);
    assert_eq!(second["contents"][0]["name"], names[2]);
    let (searched, _) = feed(&app, "/openreferral/services?search=Riverside").await;
    assert_eq!(
        searched["total_items"], 2,
        "the hub's lending and the course held there"
    );
    let (searched, _) = feed(&app, "/openreferral/services?search=lending").await;
    assert_eq!(searched["total_items"], 1);

    let lending_id = list["contents"][1]["id"].as_str().unwrap().to_owned();
    let (lending, _) = feed(&app, &format!("/openreferral/services/{lending_id}")).await;
    assert_eq!(
        lending["service_at_locations"][0]["location"]["name"],
        "Riverside Hub"
    );
    assert_eq!(
        lending["attributes"][0]["taxonomy_term"]["term"],
        "digital_inclusion"
    );
    let training_id = list["contents"][2]["id"].as_str().unwrap().to_owned();
    let (training, _) = feed(&app, &format!("/openreferral/services/{training_id}")).await;
    assert!(
        training["description"]
            .as_str()
            .unwrap()
            .contains("Riverside Hub"),
        "{training}"
    );
    validate(&[
        ("service.json", &lending),
        ("service.json", &training),
        ("service_list.json", &list["contents"][1]),
        ("service_list.json", &list["contents"][2]),
    ]);

    // A full session has no place to book: the course is no longer published.
    let other = app.borrower("Another Learner").await;
    json_of(
        app.post(
            &format!("/api/v1/training/sessions/{}/enrolments", session["id"]),
            &json!({"borrower_id": other}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (list, _) = feed(&app, "/openreferral/services").await;
    assert_eq!(list["total_items"], 2, "{list}");
    let gone = app
        .client
        .get(app.url(&format!("/openreferral/services/{training_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    json_of(
        app.patch("/api/v1/organisation", &json!({"publish_lending": false}))
            .await,
        StatusCode::OK,
    )
    .await;
    let (list, _) = feed(&app, "/openreferral/services").await;
    assert_eq!(list["total_items"], 1);
}
