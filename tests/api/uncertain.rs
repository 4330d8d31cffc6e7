//! Changes without an Alipay-side key whose outcome is unknown: only a success or a status
//! in an answer settles them. `KP.AE_ALIPASS_UPDATE_ERROR` ("update failed, retry") proves
//! nothing about an earlier attempt, whichever reading the simulator takes (a pass no longer
//! active, or a transient failure); when the resends are spent an operator decides, and the
//! decision is recorded. The record never claims a state Alipay does not hold.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::{eventually, fault, issue_body, problem, series, spawn_app_with, TestApp};

const UPDATE: &str = "alipay.pass.instance.update";
const TEMPLATE_UPDATE: &str = "alipay.pass.template.update";

/// An app whose reconciler resends after 300 ms (doubled per unproven try) and asks an
/// operator after two answers that prove nothing; `reconciler` off leaves retries to the test.
async fn app(reconciler: bool) -> TestApp {
    spawn_app_with(|s| {
        s.reconciler.enabled = reconciler;
        s.reconciler.interval_ms = 100;
        s.reconciler.stale_after_ms = 300;
        s.reconciler.max_unproven_tries = 2;
    })
    .await
}

async fn issued(app: &TestApp, serial: &str) -> String {
    let (template_id, params) = app.create_template().await;
    let response = app
        .post_pass(&issue_body(&template_id, serial, &params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let pass: Value = response.json().await.unwrap();
    pass["channel_id"].as_str().unwrap().to_owned()
}

/// Sends `path` while every instance.update is dropped as `fault` says: 503, outcome unknown.
async fn unknown_outcome(
    app: &TestApp,
    path: &str,
    set: impl FnOnce(&mut alipass::config::SimFaultSetting),
) {
    app.sim.set_faults(fault(UPDATE, set));
    let lost = app.post_json(path, &json!({})).send().await.unwrap();
    assert_eq!(problem(lost, 503).await["code"], "gateway_outcome_unknown");
}

async fn events(app: &TestApp, serial: &str) -> Vec<Value> {
    let history = app.get_json(&format!("/v1/passes/{serial}/events")).await;
    history["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_redeem_lost_before_the_effect_and_then_refused_with_update_error_is_never_recorded_used()
{
    let app = app(true).await;
    let channel = issued(&app, "B-1").await;
    unknown_outcome(&app, "/v1/passes/B-1/redeem", |f| f.reset_rate = 1.0).await;
    // The reading of UPDATE_ERROR as a transient failure: every resend is refused.
    app.sim
        .set_faults(fault(UPDATE, |f| f.update_error_rate = 1.0));
    // One resend refused (the next comes twice as late).
    let tried = eventually(Duration::from_secs(15), || async {
        app.sim.requests(UPDATE) >= 2
    })
    .await;
    assert!(tried, "the reconciler never resent the redeem");
    let pass = app.get_json("/v1/passes/B-1").await;
    assert_eq!(pass["status"], "ISSUED", "{pass}");
    assert_eq!(pass["change_pending"], true, "{pass}");
    assert_eq!(
        app.sim.pass_status(&channel, "B-1").as_deref(),
        Some("ACTIVE")
    );
    assert!(events(&app, "B-1")
        .await
        .iter()
        .all(|e| e["kind"] != "REDEEMED"));

    // Alipay answers again before the tries are spent: the resend applies it, once.
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_json("/v1/passes/B-1").await["status"] == "USED"
    })
    .await;
    assert!(settled, "the redeem was never settled");
    assert_eq!(
        app.sim.pass_status(&channel, "B-1").as_deref(),
        Some("USED")
    );
    assert_eq!(app.sim.effects(UPDATE), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeem_lost_after_the_effect_waits_for_an_operator_who_confirms_it() {
    let app = app(false).await;
    let channel = issued(&app, "A-1").await;
    unknown_outcome(&app, "/v1/passes/A-1/redeem", |f| f.lost_answer_rate = 1.0).await;
    app.sim.set_faults(Vec::new());
    assert_eq!(
        app.sim.pass_status(&channel, "A-1").as_deref(),
        Some("USED")
    );
    // Too early: the lost attempt could still land after a resend.
    let early = app.post_json("/v1/passes/A-1/redeem", &json!({}));
    assert_eq!(
        problem(early.send().await.unwrap(), 409).await["code"],
        "change_pending"
    );
    // Each retry meets UPDATE_ERROR without a status (the pass is USED at Alipay, which
    // the strict reading does not say): it proves nothing, the change stays uncertain.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let retry = app.post_json("/v1/passes/A-1/redeem", &json!({}));
        let body = problem(retry.send().await.unwrap(), 503).await;
        assert_eq!(
            body["gateway_sub_code"], "KP.AE_ALIPASS_UPDATE_ERROR",
            "{body}"
        );
        let pass = app.get_json("/v1/passes/A-1").await;
        assert_eq!(pass["status"], "ISSUED", "never guessed: {pass}");
    }
    let pass = app.get_json("/v1/passes/A-1").await;
    assert_eq!(pass["change_needs_confirmation"], true, "{pass}");
    let metrics = app.get("/metrics").text_body().await;
    let waiting = series(
        &metrics,
        "alipass_open_records",
        &["work=\"pass_change\"", "state=\"needs_confirmation\""],
    );
    assert_eq!(waiting, Some(1.0), "{metrics}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let more = app.post_json("/v1/passes/A-1/redeem", &json!({}));
    assert_eq!(
        problem(more.send().await.unwrap(), 409).await["code"],
        "needs_confirmation"
    );
    let requests = app.sim.requests(UPDATE);

    let unreasoned = app.post_json(
        "/v1/passes/A-1/pending-change/resolution",
        &json!({"applied": true, "reason": " "}),
    );
    problem(unreasoned.send().await.unwrap(), 422).await;
    let resolved = app
        .post_json(
            "/v1/passes/A-1/pending-change/resolution",
            &json!({"applied": true, "reason": "the merchant console shows it used"}),
        )
        .value()
        .await;
    assert_eq!(resolved["status"], "USED", "{resolved}");
    assert_eq!(resolved["change_pending"], false, "{resolved}");
    assert_eq!(
        app.sim.requests(UPDATE),
        requests,
        "a resolution calls nobody"
    );
    let redeemed: Vec<Value> = events(&app, "A-1")
        .await
        .into_iter()
        .filter(|e| e["kind"] == "REDEEMED")
        .collect();
    assert_eq!(redeemed.len(), 1);
    let detail = &redeemed[0]["detail"];
    assert_eq!(detail["settled_from"], "operator_confirmed", "{detail}");
    assert_eq!(
        detail["resolution"]["resolved_by"], "local-developer",
        "{detail}"
    );
    assert_eq!(detail["resolution"]["unproven_tries"], 2, "{detail}");
    let again = app.post_json(
        "/v1/passes/A-1/pending-change/resolution",
        &json!({"applied": true, "reason": "twice"}),
    );
    assert_eq!(
        problem(again.send().await.unwrap(), 409).await["code"],
        "not_awaiting_confirmation"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_reconcilers_unproven_tries_end_with_an_operator_who_says_it_did_not_apply() {
    let app = app(true).await;
    let channel = issued(&app, "N-1").await;
    unknown_outcome(&app, "/v1/passes/N-1/close", |f| f.reset_rate = 1.0).await;
    app.sim
        .set_faults(fault(UPDATE, |f| f.update_error_rate = 1.0));
    let waiting = eventually(Duration::from_secs(15), || async {
        app.get_json("/v1/passes/N-1").await["change_needs_confirmation"] == true
    })
    .await;
    assert!(waiting, "{}", app.get_json("/v1/passes/N-1").await);
    // The reconciler leaves it to the operator.
    let requests = app.sim.requests(UPDATE);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        app.sim.requests(UPDATE),
        requests,
        "resent while waiting for an operator"
    );
    assert_eq!(
        app.sim.pass_status(&channel, "N-1").as_deref(),
        Some("ACTIVE")
    );

    let resolved = app
        .post_json(
            "/v1/passes/N-1/pending-change/resolution",
            &json!({"applied": false, "reason": "the wallet still shows the pass"}),
        )
        .value()
        .await;
    assert_eq!(resolved["status"], "ISSUED", "{resolved}");
    assert_eq!(resolved["change_pending"], false, "{resolved}");
    let last = events(&app, "N-1").await.pop().unwrap();
    assert_eq!(last["kind"], "FAILED", "{last}");
    assert_eq!(
        last["detail"]["settled_from"], "operator_not_applied",
        "{last}"
    );
    // The pass is live again: a new close goes through.
    app.sim.set_faults(Vec::new());
    let closed = app
        .post_json("/v1/passes/N-1/close", &json!({}))
        .value()
        .await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_status_named_in_the_refusal_is_the_status_recorded() {
    // Kinder than the vendor's pages: UPDATE_ERROR names the pass's status.
    let app = app(true).await;
    app.sim.set_kinder(true);
    issued(&app, "K-1").await;
    unknown_outcome(&app, "/v1/passes/K-1/redeem", |f| f.lost_answer_rate = 1.0).await;
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_json("/v1/passes/K-1").await["change_pending"] == false
    })
    .await;
    assert!(settled, "the reconciler never settled the redeem");
    let pass = app.get_json("/v1/passes/K-1").await;
    assert_eq!(pass["status"], "USED");
    let last = events(&app, "K-1").await.pop().unwrap();
    assert_eq!(
        last["detail"]["settled_from"], "status_in_refusal",
        "{last}"
    );
    assert_eq!(app.sim.effects(UPDATE), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_first_update_error_is_a_plain_refusal() {
    let app = app(false).await;
    issued(&app, "F-1").await;
    app.sim
        .set_faults(fault(UPDATE, |f| f.update_error_rate = 1.0));
    let refused = app.post_json("/v1/passes/F-1/redeem", &json!({}));
    let body = problem(refused.send().await.unwrap(), 502).await;
    assert_eq!(
        body["gateway_sub_code"], "KP.AE_ALIPASS_UPDATE_ERROR",
        "{body}"
    );
    let pass = app.get_json("/v1/passes/F-1").await;
    assert_eq!(
        (pass["status"].as_str(), pass["change_pending"].as_bool()),
        (Some("ISSUED"), Some(false))
    );
    app.sim.set_faults(Vec::new());
    let redeemed = app
        .post_json("/v1/passes/F-1/redeem", &json!({}))
        .value()
        .await;
    assert_eq!(redeemed["status"], "USED", "{redeemed}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_template_update_no_answer_proves_waits_for_an_operator() {
    let app = app(true).await;
    let (id, _) = app.create_template().await;
    app.sim
        .set_faults(fault(TEMPLATE_UPDATE, |f| f.lost_answer_rate = 1.0));
    let lost = app
        .put_renamed_template(&id, "新商户")
        .send()
        .await
        .unwrap();
    problem(lost, 503).await;
    app.sim
        .set_faults(fault(TEMPLATE_UPDATE, |f| f.update_error_rate = 1.0));
    let waiting = eventually(Duration::from_secs(15), || async {
        app.get_json(&format!("/v1/templates/{id}")).await["update_needs_confirmation"] == true
    })
    .await;
    let template = app.get_json(&format!("/v1/templates/{id}")).await;
    assert!(waiting, "{template}");
    assert_eq!(template["version"], 1, "never guessed: {template}");
    let resolved = app
        .post_json(
            &format!("/v1/templates/{id}/pending-update/resolution"),
            &json!({"applied": true, "reason": "the Alipay console shows the new name"}),
        )
        .value()
        .await;
    assert_eq!(resolved["version"], 2, "{resolved}");
    assert_eq!(resolved["update_pending"], false, "{resolved}");
    assert_eq!(
        resolved["content"]["content"]["merchant"]["mname"],
        "新商户"
    );
    let (applied, by): (bool, String) = sqlx::query_as(
        "SELECT applied, resolved_by FROM operator_resolutions WHERE record_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((applied, by.as_str()), (true, "local-developer"));
    app.shutdown().await;
}

#[tokio::test]
async fn an_open_change_that_cannot_be_read_is_an_error_never_no_change() {
    let app = app(false).await;
    issued(&app, "GARBLED-1").await;
    // An open change written by a version that no longer reads it (or damaged by hand).
    sqlx::query("UPDATE passes SET pending_change = '{\"shape\": \"unknown\"}' WHERE serial_number = 'GARBLED-1'")
        .execute(&app.db)
        .await
        .unwrap();
    let refused = app
        .post_json("/v1/passes/GARBLED-1/redeem", &json!({}))
        .send();
    let refused = problem(refused.await.unwrap(), 500).await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{refused}"
    );
    // Nothing was sent over the open change, and the pass is as it was.
    assert_eq!(app.sim.requests(UPDATE), 0);
    assert_eq!(
        app.get_json("/v1/passes/GARBLED-1").await["status"],
        "ISSUED"
    );
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    let unreadable = "alipass_pending_operations_unreadable_total";
    assert_eq!(
        series(&text, unreadable, &["kind=\"pass_change\""]),
        Some(1.0)
    );
    app.shutdown().await;
}
