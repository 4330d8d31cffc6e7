//! What we record equals what Alipay holds, for each outcome the vendor's pages allow: no
//! blind resend of state changes, unsigned refusals, duplicate refusals without ids, fencing.

use crate::fetch::Fetch;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    eventually, fault, issue_body, paths, problem, spawn_app_with, valid_template, TestApp,
};

const ADD: &str = "alipay.pass.instance.add";

/// An app whose reconciler stays out of the way unless a test waits for it.
async fn app(reconciler: bool) -> TestApp {
    spawn_app_with(|s| {
        s.reconciler.enabled = reconciler;
        s.reconciler.stale_after_ms = 300;
    })
    .await
}

#[tokio::test]
async fn an_unsigned_refusal_is_shown_at_once_and_does_not_burn_the_key() {
    let app = app(true).await;
    let (template_id, params) = app.create_template().await;
    app.sim
        .set_faults(fault(ADD, |f| f.unsigned_error_rate = 1.0));
    let body = issue_body(&template_id, "U-1", &params);
    let refused = app.post_pass(&body).send().await.unwrap();
    let problem_body = problem(refused, 502).await;
    assert_eq!(problem_body["code"], "gateway_signature_rejected");
    assert_eq!(problem_body["gateway_sub_code"], "isv.invalid-signature");
    assert_eq!(app.sim.requests(ADD), 1, "a refusal is not retried");
    let pass = app.get_pass("U-1").await;
    assert_eq!(pass["status"], "FAILED");
    // Not open: the reconciler leaves it alone.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(app.sim.requests(ADD), 1, "the reconciler resent a refusal");

    // The configuration is fixed: the same key now makes the call.
    app.sim.set_faults(Vec::new());
    let retry = app.post_pass(&body).send().await.unwrap();
    assert_eq!(retry.status().as_u16(), 201);
    assert_eq!(app.get_pass("U-1").await["status"], "ISSUED");
    assert_eq!(app.sim.effects(ADD), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn an_unsigned_refusal_of_a_voucher_keeps_its_out_biz_no_usable() {
    let app = app(false).await;
    let send = "alipay.marketing.voucher.send";
    app.sim
        .set_faults(fault(send, |f| f.unsigned_error_rate = 1.0));
    let body = json!({"template_id": "20140601000730010040000000EB", "out_biz_no": "UV-1",
                      "recipient": {"user_id": "2088102122069225"}});
    let refused = app.send_voucher(&body).send().await.unwrap();
    assert_eq!(
        problem(refused, 502).await["code"],
        "gateway_signature_rejected"
    );
    app.sim.set_faults(Vec::new());
    let retry = app.send_voucher(&body).send().await.unwrap();
    assert_eq!(retry.status().as_u16(), 201);
    assert_eq!(app.sim.effects(send), 1);
    app.shutdown().await;
}

const TEMPLATE_ADD: &str = "alipay.pass.template.add";

/// An app whose template T-LOST was created by an attempt whose answer was lost, and
/// retried: the retry's status and the template, with its id and parameters.
async fn template_created_by_a_lost_attempt() -> (TestApp, u16, Value, String, Vec<String>) {
    let app = app(false).await;
    let body = json!({"unique_id": "T-LOST", "content": valid_template()});
    let (status, template) = app
        .lost_then_retried(TEMPLATE_ADD, paths::TEMPLATES, &body)
        .await;
    let id = template["id"].as_str().unwrap().to_owned();
    let params = serde_json::from_value(template["params"].clone()).unwrap();
    (app, status, template, id, params)
}

/// The count of templates waiting for an operator to give their Alipay id.
async fn templates_needing_an_id(app: &TestApp) -> Option<f64> {
    let metrics = app.get("/metrics").text_body().await;
    crate::helpers::series(&metrics, "alipass_templates_needing_alipay_id", &[])
}

/// Gives template `id` the Alipay id the simulator holds, as an operator does: the answer
/// and that id.
async fn give_alipay_id(app: &TestApp, id: &str) -> (reqwest::Response, Value) {
    let tpl_id = app.sim.snapshot()["templates"][0]["tpl_id"].clone();
    let set = app
        .set_alipay_template_id(id, &json!({"alipay_template_id": tpl_id}))
        .send()
        .await
        .unwrap();
    (set, tpl_id)
}

#[tokio::test]
async fn a_template_created_by_a_lost_attempt_and_no_id_in_the_retry_needs_one() {
    let (app, status, template, _, _) = template_created_by_a_lost_attempt().await;
    assert_eq!(status, 201);
    assert_eq!(template["status"], "NEEDS_ALIPAY_ID");
    assert_eq!(template["alipay_template_id"], Value::Null);
    assert_eq!(app.sim.effects(TEMPLATE_ADD), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_template_without_its_alipay_id_issues_no_pass() {
    let (app, _, _, id, params) = template_created_by_a_lost_attempt().await;
    let pass = app.post_pass(&issue_body(&id, "NA-1", &params));
    let refused = problem(pass.send().await.unwrap(), 409).await;
    assert_eq!(refused["code"], "template_needs_alipay_id");
    app.shutdown().await;
}

#[tokio::test]
async fn a_template_waiting_for_its_alipay_id_is_counted() {
    let (app, _, _, _, _) = template_created_by_a_lost_attempt().await;
    assert_eq!(templates_needing_an_id(&app).await, Some(1.0));
    app.shutdown().await;
}

#[tokio::test]
async fn an_operator_gives_the_template_its_alipay_id() {
    let (app, _, _, id, _) = template_created_by_a_lost_attempt().await;
    let (set, tpl_id) = give_alipay_id(&app, &id).await;
    assert_eq!(set.status().as_u16(), 200);
    let template: Value = set.json().await.unwrap();
    assert_eq!(template["status"], "CREATED");
    assert_eq!(template["alipay_template_id"], tpl_id);
    assert_eq!(templates_needing_an_id(&app).await, Some(0.0));
    app.shutdown().await;
}

#[tokio::test]
async fn a_pass_refused_for_want_of_an_alipay_id_is_issued_once_the_template_has_it() {
    let (app, _, _, id, params) = template_created_by_a_lost_attempt().await;
    let refused = app.post_pass(&issue_body(&id, "NA-1", &params));
    assert_eq!(refused.status_code().await, 409);
    let (set, _) = give_alipay_id(&app, &id).await;
    assert_eq!(set.status().as_u16(), 200);
    let pass = app.post_pass(&issue_body(&id, "NA-1", &params));
    assert_eq!(pass.status_code().await, 201);
    app.shutdown().await;
}

#[tokio::test]
async fn the_kinder_reading_gives_the_template_its_id_at_once() {
    let app = app(false).await;
    app.sim.set_kinder(true);
    let body = json!({"unique_id": "T-KIND", "content": valid_template()});
    let add = "alipay.pass.template.add";
    let (_, retry) = app.lost_then_retried(add, paths::TEMPLATES, &body).await;
    assert_eq!(retry["status"], "CREATED");
    assert_eq!(
        retry["alipay_template_id"],
        app.sim.snapshot()["templates"][0]["tpl_id"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_pass_issued_by_a_lost_attempt_learns_its_id_from_the_next_answer() {
    let app = app(false).await;
    let (template_id, params) = app.create_template().await;
    let body = issue_body(&template_id, "P-LOST", &params);
    let (_, retry) = app.lost_then_retried(ADD, paths::PASSES, &body).await;
    assert_eq!(retry["status"], "ISSUED");
    assert_eq!(
        retry["alipay_pass_id"],
        Value::Null,
        "the duplicate refusal named no id"
    );
    let redeemed: Value = app.redeem("P-LOST", &json!({})).value().await;
    assert_eq!(redeemed["status"], "USED");
    assert_eq!(
        redeemed["alipay_pass_id"],
        app.sim.snapshot()["passes"][0]["pass_id"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_template_update_whose_answer_is_lost_is_recorded_and_settled() {
    let app = app(true).await;
    let (template_id, _) = app.create_template().await;
    let update = "alipay.pass.template.update";
    app.sim
        .set_faults(fault(update, |f| f.lost_answer_rate = 1.0));
    let mut content = valid_template();
    content["content"]["evoucherInfo"]["title"] = json!("新标题");
    let lost = app
        .update_template(&template_id, &content)
        .send()
        .await
        .unwrap();
    problem(lost, 503).await;
    assert_eq!(app.sim.requests(update), 1);
    let pending = app.get_template(&template_id).await;
    assert_eq!(pending["update_pending"], true);
    assert_eq!(pending["version"], 1);
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_template(&template_id).await["update_pending"] == false
    })
    .await;
    assert!(settled, "the update was never settled");
    let template = app.get_template(&template_id).await;
    assert_eq!(template["version"], 2);
    assert_eq!(template["content"], content);
    assert_eq!(app.sim.snapshot()["templates"][0]["content"], content);
    app.shutdown().await;
}

#[tokio::test]
async fn a_late_owner_can_neither_settle_nor_write_a_second_event() {
    let app = app(false).await;
    // An endpoint wants pass.issued: the settlement writes its event into the outbox.
    let endpoint = app.register_webhook("https://hooks.example.com/x", &["pass.issued"]);
    assert_eq!(endpoint.status_code().await, 201);
    let (template_id, params) = app.create_template().await;
    let body = issue_body(&template_id, "F-1", &params);
    assert_eq!(app.post_pass(&body).status_code().await, 201);
    // A worker whose lease expired while another settled the pass comes back late.
    let written = app.settle_issue_as_a_late_owner("F-1").await;
    assert!(!written, "a settled pass was settled again");
    // Nothing is announced that did not commit.
    assert_eq!(
        app.outbox_events("pass.issued").await,
        1,
        "only the real settlement's event"
    );
    let events = app.history_of("F-1").await["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "ISSUED")
        .count();
    assert_eq!(events, 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_redis_lock_left_by_a_dead_holder_does_not_turn_requests_away() {
    let app = app(false).await;
    let (template_id, params) = app.create_template().await;
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let app_id = app.settings.alipay.app_id.clone();
    let lock = format!(
        "{}lock:pass:{}:{}:{}",
        app.settings.redis.key_prefix,
        hex(&app_id),
        hex(&app_id),
        hex("DL-1")
    );
    let client = redis::Client::open(crate::helpers::redis_url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(&lock)
        .arg("dead-holder")
        .arg("PX")
        .arg(25_000)
        .query_async(&mut redis)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let response = app
        .post_pass(&issue_body(&template_id, "DL-1", &params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    app.shutdown().await;
}

#[tokio::test]
async fn history_is_paginated_and_keyed_by_record_not_by_joined_strings() {
    let app = app(false).await;
    let (template_id, params) = app.create_template().await;
    // Old keys: "pass:a:b:c" for both.
    for (channel, serial) in [("a:b", "c"), ("a", "b:c")] {
        let mut body = issue_body(&template_id, serial, &params);
        body["channel_id"] = json!(channel);
        let response = app.post_pass(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201, "{channel} {serial}");
    }
    let one = app.history_page("c", "channel_id=a:b").await;
    assert_eq!(one["gateway_calls"].as_array().unwrap().len(), 1);
    for n in 0..3 {
        let change = json!({params_to_change(&params): format!("第{n}次")});
        let response = app
            .update_pass("c?channel_id=a:b", &change)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // ISSUING, ISSUED, 3 × UPDATED; 4 gateway calls: pages of 2.
    let mut events = Vec::new();
    let mut calls = 0;
    let mut after = String::new();
    loop {
        let page = app
            .history_page("c", &format!("channel_id=a:b&limit=2{after}"))
            .await;
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        calls += page["gateway_calls"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(cursor) => after = format!("&after={cursor}"),
            None => break,
        }
    }
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["ISSUING", "ISSUED", "UPDATED", "UPDATED", "UPDATED"]
    );
    assert_eq!(calls, 4);
    app.shutdown().await;
}

/// A text parameter of the fixture template that an update may change.
fn params_to_change(params: &[String]) -> String {
    params
        .iter()
        .find(|p| {
            !["serialNumber", "channelID"].contains(&p.as_str())
                && !p.to_lowercase().contains("date")
        })
        .cloned()
        .expect("the fixture has a text parameter")
}
