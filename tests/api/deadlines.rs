//! Server-side deadlines on every session of the service: a statement, a lock wait and an
//! idle transaction are bounded, so a row held elsewhere costs a request a clear error in
//! seconds instead of holding it (and a connection) for ever.

use std::time::{Duration, Instant};

use crate::helpers::{problem, spawn_app_with};

#[tokio::test]
async fn every_session_carries_the_configured_deadlines() {
    let app = spawn_app_with(|s| {
        s.database.statement_timeout_ms = 4_000;
        s.database.lock_timeout_ms = 300;
        s.database.idle_in_transaction_timeout_ms = 5_000;
    })
    .await;
    let show = |setting: &'static str| app.session_setting(setting);
    assert_eq!(show("statement_timeout").await, "4s");
    assert_eq!(show("lock_timeout").await, "300ms");
    assert_eq!(show("idle_in_transaction_session_timeout").await, "5s");
    // The server probes a silent replica and ends its sessions (and their locks).
    assert_eq!(show("tcp_keepalives_idle").await, "10");
    assert_eq!(show("tcp_keepalives_count").await, "3");
    app.shutdown().await;
}

#[tokio::test]
async fn a_row_locked_elsewhere_fails_the_request_fast_instead_of_holding_it() {
    let app = spawn_app_with(|s| s.database.lock_timeout_ms = 300).await;
    let (template_id, params) = app.create_template().await;
    app.issue_pass(&template_id, "LOCKED-1", &params).await;
    // Another session holds the pass's row (a stuck job, an operator's open transaction).
    let holder = app.hold_pass_row("LOCKED-1").await;

    let started = Instant::now();
    let close = app.close("LOCKED-1");
    let answer = close.send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(problem(answer, 503).await["code"], "database_busy");
    assert_eq!(app.sim.requests("alipay.pass.instance.update"), 0);
    holder.release().await;
    app.shutdown().await;
}
