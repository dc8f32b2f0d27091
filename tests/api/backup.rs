//! `lendhub backup`: a consistent copy of a SQLite database taken while lendhub serves and writes.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use crate::helpers::{TestApp, in_days, json_of};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement, sqlx::Connection};
use serde_json::json;

async fn loan_ids(db: &impl ConnectionTrait) -> Vec<i32> {
    let sql = Statement::from_string(db.get_database_backend(), "SELECT id FROM loans ORDER BY id");
    db.query_all_raw(sql)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i32>("", "id").unwrap())
        .collect()
}

fn backup(app: &TestApp, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .arg("backup")
        .arg(file)
        .env("LENDHUB_DATABASE_URL", &app.database_url)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_write_load_is_whole_and_holds_every_loan_committed_before_it() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lendhub-backup.db");
    if app.db.backend() == DbBackend::Postgres {
        let output = backup(&app, &file);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!file.exists());
        return;
    }
    lendhub::demo::fill(&app.db, 400).await.unwrap();
    let borrower = app.borrower("Load Borrower").await;
    let available = json_of(
        app.get("/api/v1/devices?status=available&limit=200").await,
        StatusCode::OK,
    )
    .await;
    let tags: Vec<String> = available["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["asset_tag"].as_str().unwrap().to_owned())
        .collect();
    assert!(tags.len() > 100, "{} devices to lend", tags.len());

    // Loans are issued through the API, one after another, until the backup is done.
    let app = Arc::new(app);
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn({
        let (app, stop) = (app.clone(), stop.clone());
        async move {
            for tag in tags {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let body = json!({"asset_tag": tag, "borrower_id": borrower, "due_on": in_days(30)});
                assert_eq!(
                    app.post("/api/v1/loans", &body).await.status(),
                    StatusCode::CREATED
                );
            }
        }
    });
    while loan_ids(&app.db.read).await.len() < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = loan_ids(&app.db.read).await;
    let output = tokio::task::spawn_blocking({
        let (app, file) = (app.clone(), file.clone());
        move || backup(&app, &file)
    })
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("integrity check passed"), "{stdout}");
    let after = loan_ids(&app.db.read).await;
    assert!(after.len() > before.len(), "writes went on around the backup");

    // The copy opens on its own, passes SQLite's check, and holds every loan committed before it
    // began.
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .read_only(true);
    let mut copy = sea_orm::sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let check: String = sea_orm::sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let copied: Vec<i32> = sea_orm::sqlx::query_scalar("SELECT id FROM loans ORDER BY id")
        .fetch_all(&mut copy)
        .await
        .unwrap();
    let missing: Vec<&i32> = before.iter().filter(|id| !copied.contains(id)).collect();
    assert!(missing.is_empty(), "loans {missing:?} are not in the copy");
    assert!(
        copied.iter().all(|id| after.contains(id)),
        "the copy holds only real loans"
    );
    copy.close().await.unwrap();

    // A second backup to the same name is refused and leaves the first alone.
    let size = std::fs::metadata(&file).unwrap().len();
    let output = backup(&app, &file);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["lendhub-backup.db"], "no partial file is left behind");
}
