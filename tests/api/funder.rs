//! The funder report against figures the test counts itself from the records it made, with the
//! edges a funder asks about: a loan that began before the period, a borrower with two loans, a
//! device lent twice, a late return, a loss, excused absences, scores that rose and that did not.
//! The CSV, the page and the PDF (read back with `pdftotext`) must all say the same.

use std::{collections::BTreeMap, process::Command};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use lendhub::{
    auth::Role,
    dates::{london_midnight, today},
    entities::{device, disposal, loan, repair},
};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::helpers::{TestApp, json_of, run, tools_present};

/// A borrower who named `barriers` when they joined.
async fn borrower(app: &TestApp, name: &str, barriers: &[&str]) -> i64 {
    let body = json!({"name": name, "phone": "07700 900123", "barriers": barriers, "consent": {"data_processing": true}});
    json_of(app.post("/api/v1/borrowers", &body).await, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

/// One loan's story, placed in time (the API stamps loans with the present).
struct Placed {
    issued: DateTime<Utc>,
    /// When it came back or was lost, if it has.
    ended: Option<DateTime<Utc>>,
    due: NaiveDate,
}

async fn place(app: &TestApp, loan: i64, placed: &Placed, lost: bool) {
    let mut update = loan::Entity::update_many()
        .col_expr(loan::Column::IssuedAt, Expr::value(placed.issued))
        .col_expr(loan::Column::DueOn, Expr::value(placed.due));
    if let Some(ended) = placed.ended {
        update = if lost {
            update.col_expr(loan::Column::LostAt, Expr::value(ended))
        } else {
            update
                .col_expr(loan::Column::ReturnedAt, Expr::value(ended))
                .col_expr(loan::Column::ReturnedOn, Expr::value(today(ended)))
        };
    }
    update
        .filter(loan::Column::Id.eq(i32::try_from(loan).unwrap()))
        .exec(&app.db.write)
        .await
        .unwrap();
}

/// The CSV's `figure -> value`, after checking its header.
async fn csv_figures(app: &TestApp, token: Option<&str>, query: &str) -> BTreeMap<String, String> {
    let path = format!("/api/v1/reports/funder.csv{query}");
    let response = app.get_as(Some(token.unwrap_or(&app.token)), &path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path} as {token:?}");
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let body = response.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("a BOM first");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["figure", "label", "value"]);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[2].to_owned())
        })
        .collect()
}

