//! Lost answers, gateway faults and Redis outages.

use crate::fetch::Fetch;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{
    eventually, fault, issue_body, problem, spawn_app, spawn_app_with, PrivateRedis,
};

#[tokio::test]
async fn a_lost_answer_is_settled_by_the_callers_retry_without_a_second_effect() {
    // No reconciler here: the caller's own retry settles it.
    let app = spawn_app_with(|s| s.reconciler.enabled = false).await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0
    }));
    let body = issue_body(&template_id, "LOST-1", &params);
    let first = app.post_pass(&body).send().await.unwrap();
    let problem_body = problem(first, 503).await;
    assert_eq!(problem_body["code"], "gateway_outcome_unknown");
    let pending = app.get_pass("LOST-1").await;
    assert_eq!(pending["status"], "ISSUING");
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 1);

    app.sim.set_faults(Vec::new());
    let retry = app.post_pass(&body).send().await.unwrap();
    assert_eq!(retry.status().as_u16(), 201);
    let settled: Value = retry.json().await.unwrap();
    assert_eq!(settled["status"], "ISSUED");
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 1);
    assert_eq!(app.sim.pass_count(), 1);
    let history = app.history_of("LOST-1").await;
    assert_eq!(
        history["events"][1]["detail"]["settled_from"],
        "already_exists_after_unknown_outcome"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_reconciler_settles_a_lost_answer_and_a_gateway_outage() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0
    }));
    let lost = app
        .post_pass(&issue_body(&template_id, "REC-1", &params))
        .send()
        .await
        .unwrap();
    problem(lost, 503).await;
    app.sim
        .set_faults(fault("alipay.pass.instance.add", |f| f.error_rate = 1.0));
    let outage = app
        .post_pass(&issue_body(&template_id, "REC-2", &params))
        .send()
        .await
        .unwrap();
    let outage_problem = problem(outage, 503).await;
    assert_eq!(outage_problem["gateway_sub_code"], "isp.unknow-error");
    app.sim.set_faults(Vec::new());

    let settled = eventually(Duration::from_secs(15), || async {
        let mut all = true;
        for serial in ["REC-1", "REC-2"] {
            let pass = app.get_pass(serial).await;
            all &= pass["status"] == "ISSUED";
        }
        all
    })
    .await;
    assert!(settled, "the reconciler did not settle both passes");
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 2);
    assert_eq!(app.sim.pass_count(), 2);
    app.shutdown().await;
}

/// The kinder reading, where the refusal of the reconciler's resend names the status Alipay
/// holds; under the strict one no answer proves it and an operator decides
/// (`tests/api/uncertain.rs`).
#[tokio::test]
async fn a_lost_redeem_answer_is_settled_by_the_reconciler_when_an_answer_names_the_status() {
    let app = spawn_app().await;
    app.sim.set_kinder(true);
    let (template_id, params) = app.create_template().await;
    app.issue_pass(&template_id, "RED-1", &params).await;
    app.sim
        .set_faults(fault("alipay.pass.instance.update", |f| {
            f.lost_answer_rate = 1.0
        }));
    let lost = app
        .redeem(
            "RED-1",
            &json!({"verify_type": "input", "verify_code": "123"}),
        )
        .send()
        .await
        .unwrap();
    problem(lost, 503).await;
    // While the outcome is unknown, other changes wait.
    let close = app.close("RED-1").send().await.unwrap();
    assert_eq!(problem(close, 409).await["code"], "change_pending");
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        let pass = app.get_pass("RED-1").await;
        pass["status"] == "USED" && pass["change_pending"] == false
    })
    .await;
    assert!(settled);
    assert_eq!(app.sim.effects("alipay.pass.instance.update"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn with_redis_stopped_mid_test_everything_stays_correct() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(|s| s.redis.url = Some(url.into())).await;
    let (template_id, params) = app.create_template().await;
    let first = issue_body(&template_id, "RD-1", &params);
    assert_eq!(app.post_pass(&first).status_code().await, 201);

    redis.kill();
    // Replay from Postgres alone.
    let replay = app.post_pass(&first).send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    // Concurrent duplicates with no Redis: the Postgres lease admits one call.
    app.sim
        .set_faults(fault("alipay.pass.instance.add", |f| f.latency_ms = 300));
    let body = issue_body(&template_id, "RD-2", &params);
    let answers = join_all((0..20).map(|_| {
        let request = app.post_pass(&body);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body, &answers[0].1);
    }
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 2);
    let ready = app.get_public_json("/readyz").await;
    assert_eq!(ready["status"], "degraded");

    redis.restart();
    assert!(
        eventually(Duration::from_secs(15), || async {
            let ready = app.get_public_json("/readyz").await;
            ready["status"] == "ready"
        })
        .await
    );
    let after = app
        .post_pass(&issue_body(&template_id, "RD-3", &params))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 201);
    app.shutdown().await;
}
