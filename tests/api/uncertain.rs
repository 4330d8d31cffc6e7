//! Changes without an Alipay-side key whose outcome is unknown: only a success or a status
//! in an answer settles them. `KP.AE_ALIPASS_UPDATE_ERROR` ("update failed, retry") proves
//! nothing about an earlier attempt, whichever reading the simulator takes (a pass no longer
//! active, or a transient failure); when the resends are spent an operator decides, and the
//! decision is recorded. The record never claims a state Alipay does not hold.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::{
    eventually, fault, problem, refused, resolution, series, spawn_app_with, TestApp,
};

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

/// Issues pass `serial` from the fixture template: its channel.
async fn issued(app: &TestApp, serial: &str) -> String {
    let pass = app.issued_pass(serial).await;
    pass["channel_id"].as_str().unwrap().to_owned()
}

/// Sends `change` while every instance.update is dropped as `fault` says: 503, outcome
/// unknown.
async fn unknown_outcome(
    app: &TestApp,
    change: reqwest::RequestBuilder,
    set: impl FnOnce(&mut alipass::config::SimFaultSetting),
) {
    app.sim.set_faults(fault(UPDATE, set));
    let lost = change.send().await.unwrap();
    assert_eq!(problem(lost, 503).await["code"], "gateway_outcome_unknown");
}

#[tokio::test]
async fn a_redeem_lost_before_the_effect_and_then_refused_with_update_error_is_never_recorded_used()
{
    let app = app(true).await;
    let channel = issued(&app, "B-1").await;
    unknown_outcome(&app, app.redeem("B-1", &json!({})), |f| f.reset_rate = 1.0).await;
    // The reading of UPDATE_ERROR as a transient failure: every resend is refused.
    app.sim
        .set_faults(fault(UPDATE, |f| f.update_error_rate = 1.0));
    // One resend refused (the next comes twice as late).
    let tried = eventually(Duration::from_secs(15), || async {
        app.sim.requests(UPDATE) >= 2
    })
    .await;
    assert!(tried, "the reconciler never resent the redeem");
    let pass = app.get_pass("B-1").await;
    assert_eq!(pass["status"], "ISSUED", "{pass}");
    assert_eq!(pass["change_pending"], true, "{pass}");
    assert_eq!(
        app.sim.pass_status(&channel, "B-1").as_deref(),
        Some("ACTIVE")
    );
    assert!(app
        .events_of("B-1")
        .await
        .iter()
        .all(|e| e["kind"] != "REDEEMED"));

    // Alipay answers again before the tries are spent: the resend applies it, once.
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_pass("B-1").await["status"] == "USED"
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

/// An app (no reconciler) with pass `serial` whose redeem reached Alipay but whose answer
/// was lost: the pass's channel.
async fn redeem_lost_after_the_effect(serial: &str) -> (TestApp, String) {
    let app = app(false).await;
    let channel = issued(&app, serial).await;
    let redeem = app.redeem(serial, &json!({}));
    unknown_outcome(&app, redeem, |f| f.lost_answer_rate = 1.0).await;
    app.sim.set_faults(Vec::new());
    (app, channel)
}

/// Resends pass `serial`'s redeem until the tries that prove nothing are spent: each
/// meets UPDATE_ERROR without a status (the pass is USED at Alipay, which the strict
/// reading does not say), and the pass stays ISSUED.
async fn spend_unproven_tries(app: &TestApp, serial: &str) {
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let retry = app.redeem(serial, &json!({}));
        let body = refused(retry, 503).await;
        assert_eq!(
            body["gateway_sub_code"], "KP.AE_ALIPASS_UPDATE_ERROR",
            "{body}"
        );
        let pass = app.get_pass(serial).await;
        assert_eq!(pass["status"], "ISSUED", "never guessed: {pass}");
    }
}

/// An app with pass `serial`'s redeem lost after the effect and its tries spent.
async fn redeem_awaiting_an_operator(serial: &str) -> TestApp {
    let (app, _) = redeem_lost_after_the_effect(serial).await;
    spend_unproven_tries(&app, serial).await;
    app
}

/// A redeem lost after the effect, its tries spent, and confirmed by an operator: the
/// gateway requests made before the confirmation, and the confirmation's answer.
async fn redeem_confirmed_by_an_operator(serial: &str) -> (TestApp, u64, Value) {
    let app = redeem_awaiting_an_operator(serial).await;
    let requests = app.sim.requests(UPDATE);
    let reason = "the merchant console shows it used";
    let resolved = app
        .resolve_pass_change(serial, &resolution(true, reason))
        .value()
        .await;
    (app, requests, resolved)
}

#[tokio::test]
async fn a_redeem_resent_while_a_lost_attempt_could_still_land_is_refused_409() {
    let (app, channel) = redeem_lost_after_the_effect("A-1").await;
    assert_eq!(
        app.sim.pass_status(&channel, "A-1").as_deref(),
        Some("USED")
    );
    let early = app.redeem("A-1", &json!({}));
    assert_eq!(refused(early, 409).await["code"], "change_pending");
    app.shutdown().await;
}

