//! Concurrent duplicates: exactly one gateway effect and one row per key.

use alipass::config::SimFaultSetting;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{issue_body, paths, spawn_app, valid_template, TestApp};

const DUPLICATES: usize = 50;

fn slow(method: &str) -> Vec<SimFaultSetting> {
    vec![SimFaultSetting {
        method: method.into(),
        latency_ms: 300,
        ..Default::default()
    }]
}

/// Fires the same request DUPLICATES times at once; answers (status, replayed, body).
async fn burst(app: &TestApp, path: &str, body: &Value) -> Vec<(u16, bool, Value)> {
    let requests = (0..DUPLICATES).map(|_| {
        let request = app.post_json(path, body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let replayed = response.headers().contains_key("idempotent-replayed");
            (status, replayed, response.json::<Value>().await.unwrap())
        }
    });
    join_all(requests).await
}

fn assert_one_answer(answers: &[(u16, bool, Value)]) {
    let first = &answers[0].2;
    for (status, _, body) in answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body, first);
    }
    assert_eq!(
        answers.iter().filter(|a| !a.1).count(),
        1,
        "exactly one fresh answer"
    );
}

/// How many records a list of the API holds (one page of up to 100).
fn listed(list: Value) -> usize {
    list["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn fifty_duplicate_template_creates_make_one_call_and_one_row() {
    let app = spawn_app().await;
    app.sim.set_faults(slow("alipay.pass.template.add"));
    let body = json!({"unique_id": "dup-template", "content": valid_template()});
    let answers = burst(&app, paths::TEMPLATES, &body).await;
    assert_one_answer(&answers);
    assert_eq!(app.sim.effects("alipay.pass.template.add"), 1);
    assert_eq!(app.sim.requests("alipay.pass.template.add"), 1);
    assert_eq!(listed(app.list_templates("limit=100").await), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn fifty_duplicate_issues_make_one_call_and_one_row() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    app.sim.set_faults(slow("alipay.pass.instance.add"));
    let answers = burst(
        &app,
        paths::PASSES,
        &issue_body(&template_id, "DUP-SN", &params),
    )
    .await;
    assert_one_answer(&answers);
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 1);
    assert_eq!(app.sim.requests("alipay.pass.instance.add"), 1);
    assert_eq!(listed(app.list_passes("limit=100").await), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn fifty_duplicate_voucher_sends_make_one_call_and_one_row() {
    let app = spawn_app().await;
    app.sim.set_faults(slow("alipay.marketing.voucher.send"));
    let body = json!({
        "template_id": "20140601000730010040000000RP",
        "recipient": {"user_id": "2088302001456115"},
        "out_biz_no": "dup-biz",
        "amount": "5.00",
    });
    let answers = burst(&app, paths::VOUCHERS, &body).await;
    assert_one_answer(&answers);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);
    assert_eq!(app.sim.requests("alipay.marketing.voucher.send"), 1);
    assert_eq!(listed(app.list_vouchers("limit=100").await), 1);
    app.shutdown().await;
}
