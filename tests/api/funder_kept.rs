//! The funder report's figures kept by day equal the same figures counted from the rows, for any
//! period, after any history written straight in the tables (loans made, returned, lost, given
//! and deleted; sessions held, moved and cancelled; learners marked; barriers changed), on
//! SQLite and on PostgreSQL. The triggers mark what changed whichever code wrote it.

use chrono::{DateTime, Duration, Utc};
use lendhub::reports::{
    funder::{count_rows, kept},
    model::Period,
    repo::funder::Scope,
};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{Config, TestRunner},
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement, Value as SqlValue};
use serde_json::json;

use crate::helpers::{TestApp, json_of};

#[derive(Debug, Clone, Copy)]
enum End {
    Open,
    Returned { after_hours: i64, late: bool },
    Lost { after_hours: i64 },
    Gifted,
}

#[derive(Debug, Clone)]
enum Op {
    Lend {
        device: usize,
        borrower: usize,
        hours_ago: i64,
        end: End,
    },
    Close {
        loan: usize,
        end: End,
    },
    Delete(usize),
    Session {
        hours_ago: i64,
    },
    Enrol {
        session: usize,
        borrower: usize,
        mark: usize,
    },
    Mark {
        session: usize,
        borrower: usize,
        mark: usize,
    },
    Cancel(usize),
    Move {
        session: usize,
        hours_ago: i64,
    },
    Barriers {
        borrower: usize,
        set: usize,
    },
}

const MARKS: [Option<&str>; 4] = [Some("present"), Some("late"), Some("absent"), None];
const BARRIER_SETS: [&str; 4] = [
    "[]",
    r#"["no_device"]"#,
    r#"["no_device","skills"]"#,
    r#"["no_connection"]"#,
];

fn end() -> impl Strategy<Value = End> {
    prop_oneof![
        Just(End::Open),
        (0..600i64, any::<bool>()).prop_map(|(after_hours, late)| End::Returned { after_hours, late }),
        (0..600i64).prop_map(|after_hours| End::Lost { after_hours }),
        Just(End::Gifted),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..5usize, 0..3usize, 1..2400i64, end())
            .prop_map(|(device, borrower, hours_ago, end)| Op::Lend { device, borrower, hours_ago, end }),
        2 => (0..12usize, end()).prop_map(|(loan, end)| Op::Close { loan, end }),
        1 => (0..12usize).prop_map(Op::Delete),
        1 => (1..2400i64).prop_map(|hours_ago| Op::Session { hours_ago }),
        1 => (0..4usize, 0..5usize, 0..MARKS.len())
            .prop_map(|(session, borrower, mark)| Op::Enrol { session, borrower, mark }),
        1 => (0..4usize, 0..5usize, 0..MARKS.len())
            .prop_map(|(session, borrower, mark)| Op::Mark { session, borrower, mark }),
        1 => (0..4usize).prop_map(Op::Cancel),
        1 => (0..4usize, 1..2400i64).prop_map(|(session, hours_ago)| Op::Move { session, hours_ago }),
        1 => (0..5usize, 0..BARRIER_SETS.len()).prop_map(|(borrower, set)| Op::Barriers { borrower, set }),
    ]
}

