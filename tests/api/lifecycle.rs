//! Random sequences of counter operations never break the loan invariants: a device is `on_loan`
//! exactly when it has one open loan, and every change (and only a change) writes an audit event.

use chrono::{Duration, Utc};
use lendhub::{
    auth::{self, Role, Staff},
    db::Db,
    devices::{self, model::DeviceRequest},
    error::AppError,
    loans::service::{
        self as loans, ChecksRequest, CloseRepairRequest, ExtendRequest, IssueRequest, NotesRequest,
        RepairRequest, RetireRequest, ReturnRequest,
    },
    people::{
        model::{BorrowerRequest, ConsentRequest},
        service as people,
    },
};
use migration::MigratorTrait;
use proptest::prelude::*;
use sea_orm::{ConnectionTrait, Statement};

#[derive(Debug, Clone)]
enum Op {
    Issue(usize),
    Return,
    Checks { wiped: bool },
    Extend(i64),
    Lost,
    Found,
    OpenRepair,
    CloseRepair { fixed: bool },
    Retire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize).prop_map(Op::Issue),
        3 => Just(Op::Return),
        3 => any::<bool>().prop_map(|wiped| Op::Checks { wiped }),
        1 => (-5..60i64).prop_map(Op::Extend),
        1 => Just(Op::Lost),
        1 => Just(Op::Found),
        1 => Just(Op::OpenRepair),
        1 => any::<bool>().prop_map(|fixed| Op::CloseRepair { fixed }),
        1 => Just(Op::Retire),
    ]
}

