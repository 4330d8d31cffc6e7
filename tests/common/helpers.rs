// Shared by the `api`, `resilience` and `console` targets; each uses a part of it.
#![allow(dead_code)]

//! Spawns the real application on a random port against the real Postgres (a fresh database
//! per test, dropped afterwards) and Redis (a key prefix per test).

// One helper per endpoint, the tables touched directly (and why), workers driven by hand,
// requests written on a socket: each target uses some of what they export.
#[path = "endpoints.rs"]
mod endpoints;
#[path = "raw_http.rs"]
mod raw_http;
#[path = "records.rs"]
mod records;
#[path = "workers.rs"]
mod workers;
#[allow(unused_imports)]
pub use endpoints::{paths, resolution};
#[allow(unused_imports)]
pub use raw_http::DeclaredBody;
#[allow(unused_imports)]
pub use records::{passes_issuing, recorded_counts, recorded_passes};
#[allow(unused_imports)]
pub use workers::Settled;

use crate::fetch::Fetch;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alipass::config::{ApiKeySetting, Profile, Settings};
use alipass::sim::Simulator;
use alipass::startup::{Application, StopHandle};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::task::JoinHandle;

/// The documented development key (config/local.toml, config/test.toml).
pub const DEV_KEY: &str = "alipass-dev-key-not-for-production";

pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// Test-profile settings pointing at a fresh, migrated database and a private Redis prefix.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let name = format!("alipass_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&format!("{}/postgres", postgres_base_url()))
            .await
            .expect("Postgres must be running for the integration tests");
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let url = format!("{}/{name}", postgres_base_url());
        let pool = PgPool::connect(&url).await.expect("connect test database");
        alipass::store::migrate(&pool)
            .await
            .expect("migrate test database");
        pool.close().await;
        Self { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a private one on a plain thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(mut admin) =
                        PgConnection::connect(&format!("{}/postgres", postgres_base_url())).await
                    {
                        let _ = sqlx::query(&format!(
                            r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                        ))
                        .execute(&mut admin)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings =
        Settings::load_profile(&config_dir(), Profile::Test).expect("test profile loads");
    settings.database.url = Some(database_url.into());
    settings.database.url_file = None;
    settings.redis.url = Some(redis_url().into());
    settings.redis.url_file = None;
    settings.redis.key_prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
    settings.server.port = 0;
    settings
}

pub struct TestApp {
    pub address: String,
    pub sim: Simulator,
    /// The in-process simulator's gateway URL.
    pub gateway_url: String,
    pub client: reqwest::Client,
    pub db: PgPool,
    pub stop: StopHandle,
    pub server: JoinHandle<anyhow::Result<()>>,
    pub settings: Settings,
    // Last: the database is dropped after the app's pool is gone.
    pub _database: TestDatabase,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let log = alipass::config::LogSettings {
            format: alipass::config::LogFormat::Pretty,
            level: "info".into(),
            queue_lines: 16_384,
        };
        let _ = alipass::telemetry::init(&log, &Default::default());
    }
    let database = TestDatabase::create().await;
    let mut settings = test_settings(&database.url);
    customize(&mut settings);
    let application = Application::build(settings.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let db = application.state().db.clone();
    let gateway_url = application.state().settings.alipay.gateway_url.clone();
    let sim = application
        .simulator()
        .cloned()
        .expect("the test profile runs the simulator in-process");
    let stop = application.stop_handle();
    let server = tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        sim,
        gateway_url,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            // The app is local: never through a proxy from the environment.
            .no_proxy()
            .build()
            .unwrap(),
        db,
        stop,
        server,
        settings,
        _database: database,
    }
}

/// A key holding only `scopes`, for 403 tests.
pub fn extra_key(settings: &mut Settings, name: &str, key: &str, scopes: &[&str]) {
    settings.auth.api_keys.push(ApiKeySetting {
        name: name.into(),
        sha256: alipass::auth::hash_key(key),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        apps: Vec::new(),
    });
}

pub const BRAND_B: &str = "brand-b";
pub const BRAND_B_ID: &str = "2021000000000002";

/// The test app plus `brand-b`, a second app (same dev keys) known to the simulator.
pub fn with_brand_b(s: &mut Settings) {
    s.alipay
        .apps
        .push(alipass::config::AppOverride::new(BRAND_B, BRAND_B_ID));
    s.sim.apps.push(alipass::config::SimAppSetting {
        app_id: BRAND_B_ID.into(),
        public_key: None,
        public_key_file: Some(PathBuf::from("config/dev/app_public_key.pem")),
        encrypt_key: None,
        encrypt_key_file: None,
        app_cert_file: None,
    });
}

