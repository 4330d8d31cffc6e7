//! Postgres stopped under the service: 503 with Retry-After, nothing half-written, and
//! recovery when it returns. Uses a private cluster, never the machine's shared one.

use std::time::Duration;

use crate::helpers::{eventually, problem, recorded_passes, spawn_app_with, PrivatePostgres};

#[tokio::test]
async fn postgres_down_is_503_with_retry_after_and_the_service_recovers() {
    let pg = PrivatePostgres::start();
    let url = pg.url("alipass");
    let app = spawn_app_with(|s| {
        s.database.url = Some(url.into());
        s.database.create_if_missing = true;
        s.database.auto_migrate = true;
        s.database.acquire_timeout_ms = 500;
    })
    .await;
    let (template_id, params) = app.create_template().await;
    let first = app.issue_pass(&template_id, "PG-1", &params).await;
    assert_eq!(first.status().as_u16(), 201);

    pg.stop();
    let down = app.issue_pass(&template_id, "PG-2", &params).await;
    assert_eq!(
        down.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    assert_eq!(problem(down, 503).await["code"], "database_unavailable");
    assert_eq!(app.readiness().await, 503);
    assert_eq!(
        app.sim.requests("alipay.pass.instance.add"),
        1,
        "nothing reached the gateway"
    );

    pg.restart();
    let ready = eventually(Duration::from_secs(20), || async {
        app.readiness().await == 200
    });
    assert!(ready.await);
    let again = app.issue_pass(&template_id, "PG-2", &params).await;
    let status = again.status().as_u16();
    assert_eq!(status, 201, "{}", again.text().await.unwrap());
    // Nothing half-written: exactly the two passes, both settled.
    let statuses = recorded_passes(&app.db).await;
    assert_eq!(
        statuses,
        [
            ("PG-1".into(), "ISSUED".into()),
            ("PG-2".into(), "ISSUED".into())
        ]
    );
    assert_eq!(
        app.event_kinds("PG-2").await,
        ["ISSUING", "ISSUED"],
        "ISSUING then ISSUED, once"
    );
    app.shutdown().await;
}
