//! The operability metrics move as the scenario says: a lost answer raises the open-record
//! gauge until the reconciler settles it; replays and key conflicts are counted; Redis,
//! the pool and the build are visible.

use std::time::Duration;

use crate::helpers::*;

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_lost_answer_raises_the_open_gauge_until_the_reconciler_settles_it() {
    let app = spawn_app_with(|s| {
        s.reconciler.enabled = true;
        s.reconciler.stale_after_ms = 300;
    })
    .await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0;
    }));
    let lost = app.issue_pass(&template_id, "M-LOST", &params).await;
    assert_eq!(lost.status().as_u16(), 503);
    let text = scrape(&app).await;
    let open = series(&text, "alipass_open_records", &["work=\"pass_issue\""]);
    assert_eq!(open, Some(1.0), "{text}");

    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        let text = scrape(&app).await;
        series(&text, "alipass_open_records", &["work=\"pass_issue\""]).is_none()
            && series(&text, "alipass_reconciler_records_total", &["settled"]) >= Some(1.0)
    })
    .await;
    assert!(settled, "{}", scrape(&app).await);
    let text = scrape(&app).await;
    let oldest = series(
        &text,
        "alipass_open_record_oldest_age_seconds",
        &["pass_issue"],
    );
    assert_eq!(oldest, Some(0.0));
    assert!(series(&text, "alipass_reconciler_runs_total", &["ok"]) >= Some(1.0));
    app.shutdown().await;
}

/// An app that issued pass `M-1` and was asked for it twice more: the three answers' bodies,
/// and the issue's body.
async fn app_after_two_replays() -> (TestApp, Vec<String>, serde_json::Value) {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    let body = issue_body(&template_id, "M-1", &params);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let response = app.post_pass(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        answers.push(response.text().await.unwrap());
    }
    (app, answers, body)
}

#[tokio::test]
async fn replays_are_counted_by_where_their_answer_came_from() {
    let (app, answers, _) = app_after_two_replays().await;
    // The first replay reads Redis, the second the answer kept in memory: the same bytes.
    assert_eq!(answers[1], answers[2]);
    let text = scrape(&app).await;
    assert_eq!(
        series(&text, "alipass_idempotent_replays_total", &["pass"]),
        Some(2.0)
    );
    assert_eq!(
        series(&text, "alipass_fast_path_total", &["\"answer\""]),
        Some(1.0)
    );
    assert_eq!(
        series(&text, "alipass_fast_path_total", &["\"kept\""]),
        Some(1.0)
    );
    assert!(series(&text, "alipass_fast_path_total", &["locked"]) >= Some(1.0));
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_counted_as_a_conflict() {
    let (app, _, body) = app_after_two_replays().await;
    let mut changed = body.clone();
    changed["recipient"]["out_trade_no"] = "another-order".into();
    let reused = app.post_pass(&changed).send().await.unwrap();
    assert_eq!(reused.status().as_u16(), 409);
    let text = scrape(&app).await;
    let conflicts = series(
        &text,
        "alipass_idempotency_conflicts_total",
        &["pass", "reused"],
    );
    assert_eq!(conflicts, Some(1.0), "{text}");
    app.shutdown().await;
}

#[tokio::test]
async fn redis_the_pool_and_the_build_are_exported() {
    let app = spawn_app().await;
    // Redis is connected in the background after start-up: up once it has connected.
    let redis_up = eventually(Duration::from_secs(5), || async {
        series(&scrape(&app).await, "alipass_redis_up", &[]) == Some(1.0)
    })
    .await;
    assert!(redis_up, "alipass_redis_up never became 1");
    let text = scrape(&app).await;
    assert!(series(&text, "alipass_db_pool_connections", &["max"]) >= Some(1.0));
    assert_eq!(series(&text, "alipass_build_info", &["version"]), Some(1.0));
    app.shutdown().await;
}

#[tokio::test]
async fn an_issuances_statements_run_beside_the_pool_and_leave_it_idle() {
    let (app, _, _) = app_after_two_replays().await;
    let text = scrape(&app).await;
    assert_eq!(
        series(&text, "alipass_db_hot_connections", &["max"]),
        Some(8.0)
    );
    assert!(series(&text, "alipass_db_hot_connections", &["idle"]) >= Some(1.0));
    assert_eq!(
        series(&text, "alipass_db_hot_connections", &["in_use"]),
        Some(0.0)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_statement_that_finds_no_free_connection_is_counted() {
    let app = spawn_app_with(|s| {
        s.database.max_connections = 1;
        s.database.acquire_timeout_ms = 200;
    })
    .await;
    let before = series(&scrape(&app).await, "alipass_db_pool_timeouts_total", &[]);
    let held = app.db.acquire().await.expect("the only connection");
    let id = uuid::Uuid::new_v4();
    let starved = app.get(&paths::pass(&id.to_string())).send().await.unwrap();
    assert_eq!(starved.status().as_u16(), 503);
    drop(held);
    let after = series(&scrape(&app).await, "alipass_db_pool_timeouts_total", &[]);
    assert!(after > before, "{before:?} -> {after:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn invented_methods_add_no_series() {
    let app = spawn_app().await;
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let path = format!("/v1/nothing-{i}");
        let response = app.client.request(method, app.url(&path)).send().await;
        assert!(response.unwrap().status().is_client_error());
    }
    let text = scrape(&app).await;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .collect();
    assert!(!text.contains("INVENTED"), "{lines:?}");
    assert!(!text.contains("nothing-"), "{lines:?}");
    let other = series(&text, "http_requests_total", &["method=\"other\""]);
    assert_eq!(other, Some(50.0), "{lines:?}");
    app.shutdown().await;
}