/// A key for these apps only, with these scopes.
pub fn app_key(settings: &mut Settings, (name, key): (&str, &str), scopes: &[&str], apps: &[&str]) {
    settings.auth.api_keys.push(ApiKeySetting {
        name: name.into(),
        sha256: alipass::auth::hash_key(key),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        apps: apps.iter().map(|s| s.to_string()).collect(),
    });
}

/// The valid template shipped as a fixture (modelled on the vendor's example).
pub fn valid_template() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template_valid.json"),
    )
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

impl TestApp {
    /// The port the app listens on, for requests written by hand.
    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(DEV_KEY)
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(DEV_KEY)
            .json(body)
    }

    /// POST /v1/templates: create a template.
    pub fn post_template(&self, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.post_json(paths::TEMPLATES, body)
    }

    /// POST /v1/passes: issue a pass.
    pub fn post_pass(&self, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.post_json(paths::PASSES, body)
    }

    pub fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .put(self.url(path))
            .bearer_auth(DEV_KEY)
            .json(body)
    }

    /// PUT /v1/templates/{id}: the fixture template with its merchant renamed `name`.
    pub fn put_renamed_template(&self, id: &str, name: &str) -> reqwest::RequestBuilder {
        let mut changed = valid_template();
        changed["content"]["merchant"]["mname"] = serde_json::json!(name);
        self.update_template(id, &changed)
    }

    /// Renames the fixture template `id`'s merchant to `name`, expecting success: the
    /// template as updated.
    pub async fn renamed_template(&self, id: &str, name: &str) -> serde_json::Value {
        let updated = self.put_renamed_template(id, name).send().await.unwrap();
        assert_eq!(updated.status().as_u16(), 200);
        updated.json().await.unwrap()
    }

    /// GET `path` and its JSON body, whatever the status.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).value().await
    }

    /// GET `path` with the API key `key` and its JSON body, whatever the status.
    pub async fn get_json_as(&self, key: &str, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .value()
            .await
    }

    pub fn patch_json(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .patch(self.url(path))
            .bearer_auth(DEV_KEY)
            .json(body)
    }

    /// Creates the fixture template and answers its id and parameters.
    pub async fn create_template(&self) -> (String, Vec<String>) {
        let response = self
            .post_template(&serde_json::json!({"content": valid_template()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        let params = body["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        (body["id"].as_str().unwrap().to_owned(), params)
    }

    /// POST /v1/passes for the fixture template's pass `serial`.
    pub async fn issue_pass(
        &self,
        template_id: &str,
        serial: &str,
        params: &[String],
    ) -> reqwest::Response {
        self.post_pass(&issue_body(template_id, serial, params))
            .send()
            .await
            .unwrap()
    }

    /// POSTs `body` to `path` while every answer of `method` is lost (503 after the effect),
    /// then again with the gateway healthy: the retry's status and body.
    pub async fn lost_then_retried(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.sim
            .set_faults(fault(method, |f| f.lost_answer_rate = 1.0));
        let lost = self.post_json(path, body).send().await.unwrap();
        assert_eq!(problem(lost, 503).await["code"], "gateway_outcome_unknown");
        self.sim.set_faults(Vec::new());
        let retry = self.post_json(path, body).send().await.unwrap();
        (retry.status().as_u16(), retry.json().await.unwrap())
    }

    /// Creates the fixture template and issues pass `serial` from it, expecting success:
    /// the pass as issued.
    pub async fn issued_pass(&self, serial: &str) -> serde_json::Value {
        let (template_id, params) = self.create_template().await;
        let response = self.issue_pass(&template_id, serial, &params).await;
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    }

    /// GET `path` without an API key and its JSON body, whatever the status.
    pub async fn get_public_json(&self, path: &str) -> serde_json::Value {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        response.json().await.unwrap()
    }

    /// POST `body` to `path`, expecting the problem `status`: its body.
    pub async fn post_problem(
        &self,
        path: &str,
        body: &serde_json::Value,
        status: u16,
    ) -> serde_json::Value {
        problem(self.post_json(path, body).send().await.unwrap(), status).await
    }

    /// The simulator's status of pass `serial` on our app's channel.
    pub fn sim_pass_status(&self, serial: &str) -> Option<String> {
        self.sim.pass_status(&self.settings.alipay.app_id, serial)
    }

    /// The status `/readyz` answers.
    pub async fn readiness(&self) -> u16 {
        let response = self.client.get(self.url("/readyz")).send().await;
        response.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    pub async fn shutdown(self) {
        self.stop.stop().await;
        let _ = self.server.await;
    }
}

/// Reads a problem+json response, asserting its content type and RFC 9457 members.
pub async fn problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = crate::fetch::content_type(&response);
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    for member in ["type", "title", "status", "detail", "code"] {
        assert!(
            body.get(member).is_some(),
            "problem lacks `{member}`: {body}"
        );
    }
    assert_eq!(body["status"], status);
    body
}

/// Sends `request`, expecting the problem `status`: its body.
pub async fn refused(request: reqwest::RequestBuilder, status: u16) -> serde_json::Value {
    problem(request.send().await.unwrap(), status).await
}

/// A private redis-server on a free port, for tests that stop or kill Redis.
pub struct PrivateRedis {
    pub port: u16,
    /// Where it listens: `--port` and the port, or a TLS port and its certificates.
    listen: Vec<String>,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        Self::start_with(|port| vec!["--port".into(), port.to_string()])
    }

    /// A redis-server listening as `listen` says for the free port it is given.
    pub fn start_with(listen: impl FnOnce(u16) -> Vec<String>) -> Self {
        let port = free_port();
        let listen = listen(port);
        let mut redis = Self {
            port,
            listen,
            child: None,
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.listen)
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        wait_for_port(self.port);
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port}");
}

/// The value of the first series of `/metrics` whose line starts with `name{` and contains
/// every one of `labels`, if any.
pub fn series(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} "))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

/// Polls `check` until it returns true or the timeout passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Plausible values for a template's parameters: dates for date-like names, short text
/// otherwise. Serial number and channel id are left to the service.
pub fn pass_params(params: &[String]) -> serde_json::Map<String, serde_json::Value> {
    params
        .iter()
        .filter(|p| *p != "serialNumber" && *p != "channelID")
        .map(|name| {
            let lower = name.to_ascii_lowercase();
            let value = if lower.contains("start") {
                "2026-12-01 10:00:00"
            } else if lower.contains("end") {
                "2026-12-31 23:59:59"
            } else if lower.contains("date") {
                "2026-12-15 12:00:00"
            } else {
                "优惠8.5折"
            };
            (name.clone(), serde_json::Value::String(value.into()))
        })
        .collect()
}

pub fn issue_body(template_id: &str, serial: &str, params: &[String]) -> serde_json::Value {
    serde_json::json!({
        "template_id": template_id,
        "serial_number": serial,
        "params": pass_params(params),
        "recipient": {"partner_id": "2088102122069225", "out_trade_no": format!("order-{serial}")},
    })
}

/// A private Postgres cluster (initdb + pg_ctl in a temp dir, run as the `postgres` user),
/// for tests that stop the database; never the machine's shared one.
pub struct PrivatePostgres {
    pub port: u16,
    dir: tempfile::TempDir,
}

impl PrivatePostgres {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Like [`Self::start`], with `prepare` given the data directory after `initdb` and
    /// before the first start (to add settings, certificates, `pg_hba.conf` rules).
    pub fn start_with(prepare: impl FnOnce(&Path)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let pg = Self { port, dir };
        let path = pg.dir.path().to_string_lossy().to_string();
        as_postgres(&["chown", "-R", "postgres", &path], true);
        as_postgres(
            &[
                "initdb",
                "-D",
                &format!("{path}/data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            false,
        );
        prepare(&pg.dir.path().join("data"));
        as_postgres(&["chown", "-R", "postgres", &path], true);
        pg.restart();
        pg
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn restart(&self) {
        let path = self.dir.path().to_string_lossy().to_string();
        let options = format!(
            "-p {} -k {path} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        as_postgres(
            &[
                "pg_ctl",
                "-D",
                &format!("{path}/data"),
                "-o",
                &options,
                "-l",
                &format!("{path}/log"),
                "-w",
                "start",
            ],
            false,
        );
    }

    pub fn stop(&self) {
        let path = self.dir.path().to_string_lossy().to_string();
        as_postgres(
            &[
                "pg_ctl",
                "-D",
                &format!("{path}/data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            false,
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let path = self.dir.path().to_string_lossy().to_string();
        let _ = Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                "pg_ctl",
                "-D",
                &format!("{path}/data"),
                "-m",
                "immediate",
                "stop",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs a command as `postgres` (initdb refuses root), or as ourselves when `as_self`.
fn as_postgres(args: &[&str], as_self: bool) {
    let status = if as_self {
        Command::new(args[0]).args(&args[1..]).status()
    } else {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
    }
    .expect("command runs");
    assert!(status.success(), "{args:?} failed");
}

/// Faults for one method (`*`: every method), as `change` sets them.
pub fn fault(
    method: &str,
    change: impl FnOnce(&mut alipass::config::SimFaultSetting),
) -> Vec<alipass::config::SimFaultSetting> {
    let mut setting = alipass::config::SimFaultSetting {
        method: method.into(),
        ..Default::default()
    };
    change(&mut setting);
    vec![setting]
}

/// A free-text parameter (not a date, not the pass identity) of the fixture template.
pub fn text_param(params: &[String]) -> String {
    params
        .iter()
        .find(|p| {
            let lower = p.to_ascii_lowercase();
            !["date", "start", "end", "serialnumber", "channelid"]
                .iter()
                .any(|w| lower.contains(w))
        })
        .unwrap()
        .clone()
}
