//! Exports through the API: whole tables as CSV a spreadsheet opens safely, every row once across
//! the batches they stream in, and personal data only for the roles that report on the scheme.

use crate::helpers::{TestApp, json_of};
use lendhub::{
    auth::Role,
    entities::{borrower, device, enrolment, loan, training_session},
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

/// A download's rows, after checking it is a CSV file that starts with a BOM and `columns`.
async fn rows(app: &TestApp, path: &str, columns: &str) -> Vec<csv::StringRecord> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"lendhub-"),
        "{:?}",
        headers["content-disposition"]
    );
    let body = response.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("a BOM first");
    let (header, _) = body.split_once("\r\n").expect("CRLF line ends");
    assert_eq!(header, columns, "{path}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    reader.records().map(|r| r.expect("a CSV row")).collect()
}

fn column(rows: &[csv::StringRecord], at: usize) -> Vec<&str> {
    rows.iter().map(|r| &r[at]).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_hold_every_row_once_and_are_safe_to_open() {
    let app = TestApp::spawn().await;
    // More than two batches of devices, loans over them, and sessions with registers.
    let demo = lendhub::demo::fill(&app.db, 1_100).await.unwrap();
    lendhub::demo::lend(&app.db, demo.organisation_id, 300)
        .await
        .unwrap();
    lendhub::demo::train(&app.db, demo.organisation_id, 12)
        .await
        .unwrap();
    let hub = app.hub("Riverside").await;
    let formula = json_of(
        app.add_device(
            hub,
            json!({"make": "=HYPERLINK(\"http://x.example\")", "model": "@SUM(A1)"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let sian = json_of(
        app.post(
            "/api/v1/borrowers",
            &json!({"name": "Siân Hughes", "phone": "+44 7700 900461", "postcode": "M14 5TQ",
                    "consent": {"data_processing": true}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let db = &app.db.read;
    let devices = rows(
        &app,
        "/api/v1/reports/devices.csv",
        "asset_tag,kind,make,model,serial_number,imei,hub,status,condition,accessories,funding_source,\
         purchased_on,purchase_cost,notes,sim_iccid,sim_network,sim_allowance_gb,sim_plan_ends_on",
    )
    .await;
    let mut tags = column(&devices, 0);
    assert_eq!(tags.len() as u64, device::Entity::find().count(db).await.unwrap());
    tags.sort_unstable();
    tags.dedup();
    assert_eq!(tags.len(), devices.len(), "a device twice");
    let row = devices
        .iter()
        .find(|r| &r[0] == formula["asset_tag"].as_str().unwrap())
        .unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"http://x.example\")");
    assert_eq!(&row[3], "'@SUM(A1)");
    assert_eq!(&row[6], "Riverside");

    let loans = rows(
        &app,
        "/api/v1/reports/loans.csv",
        "id,asset_tag,borrower_id,hub,status,issued_on,due_on,returned_on,return_condition,lost_on",
    )
    .await;
    assert_eq!(loans.len() as u64, loan::Entity::find().count(db).await.unwrap());
    assert!(loans.len() >= 300);
    assert!(column(&loans, 4).contains(&"returned"), "the demo's past loans");

    let columns = "id,name,email,phone,address,postcode,barriers,large_print,preferred_language,\
                   accessibility_needs,prefers_phone,referral_source,added_on";
    let borrowers = rows(&app, "/api/v1/reports/borrowers.csv", columns).await;
    assert_eq!(
        borrowers.len() as u64,
        borrower::Entity::find().count(db).await.unwrap()
    );
    let row = borrowers.iter().find(|r| r[0] == sian.to_string()).unwrap();
    assert_eq!(&row[1], "Siân Hughes");
    assert_eq!(&row[3], "'+44 7700 900461");

    let pseudonymised = rows(
        &app,
        "/api/v1/reports/borrowers.csv?pseudonymised=true",
        "id,postcode_district,barriers,large_print,prefers_phone,added_on",
    )
    .await;
    assert_eq!(pseudonymised.len(), borrowers.len());
    let row = pseudonymised.iter().find(|r| r[0] == sian.to_string()).unwrap();
    assert_eq!(&row[1], "M14");
    for (named, bare) in borrowers.iter().zip(&pseudonymised) {
        assert_eq!(named[0], bare[0]);
        let text = bare.iter().collect::<Vec<_>>().join(",");
        for personal in [&named[1], &named[2], &named[3], &named[4], &named[5]] {
            assert!(
                personal.is_empty() || !text.contains(personal),
                "{personal} in {text}"
            );
        }
    }

    let sessions = rows(
        &app,
        "/api/v1/reports/sessions.csv",
        "id,course,starts_at,duration_minutes,capacity,hub,online,trainer,enrolled",
    )
    .await;
    assert_eq!(
        sessions.len() as u64,
        training_session::Entity::find().count(db).await.unwrap()
    );
    assert!(
        sessions.iter().all(|r| !r[1].is_empty()),
        "every session names its course"
    );
    let attendance = rows(
        &app,
        "/api/v1/reports/attendance.csv",
        "session_id,course,starts_at,borrower_id,attendance",
    )
    .await;
    assert_eq!(
        attendance.len() as u64,
        enrolment::Entity::find().count(db).await.unwrap()
    );
    let enrolled: u64 = column(&sessions, 8)
        .iter()
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(enrolled, attendance.len() as u64);
    assert!(column(&attendance, 4).contains(&"present"));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_and_coordinators_export() {
    let app = TestApp::spawn().await;
    let coordinator = app
        .staff_token("coordinator@example.org", Role::Coordinator)
        .await;
    let hub_staff = app.staff_token("counter@example.org", Role::HubStaff).await;
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    for name in ["devices", "loans", "borrowers", "sessions", "attendance"] {
        let path = format!("/api/v1/reports/{name}.csv");
        assert_eq!(
            app.get_as(Some(&coordinator), &path).await.status(),
            StatusCode::OK
        );
        for token in [&hub_staff, &trainer] {
            let error = json_of(app.get_as(Some(token), &path).await, StatusCode::FORBIDDEN).await;
            assert!(
                error["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("download spreadsheets"),
                "{error}"
            );
        }
        assert_eq!(app.get_as(None, &path).await.status(), StatusCode::UNAUTHORIZED);
    }
    let error = json_of(
        app.get("/api/v1/reports/borrowers.csv?pseudonymised=perhaps")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["error"]["field"], "pseudonymised", "{error}");
}

/// Sets a loan's due date directly: the API refuses a due date in the past, and an overdue loan
/// is one whose due date has passed.
async fn due_on(app: &TestApp, loan: i64, date: chrono::NaiveDate) {
    use lendhub::entities::loan;
    use sea_orm::sea_query::Expr;
    loan::Entity::update_many()
        .col_expr(loan::Column::DueOn, Expr::value(date))
        .filter(loan::Column::Id.eq(i32::try_from(loan).unwrap()))
        .exec(&app.db.write)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_counts_what_the_test_made_and_keeps_hub_staff_to_their_hubs() {
    use crate::helpers::in_days;
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    let hilltop = app.hub("Hilltop").await;
    // Riverside: three laptops and a MiFi; Hilltop: two tablets.
    for (hub, kind) in [
        (riverside, "laptop"),
        (riverside, "laptop"),
        (riverside, "laptop"),
        (riverside, "mifi"),
        (hilltop, "tablet"),
        (hilltop, "tablet"),
    ] {
        json_of(
            app.add_device(hub, json!({"kind": kind})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let ann = app.borrower("Ann").await;
    let bob = app.borrower("Bob").await;
    // TST-00001 lent and overdue; 00002 lent, due in 3 days; 00003 lent and back; 00005 lent.
    let overdue = app.issue("TST-00001", ann).await;
    due_on(
        &app,
        overdue,
        chrono::Utc::now().date_naive() - chrono::Duration::days(2),
    )
    .await;
    let soon = app
        .post(
            "/api/v1/loans",
            &json!({"asset_tag": "TST-00002", "borrower_id": bob, "due_on": in_days(3)}),
        )
        .await;
    json_of(soon, StatusCode::CREATED).await;
    let back = app.issue("TST-00003", bob).await;
    app.return_loan(back).await;
    app.issue("TST-00005", ann).await;

    // Two sessions at Riverside in the period, one next week (outside it).
    let held = app
        .session(riverside, json!({"starts_at": format!("{}T10:00", in_days(-3))}))
        .await;
    let also = app
        .session(riverside, json!({"starts_at": format!("{}T14:00", in_days(-1))}))
        .await;
    app.session(riverside, json!({})).await;
    let mut learners = Vec::new();
    for name in ["Cai", "Dee", "Eve", "Fay"] {
        learners.push(app.borrower(name).await);
    }
    for (session, marks) in [
        (&held, ["present", "late", "absent", "excused"]),
        (&also, ["present", "absent", "present", "present"]),
    ] {
        let marks: Vec<(i64, &str)> = learners.iter().copied().zip(marks).collect();
        app.take_register(session, &marks).await;
    }

    let summary = json_of(app.get("/api/v1/reports/summary").await, StatusCode::OK).await;
    assert_eq!(summary["devices"]["total"], 6);
    assert_eq!(
        summary["devices"]["by_kind"],
        json!({"laptop": 3, "mifi": 1, "tablet": 2})
    );
    assert_eq!(
        summary["devices"]["by_status"],
        json!({"available": 2, "awaiting_checks": 1, "on_loan": 3})
    );
    assert_eq!(summary["loans"]["open"], 3);
    assert_eq!(summary["loans"]["overdue"], 1);
    assert_eq!(summary["loans"]["due_this_week"], 1);
    assert_eq!(summary["loans"]["issued_last_30_days"], 4);
    assert_eq!(summary["training"]["sessions"], 2);
    // Present or late: 2 + 3; absent: 1 + 1; the excused one counts neither way.
    assert_eq!(summary["training"]["attendances"], 5);
    assert_eq!(summary["training"]["absences"], 2);
    assert_eq!(summary["training"]["excused"], 1);
    assert_eq!(summary["training"]["attendance_rate"], 0.714);

    // One hub, and a period that holds neither session.
    let hill = json_of(
        app.get(&format!("/api/v1/reports/summary?hub_id={hilltop}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hill["devices"]["total"], 2);
    assert_eq!(hill["loans"]["open"], 1);
    let before = json_of(
        app.get(&format!(
            "/api/v1/reports/summary?from={}&to={}",
            in_days(-60),
            in_days(-40)
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(before["training"]["sessions"], 0);
    assert_eq!(before["training"]["attendance_rate"], serde_json::Value::Null);
    assert_eq!(before["loans"]["issued"], 0);
    let bad = json_of(
        app.get("/api/v1/reports/summary?from=yesterday").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["error"]["field"], "from");

    // Hub staff of Hilltop see Hilltop's figures only; trainers none.
    let counter = app.staff_token("counter@example.org", Role::HubStaff).await;
    app.assign_hubs(&counter, &[hilltop]).await;
    let theirs = json_of(
        app.get_as(Some(&counter), "/api/v1/reports/summary").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["devices"]["total"], 2);
    assert_eq!(theirs["loans"]["open"], 1);
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    assert_eq!(
        app.get_as(Some(&trainer), "/api/v1/reports/summary")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_chart_carries_the_same_figures_as_its_table() {
    let app = TestApp::spawn().await;
    let demo = lendhub::demo::fill(&app.db, 120).await.unwrap();
    lendhub::demo::lend(&app.db, demo.organisation_id, 30)
        .await
        .unwrap();
    let page = app.page_text("/").await;
    let between = |text: &str, start: &str, end: &str| -> Vec<String> {
        text.split(start)
            .skip(1)
            .filter_map(|s| s.split(end).next().map(str::to_owned))
            .collect()
    };
    // Each bar's title is "March 2026: 12"; each table row is <th>March 2026</th><td ...>12</td>.
    let bars: Vec<String> = between(&page, "<rect ", "</rect>")
        .iter()
        .flat_map(|r| between(r, "<title>", "</title>"))
        .collect();
    assert_eq!(bars.len(), 12, "{page}");
    let table = between(&page, "<caption>Loans made each month</caption>", "</table>").remove(0);
    let rows: Vec<String> = between(&table, "<th scope=\"row\">", "</tr>")
        .iter()
        .map(|row| {
            let month = row.split("</th>").next().unwrap();
            let count = between(row, "\">", "</td>").remove(0);
            format!("{month}: {count}")
        })
        .collect();
    assert_eq!(bars, rows);
    // The bars count the loans issued in their months, as the test counts them from the rows.
    let today = lendhub::dates::today(chrono::Utc::now());
    let months = lendhub::reports::model::last_twelve_months(today);
    let issued_since = |month: chrono::NaiveDate| {
        let db = app.db.read.clone();
        async move {
            lendhub::entities::loan::Entity::find()
                .filter(lendhub::entities::loan::Column::IssuedAt.gte(lendhub::dates::london_midnight(month)))
                .count(&db)
                .await
                .unwrap()
        }
    };
    let this_month = issued_since(months[11]).await;
    let total: u64 = rows
        .iter()
        .map(|r| r.rsplit(": ").next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, issued_since(months[0]).await);
    assert!(total >= 30, "the demo's 30 loans at least: {total}");
    assert!(
        bars[11].ends_with(&format!(": {this_month}")),
        "{} vs {this_month}",
        bars[11]
    );
}
