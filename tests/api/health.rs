use crate::fetch::Fetch;
use std::time::Duration;

use crate::helpers::{
    eventually, paths, series, spawn_app, spawn_app_with, valid_template, PrivateRedis,
};

#[tokio::test]
async fn healthz_is_open_and_alive() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    app.shutdown().await;
}

#[tokio::test]
async fn readyz_reports_postgres_and_redis_up() {
    let app = spawn_app().await;
    let ready = eventually(Duration::from_secs(5), || async {
        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        let ok = response.status().as_u16() == 200;
        let body: serde_json::Value = response.json().await.unwrap();
        ok && body["status"] == "ready" && body["postgres"] == "up" && body["redis"] == "up"
    })
    .await;
    assert!(ready, "readyz never reported ready");
    app.shutdown().await;
}

#[tokio::test]
async fn readyz_is_degraded_but_ok_when_redis_is_down() {
    // Nothing listens on port 1: Redis is "down" from the start, and the service still starts.
    let app = spawn_app_with(|s| s.redis.url = Some("redis://127.0.0.1:1".into())).await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["postgres"], "up");
    assert_eq!(body["redis"], "down");
    app.shutdown().await;
}

#[tokio::test]
async fn readyz_is_503_when_postgres_is_unreachable() {
    let app = spawn_app_with(|s| {
        s.database.url = Some("postgres://postgres@127.0.0.1:1/none".into());
        s.database.acquire_timeout_ms = 300;
    })
    .await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["postgres"], "down");
    app.shutdown().await;
}

#[tokio::test]
async fn redis_reconnects_by_itself_after_a_restart() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(|s| s.redis.url = Some(url.into())).await;
    let status = |app: &crate::helpers::TestApp| {
        let request = app.client.get(app.url("/readyz"));
        async move {
            let body: serde_json::Value = request.value().await;
            body["redis"].as_str().unwrap_or_default().to_owned()
        }
    };
    assert!(
        eventually(Duration::from_secs(5), || async {
            status(&app).await == "up"
        })
        .await
    );
    redis.kill();
    assert!(
        eventually(Duration::from_secs(5), || async {
            status(&app).await == "down"
        })
        .await
    );
    redis.restart();
    assert!(
        eventually(Duration::from_secs(15), || async {
            status(&app).await == "up"
        })
        .await,
        "redis never came back"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    let text = app.client.get(app.url("/metrics")).text_body().await;
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
    app.shutdown().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = spawn_app().await;
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "caller-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "caller-chosen-42");
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "generated id {id} is not a UUID"
    );
    // An unsafe caller id (control characters are refused by HTTP; spaces by us) is replaced.
    let replaced = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "has space")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "has space");
    app.shutdown().await;
}

/// `/metrics` and `/readyz` need no key: within `server.probe_interval_ms` they answer from
/// the last look at Postgres and Redis instead of querying again on every hit.
#[tokio::test]
async fn metrics_look_at_the_database_at_most_once_per_probe_interval() {
    let app = spawn_app_with(|s| {
        s.server.probe_interval_ms = 60_000;
        s.reconciler.enabled = false;
    })
    .await;
    // A template with its Alipay id first: the first look finds none waiting, and Redis
    // connected (a look taken before it is would be kept, down, for the whole interval).
    app.create_template().await;
    let needing = |text: String| series(&text, "alipass_templates_needing_alipay_id", &[]);
    assert_eq!(needing(app.get("/metrics").text_body().await), Some(0.0));
    // A template whose lost creation a retry could not give an id: it needs one now.
    let body = serde_json::json!({"unique_id": "T-PROBE", "content": valid_template()});
    let add = "alipay.pass.template.add";
    let (_, template) = app.lost_then_retried(add, paths::TEMPLATES, &body).await;
    assert_eq!(template["status"], "NEEDS_ALIPAY_ID", "{template}");
    for _ in 0..20 {
        let ready = app.get_public_json("/readyz").await;
        assert_eq!(ready["status"], "ready", "{ready}");
    }
    assert_eq!(
        needing(app.get("/metrics").text_body().await),
        Some(0.0),
        "the second scrape queried the database again"
    );
    app.shutdown().await;
}