#[tokio::test]
async fn update_errors_after_a_lost_redeem_prove_nothing_and_leave_the_pass_issued() {
    let (app, _) = redeem_lost_after_the_effect("A-1").await;
    // Each resend is answered UPDATE_ERROR and leaves the pass ISSUED (checked per try).
    spend_unproven_tries(&app, "A-1").await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeem_whose_tries_are_spent_waits_for_an_operator_and_is_counted() {
    let app = redeem_awaiting_an_operator("A-1").await;
    let pass = app.get_pass("A-1").await;
    assert_eq!(pass["change_needs_confirmation"], true, "{pass}");
    let metrics = app.get("/metrics").text_body().await;
    let waiting = series(
        &metrics,
        "alipass_open_records",
        &["work=\"pass_change\"", "state=\"needs_confirmation\""],
    );
    assert_eq!(waiting, Some(1.0), "{metrics}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeem_waiting_for_an_operator_is_not_resent() {
    let app = redeem_awaiting_an_operator("A-1").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let more = app.redeem("A-1", &json!({}));
    assert_eq!(refused(more, 409).await["code"], "needs_confirmation");
    app.shutdown().await;
}

#[tokio::test]
async fn a_resolution_without_a_reason_is_refused_422() {
    let app = redeem_awaiting_an_operator("A-1").await;
    let unreasoned = app.resolve_pass_change("A-1", &resolution(true, " "));
    refused(unreasoned, 422).await;
    app.shutdown().await;
}

#[tokio::test]
async fn an_operator_confirming_a_lost_redeem_settles_it_used_without_calling_alipay() {
    let (app, requests, resolved) = redeem_confirmed_by_an_operator("A-1").await;
    assert_eq!(resolved["status"], "USED", "{resolved}");
    assert_eq!(resolved["change_pending"], false, "{resolved}");
    assert_eq!(
        app.sim.requests(UPDATE),
        requests,
        "a resolution calls nobody"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_operators_confirmation_is_recorded_with_the_redeem() {
    let (app, _, _) = redeem_confirmed_by_an_operator("A-1").await;
    let redeemed: Vec<Value> = app
        .events_of("A-1")
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
    app.shutdown().await;
}

#[tokio::test]
async fn a_change_an_operator_resolved_cannot_be_resolved_again() {
    let (app, _, _) = redeem_confirmed_by_an_operator("A-1").await;
    let again = app.resolve_pass_change("A-1", &resolution(true, "twice"));
    assert_eq!(
        refused(again, 409).await["code"],
        "not_awaiting_confirmation"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_reconcilers_unproven_tries_end_with_an_operator_who_says_it_did_not_apply() {
    let app = app(true).await;
    let channel = issued(&app, "N-1").await;
    unknown_outcome(&app, app.close("N-1"), |f| f.reset_rate = 1.0).await;
    app.sim
        .set_faults(fault(UPDATE, |f| f.update_error_rate = 1.0));
    let waiting = eventually(Duration::from_secs(15), || async {
        app.get_pass("N-1").await["change_needs_confirmation"] == true
    })
    .await;
    assert!(waiting, "{}", app.get_pass("N-1").await);
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
        .resolve_pass_change(
            "N-1",
            &json!({"applied": false, "reason": "the wallet still shows the pass"}),
        )
        .value()
        .await;
    assert_eq!(resolved["status"], "ISSUED", "{resolved}");
    assert_eq!(resolved["change_pending"], false, "{resolved}");
    let last = app.events_of("N-1").await.pop().unwrap();
    assert_eq!(last["kind"], "FAILED", "{last}");
    assert_eq!(
        last["detail"]["settled_from"], "operator_not_applied",
        "{last}"
    );
    // The pass is live again: a new close goes through.
    app.sim.set_faults(Vec::new());
    let closed = app.close("N-1").value().await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_status_named_in_the_refusal_is_the_status_recorded() {
    // Kinder than the vendor's pages: UPDATE_ERROR names the pass's status.
    let app = app(true).await;
    app.sim.set_kinder(true);
    issued(&app, "K-1").await;
    let redeem = app.redeem("K-1", &json!({}));
    unknown_outcome(&app, redeem, |f| f.lost_answer_rate = 1.0).await;
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_pass("K-1").await["change_pending"] == false
    })
    .await;
    assert!(settled, "the reconciler never settled the redeem");
    let pass = app.get_pass("K-1").await;
    assert_eq!(pass["status"], "USED");
    let last = app.events_of("K-1").await.pop().unwrap();
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
    let body = refused(app.redeem("F-1", &json!({})), 502).await;
    assert_eq!(
        body["gateway_sub_code"], "KP.AE_ALIPASS_UPDATE_ERROR",
        "{body}"
    );
    let pass = app.get_pass("F-1").await;
    assert_eq!(
        (pass["status"].as_str(), pass["change_pending"].as_bool()),
        (Some("ISSUED"), Some(false))
    );
    app.sim.set_faults(Vec::new());
    let redeemed = app.redeem("F-1", &json!({})).value().await;
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
        app.get_template(&id).await["update_needs_confirmation"] == true
    })
    .await;
    let template = app.get_template(&id).await;
    assert!(waiting, "{template}");
    assert_eq!(template["version"], 1, "never guessed: {template}");
    let resolved = app
        .resolve_template_update(
            &id,
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
    let (applied, by) = app.template_resolution(&id).await;
    assert_eq!((applied, by.as_str()), (true, "local-developer"));
    app.shutdown().await;
}

#[tokio::test]
async fn an_open_change_that_cannot_be_read_is_an_error_never_no_change() {
    let app = app(false).await;
    issued(&app, "GARBLED-1").await;
    // An open change written by a version that no longer reads it (or damaged by hand).
    app.store_unreadable_pending_change("GARBLED-1").await;
    let refusal = refused(app.redeem("GARBLED-1", &json!({})), 500).await;
    assert!(
        refusal["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{refusal}"
    );
    // Nothing was sent over the open change, and the pass is as it was.
    assert_eq!(app.sim.requests(UPDATE), 0);
    assert_eq!(app.get_pass("GARBLED-1").await["status"], "ISSUED");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    let unreadable = "alipass_pending_operations_unreadable_total";
    assert_eq!(
        series(&text, unreadable, &["kind=\"pass_change\""]),
        Some(1.0)
    );
    app.shutdown().await;
}
