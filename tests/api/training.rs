//! Training through the JSON API: courses, sessions, enrolments (with the 409 when full),
//! the register (403 for another trainer's session, 422 for someone not enrolled), skills scores
//! and progress, the devices used in sessions, a loan linked to a course, and the trainer's
//! calendar feed read back with an iCalendar parser.

use std::sync::Arc;

use crate::helpers::{TestApp, error_of, in_days, json_of};
use chrono::{Duration, Utc};
use lendhub::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A trainer's token and id.
async fn trainer(app: &TestApp, email: &str) -> (String, i64) {
    let token = app.staff_token(email, Role::Trainer).await;
    let me = json_of(app.get_as(Some(&token), "/api/v1/me").await, StatusCode::OK).await;
    (token, me["id"].as_i64().unwrap())
}

async fn course(app: &TestApp) -> i64 {
    json_of(
        app.post(
            "/api/v1/training/courses",
            &json!({"title": "Getting started online", "skills_area": "communicating"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn tomorrow_at_ten() -> String {
    format!("{}T10:00", in_days(1))
}

async fn session(app: &TestApp, body: Value) -> i64 {
    json_of(
        app.post("/api/v1/training/sessions", &body).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn courses_and_sessions_are_added_and_listed_by_hub_and_trainer() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let (_, trainer_id) = trainer(&app, "trainer@example.org").await;
    let course = json_of(
        app.post(
            "/api/v1/training/courses",
            &json!({"title": "Staying safe online", "description": "Scams, passwords and privacy.", "skills_areas": ["being_safe", "problem_solving"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(course["skills_areas"], json!(["being_safe", "problem_solving"]));
    let (code, _) = error_of(
        app.post(
            "/api/v1/training/courses",
            &json!({"title": "Staying safe online"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "duplicate_course");
    let (_, field) = error_of(
        app.post(
            "/api/v1/training/courses",
            &json!({"title": "X", "skills_area": "cooking"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("skills_area"));

    let course_id = course["id"].as_i64().unwrap();
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let at_hub = session(
        &app,
        json!({"course_id": course_id, "starts_at": tomorrow_at_ten(), "duration_minutes": 90, "capacity": 8, "hub_id": hub, "trainer_id": trainer_id, "asset_tags": ["TST-00001"]}),
    )
    .await;
    let online = session(
        &app,
        json!({"course_id": course_id, "starts_at": format!("{}T14:00:00Z", in_days(2)), "duration_minutes": 60, "capacity": 12, "meeting_url": "https://meet.example.org/abc"}),
    )
    .await;
    for (body, field) in [
        (
            json!({"course_id": course_id, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 8}),
            "hub_id",
        ),
        (
            json!({"course_id": 999, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 8, "hub_id": hub}),
            "course_id",
        ),
        (
            json!({"course_id": course_id, "starts_at": "soon", "duration_minutes": 60, "capacity": 8, "hub_id": hub}),
            "starts_at",
        ),
        (
            json!({"course_id": course_id, "starts_at": tomorrow_at_ten(), "duration_minutes": 5, "capacity": 8, "hub_id": hub}),
            "duration_minutes",
        ),
        (
            json!({"course_id": course_id, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 0, "hub_id": hub}),
            "capacity",
        ),
        (
            json!({"course_id": course_id, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 8, "hub_id": hub, "asset_tags": ["TST-09999"]}),
            "asset_tags",
        ),
    ] {
        let (_, named) = error_of(
            app.post("/api/v1/training/sessions", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }

    let all = json_of(app.get("/api/v1/training/sessions").await, StatusCode::OK).await;
    let ids: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [at_hub, online], "earliest first");
    let by_hub = json_of(
        app.get(&format!("/api/v1/training/sessions?hub_id={hub}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_hub["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_hub["items"][0]["hub_name"], "Riverside");
    let by_trainer = json_of(
        app.get(&format!("/api/v1/training/sessions?trainer_id={trainer_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_trainer["items"][0]["id"], at_hub);
    assert_eq!(by_trainer["items"][0]["trainer_name"], "Trainer Person");
    let detail = json_of(
        app.get(&format!("/api/v1/training/sessions/{at_hub}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["devices"], json!(["TST-00001"]));
    assert_eq!(detail["duration_minutes"], 90);
    let sessions = json_of(
        app.get("/api/v1/devices/TST-00001/sessions").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sessions["items"][0]["id"], at_hub);
    assert_eq!(sessions["items"][0]["course_title"], "Staying safe online");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_session_answers_409_however_many_ask_at_once() {
    let app = Arc::new(TestApp::spawn().await);
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    let id = session(
        &app,
        json!({"course_id": course, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 3, "hub_id": hub}),
    )
    .await;
    let mut borrowers = Vec::new();
    for i in 0..10 {
        borrowers.push(app.borrower(&format!("Learner {i}")).await);
    }
    let tasks: Vec<_> = borrowers
        .iter()
        .map(|&b| {
            let app = app.clone();
            tokio::spawn(async move {
                let response = app
                    .post(
                        &format!("/api/v1/training/sessions/{id}/enrolments"),
                        &json!({"borrower_id": b}),
                    )
                    .await;
                let status = response.status();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let (mut enrolled, mut full) = (0, 0);
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => enrolled += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "session_full");
                full += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((enrolled, full), (3, 7));
    let detail = json_of(
        app.get(&format!("/api/v1/training/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["enrolments"].as_array().unwrap().len(), 3);
    assert_eq!(detail["enrolled"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolments_take_borrowers_on_file_and_walk_ins_once_each() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    let (token, trainer_id) = trainer(&app, "trainer@example.org").await;
    let id = session(
        &app,
        json!({"course_id": course, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 10, "hub_id": hub, "trainer_id": trainer_id}),
    )
    .await;
    let ada = app.borrower("Ada Lovelace").await;
    let path = format!("/api/v1/training/sessions/{id}/enrolments");
    json_of(
        app.post_as(Some(&token), &path, &json!({"borrower_id": ada}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let (code, _) = error_of(
        app.post_as(Some(&token), &path, &json!({"borrower_id": ada}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "already_enrolled");
    let walk_in = json_of(
        app.post_as(
            Some(&token),
            &path,
            &json!({"walk_in": {"name": "Siân Evans", "phone": "07700 900123", "consent": {"data_processing": true}}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(walk_in["name"], "Siân Evans");
    let found = json_of(app.get("/api/v1/borrowers?q=Siân").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], walk_in["borrower_id"]);
    let (_, field) = error_of(
        app.post_as(
            Some(&token),
            &path,
            &json!({"walk_in": {"name": "No Consent", "phone": "07700 900123"}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("walk_in.consent.data_processing"));
    let (_, field) = error_of(
        app.post_as(Some(&token), &path, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("borrower_id"));
    assert_eq!(
        app.post(
            "/api/v1/training/sessions/999/enrolments",
            &json!({"borrower_id": ada})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_belongs_to_the_sessions_trainer_and_its_learners() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    let (mine, my_id) = trainer(&app, "mine@example.org").await;
    let (other, _) = trainer(&app, "other@example.org").await;
    let id = session(
        &app,
        json!({"course_id": course, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 10, "hub_id": hub, "trainer_id": my_id}),
    )
    .await;
    let learners: Vec<i64> = vec![
        app.borrower("Ada").await,
        app.borrower("Bea").await,
        app.borrower("Cal").await,
    ];
    for b in &learners {
        json_of(
            app.post(
                &format!("/api/v1/training/sessions/{id}/enrolments"),
                &json!({"borrower_id": b}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let stranger = app.borrower("Not Enrolled").await;
    let register = format!("/api/v1/training/sessions/{id}/attendance");
    let body = json!({"records": [
        {"borrower_id": learners[0], "status": "present"},
        {"borrower_id": learners[1], "status": "late", "notes": "Bus was late"},
        {"borrower_id": learners[2], "status": "absent"},
    ]});
    let put = |token: &str, body: &Value| {
        let request = app.client.put(app.url(&register)).bearer_auth(token).json(body);
        async move { request.send().await.unwrap() }
    };

    let (code, _) = error_of(put(&other, &body).await, StatusCode::FORBIDDEN).await;
    assert_eq!(code, "forbidden");
    let (_, field) = error_of(
        put(&mine, &json!({"records": [{"borrower_id": learners[0], "status": "present"}, {"borrower_id": stranger, "status": "present"}]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("records[1].borrower_id"));
    let (_, field) = error_of(
        put(
            &mine,
            &json!({"records": [{"borrower_id": learners[0], "status": "asleep"}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("records[0].status"));
    let detail = json_of(
        app.get(&format!("/api/v1/training/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        detail["enrolments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["attendance"].is_null()),
        "nothing saved by refused requests"
    );

    let detail = json_of(put(&mine, &body).await, StatusCode::OK).await;
    let marks: Vec<(&str, &str)> = detail["enrolments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["attendance"].as_str().unwrap()))
        .collect();
    assert_eq!(marks, [("Ada", "present"), ("Bea", "late"), ("Cal", "absent")]);
    assert_eq!(detail["enrolments"][1]["notes"], "Bus was late");
    // A coordinator may correct any session's register.
    json_of(
        put(
            &app.token,
            &json!({"records": [{"borrower_id": learners[2], "status": "excused"}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let detail = json_of(
        app.get(&format!("/api/v1/training/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["enrolments"][2]["attendance"], "excused");
}

#[tokio::test(flavor = "multi_thread")]
async fn skills_scores_show_progress_from_the_first_session_to_the_latest() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    let ada = app.borrower("Ada Lovelace").await;
    let mut sessions = Vec::new();
    for day in [1, 8, 15] {
        let id = session(
            &app,
            json!({"course_id": course, "starts_at": format!("{}T10:00", in_days(day)), "duration_minutes": 90, "capacity": 10, "hub_id": hub}),
        )
        .await;
        json_of(
            app.post(
                &format!("/api/v1/training/sessions/{id}/enrolments"),
                &json!({"borrower_id": ada}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        sessions.push(id);
    }
    let skills = |id: i64, body: Value| {
        let request = app
            .client
            .put(app.url(&format!("/api/v1/training/sessions/{id}/skills")))
            .bearer_auth(&app.token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    for (id, safe, comms) in [(sessions[0], 1, 2), (sessions[2], 4, 2), (sessions[1], 3, 2)] {
        json_of(
            skills(id, json!({"scores": [{"borrower_id": ada, "area": "being_safe", "score": safe}, {"borrower_id": ada, "area": "communicating", "score": comms}]})).await,
            StatusCode::OK,
        )
        .await;
    }
    // Correcting a score replaces it.
    json_of(
        skills(
            sessions[0],
            json!({"scores": [{"borrower_id": ada, "area": "communicating", "score": 1}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (body, field) in [
        (
            json!({"scores": [{"borrower_id": ada, "area": "being_safe", "score": 6}]}),
            "scores[0].score",
        ),
        (
            json!({"scores": [{"borrower_id": ada, "area": "baking", "score": 3}]}),
            "scores[0].area",
        ),
        (
            json!({"scores": [{"borrower_id": 999, "area": "being_safe", "score": 3}]}),
            "scores[0].borrower_id",
        ),
    ] {
        let (_, named) = error_of(
            skills(sessions[0], body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(named.as_deref(), Some(field), "{body}");
    }
    let training = json_of(
        app.get(&format!("/api/v1/borrowers/{ada}/training")).await,
        StatusCode::OK,
    )
    .await;
    let progress = training["progress"].as_array().unwrap();
    assert_eq!(progress.len(), 2);
    assert_eq!(
        (
            progress[0]["area"].as_str(),
            progress[0]["first"].as_i64(),
            progress[0]["latest"].as_i64()
        ),
        (Some("communicating"), Some(1), Some(2))
    );
    assert_eq!(
        (
            progress[1]["area"].as_str(),
            progress[1]["first"].as_i64(),
            progress[1]["latest"].as_i64()
        ),
        (Some("being_safe"), Some(1), Some(4))
    );
    assert_eq!(progress[1]["sessions"], 3);
    assert_eq!(training["sessions"].as_array().unwrap().len(), 3);

    // The borrower's page shows the same progress.
    let page = app.page_text(&format!("/borrowers/{ada}")).await;
    assert!(page.contains("<title>Ada Lovelace – lendhub</title>"), "{page}");
    assert_eq!(page.matches("<h2>Training</h2>").count(), 1, "{page}");
    let row = page
        .split("<tr>")
        .find(|row| row.contains("Being safe and legal online"))
        .expect("a row for being safe online");
    assert!(row.contains("<td>1</td><td>4</td><td>Up 3</td>"), "{row}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loan_is_linked_to_the_course_the_borrower_is_taking() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let ada = app.borrower("Ada Lovelace").await;
    let loan = app.issue("TST-00001", ada).await;
    let put = |body: Value| {
        let request = app
            .client
            .put(app.url(&format!("/api/v1/loans/{loan}/course")))
            .bearer_auth(&app.token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let linked = json_of(put(json!({"course_id": course})).await, StatusCode::OK).await;
    assert_eq!(linked["course"]["title"], "Getting started online");
    let view = json_of(app.get(&format!("/api/v1/loans/{loan}")).await, StatusCode::OK).await;
    assert_eq!(view["course_id"], course);
    let (_, field) = error_of(
        put(json!({"course_id": 999})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(field.as_deref(), Some("course_id"));
    json_of(put(json!({"course_id": null})).await, StatusCode::OK).await;
    let view = json_of(app.get(&format!("/api/v1/loans/{loan}")).await, StatusCode::OK).await;
    assert!(view["course_id"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trainers_calendar_feed_parses_as_icalendar() {
    let app = TestApp::spawn().await;
    let hub = json_of(
        app.post(
            "/api/v1/hubs",
            &json!({"name": "Riverside, East", "address": "1 River Street; Leeds"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let course = course(&app).await;
    let (token, trainer_id) = trainer(&app, "trainer@example.org").await;
    let (_, someone_else) = trainer(&app, "other@example.org").await;
    let mine = session(&app, json!({"course_id": course, "starts_at": format!("{}T10:00:00Z", in_days(300)), "duration_minutes": 90, "capacity": 8, "hub_id": hub, "trainer_id": trainer_id})).await;
    let start = (Utc::now() + Duration::days(3))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    session(&app, json!({"course_id": course, "starts_at": start, "duration_minutes": 60, "capacity": 8, "meeting_url": "https://meet.example.org/x", "trainer_id": trainer_id})).await;
    session(&app, json!({"course_id": course, "starts_at": start, "duration_minutes": 60, "capacity": 8, "hub_id": hub, "trainer_id": someone_else})).await;

    let feed = json_of(
        app.post_as(Some(&token), "/api/v1/training/calendar-feed", &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let url = feed["url"].as_str().unwrap().to_owned();
    let secret = url
        .strip_prefix(&format!("{}/calendar/", app.base))
        .and_then(|rest| rest.strip_suffix(".ics"))
        .expect("a calendar address");
    assert!(secret.len() >= 40, "{secret}");
    // A calendar app fetches it without signing in.
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = response.text().await.unwrap();
    let calendars: Vec<_> = ical::IcalParser::new(body.as_bytes())
        .collect::<Result<_, _>>()
        .expect("the feed parses as iCalendar");
    assert_eq!(calendars.len(), 1);
    let events = &calendars[0].events;
    assert_eq!(
        events.len(),
        2,
        "the trainer's two sessions, not the other trainer's"
    );
    let property = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    let far = events
        .iter()
        .find(|e| property(e, "UID").starts_with(&format!("session-{mine}@")))
        .unwrap();
    let day = in_days(300).replace('-', "");
    assert_eq!(property(far, "DTSTART"), format!("{day}T100000Z"));
    assert_eq!(property(far, "DTEND"), format!("{day}T113000Z"));
    assert_eq!(property(far, "SUMMARY"), "Getting started online");
    assert_eq!(
        property(far, "LOCATION"),
        "Riverside\\, East\\, 1 River Street\\; Leeds"
    );
    assert!(
        events
            .iter()
            .any(|e| property(e, "LOCATION") == "Online: https://meet.example.org/x")
    );

    // A new address retires the old one.
    json_of(
        app.post_as(Some(&token), "/api/v1/training/calendar-feed", &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// The database, not only the code, keeps scores to enrolled learners and courses real.
#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_a_score_for_someone_not_enrolled_and_a_course_that_is_not_there() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let course = course(&app).await;
    let id = session(
        &app,
        json!({"course_id": course, "starts_at": tomorrow_at_ten(), "duration_minutes": 60, "capacity": 8, "hub_id": hub}),
    )
    .await;
    let enrolled = app.borrower("Ada Lovelace").await;
    let stranger = app.borrower("Not Enrolled").await;
    json_of(
        app.post(
            &format!("/api/v1/training/sessions/{id}/enrolments"),
            &json!({"borrower_id": enrolled}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let score = |borrower: i64| {
        format!(
            "INSERT INTO skills_scores (session_id, borrower_id, area, score, recorded_at) \
             VALUES ({id}, {borrower}, 'being_safe', 3, '2027-01-01T00:00:00Z')"
        )
    };
    app.db.write.execute_unprepared(&score(enrolled)).await.unwrap();
    assert!(app.db.write.execute_unprepared(&score(stranger)).await.is_err());

    json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
    let loan = app.issue("TST-00001", enrolled).await;
    let link = |course: i64| format!("UPDATE loans SET course_id = {course} WHERE id = {loan}");
    app.db.write.execute_unprepared(&link(course)).await.unwrap();
    assert!(
        app.db
            .write
            .execute_unprepared(&link(course + 1000))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_tap_marks_everyone_not_yet_marked_as_present() {
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let session = app
        .session(
            hub,
            json!({"starts_at": format!("{}T10:00", crate::helpers::in_days(0))}),
        )
        .await;
    let path = format!("/api/v1/training/sessions/{}", session["id"]);
    let mut learners = Vec::new();
    for name in ["Ann Jones", "Bob Khan", "Cy Doyle"] {
        let id = app.borrower(name).await;
        json_of(
            app.post(&format!("{path}/enrolments"), &json!({"borrower_id": id}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        learners.push(id);
    }
    let absent = json!({"records": [{"borrower_id": learners[0], "status": "absent"}]});
    let response = app
        .client
        .put(app.url(&format!("{path}/attendance")))
        .bearer_auth(&app.token)
        .json(&absent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let tap = app
        .client
        .post(app.url(&format!("/training/sessions/{}/register/everyone", session["id"])))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(tap.status(), StatusCode::SEE_OTHER);
    let detail = json_of(app.get(&path).await, StatusCode::OK).await;
    let marks: Vec<&str> = detail["enrolments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["attendance"].as_str().unwrap())
        .collect();
    assert_eq!(marks, ["absent", "present", "present"], "the absent mark is kept");
}