struct World {
    app: TestApp,
    hub: i64,
    course: i64,
    devices: Vec<i64>,
    borrowers: Vec<i64>,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let hub = json_of(
        app.post("/api/v1/hubs", &json!({"name": "Kept hub"})).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let course = json_of(
        app.post("/api/v1/training/courses", &json!({"title": "Getting online"}))
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut devices = Vec::new();
    for _ in 0..5 {
        let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
        devices.push(device["id"].as_i64().unwrap());
    }
    let mut borrowers = Vec::new();
    // The last two only ever come to sessions.
    for name in ["Ada Kept", "Ben Kept", "Cy Kept", "Di Learner", "Ed Learner"] {
        borrowers.push(app.borrower(name).await);
    }
    World {
        app,
        hub,
        course,
        devices,
        borrowers,
    }
}

async fn ids(app: &TestApp, sql: &str) -> Vec<i64> {
    app.db
        .read
        .query_all_raw(Statement::from_string(app.db.backend(), sql.to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            row.try_get_by_index::<i64>(0)
                .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
                .unwrap()
        })
        .collect()
}

async fn issued_at(app: &TestApp, loan: i64) -> Option<DateTime<Utc>> {
    let row = app
        .db
        .read
        .query_one_raw(Statement::from_sql_and_values(
            app.db.backend(),
            sql_for(
                app,
                "SELECT issued_at FROM loans WHERE id = $1 AND status = 'open'",
            ),
            [loan.into()],
        ))
        .await
        .unwrap()?;
    row.try_get_by_index(0).ok()
}

fn sql_for(app: &TestApp, sql: &str) -> String {
    match app.db.backend() {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// The columns a loan's end sets, consistent with when it was made: `(status, returned_at,
/// returned_on, due_on, lost_at)`.
fn ending(issued: DateTime<Utc>, end: End, now: DateTime<Utc>) -> [SqlValue; 5] {
    let at = |hours: i64| std::cmp::min(issued + Duration::hours(hours), now - Duration::minutes(1));
    let today = |at: DateTime<Utc>| lendhub::dates::today(at);
    let none_at = || SqlValue::ChronoDateTimeUtc(None);
    let none_day = || SqlValue::ChronoDate(None);
    match end {
        End::Open => [
            "open".into(),
            none_at(),
            none_day(),
            (today(now) + Duration::days(7)).into(),
            none_at(),
        ],
        End::Returned { after_hours, late } => {
            let back = at(after_hours).max(issued);
            let due = today(back) - Duration::days(i64::from(late));
            [
                "returned".into(),
                back.into(),
                today(back).into(),
                due.into(),
                none_at(),
            ]
        }
        End::Lost { after_hours } => [
            "lost".into(),
            none_at(),
            none_day(),
            (today(issued) + Duration::days(14)).into(),
            at(after_hours).max(issued).into(),
        ],
        End::Gifted => [
            "gifted".into(),
            none_at(),
            none_day(),
            (today(issued) + Duration::days(14)).into(),
            none_at(),
        ],
    }
}

/// Runs one change straight in the tables; one the database refuses changes nothing.
async fn apply(w: &World, op: &Op, now: DateTime<Utc>) {
    let app = &w.app;
    let loans = ids(app, "SELECT id FROM loans ORDER BY id").await;
    let sessions = ids(app, "SELECT id FROM training_sessions ORDER BY id").await;
    let pick = |list: &[i64], i: usize| list.get(i % list.len().max(1)).copied().unwrap_or(0);
    let mark = |m: usize| SqlValue::String(MARKS[m].map(str::to_owned));
    let (sql, values): (&str, Vec<SqlValue>) = match op {
        Op::Lend {
            device,
            borrower,
            hours_ago,
            end,
        } => {
            let issued = now - Duration::hours(*hours_ago);
            let [status, returned_at, returned_on, due_on, lost_at] = ending(issued, *end, now);
            (
                "INSERT INTO loans (organisation_id, device_id, borrower_id, hub_id, issued_at, due_on, \
                 accessories_issued, status, returned_at, returned_on, lost_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $8, $9, $10, $5)",
                vec![
                    app.organisation_id.into(),
                    w.devices[*device].into(),
                    w.borrowers[*borrower].into(),
                    w.hub.into(),
                    issued.into(),
                    due_on,
                    status,
                    returned_at,
                    returned_on,
                    lost_at,
                ],
            )
        }
        Op::Close { loan, end } => {
            let loan = pick(&loans, *loan);
            let Some(issued) = issued_at(app, loan).await else {
                return;
            };
            let [status, returned_at, returned_on, due_on, lost_at] = ending(issued, *end, now);
            (
                "UPDATE loans SET status = $1, returned_at = $2, returned_on = $3, due_on = $4, \
                 lost_at = $5 WHERE id = $6",
                vec![status, returned_at, returned_on, due_on, lost_at, loan.into()],
            )
        }
        Op::Delete(loan) => (
            "DELETE FROM loans WHERE id = $1",
            vec![pick(&loans, *loan).into()],
        ),
        Op::Session { hours_ago } => (
            "INSERT INTO training_sessions (organisation_id, course_id, hub_id, starts_at, \
             duration_minutes, capacity, created_at) VALUES ($1, $2, $3, $4, 90, 10, $4)",
            vec![
                app.organisation_id.into(),
                w.course.into(),
                w.hub.into(),
                (now - Duration::hours(*hours_ago)).into(),
            ],
        ),
        Op::Enrol {
            session,
            borrower,
            mark: m,
        } => (
            "INSERT INTO enrolments (session_id, borrower_id, enrolled_at, attendance) \
             VALUES ($1, $2, $3, $4)",
            vec![
                pick(&sessions, *session).into(),
                w.borrowers[*borrower].into(),
                now.into(),
                mark(*m),
            ],
        ),
        Op::Mark {
            session,
            borrower,
            mark: m,
        } => (
            "UPDATE enrolments SET attendance = $1 WHERE session_id = $2 AND borrower_id = $3",
            vec![
                mark(*m),
                pick(&sessions, *session).into(),
                w.borrowers[*borrower].into(),
            ],
        ),
        Op::Cancel(session) => (
            "UPDATE training_sessions SET cancelled_at = $1 WHERE id = $2",
            vec![now.into(), pick(&sessions, *session).into()],
        ),
        Op::Move { session, hours_ago } => (
            "UPDATE training_sessions SET starts_at = $1 WHERE id = $2",
            vec![
                (now - Duration::hours(*hours_ago)).into(),
                pick(&sessions, *session).into(),
            ],
        ),
        Op::Barriers { borrower, set } => (
            "UPDATE borrowers SET barriers = $1 WHERE id = $2",
            vec![BARRIER_SETS[*set].into(), w.borrowers[*borrower].into()],
        ),
    };
    let _ = app
        .db
        .write
        .execute_raw(Statement::from_sql_and_values(
            app.db.backend(),
            sql_for(app, sql),
            values,
        ))
        .await;
}

/// The kept figures and the rows' own count agree over `period`.
async fn agree(app: &TestApp, period: Period, now: DateTime<Utc>) -> Result<(), String> {
    let (from, to) = period.instants();
    let scope = Scope {
        organisation_id: app.organisation_id,
        hubs: None,
        from,
        to,
        now,
    };
    let counted = count_rows(&app.db.read, scope, period).await.unwrap();
    let mut read = kept::figures(&app.db.read, scope.organisation_id, period, now)
        .await
        .unwrap();
    if (read.loan_days - counted.loan_days).abs() > 0.01 {
        return Err(format!(
            "loan-days {} kept, {} counted over {period:?}",
            read.loan_days, counted.loan_days
        ));
    }
    read.loan_days = counted.loan_days;
    if read == counted {
        Ok(())
    } else {
        Err(format!("over {period:?}\nkept    {read:?}\ncounted {counted:?}"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kept_funder_figures_equal_a_count_of_the_rows_for_any_period_after_any_history() {
    let w = world().await;
    let mut runner = TestRunner::new(Config {
        cases: 40,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    runner
        .run(
            &(vec(op(), 1..25), vec((-110..5i64, 0..100i64), 3)),
            |(ops, periods)| {
                tokio::task::block_in_place(|| {
                    handle.block_on(async {
                        let now = Utc::now();
                        for op in &ops {
                            apply(&w, op, now).await;
                        }
                        assert!(kept::refresh(&w.app.db, None).await.unwrap(), "all counted");
                        let today = lendhub::dates::today(now);
                        let mut checked = vec![
                            Period {
                                from: today - Duration::days(29),
                                to: today,
                            },
                            Period {
                                from: today - Duration::days(89),
                                to: today,
                            },
                        ];
                        checked.extend(periods.iter().map(|(start, days)| Period {
                            from: today + Duration::days(*start),
                            to: today + Duration::days(start + days),
                        }));
                        for period in checked {
                            if let Err(why) = agree(&w.app, period, Utc::now()).await {
                                return Err(TestCaseError::fail(format!("{why}\nafter {ops:?}")));
                            }
                        }
                        Ok(())
                    })
                })
            },
        )
        .unwrap();
}
