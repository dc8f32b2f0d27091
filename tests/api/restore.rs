//! The README's restore, rehearsed with the real binary: `lendhub serve` takes loans while
//! `lendhub backup --into` copies the database; then lendhub is stopped, the database moved
//! aside, the copy put in its place, lendhub started again, and every loan committed before the
//! backup began is there, its device still out to its borrower.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, in_days};

fn lendhub(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lendhub"));
    command
        .env("LENDHUB_DATABASE_URL", url)
        .env("LENDHUB_BIND", "127.0.0.1:0")
        .env("LENDHUB_PASSWORD", PASSWORD);
    command
}

/// A running `lendhub serve`, killed if the test fails before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // Once waited for, the child is not signalled again.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `lendhub serve` and answers it and the address it listens on.
fn serve(url: &str) -> (Server, String) {
    let mut child = lendhub(url)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("lendhub is listening on ").map(str::to_owned))
        .expect("serve says where it listens");
    // The rest of its output is read, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Server(child), base)
}

/// Stops `serve` as systemd does (SIGTERM), and waits for it to finish.
fn stop(mut server: Server) {
    let status = Command::new("kill")
        .arg(server.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        server.0.wait().unwrap().success(),
        "serve stops cleanly on SIGTERM"
    );
}

async fn token(client: &reqwest::Client, base: &str) -> String {
    let answer = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"email": "admin@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    answer.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_load_restores_with_every_loan_committed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("lendhub.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    crate::helpers::run(lendhub(&url).args([
        "user",
        "create",
        "--role",
        "admin",
        "--email",
        "admin@example.org",
        "--name",
        "Ada Admin",
        "--organisation",
        "Restore Homes",
        "--prefix",
        "RST",
    ]));
    crate::helpers::run(lendhub(&url).args(["demo", "--devices", "300"]));

    let (server, base) = serve(&url);
    let client = reqwest::Client::new();
    let token = token(&client, &base).await;
    let borrower: Value = client
        .post(format!("{base}/api/v1/borrowers"))
        .bearer_auth(&token)
        .json(&json!({"name": "Load Borrower", "phone": "01234 567890", "consent": {"loan": true}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let borrower = borrower["id"].as_i64().unwrap();
    let mut tags = Vec::new();
    let mut cursor: Option<String> = None;
    while tags.len() < 250 {
        let after = cursor.as_deref().map_or_else(String::new, |cursor| {
            format!(
                "&cursor={}",
                form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>()
            )
        });
        let request = client
            .get(format!("{base}/api/v1/devices?status=available&limit=100{after}"))
            .bearer_auth(&token);
        let page: Value = request.send().await.unwrap().json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        tags.extend(items.iter().map(|d| d["asset_tag"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(tags.len() > 100, "{} devices to lend", tags.len());

    // Loans go on being made, each noted once its 201 arrives, until the backup is done.
    let committed = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let stop_load = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn({
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let (committed, stop_load) = (committed.clone(), stop_load.clone());
        async move {
            for tag in tags {
                if stop_load.load(Ordering::SeqCst) {
                    break;
                }
                let answer = client
                    .post(format!("{base}/api/v1/loans"))
                    .bearer_auth(&token)
                    .json(&json!({"asset_tag": tag, "borrower_id": borrower, "due_on": in_days(30)}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::CREATED);
                let loan: Value = answer.json().await.unwrap();
                committed
                    .lock()
                    .unwrap()
                    .push((loan["id"].as_i64().unwrap(), tag));
            }
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    while committed.lock().unwrap().len() < 20 {
        assert!(!load.is_finished(), "the load stopped before 20 loans");
        assert!(
            std::time::Instant::now() < deadline,
            "20 loans took over a minute"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before_backup = committed.lock().unwrap().clone();
    let output = tokio::task::spawn_blocking({
        let (url, backups) = (url.clone(), backups.clone());
        move || {
            crate::helpers::run(
                lendhub(&url)
                    .arg("backup")
                    .arg("--into")
                    .arg(&backups)
                    .args(["--keep", "14"]),
            )
        }
    })
    .await
    .unwrap();
    assert!(output.contains("integrity check passed"), "{output}");
    stop_load.store(true, Ordering::SeqCst);
    load.await.unwrap();
    assert!(
        committed.lock().unwrap().len() > before_backup.len(),
        "loans went on being made around the backup"
    );
    stop(server);

    // The README's restore: move the database (and its -wal and -shm) aside, copy the backup in.
    let aside = dir.path().join("aside");
    std::fs::create_dir(&aside).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let name = format!("lendhub.db{suffix}");
        if dir.path().join(&name).exists() {
            std::fs::rename(dir.path().join(&name), aside.join(&name)).unwrap();
        }
    }
    let copies: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    std::fs::copy(&copies[0], &database).unwrap();
    assert!(Path::new(&database).exists());

    let (server, base) = serve(&url);
    let token = self::token(&client, &base).await;
    for (loan, tag) in &before_backup {
        let device: Value = client
            .get(format!("{base}/api/v1/devices/{tag}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(device["status"], "on_loan", "{tag}");
        assert_eq!(device["current_loan"]["id"].as_i64(), Some(*loan), "{tag}");
        assert_eq!(
            device["current_loan"]["borrower_id"].as_i64(),
            Some(borrower),
            "{tag}"
        );
    }
    stop(server);
}
