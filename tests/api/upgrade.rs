//! Upgrades: each database a past release left behind (`tests/fixtures/upgrade/`, made by that
//! release's `make.sh`) is migrated by this build's `lendhub migrate`, with no step by hand, and
//! keeps every row, its signed agreement byte for byte, and its staff's sign-in.

use std::{path::Path, process::Command, sync::Arc};

use lendhub::{config::Config, startup::router, state::AppState};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

/// The tables whose rows a release must carry over.
const TABLES: [&str; 12] = [
    "organisations",
    "hubs",
    "staff_users",
    "devices",
    "borrowers",
    "loans",
    "agreements",
    "training_sessions",
    "enrolments",
    "reminders",
    "audit_events",
    "consent_changes",
];

async fn counts(db: &impl ConnectionTrait) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        let sql = Statement::from_string(DbBackend::Sqlite, format!("SELECT COUNT(*) AS n FROM {table}"));
        let row = db.query_one_raw(sql).await.unwrap().unwrap();
        counts.push((table, row.try_get::<i64>("", "n").unwrap()));
    }
    counts
}

/// Serves `database_url` in this process, as `serve` would once migrated.
async fn serve(database_url: &str) -> String {
    let db = lendhub::db::connect(database_url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState {
        db,
        config: Arc::new(Config::for_database(database_url)),
        setup_token: None,
        imports: lendhub::imports::model::Jobs::default(),
    };
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn upgrade(manifest: &Path) {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let release = fixture["release"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lendhub.db");
    std::fs::copy(manifest.with_extension("db"), &file).unwrap();
    let url = format!("sqlite://{}?mode=rwc", file.display());

    let db = lendhub::db::connect(&url).await.unwrap();
    let before = counts(&db.read).await;
    drop(db);
    let output = Command::new(env!("CARGO_BIN_EXE_lendhub"))
        .arg("migrate")
        .env("LENDHUB_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{release}: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let db = lendhub::db::connect(&url).await.unwrap();
    assert_eq!(
        counts(&db.read).await,
        before,
        "{release}: rows lost or added by the upgrade"
    );
    let loan = fixture["signed_loan"].as_i64().unwrap();
    let sha256 = fixture["sha256"].as_str().unwrap();
    let row = db
        .read
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT pdf, sha256 FROM agreements WHERE loan_id = ?",
            [loan.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let pdf: Vec<u8> = row.try_get("", "pdf").unwrap();
    assert_eq!(row.try_get::<String>("", "sha256").unwrap(), sha256, "{release}");
    assert_eq!(
        lendhub::auth::service::sha256_hex(&pdf),
        sha256,
        "{release}: the PDF changed"
    );

    // The release's admin signs in, and is given the very document that was signed.
    let base = serve(&url).await;
    let client = reqwest::Client::new();
    let token = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"email": fixture["email"], "password": fixture["password"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::CREATED, "{release}: sign-in");
    let token: Value = token.json().await.unwrap();
    let document = client
        .get(format!("{base}/api/v1/loans/{loan}/agreement.pdf"))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(document.status(), StatusCode::OK, "{release}");
    let bytes = document.bytes().await.unwrap();
    assert_eq!(lendhub::auth::service::sha256_hex(&bytes), sha256, "{release}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_past_release_s_database_upgrades_keeping_its_rows_agreements_and_sign_in() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade");
    let mut manifests: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    manifests.sort();
    assert!(
        !manifests.is_empty(),
        "no release fixtures in {}",
        folder.display()
    );
    for manifest in manifests {
        upgrade(&manifest).await;
    }
}

/// Each migration is recorded by its name, so two with one name would leave the second unrun.
#[test]
fn every_migration_has_a_name_of_its_own_in_date_order() {
    use migration::MigratorTrait;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, names, "names unique and in the order they run");
    assert!(
        names
            .iter()
            .all(|n| n.starts_with('m') && n.get(1..9).is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))),
        "{names:?}"
    );
}
