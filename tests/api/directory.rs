//! The signposting directory: services searched by words, area of need and place and paged in
//! name order; changed only by the organisation that lists them; a borrower signposted with or
//! without their agreement to pass on their details (on their record and in their export, the
//! notes gone when they are forgotten); and the public Open Referral UK feed, valid against the
//! profile's JSON Schemas, paged as the profile describes, and holding no one's details.

use std::{io::Write, process::Command};

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

fn food_bank() -> Value {
    json!({
        "name": "Maidstone Food Bank",
        "description": "Emergency food parcels, and advice on what else can help.",
        "impact_areas": ["food_and_medicine", "money_advice"],
        "provider": "Trussell Trust",
        "phone": "01622 000 111",
        "email": "help@foodbank.example.org",
        "url": "https://foodbank.example.org",
        "referral_notes": "Call first; a voucher from any partner.",
        "locations": [{"name": "St Faith's Church", "address": "Station Road\nMaidstone", "postcode": "me14 1lh"}],
        "opening_times": "Tuesdays and Fridays, 10am to 1pm",
    })
}

async fn add(app: &TestApp, body: &Value) -> Value {
    json_of(
        app.post("/api/v1/directory/services", body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let page = json_of(
        app.get(&format!("/api/v1/directory/services?{query}")).await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_is_searched_by_words_area_and_place_and_changed_only_by_its_lister() {
    let app = TestApp::spawn().await;
    let food = add(&app, &food_bank()).await;
    assert_eq!(food["impact_areas"], json!(["food_and_medicine", "money_advice"]));
    assert_eq!(food["locations"][0]["postcode"], "ME14 1LH");
    add(
        &app,
        &json!({"name": "Age UK befriending", "impact_areas": ["befriending", "elderly_support", "isolation"],
                "locations": [{"name": "Tonbridge library", "postcode": "TN9 1TG"}]}),
    )
    .await;
    add(
        &app,
        &json!({"name": "Citizens Advice money line", "impact_areas": ["money_advice"], "phone": "0800 144 8848"}),
    )
    .await;

    assert_eq!(
        names(&app, "").await,
        [
            "Age UK befriending",
            "Citizens Advice money line",
            "Maidstone Food Bank"
        ],
        "in name order"
    );
    assert_eq!(
        names(&app, "area=money_advice").await,
        ["Citizens Advice money line", "Maidstone Food Bank"]
    );
    assert_eq!(
        names(&app, "q=TRUSSELL").await,
        ["Maidstone Food Bank"],
        "who runs it is searched"
    );
    assert_eq!(names(&app, "q=food+parcels").await, ["Maidstone Food Bank"]);
    assert_eq!(
        names(&app, "place=me14").await,
        ["Maidstone Food Bank"],
        "a postcode's start"
    );
    assert_eq!(
        names(&app, "place=tonbridge").await,
        ["Age UK befriending"],
        "a place's name"
    );
    assert_eq!(
        names(&app, "place=maidstone&area=befriending").await,
        Vec::<String>::new()
    );

    // Paged by key, each once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json_of(
            app.get(&format!("/api/v1/directory/services?limit=1{cursor}"))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["total"], 3);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);

    for (body, field) in [
        (json!({"impact_areas": ["health"]}), "name"),
        (json!({"name": "X", "impact_areas": []}), "impact_areas"),
        (
            json!({"name": "X", "impact_areas": ["health"], "url": "javascript:alert(1)"}),
            "url",
        ),
        (
            json!({"name": "X", "impact_areas": ["health"], "locations": [{"name": "Hall", "postcode": "nowhere"}]}),
            "locations[0].postcode",
        ),
    ] {
        let (_, named) = error_of(
            app.post("/api/v1/directory/services", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }
    let (_, named) = error_of(
        app.get("/api/v1/directory/services?area=gardening").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(named.as_deref(), Some("area"));

    // Hub staff and trainers search it; only admins and coordinators add to it.
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    for token in [&trainer, &hub_staff] {
        let response = app.get_as(Some(token), "/api/v1/directory/services?q=food").await;
        assert_eq!(response.status(), StatusCode::OK);
        let response = app
            .post_as(Some(token), "/api/v1/directory/services", &food_bank())
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    // A change is the whole entry; its areas and places are replaced.
    let id = food["id"].as_i64().unwrap();
    let mut changed = food_bank();
    changed["impact_areas"] = json!(["food_and_medicine"]);
    changed["locations"] = json!([]);
    let after = json_of(
        app.put(&format!("/api/v1/directory/services/{id}"), &changed)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["impact_areas"], json!(["food_and_medicine"]));
    assert_eq!(after["locations"], json!([]));
    assert_eq!(after["uuid"], food["uuid"], "its public id stays");
    assert_eq!(names(&app, "place=me14").await, Vec::<String>::new());
    let response = app.get("/api/v1/directory/services/999999").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_borrower_is_signposted_and_it_is_on_their_record_and_export_until_forgotten() {
    let app = TestApp::spawn().await;
    let food = add(&app, &food_bank()).await;
    let ada = app.borrower("Ada Lovelace").await;
    let path = format!("/api/v1/borrowers/{ada}/signposts");
    let (_, named) = error_of(
        app.post(&path, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(named.as_deref(), Some("service_id"));
    let (_, named) = error_of(
        app.post(&path, &json!({"service_id": 999_999})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(named.as_deref(), Some("service_id"));
    let made = json_of(
        app.post(
            &path,
            &json!({"service_id": food["id"], "notes": "Asked them to call on Tuesday", "consent": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["service_name"], "Maidstone Food Bank");
    let list = json_of(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["consent"], true);
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    assert_eq!(
        app.get_as(Some(&trainer), &path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/borrowers/999999/signposts").await.status(),
        StatusCode::NOT_FOUND
    );

    let page = app.page_text(&format!("/borrowers/{ada}")).await;
    assert!(
        page.contains("Signposted to") && page.contains("Maidstone Food Bank"),
        "{page}"
    );
    assert!(page.contains("with their agreement to pass on their details"));

    let export = app.get(&format!("/api/v1/borrowers/{ada}/export")).await;
    let files = crate::privacy::unzip(&export.bytes().await.unwrap());
    let person: Value = serde_json::from_slice(&files[1].1).unwrap();
    assert_eq!(person["signposts"][0]["notes"], "Asked them to call on Tuesday");

    json_of(
        app.post(
            &format!("/api/v1/borrowers/{ada}/erase"),
            &json!({"reason": "asked in person"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let list = json_of(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(
        list[0]["notes"],
        Value::Null,
        "the notes are forgotten with the person"
    );
    let (code, _) = error_of(
        app.post(&path, &json!({"service_id": food["id"]})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "anonymised");
}

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

async fn import(app: &TestApp, token: &str, query: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/imports/directory{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_spreadsheet_imports_all_or_nothing_and_never_twice() {
    let app = TestApp::spawn().await;
    let csv = "Service,Organisation,Areas,Website,Phone,Opening hours,Venue,Address,Postcode\n\
        Maidstone Food Bank,Trussell Trust,Food & medicine; Money advice,https://foodbank.example.org,01622 000 111,Tue and Fri,St Faith's Church,Station Road,ME14 1LH\n\
        Befriending by phone,Age UK,befriending;isolation,,0800 678 1602,,,,\n\
        Garden club,,gardening,,,,,,\n\
        Befriending by phone,Age UK,befriending,,,,,,\n";
    let report = json_of(import(&app, &app.token, "", csv).await, StatusCode::OK).await;
    assert_eq!(report["imported"], 0, "{report}");
    let problems: Vec<(u64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(problems, [(4, "Areas"), (5, "Service")], "{report}");
    assert_eq!(names(&app, "").await, Vec::<String>::new(), "nothing written");

    let good = csv.lines().take(3).collect::<Vec<_>>().join("\n") + "\n";
    let report = json_of(import(&app, &app.token, "", &good).await, StatusCode::OK).await;
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(names(&app, "area=money_advice").await, ["Maidstone Food Bank"]);
    let food = &json_of(app.get("/api/v1/directory/services?q=food").await, StatusCode::OK).await["items"][0];
    assert_eq!(food["provider"], "Trussell Trust");
    assert_eq!(food["locations"][0]["postcode"], "ME14 1LH");

    let again = json_of(import(&app, &app.token, "", &good).await, StatusCode::OK).await;
    assert_eq!(
        (again["imported"].as_u64(), again["error_count"].as_u64()),
        (Some(0), Some(2)),
        "{again}"
    );
    let hub_staff = app.staff_token("hub@example.org", Role::HubStaff).await;
    assert_eq!(
        import(&app, &hub_staff, "", &good).await.status(),
        StatusCode::FORBIDDEN
    );
}
