//! Load under injected faults: nothing lost, nothing doubled.

use crate::fetch::Fetch;
use std::time::Duration;

use alipass::config::SimFaultSetting;
use futures_util::stream::{self, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    eventually, issue_body, passes_issuing, paths, recorded_passes, spawn_app_with, PrivateRedis,
    TestApp,
};
use crate::processes::{authed, set_sim_faults, sim_state, Deployment, Process};

const ISSUANCES: usize = 2000;

/// Compares our pass records with the simulator's passes: the same set, each once.
fn assert_records_match_gateway(records: &[(String, String)], gateway_passes: &[Value]) {
    let mut ours: Vec<&str> = records.iter().map(|(serial, _)| serial.as_str()).collect();
    let mut theirs: Vec<&str> = gateway_passes
        .iter()
        .map(|p| p["serial_number"].as_str().unwrap())
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours.len(), theirs.len(), "records vs gateway passes");
    assert_eq!(ours, theirs);
    assert!(
        records.iter().all(|(_, status)| status == "ISSUED"),
        "every record settled ISSUED"
    );
}

#[tokio::test]
async fn two_thousand_issuances_under_faults_end_exactly_as_the_gateway_says() {
    let app = spawn_app_with(|s| {
        s.alipay.deadline_ms = 3_000;
        s.reconciler.stale_after_ms = 500;
    })
    .await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(vec![SimFaultSetting {
        method: "alipay.pass.instance.add".to_owned(),
        latency_ms: 2,
        error_rate: 0.3,
        lost_answer_rate: 0.1,
        ..Default::default()
    }]);
    let bodies = (0..ISSUANCES).map(|i| issue_body(&template_id, &format!("F{i:05}"), &params));
    let statuses = post_all(&app, bodies.collect(), 32).await;
    // Every answer is a success or an honest "outcome unknown / unavailable, retry".
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&503),
        "the faults should have produced some unknown outcomes"
    );

    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(90), || async {
        passes_issuing(&app.db).await == 0
    })
    .await;
    assert!(settled, "the reconciler left ISSUING records");
    let records = recorded_passes(&app.db).await;
    assert_eq!(records.len(), ISSUANCES);
    let state = app.sim.snapshot();
    assert_records_match_gateway(&records, state["passes"].as_array().unwrap());
    assert_eq!(
        app.sim.effects("alipay.pass.instance.add"),
        ISSUANCES as u64,
        "nothing doubled"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn redis_killed_mid_run_causes_no_duplicate_and_no_error() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(|s| s.redis.url = Some(url.into())).await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(vec![SimFaultSetting {
        method: "*".into(),
        latency_ms: 20,
        ..Default::default()
    }]);
    // Each serial is sent twice, concurrently, so duplicates race while Redis dies.
    let bodies: Vec<Value> = (0..200)
        .flat_map(|i| {
            let body = issue_body(&template_id, &format!("K{i:04}"), &params);
            [body.clone(), body]
        })
        .collect();
    let run = post_all(&app, bodies.clone(), 16);
    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        redis.kill();
        tokio::time::sleep(Duration::from_millis(700)).await;
        redis.restart();
    };
    let (statuses, ()) = tokio::join!(run, killer);
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        app.sim
            .effects("alipay.pass.instance.add".to_owned().as_str()),
        200
    );
    assert_eq!(recorded_passes(&app.db).await.len(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn kill_dash_nine_mid_batch_then_the_restarted_service_settles_everything() {
    let deployment = Deployment::start().await;
    let sim = &deployment.sim;
    let fast_reconcile = [
        ("APP__RECONCILER__STALE_AFTER_MS", "500".to_owned()),
        ("APP__RECONCILER__INTERVAL_MS", "200".to_owned()),
    ];
    let mut service = deployment.replica(&fast_reconcile);
    let client = reqwest::Client::new();
    let (template_id, params) = create_template(&client, &service).await;
    set_sim_faults(
        &client,
        sim,
        json!([{"method": "alipay.pass.instance.add", "latency_ms": 400}]),
    )
    .await;

    let base = service.url("");
    let requests = (0..60)
        .map(|i| {
            authed(&client, Method::POST, format!("{base}{}", paths::PASSES)).json(&issue_body(
                &template_id,
                &format!("KILL{i:03}"),
                &params,
            ))
        })
        .collect();
    let batch = tokio::spawn(send_all(requests, 30));
    tokio::time::sleep(Duration::from_millis(600)).await;
    service.kill_hard();
    let _ = batch.await;
    set_sim_faults(&client, sim, json!([])).await;

    let db = sqlx::PgPool::connect(&deployment.database.url)
        .await
        .unwrap();
    assert!(
        passes_issuing(&db).await > 0,
        "the kill should have left ISSUING records"
    );

    let restarted = deployment.replica(&fast_reconcile);
    let settled = eventually(Duration::from_secs(60), || async {
        passes_issuing(&db).await == 0
    })
    .await;
    assert!(
        settled,
        "the restarted service's reconciler left ISSUING records"
    );
    let records = recorded_passes(&db).await;
    let state = sim_state(&client, sim).await;
    assert_records_match_gateway(&records, state["passes"].as_array().unwrap());
    assert_eq!(
        state["effects"]["alipay.pass.instance.add"],
        records.len() as u64
    );
    db.close().await;
    drop(restarted);
}

/// A template created through `service`: its id and params.
async fn create_template(client: &reqwest::Client, service: &Process) -> (String, Vec<String>) {
    let template: Value = authed(client, Method::POST, service.url(paths::TEMPLATES))
        .json(&json!({"content": crate::helpers::valid_template()}))
        .value()
        .await;
    let params = serde_json::from_value(template["params"].clone()).unwrap();
    (template["id"].as_str().unwrap().to_owned(), params)
}

/// POSTs every body to /v1/passes, `concurrency` at a time: each answer's status (0 when
/// the request failed).
async fn post_all(app: &TestApp, bodies: Vec<Value>, concurrency: usize) -> Vec<u16> {
    let requests = bodies.iter().map(|body| app.post_pass(body)).collect();
    send_all(requests, concurrency).await
}

/// Sends every request, `concurrency` at a time: each answer's status (0 when the request
/// failed).
async fn send_all(requests: Vec<reqwest::RequestBuilder>, concurrency: usize) -> Vec<u16> {
    stream::iter(requests)
        .map(|request| async move {
            request
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}
