//! Starts lendhub on a random port against a fresh database of its own: a temporary SQLite file,
//! or a new PostgreSQL database when `LENDHUB_TEST_POSTGRES_URL` is set (dropped afterwards).

use std::{process::Command, sync::Arc};

use chrono::Utc;
use lendhub::{
    auth::{self, Role},
    config::Config,
    startup::router,
    state::AppState,
};
use migration::MigratorTrait;
use reqwest::{Client, Response, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

/// Where a test's database lives, and how to get rid of it.
enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server_url, name } = self {
            let (server_url, name) = (server_url.clone(), name.clone());
            // Drop runs outside async; a small runtime of its own drops the database.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = sea_orm::Database::connect(format!("{server_url}/postgres"))
                        .await
                        .ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

async fn fresh_database() -> (String, TestDb) {
    match std::env::var("LENDHUB_TEST_POSTGRES_URL") {
        Ok(server_url) if !server_url.is_empty() => {
            let server_url = server_url.trim_end_matches('/').to_owned();
            let name = format!(
                "lendhub_test_{}",
                lendhub::auth::service::new_secret()
                    .to_lowercase()
                    .replace(['-', '_'], "")[..16]
                    .to_owned()
            );
            let admin = sea_orm::Database::connect(format!("{server_url}/postgres"))
                .await
                .expect("PostgreSQL answers");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create the test database");
            (
                format!("{server_url}/{name}"),
                TestDb::Postgres { server_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("lendhub.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

/// A running lendhub with an organisation (prefix `TST`), an admin, and the admin's API token.
pub struct TestApp {
    pub base: String,
    /// Where the test's database is, for running the `lendhub` binary against it.
    pub database_url: String,
    pub client: Client,
    pub db: lendhub::db::Db,
    pub organisation_id: i32,
    pub token: String,
    _database: Arc<TestDb>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// As `spawn`, with the configuration changed by `configure` first (an SMTP server, say).
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let (url, database) = fresh_database().await;
        let db = lendhub::db::connect(&url)
            .await
            .expect("connect to the test database");
        migration::Migrator::up(&db.write, None)
            .await
            .expect("migrations apply");
        let organisation_id =
            auth::service::organisation_for_cli(&db, Some("Test Homes"), Some("TST"), Utc::now())
                .await
                .expect("an organisation");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let mut config = Config::for_database(&url);
        config.public_url.clone_from(&base);
        configure(&mut config);
        let state = AppState {
            db: db.clone(),
            config: Arc::new(config),
            setup_token: Some(Arc::from("test-setup-token")),
            imports: lendhub::imports::model::Jobs::default(),
        };
        let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let mut app = Self {
            database_url: url.clone(),
            base,
            client,
            db,
            organisation_id,
            token: String::new(),
            _database: Arc::new(database),
        };
        app.token = app.staff_token("admin@example.org", Role::Admin).await;
        app
    }

    /// Creates a staff account with `role` and returns an API token for it.
    pub async fn staff_token(&self, email: &str, role: Role) -> String {
        self.staff_token_in(self.organisation_id, email, role).await
    }

    /// As `staff_token`, for an account of another organisation of the scheme.
    pub async fn staff_token_in(&self, organisation_id: i32, email: &str, role: Role) -> String {
        let request = auth::service::NewStaffRequest {
            email: email.to_owned(),
            name: format!("{} Person", role.label()),
            role,
            password: PASSWORD.to_owned(),
        };
        auth::service::create_staff(&self.db, None, organisation_id, request, Utc::now())
            .await
            .expect("a staff account");
        let response = self
            .post_as(
                None,
                "/api/v1/tokens",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.get_as(Some(&self.token), path).await
    }

    pub async fn get_as(&self, token: Option<&str>, path: &str) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.post_as(Some(&self.token), path, body).await
    }

    pub async fn post_as(&self, token: Option<&str>, path: &str, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// Adds a hub and returns its id.
    pub async fn hub(&self, name: &str) -> i64 {
        let response = self
            .post("/api/v1/hubs", &json!({"name": name, "address": "1 High Street"}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("an id")
    }

    /// Assigns the hub staff member signed in with `token` to `hubs`, as an admin does.
    pub async fn assign_hubs(&self, token: &str, hubs: &[i64]) {
        let me = json_of(self.get_as(Some(token), "/api/v1/me").await, StatusCode::OK).await;
        let path = format!("/api/v1/staff/{}", me["id"]);
        json_of(self.patch(&path, &json!({"hub_ids": hubs})).await, StatusCode::OK).await;
    }

    /// Assigns the hub staff member signed in with `token` to every hub there is now.
    pub async fn assign_every_hub(&self, token: &str) {
        let hubs = json_of(self.get("/api/v1/hubs").await, StatusCode::OK).await;
        let ids: Vec<i64> = hubs["items"]
            .as_array()
            .expect("hubs")
            .iter()
            .map(|h| h["id"].as_i64().expect("an id"))
            .collect();
        self.assign_hubs(token, &ids).await;
    }

    /// Adds a device from `fields` merged over a minimal laptop at `hub_id`, and returns the answer.
    pub async fn add_device(&self, hub_id: i64, fields: Value) -> Response {
        let mut body =
            json!({"kind": "laptop", "make": "Lenovo", "model": "ThinkPad T480", "hub_id": hub_id});
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        self.post("/api/v1/devices", &body).await
    }
}

/// The JSON body of a response, after checking its status.
pub async fn json_of(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "unexpected status; body: {body}");
    body
}

/// Asserts the contract's error shape and returns `(code, field)`.
pub async fn error_of(response: Response, status: StatusCode) -> (String, Option<String>) {
    let body = json_of(response, status).await;
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message in {body}"
    );
    (
        error["code"].as_str().unwrap_or_default().to_owned(),
        error["field"].as_str().map(str::to_owned),
    )
}

impl TestApp {
    /// Adds a borrower reachable by phone and returns their id.
    pub async fn borrower(&self, name: &str) -> i64 {
        let body = json!({"name": name, "phone": "07700 900123", "consent": {"data_processing": true}});
        let response = self.post("/api/v1/borrowers", &body).await;
        json_of(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("an id")
    }

    /// Issues `tag` to `borrower` for four weeks and returns the loan id.
    pub async fn issue(&self, tag: &str, borrower: i64) -> i64 {
        let response = self
            .post(
                "/api/v1/loans",
                &json!({"asset_tag": tag, "borrower_id": borrower, "due_on": in_days(28)}),
            )
            .await;
        json_of(response, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("an id")
    }

    /// Takes a loan's device back in good condition.
    pub async fn return_loan(&self, loan: i64) {
        let response = self
            .post(
                &format!("/api/v1/loans/{loan}/return"),
                &json!({"condition": "good"}),
            )
            .await;
        json_of(response, StatusCode::OK).await;
    }

    /// A page's HTML as the admin sees it (the pages take the API token too).
    pub async fn page_text(&self, path: &str) -> String {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("the page answers");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.expect("a page")
    }

    pub async fn status_of(&self, tag: &str) -> String {
        let device = json_of(self.get(&format!("/api/v1/devices/{tag}")).await, StatusCode::OK).await;
        device["status"].as_str().expect("a status").to_owned()
    }
}

/// The date `days` from today in London, as `YYYY-MM-DD`.
pub fn in_days(days: i64) -> String {
    (lendhub::dates::today(Utc::now()) + chrono::Duration::days(days)).to_string()
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok() || Command::new(name).arg("-v").output().is_ok()
}

/// Whether command-line tools (qpdf, poppler-utils, zbar-tools) are installed. `.ci/run` installs
/// them, so under CI a missing tool fails the test; a bare `cargo test` skips with a message.
pub fn tools_present(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !tool(t)).collect();
    assert!(
        missing.is_empty() || std::env::var_os("CI").is_none(),
        "missing tools: {missing:?}"
    );
    if !missing.is_empty() {
        eprintln!("skipped: missing {missing:?} (install qpdf poppler-utils zbar-tools)");
    }
    missing.is_empty()
}

/// Runs a tool that must succeed, returning what it printed.
pub fn run(command: &mut Command) -> String {
    let output = command.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One message the test SMTP server received.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

/// A real SMTP server (aiosmtpd, `tests/smtp/server.py`) on a port of its own, which can be
/// stopped and started again to test an outage.
pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl SmtpServer {
    /// Whether Python with aiosmtpd is here (`.ci/run` installs it); under CI a missing one fails.
    pub fn available() -> bool {
        let present = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            present || std::env::var_os("CI").is_none(),
            "python3 with aiosmtpd is missing"
        );
        if !present {
            eprintln!("skipped: python3 with aiosmtpd is missing (pip install aiosmtpd)");
        }
        present
    }

    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            port,
            dir: tempfile::tempdir().expect("a directory for mail"),
            child: None,
        };
        server.restart();
        server
    }

    /// Starts the server (again) on the same port and directory, once it answers.
    pub fn restart(&mut self) {
        use std::io::BufRead;
        assert!(self.child.is_none(), "the SMTP server is already running");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &self.port.to_string(), "--dir"])
            .arg(self.dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("the server says it is ready");
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far, in order.
    pub fn messages(&self) -> Vec<Mail> {
        std::fs::read_to_string(self.dir.path().join("messages.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a message record"))
            .collect()
    }

    /// What was received for `address`.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl TestApp {
    /// Adds a course and a session of it in three days (60 minutes, room for 8, at `hub`), with
    /// `fields` merged over those, and returns the session.
    pub async fn session(&self, hub: i64, fields: Value) -> Value {
        let course = self
            .post(
                "/api/v1/training/courses",
                &json!({"title": format!("Course {}", fields)}),
            )
            .await;
        let course = json_of(course, StatusCode::CREATED).await;
        let mut body = json!({"course_id": course["id"], "starts_at": format!("{}T10:00", in_days(3)), "duration_minutes": 60, "capacity": 8, "hub_id": hub});
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        json_of(
            self.post("/api/v1/training/sessions", &body).await,
            StatusCode::CREATED,
        )
        .await
    }
}

impl TestApp {
    /// Enrols each learner of `marks` in `session` and takes the register: `(learner, status)`.
    pub async fn take_register(&self, session: &Value, marks: &[(i64, &str)]) {
        let path = format!("/api/v1/training/sessions/{}", session["id"]);
        for (learner, _) in marks {
            let enrolled = self
                .post(&format!("{path}/enrolments"), &json!({"borrower_id": learner}))
                .await;
            json_of(enrolled, StatusCode::CREATED).await;
        }
        let records: Vec<Value> = marks
            .iter()
            .map(|(learner, status)| json!({"borrower_id": learner, "status": status}))
            .collect();
        let marked = self
            .put(&format!("{path}/attendance"), &json!({"records": records}))
            .await;
        assert_eq!(marked.status(), StatusCode::OK);
    }
}

/// Undoes the migrations from `name` on (it included), as an older lendhub's database would be
/// without them; counted by name, so a later migration does not change which are undone.
pub async fn migrate_down_to_before(db: &sea_orm::DatabaseConnection, name: &str) {
    use migration::MigratorTrait;
    let all = migration::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration named {name}"));
    let undo = u32::try_from(all.len() - at).unwrap();
    migration::Migrator::down(db, Some(undo)).await.unwrap();
}
