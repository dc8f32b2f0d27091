//! Importing spreadsheets through the API: a dry run that names every bad row and column and
//! writes nothing, an all-or-nothing import, duplicates against the database, Windows-1252 files,
//! and an export that imports again.

use crate::helpers::{TestApp, json_of};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;

pub(crate) async fn import(app: &TestApp, token: &str, path: &str, csv: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

/// `(row, column)` of each problem, with its message.
pub(crate) fn problems(report: &Value) -> Vec<(u64, String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn device_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    lendhub::entities::device::Entity::find()
        .count(&app.db.read)
        .await
        .unwrap()
}

const BAD: &str = "Asset Tag,Serial Number,Manufacturer,Model Name,Category,Location,Purchase Date,Purchase Cost,Colour\r\n\
TST-00101,SN-1,Lenovo,ThinkPad T480,Laptop,Riverside,14/03/2025,£249.99,Black\r\n\
TST-00102,SN-2,Apple,iPad 9th gen,iPad,Riverside,2025-03-15,199,Silver\r\n\
TST-00103,SN-3,Huawei,E5576,Printer,Riverside,15/03/2025,30,White\r\n\
TST-00104,SN-1,Lenovo,ThinkPad T480,Notebook,Riverside,31/02/2025,249.99,Black\r\n\
TST-00105,SN-5,,Chromebook 3100,Chromebook,Hilltop,16/03/2025,ten pounds,Grey\r\n\
,SN-6,TP-Link,M7350,4G Hotspot,Riverside,,,Black\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_names_every_bad_row_and_column_and_the_fixed_file_imports_once() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    app.hub("Hilltop Library").await;

    let report = json_of(
        import(
            &app,
            &app.token,
            "/api/v1/imports/devices?dry_run=true",
            BAD.as_bytes().to_vec(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["rows"], 6);
    assert_eq!(report["imported"], 0);
    let found = problems(&report);
    let places: Vec<(u64, &str)> = found.iter().map(|(r, c, _)| (*r, c.as_str())).collect();
    assert_eq!(
        places,
        [
            (4, "Category"),
            (5, "Purchase Date"),
            (6, "Manufacturer"),
            (6, "Location"),
            (6, "Purchase Cost"),
        ],
        "{found:?}"
    );
    assert!(found[0].2.contains("\"Printer\""), "{found:?}");
    assert!(found[3].2.contains("\"Hilltop\""), "{found:?}");
    assert_eq!(device_count(&app).await, 0, "a dry run writes nothing");

    // Row 5's date fixed shows what the first problem hid: its serial is row 2's.
    let fixed_date = BAD.replace("31/02/2025", "28/02/2025");
    let report = json_of(
        import(
            &app,
            &app.token,
            "/api/v1/imports/devices",
            fixed_date.clone().into_bytes(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 0, "nothing is written while any row is wrong");
    assert!(
        problems(&report)
            .iter()
            .any(|(r, c, m)| *r == 5 && c == "Serial Number" && m.contains("row 2")),
        "{:?}",
        problems(&report)
    );
    assert_eq!(report["error_count"], 5);
    assert_eq!(device_count(&app).await, 0);

    let fixed = fixed_date
        .replace("Printer", "MiFi")
        .replace("TST-00104,SN-1", "TST-00104,SN-4")
        .replace(",,Chromebook 3100", ",Dell,Chromebook 3100")
        .replace("ten pounds", "\"£1,049.50\"")
        .replace("Hilltop,", "hilltop library,");
    let report = json_of(
        import(
            &app,
            &app.token,
            "/api/v1/imports/devices",
            fixed.clone().into_bytes(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["error_count"], 0, "{:?}", problems(&report));
    assert_eq!(report["imported"], 6);
    assert_eq!(device_count(&app).await, 6);
    let ipad = json_of(app.get("/api/v1/devices/TST-00102").await, StatusCode::OK).await;
    assert_eq!(ipad["kind"], "tablet");
    assert_eq!(ipad["purchased_on"], "2025-03-15");
    assert_eq!(ipad["purchase_cost_pence"], 19_900);
    let chromebook = json_of(app.get("/api/v1/devices/TST-00105").await, StatusCode::OK).await;
    assert_eq!(chromebook["purchase_cost_pence"], 104_950);
    // The untagged row took the next free number after the typed ones.
    let mifi = json_of(app.get("/api/v1/devices?kind=mifi").await, StatusCode::OK).await;
    let tags: Vec<&str> = mifi["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["asset_tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["TST-00103", "TST-00106"]);
    let history = json_of(app.get("/api/v1/devices/TST-00106/events").await, StatusCode::OK).await;
    assert_eq!(history["items"][0]["action"], "device_added");

    // The same file again: every tagged row is already here, and so is every serial number.
    let report = json_of(
        import(&app, &app.token, "/api/v1/imports/devices", fixed.into_bytes()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 0);
    let rows: std::collections::BTreeSet<u64> = problems(&report).iter().map(|(r, _, _)| *r).collect();
    assert_eq!(rows, (2..=7).collect(), "{:?}", problems(&report));
    assert_eq!(device_count(&app).await, 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_windows_1252_file_with_semicolons_keeps_its_pounds_and_accents() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    // As older Excel saves "CSV" in much of Europe: Windows-1252, semicolons, CRLF.
    let (devices, _, unmappable) = encoding_rs::WINDOWS_1252.encode(
        "Make;Model;Type;Hub;Notes\r\nLenovo;ThinkPad T480;Laptop;Riverside;Donated by Siân's café, worth £120\r\n",
    );
    assert!(!unmappable);
    assert!(std::str::from_utf8(&devices).is_err(), "the file is not UTF-8");
    let report = json_of(
        import(
            &app,
            &app.token,
            "/api/v1/imports/devices?create_hubs=true",
            devices.into_owned(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 1, "{report}");
    let device = json_of(app.get("/api/v1/devices/TST-00001").await, StatusCode::OK).await;
    assert_eq!(device["notes"], "Donated by Siân's café, worth £120");

    let (borrowers, _, _) = encoding_rs::WINDOWS_1252.encode(
        "Full Name,Phone,Postcode,Large print\r\nSiân Ellis,07700 900461,m14 5tq,yes\r\nZoë Brontë,,,\r\n",
    );
    let path = "/api/v1/imports/borrowers";
    let refused = json_of(
        import(&app, &app.token, path, borrowers.to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["error"]["field"], "consent_confirmed");
    let report = json_of(
        import(
            &app,
            &app.token,
            &format!("{path}?consent_confirmed=true"),
            borrowers.to_vec(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 0);
    let found = problems(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1.as_str()),
        (3, "contact"),
        "Zoë has no way to be reached: {found:?}"
    );
    let fixed = encoding_rs::WINDOWS_1252
        .encode("Full Name,Phone,Postcode,Large print\r\nSiân Ellis,07700 900461,m14 5tq,yes\r\nZoë Brontë,07700 900462,,\r\n")
        .0;
    let report = json_of(
        import(
            &app,
            &app.token,
            &format!("{path}?consent_confirmed=true"),
            fixed.to_vec(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 2, "{report}");
    let export = app
        .client
        .get(app.url("/api/v1/reports/borrowers.csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        export.contains("Siân Ellis") && export.contains("Zoë Brontë") && export.contains("M14 5TQ"),
        "{export}"
    );
    // Each imported borrower's consent history starts with what they were given, by whom.
    let found = json_of(app.get("/api/v1/borrowers?q=Ellis").await, StatusCode::OK).await;
    let sian = found["items"][0]["id"].as_i64().unwrap();
    let consents = json_of(
        app.get(&format!("/api/v1/borrowers/{sian}/consents")).await,
        StatusCode::OK,
    )
    .await;
    let mut given: Vec<&str> = consents["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purpose"].as_str().unwrap())
        .collect();
    given.sort_unstable();
    assert_eq!(given, ["loan", "phone_reminders"], "{consents}");
    assert_eq!(consents["history"][0]["by"], "Admin Person", "{consents}");

    let hub_staff = app.staff_token("counter@example.org", Role::HubStaff).await;
    assert_eq!(
        import(&app, &hub_staff, path, fixed.to_vec()).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_of_a_demo_database_imports_into_an_empty_one_with_the_same_rows() {
    let demo = TestApp::spawn().await;
    let summary = lendhub::demo::fill(&demo.db, 700).await.unwrap();
    // Lending makes the demo's borrowers, with their histories.
    lendhub::demo::lend(&demo.db, summary.organisation_id, 150)
        .await
        .unwrap();
    let export = |app: &TestApp, name: &str| {
        let request = app
            .client
            .get(app.url(&format!("/api/v1/reports/{name}.csv")))
            .bearer_auth(&app.token);
        async move { request.send().await.unwrap().bytes().await.unwrap().to_vec() }
    };
    let devices = export(&demo, "devices").await;
    let borrowers = export(&demo, "borrowers").await;

    let empty = TestApp::spawn().await;
    let report = json_of(
        import(
            &empty,
            &empty.token,
            "/api/v1/imports/devices?create_hubs=true",
            devices.clone(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["error_count"], 0, "{:?}", problems(&report));
    assert_eq!(report["imported"], 700);
    let report = json_of(
        import(
            &empty,
            &empty.token,
            "/api/v1/imports/borrowers?consent_confirmed=true",
            borrowers.clone(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["error_count"], 0, "{:?}", problems(&report));
    let exported = csv::Reader::from_reader(borrowers.as_slice()).records().count();
    assert!(exported >= 150, "the demo's borrowers: {exported}");
    assert_eq!(report["imported"].as_u64().unwrap(), exported as u64);

    // The same rows: every column but the status (an imported device arrives available) and,
    // for borrowers, the new ids and dates.
    let rows = |bytes: &[u8], skip: &[usize]| {
        let mut reader = csv::Reader::from_reader(bytes);
        let mut rows: Vec<String> = reader
            .records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !skip.contains(i))
                    .map(|(_, c)| c.to_owned())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        rows.sort();
        rows
    };
    let again = export(&empty, "devices").await;
    assert_eq!(rows(&again, &[7]), rows(&devices, &[7]));
    let again = export(&empty, "borrowers").await;
    assert_eq!(rows(&again, &[0, 12]), rows(&borrowers, &[0, 12]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_lists_the_problems_then_imports_the_fixed_file() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("devices.csv");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lendhub"))
            .args(["import", "devices"])
            .arg(&file)
            .args(extra)
            .env("LENDHUB_DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    std::fs::write(&file, "Make,Model,Kind,Hub,Colour\r\nLenovo,T480,Laptop,Riverside,Black\r\nApple,iPad,Toaster,Riverside,Grey\r\n").unwrap();
    let output = run(&["--dry-run"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("row 3, Kind: \"Toaster\" is not a kind"),
        "{stdout}"
    );
    assert!(stdout.contains("column \"Colour\" -> (not read)"), "{stdout}");
    std::fs::write(&file, "Make,Model,Kind,Hub,Colour\r\nLenovo,T480,Laptop,Riverside,Black\r\nApple,iPad,Tablet,Riverside,Grey\r\n").unwrap();
    let output = run(&["--dry-run"]);
    assert!(output.status.success());
    assert_eq!(device_count(&app).await, 0);
    let output = run(&["--map", "Colour=notes"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("2 devices imported"), "{stdout}");
    let ipad = json_of(app.get("/api/v1/devices/TST-00002").await, StatusCode::OK).await;
    assert_eq!(ipad["notes"], "Grey");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_page_a_file_is_uploaded_its_columns_corrected_checked_and_imported() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(app.url("/login"))
        .form(&[
            ("email", "admin@example.org"),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let csv = "Manufacturer,Model,Category,Site,Colour\r\nLenovo,T480,Laptop,Riverside,Black\r\nApple,iPad,Tablet,Hilltop,Grey\r\n";
    let form = reqwest::multipart::Form::new().text("target", "devices").part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("old-assets.csv"),
    );
    let uploaded = client
        .post(app.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let job = uploaded.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let page = client
        .get(app.url(&job))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<label for=\"column_3\">Site</label>"), "{page}");
    assert!(
        page.contains("<option value=\"hub\" selected>hub</option>"),
        "the Site column is read as the hub"
    );

    // Someone else cannot see the upload.
    let other = app
        .staff_token("coordinator@example.org", Role::Coordinator)
        .await;
    assert_eq!(
        app.get_as(Some(&other), &job).await.status(),
        StatusCode::NOT_FOUND
    );

    let settled = |client: &reqwest::Client, job: &str| {
        let (client, url) = (client.clone(), app.url(job));
        async move {
            for _ in 0..100 {
                let page = client.get(&url).send().await.unwrap().text().await.unwrap();
                if !page.contains("<progress") {
                    return page;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("the import never finished");
        }
    };
    let columns = [
        ("column_0", "make"),
        ("column_1", "model"),
        ("column_2", "kind"),
        ("column_3", "hub"),
        ("column_4", "notes"),
    ];
    let mut check: Vec<(&str, &str)> = columns.to_vec();
    check.push(("action", "check"));
    let checked = client.post(app.url(&job)).form(&check).send().await.unwrap();
    assert_eq!(checked.status(), StatusCode::SEE_OTHER);
    let page = settled(&client, &job).await;
    assert!(
        page.contains("1 problem in 2 rows: nothing was imported"),
        "{page}"
    );
    assert!(
        page.contains("there is no hub called &#34;Hilltop&#34;")
            || page.contains("there is no hub called &quot;Hilltop&quot;"),
        "{page}"
    );

    let mut import_form = columns.to_vec();
    import_form.extend([("create_hubs", "true"), ("action", "import")]);
    client
        .post(app.url(&job))
        .form(&import_form)
        .send()
        .await
        .unwrap();
    let page = settled(&client, &job).await;
    assert!(page.contains("2 devices imported"), "{page}");
    assert!(page.contains("New hubs: Hilltop"), "{page}");
    let ipad = json_of(app.get("/api/v1/devices/TST-00002").await, StatusCode::OK).await;
    assert_eq!(ipad["notes"], "Grey");
}
