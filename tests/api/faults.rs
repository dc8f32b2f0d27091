//! Faults, survived: an instance killed with SIGKILL under write load loses no committed loan and
//! leaves the invariants whole; a database that cannot be reached is a 503 in the contract's
//! shape until it is back, and lendhub recovers by itself; SIGTERM lets a request in flight finish
//! and stops the workers. Each runs the real `lendhub serve` binary.

use std::{
    io::{Read, Write},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use crate::helpers::{TestApp, in_days, json_of};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::Mutex, task::JoinHandle};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `lendhub serve` in a process of its own, with only the settings given.
struct Instance {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Instance {
    async fn start(database_url: &str) -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_lendhub"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LENDHUB_DATABASE_URL", database_url)
            .env("LENDHUB_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lendhub starts");
        let instance = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/healthz", instance.base)).send().await
                && r.status() == StatusCode::OK
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("lendhub did not start");
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn postgres() -> bool {
    let set = std::env::var("LENDHUB_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty());
    if !set {
        eprintln!("skipped: runs on PostgreSQL only (set LENDHUB_TEST_POSTGRES_URL); .ci/run does");
    }
    set
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .read
        .query_one_raw(sea_orm::Statement::from_string(app.db.backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_one_of_two_instances_under_load_loses_no_committed_loan() {
    if !postgres() {
        return;
    }
    let app = TestApp::spawn().await;
    let hub = app.hub("Riverside").await;
    let mut tags = Vec::new();
    for _ in 0..40 {
        let device = json_of(app.add_device(hub, json!({})).await, StatusCode::CREATED).await;
        tags.push(device["asset_tag"].as_str().unwrap().to_owned());
    }
    let borrower = app.borrower("Ann Jones").await;
    let (first, second) = (
        Instance::start(&app.database_url).await,
        Instance::start(&app.database_url).await,
    );
    let first = Arc::new(Mutex::new(Some(first)));
    let bases = [
        first.lock().await.as_ref().unwrap().base.clone(),
        second.base.clone(),
    ];

    // Every device is asked for twice at once, once on each instance: a loan each, at most.
    let mut requests = tokio::task::JoinSet::new();
    for (i, tag) in tags.iter().enumerate() {
        for base in &bases {
            let (client, token, tag, base) =
                (app.client.clone(), app.token.clone(), tag.clone(), base.clone());
            requests.spawn(async move {
                tokio::time::sleep(Duration::from_millis(15 * i as u64)).await;
                let body = json!({"asset_tag": tag, "borrower_id": borrower, "due_on": in_days(14)});
                let response = client
                    .post(format!("{base}/api/v1/loans"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        Some(r.json::<Value>().await.ok()?["id"].as_i64()?)
                    }
                    _ => None,
                }
            });
        }
    }
    // Part way through, the first instance is killed outright.
    tokio::time::sleep(Duration::from_millis(250)).await;
    if let Some(mut killed) = first.lock().await.take() {
        killed.child.kill().unwrap();
        killed.child.wait().unwrap();
    }
    let created: Vec<i64> = requests.join_all().await.into_iter().flatten().collect();
    assert!(created.len() >= 10, "the load ran on: {} loans", created.len());

    // Every loan a client was told about is there, open.
    for id in &created {
        let loan = json_of(app.get(&format!("/api/v1/loans/{id}")).await, StatusCode::OK).await;
        assert_eq!(loan["status"], "open", "{loan}");
    }
    // A device is on loan exactly when it has one open loan; one audit event per issue.
    let open = count(&app, "SELECT COUNT(*) FROM loans WHERE status = 'open'").await;
    let on_loan = count(&app, "SELECT COUNT(*) FROM devices WHERE status = 'on_loan'").await;
    let mismatched = count(
        &app,
        "SELECT COUNT(*) FROM devices d WHERE (d.status = 'on_loan') <> \
         ((SELECT COUNT(*) FROM loans l WHERE l.device_id = d.id AND l.status = 'open') = 1)",
    )
    .await;
    let issued_events = count(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'issued'").await;
    assert_eq!(mismatched, 0);
    assert_eq!((open, on_loan, issued_events), (open, open, open));
    let (created_count, devices) = (
        i64::try_from(created.len()).unwrap(),
        i64::try_from(tags.len()).unwrap(),
    );
    assert!(open >= created_count && open <= devices, "{open} open loans");
}

/// A TCP proxy of the test's own in front of PostgreSQL, which can be stopped and started again.
struct Proxy {
    port: u16,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let task = tokio::spawn(async move {
            let mut pipes = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                pipes.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self {
            port,
            task: Some(task),
        }
    }

    /// Stops listening and cuts every connection through it.
    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_database_is_a_503_and_lendhub_recovers_by_itself() {
    if !postgres() {
        return;
    }
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let mut proxy = Proxy::start(free_port()).await;
    let instance = Instance::start(&format!("postgres://postgres@127.0.0.1:{}/{name}", proxy.port)).await;
    let hubs = format!("{}/api/v1/hubs", instance.base);
    let ask = || app.client.get(&hubs).bearer_auth(&app.token).send();
    assert_eq!(ask().await.unwrap().status(), StatusCode::OK);

    proxy.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let down = ask().await.expect("an answer, not a dropped connection");
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let page = app
        .client
        .get(format!("{}/devices", instance.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);

    let port = proxy.port;
    let _back = Proxy::start(port).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if ask().await.unwrap().status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "lendhub did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_request_in_flight_then_stops_cleanly() {
    let app = TestApp::spawn().await;
    let mut instance = Instance::start(&app.database_url).await;
    let address = instance.base.trim_start_matches("http://").to_owned();
    let body = json!({"name": "Late Hub", "address": "2 Mill Lane"}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/hubs HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        app.token,
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-TERM", &instance.pid()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = instance.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "lendhub did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    instance
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("lendhub stopped"), "{log}");
    let hubs = json_of(app.get("/api/v1/hubs").await, StatusCode::OK).await;
    assert!(hubs.to_string().contains("Late Hub"), "the request was kept");
}