struct World {
    db: Db,
    staff: Staff,
    borrowers: Vec<i32>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let db = lendhub::db::connect(&url).await.unwrap();
    migration::Migrator::up(&db.write, None).await.unwrap();
    let now = Utc::now();
    let org = auth::service::organisation_for_cli(&db, Some("Prop Homes"), Some("PRP"), now)
        .await
        .unwrap();
    let request = auth::service::NewStaffRequest {
        email: "admin@example.org".into(),
        name: "Admin".into(),
        role: Role::Admin,
        password: "correct horse battery staple".into(),
    };
    let staff = auth::service::create_staff(&db, None, org, request, now)
        .await
        .unwrap();
    let hub = lendhub::hubs::service::create(
        &db,
        &staff,
        &lendhub::hubs::service::HubRequest {
            name: Some("Hub".into()),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let device = DeviceRequest {
        kind: Some("laptop".into()),
        make: Some("Dell".into()),
        model: Some("5490".into()),
        hub_id: Some(hub.id),
        ..Default::default()
    };
    devices::service::create_from_request(&db, &staff, &device, now)
        .await
        .unwrap();
    let mut borrowers = Vec::new();
    for name in ["Ada", "Bob"] {
        let request = BorrowerRequest {
            name: Some(name.into()),
            phone: Some("07700 900123".into()),
            consent: Some(ConsentRequest {
                data_processing: Some(true),
                ..ConsentRequest::default()
            }),
            ..Default::default()
        };
        borrowers.push(
            people::create_from_request(&db, &staff, &request, now)
                .await
                .unwrap()
                .id,
        );
    }
    World {
        db,
        staff,
        borrowers,
        _dir: dir,
    }
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    let row = db
        .read
        .query_one_raw(Statement::from_string(db.backend(), sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn open_loan(db: &Db) -> Option<i32> {
    let id = scalar(db, "SELECT COALESCE(MAX(id), 0) FROM loans WHERE status = 'open'").await;
    (id > 0).then(|| i32::try_from(id).unwrap())
}

async fn open_repair(db: &Db) -> i32 {
    i32::try_from(
        scalar(
            db,
            "SELECT COALESCE(MAX(id), 0) FROM repairs WHERE closed_at IS NULL",
        )
        .await,
    )
    .unwrap()
}

async fn apply(w: &World, op: &Op) -> Result<(), AppError> {
    let (db, staff, now) = (&w.db, &w.staff, Utc::now());
    let tag = "PRP-00001";
    // Loan ids the operations act on: the open loan, or one that does not exist (refused as 404).
    let loan = open_loan(db).await.unwrap_or(999_999);
    match op {
        Op::Issue(who) => {
            let due = (lendhub::dates::today(now) + Duration::days(14)).to_string();
            let request = IssueRequest {
                asset_tag: Some(tag.into()),
                borrower_id: Some(w.borrowers[*who]),
                due_on: Some(due),
                hub_id: None,
                accessories: None,
            };
            loans::issue(db, staff, &request, now).await.map(drop)
        }
        Op::Return => loans::return_device(
            db,
            staff,
            loan,
            &ReturnRequest {
                condition: Some("good".into()),
                ..Default::default()
            },
            now,
        )
        .await
        .map(drop),
        Op::Checks { wiped } => {
            let request = ChecksRequest {
                wiped: Some(*wiped),
                wipe_method: Some("factory_reset".into()),
                complete: Some(true),
                condition: Some("good".into()),
                notes: None,
                missing: None,
            };
            loans::record_checks(db, staff, tag, &request, 5, now)
                .await
                .map(drop)
        }
        Op::Extend(days) => {
            let request = ExtendRequest {
                due_on: Some((lendhub::dates::today(now) + Duration::days(*days)).to_string()),
                reason: None,
            };
            loans::extend(db, staff, loan, &request, now).await.map(drop)
        }
        Op::Lost => loans::report_lost(db, staff, loan, &NotesRequest::default(), now)
            .await
            .map(drop),
        Op::Found => loans::found(db, staff, tag, &NotesRequest::default(), now)
            .await
            .map(drop),
        Op::OpenRepair => {
            let request = RepairRequest {
                asset_tag: Some(tag.into()),
                fault: Some("broken".into()),
                repairer: None,
            };
            loans::open_repair(db, staff, &request, now).await.map(drop)
        }
        Op::CloseRepair { fixed } => {
            let outcome = if *fixed { "fixed" } else { "unrepairable" };
            let request = CloseRepairRequest {
                outcome: Some(outcome.into()),
                ..Default::default()
            };
            loans::close_repair(db, staff, open_repair(db).await.max(1), &request, now)
                .await
                .map(drop)
        }
        Op::Retire => loans::retire(
            db,
            staff,
            tag,
            &RetireRequest {
                disposal_method: Some("recycled".into()),
                ..Default::default()
            },
            now,
        )
        .await
        .map(drop),
    }
}

async fn events(db: &Db) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE entity_type IN ('device', 'loan')",
    )
    .await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_invariants(ops in proptest::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let w = world().await;
            let mut expected_events = events(&w.db).await;
            for op in &ops {
                let result = apply(&w, op).await;
                match &result {
                    Ok(()) => expected_events += 1,
                    Err(AppError::Conflict { .. } | AppError::Invalid(_) | AppError::NotFound(_)) => {}
                    Err(other) => panic!("{op:?} failed unexpectedly: {other:?}"),
                }
                let status = devices::service::get(&w.db.read, &w.staff, "PRP-00001").await.unwrap().status;
                let open = scalar(&w.db, "SELECT COUNT(*) FROM loans WHERE status = 'open'").await;
                assert!(open <= 1, "more than one open loan after {op:?}");
                assert_eq!(status.as_str() == "on_loan", open == 1, "status {status:?} with {open} open loans after {op:?} in {ops:?}");
                let open_repairs = scalar(&w.db, "SELECT COUNT(*) FROM repairs WHERE closed_at IS NULL").await;
                assert_eq!(status.as_str() == "in_repair", open_repairs == 1, "status {status:?} with {open_repairs} open repairs after {op:?}");
                assert_eq!(events(&w.db).await, expected_events, "events out of step after {op:?} ({result:?})");
            }
        });
    }
}
