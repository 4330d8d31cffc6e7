//! `Idempotency-Key` for adds whose natural key the caller left out: a retry of a pass or
//! template without `serial_number` / `unique_id` meets the first request's record instead
//! of making a second one; the key is the caller's own; a natural key in the body wins.

use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::{
    extra_key, issue_body, paths, problem, spawn_app_with, valid_template, DEV_KEY,
};

const OTHER_KEY: &str = "another-callers-key";
const ADD: &str = "alipay.pass.instance.add";

/// A pass request without a serial number.
fn keyless(template_id: &str, params: &[String]) -> Value {
    let mut body = issue_body(template_id, "unused", params);
    body.as_object_mut().unwrap().remove("serial_number");
    body
}

#[tokio::test]
async fn a_retried_keyless_pass_with_the_same_idempotency_key_is_one_pass() {
    let app = spawn_app_with(|s| extra_key(s, "other", OTHER_KEY, &["passes:write", "read"])).await;
    let (template_id, params) = app.create_template().await;
    let body = keyless(&template_id, &params);
    let send = |api_key: &str, key: &str| {
        app.client
            .post(app.url(paths::PASSES))
            .bearer_auth(api_key)
            .json(&body)
            .header("Idempotency-Key", key)
            .send()
    };
    let first = send(DEV_KEY, "order-42").await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(DEV_KEY, "order-42").await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["serial_number"], first["serial_number"]);
    assert_eq!(app.sim.effects(ADD), 1);

    // Another key, or another caller with the same key: another pass.
    let other: Value = send(DEV_KEY, "order-43")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(other["serial_number"], first["serial_number"]);
    let theirs: Value = send(OTHER_KEY, "order-42")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(theirs["serial_number"], first["serial_number"]);
    assert_eq!(app.sim.effects(ADD), 3);

    // Without the header every request is new, as before.
    app.post_pass(&body).value().await;
    assert_eq!(app.sim.effects(ADD), 4);
    app.shutdown().await;
}

#[tokio::test]
async fn a_serial_number_in_the_body_wins_over_the_idempotency_key() {
    let app = spawn_app_with(|_| {}).await;
    let (template_id, params) = app.create_template().await;
    let body = issue_body(&template_id, "GIVEN-1", &params);
    let sent = app
        .post_pass(&body)
        .header("Idempotency-Key", "whatever")
        .value()
        .await;
    assert_eq!(sent["serial_number"], "GIVEN-1", "{sent}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_retried_keyless_template_with_the_same_idempotency_key_is_one_template() {
    let app = spawn_app_with(|_| {}).await;
    let body = json!({"content": valid_template()});
    let send = || {
        app.post_template(&body)
            .header("Idempotency-Key", "tpl-7")
            .value()
    };
    let first = send().await;
    let again = send().await;
    assert_eq!(first["id"], again["id"], "{first} {again}");
    assert_eq!(app.sim.effects("alipay.pass.template.add"), 1);
    let bad = app
        .post_template(&body)
        .header("Idempotency-Key", "has space");
    assert_eq!(
        problem(bad.send().await.unwrap(), 400).await["code"],
        "invalid_idempotency_key"
    );
    app.shutdown().await;
}
