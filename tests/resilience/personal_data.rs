//! Customers' identifiers and pass parameters never reach the logs: a full run (successes,
//! business refusals, invalid input, lost answers and their retries) at debug level, every
//! line of the service's output scanned for the values it was sent.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{pass_params, paths, valid_template};
use crate::processes::{authed, set_sim_faults, Deployment, Process};

const LOGIN_ID: &str = "pii.person@example.com";
const PHONE: &str = "13800138000";
const TAOBAO_NICK: &str = "piinick淘宝";
const USER_ID: &str = "2088302001456115";
const OUT_TRADE_NO: &str = "pii-order-5521";
const PARAM_VALUE: &str = "PII-PARAM-7f3a";

async fn post(client: &reqwest::Client, service: &Process, path: &str, body: &Value) -> u16 {
    let request = authed(client, Method::POST, service.url(path)).json(body);
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test]
async fn no_recipient_identifier_or_pass_parameter_is_ever_logged() {
    let deployment = Deployment::start().await;
    let sim = &deployment.sim;
    let service = deployment.replica(&[("APP__LOG__LEVEL", "debug".to_owned())]);
    let client = reqwest::Client::new();

    let template = json!({"content": valid_template()});
    let response = authed(&client, Method::POST, service.url(paths::TEMPLATES))
        .json(&template)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.unwrap();
    let params: Vec<String> = serde_json::from_value(created["params"].clone()).unwrap();
    let mut values = pass_params(&params);
    for value in values.values_mut() {
        if value
            .as_str()
            .is_some_and(|v| !v.contains('-') && !v.contains(':'))
        {
            *value = json!(PARAM_VALUE);
        }
    }
    let pass = |serial: &str| {
        json!({"template_id": created["id"], "serial_number": serial, "params": values,
               "recipient": {"partner_id": "2088102122069225", "out_trade_no": OUT_TRADE_NO}})
    };
    assert_eq!(
        post(&client, &service, paths::PASSES, &pass("PII-1")).await,
        201
    );
    send_vouchers(&client, &service, sim, &pass("PII-2")).await;
    scan(&service);
}

fn voucher(out_biz_no: &str, recipient: &Value, template: &str) -> Value {
    json!({"template_id": template, "out_biz_no": out_biz_no, "recipient": recipient})
}

/// Vouchers to every kind of recipient: sent, refused (an expired template) and invalid (a
/// bad amount); then, with every answer lost, a voucher and `lost_pass`.
async fn send_vouchers(
    client: &reqwest::Client,
    service: &Process,
    sim: &Process,
    lost_pass: &Value,
) {
    let (sent, expired) = (
        "20140601000730010040000000EB",
        "20140601000730010040000000EX",
    );
    let recipients = [
        json!({"login_id": LOGIN_ID}),
        json!({"login_id": PHONE}),
        json!({"taobao_nick": TAOBAO_NICK}),
        json!({"user_id": USER_ID}),
    ];
    for (i, recipient) in recipients.iter().enumerate() {
        let ok = voucher(&format!("pii-{i}"), recipient, sent);
        post(client, service, paths::VOUCHERS, &ok).await;
        let refused = voucher(&format!("pii-x{i}"), recipient, expired);
        post(client, service, paths::VOUCHERS, &refused).await;
        let mut bad = voucher(&format!("pii-b{i}"), recipient, sent);
        bad["amount"] = json!("-1");
        post(client, service, paths::VOUCHERS, &bad).await;
    }
    // Lost answers: the retries and the unknown outcomes log their warnings.
    let lose_all = json!([{"method": "*", "lost_answer_rate": 1.0}]);
    set_sim_faults(client, sim, lose_all).await;
    post(client, service, paths::PASSES, lost_pass).await;
    let lost = voucher("pii-lost", &recipients[0], sent);
    post(client, service, paths::VOUCHERS, &lost).await;
    set_sim_faults(client, sim, json!([])).await;
}

/// No value sent in any line the service logged.
fn scan(service: &Process) {
    let lines = service.logs.lock().unwrap().clone();
    assert!(lines.len() > 10, "too little log output: {lines:?}");
    // The scan sees the requests' lines (their ids and routes are logged) ...
    assert!(
        lines.iter().any(|l| l.contains(paths::VOUCHERS)),
        "{lines:?}"
    );
    // ... and none carries what identifies a customer.
    for line in &lines {
        for value in [
            LOGIN_ID,
            PHONE,
            TAOBAO_NICK,
            USER_ID,
            OUT_TRADE_NO,
            PARAM_VALUE,
        ] {
            assert!(!line.contains(value), "{value} in a log line: {line}");
        }
    }
}
