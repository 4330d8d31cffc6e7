//! Graceful shutdown: readiness turns 503, in-flight requests finish, the process exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alipass::config::SimFaultSetting;
use serde_json::{json, Value};

use crate::helpers::{
    paths, redis_url, spawn_app, spawn_app_with, valid_template, TestDatabase, DEV_KEY,
};

fn slow_template_add(ms: u64) -> Vec<SimFaultSetting> {
    vec![SimFaultSetting {
        method: "alipay.pass.template.add".into(),
        latency_ms: ms,
        ..Default::default()
    }]
}

#[tokio::test]
async fn an_in_flight_request_finishes_after_a_stop() {
    let app = spawn_app().await;
    app.sim.set_faults(slow_template_add(1_500));
    let request = app
        .post_template(&json!({"content": valid_template()}))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stop = app.stop.clone();
    let stopping = tokio::spawn(async move { stop.stop().await });
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status().as_u16(), 201);
    stopping.await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), app.server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server did not stop cleanly"
    );
}

#[tokio::test]
async fn readiness_turns_503_as_soon_as_draining_starts() {
    // A drain delay keeps the listener open while readiness reports 503, as in Kubernetes.
    let app = spawn_app_with(|s| s.server.shutdown_delay_secs = 2).await;
    let before = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(before.status().as_u16(), 200);
    let stop = app.stop.clone();
    let stopping = tokio::spawn(async move { stop.stop().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let during = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(during.status().as_u16(), 503);
    let body: Value = during.json().await.unwrap();
    assert_eq!(body["status"], "draining");
    // Still serving other requests while draining.
    let alive = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(alive.status().as_u16(), 200);
    stopping.await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), app.server).await;
    assert!(matches!(result, Ok(Ok(Ok(())))));
}

/// Reads JSON log lines until `message`; answers its `port` field.
fn port_from_logs(lines: &mut impl Iterator<Item = String>, message: &str) -> u16 {
    for line in lines {
        if let Ok(entry) = serde_json::from_str::<Value>(&line) {
            if entry["message"] == message {
                return entry["port"].as_u64().expect("port field") as u16;
            }
        }
    }
    panic!("the service never logged `{message}`");
}

#[tokio::test]
async fn sigterm_lets_a_slow_request_finish_and_exits_zero() {
    let database = TestDatabase::create().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipass"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("APP_PROFILE", "test")
        .env("APP__DATABASE__URL", &database.url)
        .env("APP__REDIS__URL", redis_url())
        .env(
            "APP__REDIS__KEY_PREFIX",
            format!("test:{}:", uuid::Uuid::new_v4().simple()),
        )
        .env("APP__LOG__FORMAT", "json")
        .env("APP__LOG__LEVEL", "info")
        .env("APP__SERVER__SHUTDOWN_TIMEOUT_SECS", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the alipass binary runs");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let sim_port = port_from_logs(&mut lines, "gateway simulator running in-process");
    let port = port_from_logs(&mut lines, "listening");
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

    let client = reqwest::Client::new();
    let faults = client
        .put(format!("http://127.0.0.1:{sim_port}/__sim/faults"))
        .json(&slow_template_add(2_000))
        .send()
        .await
        .unwrap();
    assert!(faults.status().is_success());
    let slow = tokio::spawn(
        client
            .post(format!("http://127.0.0.1:{port}{}", paths::TEMPLATES))
            .bearer_auth(DEV_KEY)
            .json(&json!({"content": valid_template()}))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let response = slow
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status().as_u16(), 201);
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "took {:?}",
        signalled.elapsed()
    );
}
