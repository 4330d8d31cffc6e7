//! Real `alipass` processes (the service, the simulator), for tests that run replicas,
//! send signals or kill -9. Their log output is kept so tests can scan it.

use crate::fetch::Fetch;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{redis_url, TestDatabase, DEV_KEY};

pub struct Process {
    pub child: Child,
    pub port: u16,
    pub logs: Arc<Mutex<Vec<String>>>,
    /// While set, nothing reads the process's stdout: its pipe fills as a stuck log
    /// collector's would.
    stdout_paused: Arc<AtomicBool>,
}

impl Process {
    pub fn pause_stdout(&self) {
        self.stdout_paused.store(true, Ordering::SeqCst);
    }

    pub fn resume_stdout(&self) {
        self.stdout_paused.store(false, Ordering::SeqCst);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// Starts `alipass <command>` with the test profile, JSON logs and `env`, and waits for the
/// log line `ready_message`, whose `port` it answers.
pub fn spawn(command: &str, env: &[(&str, String)], ready_message: &str) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alipass"));
    cmd.arg(command)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("APP_PROFILE", "test")
        .env("APP__LOG__FORMAT", "json")
        .env("APP__LOG__LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().expect("the alipass binary runs");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let stderr_logs = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            stderr_logs.lock().unwrap().push(line);
        }
    });
    let stdout = child.stdout.take().unwrap();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let stdout_logs = logs.clone();
    let wanted = ready_message.to_owned();
    let stdout_paused = Arc::new(AtomicBool::new(false));
    let paused = stdout_paused.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            while paused.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if let Ok(entry) = serde_json::from_str::<Value>(&line) {
                if entry["message"] == wanted.as_str() {
                    let _ = port_tx.send(entry["port"].as_u64().unwrap_or(0) as u16);
                }
            }
            stdout_logs.lock().unwrap().push(line);
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            panic!(
                "`alipass {command}` never logged `{ready_message}`: {:?}",
                logs.lock().unwrap()
            )
        });
    Process {
        child,
        port,
        logs,
        stdout_paused,
    }
}

/// The simulator on its own (what staging runs).
pub fn spawn_sim() -> Process {
    spawn(
        "sim",
        &[("APP__SIM__PORT", "0".into())],
        "simulator listening",
    )
}

/// A service replica pointed at `gateway` and sharing Postgres and Redis with its peers.
pub fn spawn_service(
    database_url: &str,
    redis_prefix: &str,
    gateway: &Process,
    extra: &[(&str, String)],
) -> Process {
    let mut env = vec![
        ("APP__SERVER__PORT", "0".to_owned()),
        ("APP__DATABASE__URL", database_url.to_owned()),
        ("APP__REDIS__URL", redis_url()),
        ("APP__REDIS__KEY_PREFIX", redis_prefix.to_owned()),
        ("APP__SIM__ENABLED", "false".to_owned()),
        ("APP__ALIPAY__GATEWAY_URL", gateway.url("/gateway.do")),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    spawn("serve", &env, "listening")
}

/// What service replicas share: a fresh database, a simulator process and a Redis prefix.
pub struct Deployment {
    pub sim: Process,
    pub prefix: String,
    pub database: TestDatabase,
}

impl Deployment {
    pub async fn start() -> Self {
        Self {
            database: TestDatabase::create().await,
            sim: spawn_sim(),
            prefix: format!("test:{}:", uuid::Uuid::new_v4().simple()),
        }
    }

    /// One more service replica of this deployment, with `extra` settings.
    pub fn replica(&self, extra: &[(&str, String)]) -> Process {
        spawn_service(&self.database.url, &self.prefix, &self.sim, extra)
    }
}

/// The simulator's `/__sim/state`.
pub async fn sim_state(client: &reqwest::Client, sim: &Process) -> Value {
    client.get(sim.url("/__sim/state")).value().await
}

pub async fn set_sim_faults(client: &reqwest::Client, sim: &Process, faults: Value) {
    let response = client
        .put(sim.url("/__sim/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

pub fn authed(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    client.request(method, url).bearer_auth(DEV_KEY)
}
