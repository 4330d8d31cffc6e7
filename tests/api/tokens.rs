//! Calls on a merchant's behalf: `Alipay-App-Auth-Token` (with `Alipay-Merchant-Id`) is
//! sent with the call, kept sealed with the record, and used again by the reconciler; a
//! record made for one merchant cannot be changed with another's token. The simulator plays
//! an ISV app that must always act for a merchant it knows.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::*;

const MERCHANT_TOKEN: &str = "202511BB3f1e2c7a9d4b4e0c8a1f6d2e5b7c9a01";
const OTHER_TOKEN: &str = "202511BBffffffffffffffffffffffffffffff02";
const TOKEN_HEADER: &str = "Alipay-App-Auth-Token";
const MERCHANT_HEADER: &str = "Alipay-Merchant-Id";
const MERCHANT: &str = "2088102122069225";
const OTHER_MERCHANT: &str = "2088102122069999";

async fn isv_app() -> TestApp {
    spawn_app_with(|s| {
        s.alipay.token_sealing_key = Some(STANDARD.encode([42u8; 32]).into());
        s.sim.app_auth_tokens = vec![MERCHANT_TOKEN.into(), OTHER_TOKEN.into()];
        s.reconciler.enabled = true;
        s.reconciler.stale_after_ms = 300;
    })
    .await
}

async fn json_of(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_merchant_token_is_sent_kept_sealed_and_used_again_by_the_reconciler() {
    let app = isv_app().await;
    let body = json!({"content": valid_template()});
    // Without the merchant's authority the ISV app may do nothing: a definite refusal.
    let refused = app.post_problem(paths::TEMPLATES, &body, 502).await;
    assert_eq!(refused["code"], "gateway_auth_token_invalid");

    let as_merchant = |r: reqwest::RequestBuilder| {
        r.header(TOKEN_HEADER, MERCHANT_TOKEN)
            .header(MERCHANT_HEADER, MERCHANT)
    };
    let (status, template) = json_of(as_merchant(app.post_template(&body))).await;
    assert_eq!(status, 201, "{template}");
    let params: Vec<String> = serde_json::from_value(template["params"].clone()).unwrap();

    // The answer is lost after the effect: the reconciler must settle it as the merchant.
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0;
    }));
    let issue = issue_body(template["id"].as_str().unwrap(), "TOK-1", &params);
    let (status, _) = json_of(as_merchant(app.post_pass(&issue))).await;
    assert_eq!(status, 503);
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        app.get_pass("TOK-1").await["status"] == "ISSUED"
    })
    .await;
    assert!(
        settled,
        "the reconciler did not settle with the merchant's token"
    );

    // At rest the token is sealed, never in clear.
    let stored = app.sealed_tokens().await;
    assert!(stored.iter().flatten().count() >= 2, "{stored:?}");
    assert!(stored.iter().flatten().all(|s| !s.contains("202511BB")));
    app.shutdown().await;
}

#[tokio::test]
async fn a_token_without_a_sealing_key_is_refused_before_any_call() {
    let app = spawn_app().await;
    let request = app
        .post_template(&json!({"content": valid_template()}))
        .header(TOKEN_HEADER, MERCHANT_TOKEN)
        .header(MERCHANT_HEADER, MERCHANT);
    let body = problem(request.send().await.unwrap(), 422).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("token_sealing_key"),
        "{body}"
    );
    assert_eq!(app.sim.requests("alipay.pass.template.add"), 0);
    app.shutdown().await;
}

/// A pass issued for one merchant, in the merchant's channel.
async fn issued_for_merchant(app: &TestApp, serial: &str) -> Value {
    let as_merchant = |r: reqwest::RequestBuilder| {
        r.header(TOKEN_HEADER, MERCHANT_TOKEN)
            .header(MERCHANT_HEADER, MERCHANT)
    };
    let body = json!({"content": valid_template()});
    let (_, template) = json_of(as_merchant(app.post_template(&body))).await;
    let params: Vec<String> = serde_json::from_value(template["params"].clone()).unwrap();
    let mut issue = issue_body(template["id"].as_str().unwrap(), serial, &params);
    issue.as_object_mut().unwrap().remove("channel_id");
    let (status, pass) = json_of(as_merchant(app.post_pass(&issue))).await;
    assert_eq!(status, 201, "{pass}");
    pass
}

#[tokio::test]
async fn a_pass_is_issued_in_the_merchants_channel_and_only_that_merchant_changes_it() {
    let app = isv_app().await;
    let pass = issued_for_merchant(&app, "ISV-1").await;
    assert_eq!(pass["channel_id"], MERCHANT, "{pass}");
    let sealed = || app.sealed_token_of_pass("ISV-1");
    let before = sealed().await;

    let path = format!("{}?channel_id={MERCHANT}", paths::close("ISV-1"));
    let as_other = app
        .post_json(&path, &json!({}))
        .header(TOKEN_HEADER, OTHER_TOKEN)
        .header(MERCHANT_HEADER, OTHER_MERCHANT);
    let refused = problem(as_other.send().await.unwrap(), 409).await;
    assert_eq!(refused["code"], "merchant_mismatch", "{refused}");
    assert_eq!(sealed().await, before, "another merchant's token was kept");
    assert_eq!(app.sim.requests("alipay.pass.instance.update"), 0);

    // Without a token the stored one acts for the merchant.
    let (status, closed) = json_of(app.post_json(&path, &json!({}))).await;
    assert_eq!(
        (status, &closed["status"]),
        (200, &json!("CLOSED")),
        "{closed}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_token_comes_with_the_merchant_it_is_for() {
    let app = isv_app().await;
    let body = json!({"content": valid_template()});
    let bare = app
        .post_template(&body)
        .header(TOKEN_HEADER, MERCHANT_TOKEN);
    let problem_body = problem(bare.send().await.unwrap(), 400).await;
    assert_eq!(problem_body["code"], "merchant_id_required");
    let alone = app.post_template(&body).header(MERCHANT_HEADER, MERCHANT);
    let problem_body = problem(alone.send().await.unwrap(), 400).await;
    assert_eq!(problem_body["code"], "app_auth_token_required");
    assert_eq!(app.sim.requests("alipay.pass.template.add"), 0);
    app.shutdown().await;
}