fn number(figures: &BTreeMap<String, String>, key: &str) -> u64 {
    figures
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {figures:?}"))
        .parse()
        .unwrap_or_else(|_| panic!("{key} is not a whole number: {}", figures[key]))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_funder_report_counts_what_the_test_made_the_same_in_csv_page_and_pdf() {
    let app = TestApp::spawn().await;
    let riverside = app.hub("Riverside").await;
    let hilltop = app.hub("Hilltop").await;
    for hub in [riverside, riverside, riverside, riverside, riverside, hilltop] {
        json_of(
            app.add_device(hub, json!({"kind": "laptop"})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    // The period: 60 days that ended a month ago. F and T are its first and last instants.
    let now = Utc::now();
    let (d0, d1) = (today(now) - Duration::days(90), today(now) - Duration::days(31));
    let (f, t) = (london_midnight(d0), london_midnight(d1 + Duration::days(1)));
    let at = |days: i64| f + Duration::days(days) + Duration::hours(12);
    let query = format!("?from={d0}&to={d1}");

    let ann = borrower(&app, "Ann", &["no_device"]).await;
    let bob = borrower(&app, "Bob", &["no_device", "skills"]).await;
    let cat = borrower(&app, "Cat", &["no_connection"]).await;
    let dan = borrower(&app, "Dan", &["skills"]).await;
    let eve = borrower(&app, "Eve", &["no_device"]).await;
    let fay = borrower(&app, "Fay", &["skills"]).await;
    let gus = borrower(&app, "Gus", &["no_connection"]).await;

    // (device, borrower, issued, ended, due, lost)
    let stories = [
        // Began before the period, came back in it three days late.
        (
            "TST-00001",
            ann,
            at(-10),
            Some(at(5)),
            d0 + Duration::days(2),
            false,
        ),
        // Bob borrows TST-00002 twice in the period, back on time both times.
        (
            "TST-00002",
            bob,
            at(10),
            Some(at(20)),
            d0 + Duration::days(25),
            false,
        ),
        (
            "TST-00002",
            bob,
            at(25),
            Some(at(28)),
            d0 + Duration::days(28),
            false,
        ),
        // Still out.
        ("TST-00003", cat, at(40), None, d0 + Duration::days(45), false),
        // Over before the period began.
        (
            "TST-00004",
            dan,
            at(-30),
            Some(at(-5)),
            d0 - Duration::days(5),
            false,
        ),
        // Reported lost in the period.
        (
            "TST-00006",
            dan,
            at(50),
            Some(at(55)),
            d0 + Duration::days(70),
            true,
        ),
        // Made after the period.
        (
            "TST-00005",
            eve,
            t + Duration::days(2),
            None,
            d1 + Duration::days(30),
            false,
        ),
    ];
    let mut placed = Vec::new();
    for (tag, who, issued, ended, due, lost) in stories {
        let id = app.issue(tag, who).await;
        if lost {
            json_of(
                app.post(
                    &format!("/api/v1/loans/{id}/lost"),
                    &json!({"notes": "left on a bus"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        } else if ended.is_some() {
            app.return_loan(id).await;
            // Back on the shelf for the next loan of the same device.
            json_of(
                app.post(
                    &format!("/api/v1/devices/{tag}/checks"),
                    &json!({"wiped": true, "wipe_method": "windows_reset", "complete": true, "condition": "good"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
        let story = Placed { issued, ended, due };
        place(&app, id, &story, lost).await;
        placed.push((who, tag, story, lost));
    }

    // Two sessions in the period and one after it.
    let first = app
        .session(
            riverside,
            json!({"starts_at": format!("{}T10:00", d0 + Duration::days(3))}),
        )
        .await;
    let second = app
        .session(
            riverside,
            json!({"starts_at": format!("{}T10:00", d0 + Duration::days(20))}),
        )
        .await;
    let later = app
        .session(
            riverside,
            json!({"starts_at": format!("{}T10:00", d1 + Duration::days(5))}),
        )
        .await;
    let register = [
        (
            &first,
            vec![(fay, "present"), (gus, "excused"), (ann, "absent"), (bob, "late")],
        ),
        (&second, vec![(fay, "present"), (ann, "present")]),
        (&later, vec![(eve, "present")]),
    ];
    for (session, marks) in &register {
        app.take_register(session, marks).await;
    }
    // Fay's confidence in communicating rose (2 then 4); in being safe it stayed at 3. Eve's
    // scores are after the period.
    for (session, scores) in [
        (
            &first,
            json!([{"borrower_id": fay, "area": "communicating", "score": 2}, {"borrower_id": fay, "area": "being_safe", "score": 3}, {"borrower_id": bob, "area": "communicating", "score": 4}]),
        ),
        (
            &second,
            json!([{"borrower_id": fay, "area": "communicating", "score": 4}, {"borrower_id": fay, "area": "being_safe", "score": 3}]),
        ),
        (
            &later,
            json!([{"borrower_id": eve, "area": "communicating", "score": 1}]),
        ),
    ] {
        let path = format!("/api/v1/training/sessions/{}/skills", session["id"]);
        let scored = app.put(&path, &json!({"scores": scores})).await;
        assert_eq!(
            scored.status(),
            StatusCode::OK,
            "{}",
            scored.text().await.unwrap()
        );
    }

    // Repairs and a retirement, written as the records they leave: one repair finished in the
    // period (fixed, £12.50), one after it; a device donated in the period.
    let devices = device::Entity::find().all(&app.db.read).await.unwrap();
    let id_of = |tag: &str| devices.iter().find(|d| d.asset_tag == tag).unwrap().id;
    let organisation = app.organisation_id;
    for (tag, closed, cost) in [
        ("TST-00004", at(30), 1250),
        ("TST-00001", t + Duration::days(1), 4000),
    ] {
        repair::Entity::insert(repair::ActiveModel {
            organisation_id: Set(organisation),
            device_id: Set(id_of(tag)),
            fault: Set("cracked screen".into()),
            opened_at: Set(closed - Duration::days(3)),
            outcome: Set(Some(lendhub::loans::model::RepairOutcome::Fixed)),
            cost_pence: Set(Some(cost)),
            closed_at: Set(Some(closed)),
            ..Default::default()
        })
        .exec(&app.db.write)
        .await
        .unwrap();
    }
    disposal::Entity::insert(disposal::ActiveModel {
        device_id: Set(id_of("TST-00004")),
        method: Set("donated".into()),
        retired_at: Set(at(45)),
        ..Default::default()
    })
    .exec(&app.db.write)
    .await
    .unwrap();

    // What the test expects, counted from the stories above.
    let in_period: Vec<_> = placed
        .iter()
        .filter(|(_, _, p, _)| p.issued < t && p.ended.is_none_or(|e| e >= f))
        .collect();
    let end = t.min(now);
    let loan_seconds: i64 = in_period
        .iter()
        .map(|(_, _, p, _)| {
            let (from, to) = (p.issued.max(f), p.ended.unwrap_or(end).min(end));
            (to - from).num_seconds()
        })
        .sum();
    let returned: Vec<_> = placed
        .iter()
        .filter(|(_, _, p, lost)| !lost && p.ended.is_some_and(|e| e >= f && e < t))
        .collect();
    let on_time = returned
        .iter()
        .filter(|(_, _, p, _)| today(p.ended.unwrap()) <= p.due)
        .count();
    let figures = csv_figures(&app, None, &query).await;
    assert_eq!(figures["period.from"], d0.to_string());
    assert_eq!(figures["period.to"], d1.to_string());
    // Ann, Bob (twice), Cat and Dan had loans in the period; Fay, Bob and Ann came to sessions;
    // Gus was excused and Eve came after: five people.
    assert_eq!(number(&figures, "people.supported"), 5);
    assert_eq!(number(&figures, "people.borrowed"), 4);
    assert_eq!(number(&figures, "people.learners"), 3);
    assert_eq!(
        number(&figures, "people.barrier.no_device"),
        2,
        "Ann and Bob; not Eve"
    );
    assert_eq!(
        number(&figures, "people.barrier.no_connection"),
        1,
        "Cat; not Gus"
    );
    assert_eq!(number(&figures, "people.barrier.skills"), 3, "Bob, Dan and Fay");
    let issued_in = placed
        .iter()
        .filter(|(_, _, p, _)| p.issued >= f && p.issued < t)
        .count() as u64;
    assert_eq!(number(&figures, "loans.issued"), issued_in);
    assert_eq!(issued_in, 4);
    assert_eq!(number(&figures, "loans.out"), in_period.len() as u64);
    assert_eq!(in_period.len(), 5);
    assert_eq!(number(&figures, "loans.devices_lent"), 4, "TST-00002 counts once");
    // Whole days, rounded.
    let loan_days = u64::try_from((loan_seconds + 43_200) / 86_400).unwrap();
    assert_eq!(number(&figures, "loans.loan_days"), loan_days);
    assert_eq!(number(&figures, "loans.returned"), returned.len() as u64);
    assert_eq!((returned.len(), on_time), (3, 2), "Ann's came back late");
    assert_eq!(figures["loans.on_time_share"], "0.667");
    assert_eq!(number(&figures, "loans.lost"), 1);
    assert_eq!(number(&figures, "training.sessions"), 2);
    assert_eq!(
        number(&figures, "training.attendances"),
        4,
        "Fay twice, Bob late, Ann once"
    );
    assert_eq!(number(&figures, "training.absences"), 1);
    assert_eq!(number(&figures, "training.excused"), 1);
    assert_eq!(
        figures["training.attendance_rate"], "0.800",
        "the excused absence left out"
    );
    assert_eq!(
        number(&figures, "skills.communicating.measured"),
        1,
        "Bob was scored once"
    );
    assert_eq!(number(&figures, "skills.communicating.rose"), 1);
    assert_eq!(number(&figures, "skills.being_safe.measured"), 1);
    assert_eq!(number(&figures, "skills.being_safe.rose"), 0);
    assert_eq!(number(&figures, "repairs.closed"), 1);
    assert_eq!(number(&figures, "repairs.fixed"), 1);
    assert_eq!(figures["repairs.cost"], "12.50");
    assert_eq!(number(&figures, "retired.total"), 1);
    assert_eq!(number(&figures, "retired.donated"), 1);
    // The months: each the loans the test made in it, together all the period's loans.
    let monthly: Vec<(&String, &String)> = figures
        .iter()
        .filter(|(k, _)| k.starts_with("loans_by_month."))
        .collect();
    let mut months_total = 0;
    for (key, value) in &monthly {
        let month = key.trim_start_matches("loans_by_month.");
        let made = placed
            .iter()
            .filter(|(_, _, p, _)| {
                p.issued >= f && p.issued < t && today(p.issued).format("%Y-%m").to_string() == month
            })
            .count();
        assert_eq!(value.parse::<usize>().unwrap(), made, "{month}");
        months_total += made;
    }
    assert_eq!(months_total as u64, issued_in);

    // The page shows each figure as the CSV has it, and its chart's bars say the same.
    let page = app.page_text(&format!("/reports/funder{query}")).await;
    for (key, value) in figures
        .iter()
        .filter(|(k, _)| !k.starts_with("period.") && !k.starts_with("loans_by_month."))
    {
        let row = page
            .split(&format!("<tr id=\"{key}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no row {key} on the page"));
        let shown = row.split("<td>").nth(1).unwrap().split("</td>").next().unwrap();
        let expected = match key.as_str() {
            "outcomes.still_using_3_months" | "outcomes.confidence_before" | "outcomes.confidence_now"
                if value.is_empty() =>
            {
                "none yet".to_owned()
            }
            "outcomes.confidence_before" | "outcomes.confidence_now" => format!("{value} of 5"),
            "loans.on_time_share" | "training.attendance_rate" | "outcomes.still_using_3_months" => {
                format!("{}%", (value.parse::<f64>().unwrap() * 100.0).round())
            }
            "repairs.cost" => format!("£{value}"),
            _ => value.clone(),
        };
        assert_eq!(shown, expected, "{key}");
    }
    for (key, value) in &monthly {
        let month = NaiveDate::parse_from_str(
            &format!("{}-01", key.trim_start_matches("loans_by_month.")),
            "%Y-%m-%d",
        )
        .unwrap();
        let title = format!("<title>{}: {value}</title>", month.format("%B %Y"));
        assert!(page.contains(&title), "the chart has {title}");
    }

    // The PDF says the same, read back by pdftotext.
    if tools_present(&["pdftotext"]) {
        let response = app.get(&format!("/api/v1/reports/funder.pdf{query}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
        let text = run(Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-"));
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert!(text.contains("Report for funders"));
        for (key, label, shown) in [
            (
                "people.supported",
                "People supported",
                figures["people.supported"].clone(),
            ),
            (
                "loans.devices_lent",
                "Devices lent",
                figures["loans.devices_lent"].clone(),
            ),
            (
                "loans.loan_days",
                "Days devices were with borrowers",
                figures["loans.loan_days"].clone(),
            ),
            ("loans.on_time_share", "Share returned on time", "67%".to_owned()),
            (
                "training.attendance_rate",
                "Attendance rate (excused absences left out)",
                "80%".to_owned(),
            ),
            (
                "skills.communicating.rose",
                "Communicating: learners whose confidence rose",
                figures["skills.communicating.rose"].clone(),
            ),
            ("repairs.cost", "Cost of repairs", "£12.50".to_owned()),
        ] {
            let line = format!("{label} {shown}");
            assert!(lines.contains(&line), "{key}: no line {line:?} in\n{text}");
        }
    }

    // Hub staff at Hilltop see Hilltop's figures: only Dan's lost loan of TST-00006.
    let counter = app.staff_token("counter@example.org", Role::HubStaff).await;
    app.assign_hubs(&counter, &[hilltop]).await;
    let theirs = csv_figures(&app, Some(&counter), &query).await;
    assert_eq!(number(&theirs, "loans.out"), 1);
    assert_eq!(number(&theirs, "people.borrowed"), 1);
    assert_eq!(number(&theirs, "training.sessions"), 0);
    assert_eq!(
        theirs["period.hub"], "Hilltop",
        "hub staff's report names their hubs"
    );
    for path in [
        format!("/api/v1/reports/funder.csv{query}&hub_id={riverside}"),
        format!("/api/v1/reports/summary?hub_id={riverside}"),
    ] {
        let response = app.get_as(Some(&counter), &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}: not zeros");
    }
    let one_hub = csv_figures(&app, None, &format!("{query}&hub_id={riverside}")).await;
    assert_eq!(number(&one_hub, "loans.out"), 4);
    assert_eq!(one_hub["period.hub"], "Riverside");
}

#[tokio::test(flavor = "multi_thread")]
async fn trainers_get_no_report_and_bad_periods_name_their_field() {
    let app = TestApp::spawn().await;
    let trainer = app.staff_token("trainer@example.org", Role::Trainer).await;
    for path in [
        "/api/v1/reports/funder.csv",
        "/api/v1/reports/funder.pdf",
        "/reports/funder",
        "/api/v1/reports/summary",
    ] {
        assert_eq!(
            app.get_as(Some(&trainer), path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for (query, field) in [
        ("?from=2026-02-30", "from"),
        ("?to=soon", "to"),
        ("?from=2026-05-01&to=2026-04-01", "to"),
        ("?from=2020-01-01&to=2026-01-01", "from"),
        ("?hub_id=first", "hub_id"),
    ] {
        let (code, named) = crate::helpers::error_of(
            app.get(&format!("/api/v1/reports/funder.csv{query}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("invalid", Some(field)),
            "{query}"
        );
    }
    // The page shows the problem beside the field instead of a report.
    let page = app.page_text("/reports/funder?from=2026-02-30").await;
    assert!(page.contains("id=\"from-error\""), "{page}");
    assert!(!page.contains("Download as PDF"));
}

#[tokio::test(flavor = "multi_thread")]
async fn loans_returned_before_the_upgrade_get_their_london_return_date() {
    use migration::MigratorTrait;
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let who = borrower(&app, "Ann", &[]).await;
    // 23:30 UTC is the next day in London in summer, the same day in winter.
    let mut cases = Vec::new();
    for (tag, returned_at, london) in [
        ("TST-00001", "2026-07-04T23:30:00Z", "2026-07-05"),
        ("TST-00002", "2026-01-05T23:30:00Z", "2026-01-05"),
    ] {
        json_of(
            app.add_device(hub, json!({"kind": "tablet"})).await,
            StatusCode::CREATED,
        )
        .await;
        let id = app.issue(tag, who).await;
        app.return_loan(id).await;
        let returned_at: DateTime<Utc> = returned_at.parse().unwrap();
        loan::Entity::update_many()
            .col_expr(loan::Column::ReturnedAt, Expr::value(returned_at))
            .col_expr(loan::Column::ReturnedOn, Expr::value(Option::<NaiveDate>::None))
            .filter(loan::Column::Id.eq(i32::try_from(id).unwrap()))
            .exec(&app.db.write)
            .await
            .unwrap();
        cases.push((id, london));
    }
    // Back to before the funder report's migration (and those after it), then up again.
    crate::helpers::migrate_down_to_before(&app.db.write, "m20261204_000011_funder_report").await;
    migration::Migrator::up(&app.db.write, None).await.unwrap();
    for (id, london) in cases {
        let row = loan::Entity::find_by_id(i32::try_from(id).unwrap())
            .one(&app.db.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.returned_on.map(|d| d.to_string()).as_deref(), Some(london));
    }
}
