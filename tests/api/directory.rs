//! The signposting directory: services searched by words, area of need and place and paged in
//! name order; changed only by the organisation that lists them; a borrower signposted with or
//! without their agreement to pass on their details (on their record and in their export, the
//! notes gone when they are forgotten); and the directory spreadsheet imported. The open feed is
//! in `feed.rs`.

use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, json_of};

pub(crate) fn food_bank() -> Value {
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

pub(crate) async fn add(app: &TestApp, body: &Value) -> Value {
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
