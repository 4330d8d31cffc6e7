//! Several Alipay apps: a request chooses one with `Alipay-App`; records, idempotency keys
//! and lists are per app; API keys may be limited to some apps; the reconciler settles a
//! record through the app it belongs to.

use std::time::Duration;

use alipass::config::ApiKeySetting;
use serde_json::{json, Value};

use crate::helpers::*;

fn as_brand_b(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header("Alipay-App", BRAND_B)
}

async fn json_of(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An app with brand-b beside it and a template under the same unique_id at each: the
/// default app's template and brand-b's.
async fn one_key_at_two_apps() -> (TestApp, Value, Value) {
    let app = spawn_app_with(with_brand_b).await;
    let body = json!({"unique_id": "shared-key", "content": valid_template()});
    let (status, default_template) = json_of(app.post_template(&body)).await;
    assert_eq!(status, 201);
    let (status, b_template) = json_of(as_brand_b(app.post_template(&body))).await;
    assert_eq!(status, 201, "{b_template}");
    (app, default_template, b_template)
}

/// Issues pass B-1 on brand-b's template, as brand-b.
async fn issue_as_brand_b(app: &TestApp, b_template: &Value) {
    let params: Vec<String> = serde_json::from_value(b_template["params"].clone()).unwrap();
    let issue = issue_body(b_template["id"].as_str().unwrap(), "B-1", &params);
    let (status, pass) = json_of(as_brand_b(app.post_pass(&issue))).await;
    assert_eq!(status, 201, "{pass}");
}

#[tokio::test]
async fn the_same_key_at_two_apps_is_two_records_and_two_templates_at_alipay() {
    let (app, default_template, b_template) = one_key_at_two_apps().await;
    assert_ne!(default_template["id"], b_template["id"]);
    assert_eq!(
        app.sim
            .effects_for_key("alipay.pass.template.add", "shared-key"),
        2,
        "one template at each app"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn lists_and_reads_are_per_app() {
    let (app, _, b_template) = one_key_at_two_apps().await;
    let (_, default_list) = json_of(app.get(paths::TEMPLATES)).await;
    let (_, b_list) = json_of(as_brand_b(app.get(paths::TEMPLATES))).await;
    assert_eq!(default_list["items"].as_array().unwrap().len(), 1);
    assert_eq!(b_list["items"][0]["id"], b_template["id"]);
    let b_path = paths::template(b_template["id"].as_str().unwrap());
    assert_eq!(
        json_of(app.get(&b_path)).await.0,
        404,
        "not the default app's"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_pass_on_another_apps_template_goes_out_as_that_app_and_is_its_alone() {
    let (app, _, b_template) = one_key_at_two_apps().await;
    issue_as_brand_b(&app, &b_template).await;
    // Its channel is brand-b's app id.
    assert_eq!(
        app.sim.pass_status(BRAND_B_ID, "B-1").as_deref(),
        Some("ACTIVE")
    );
    assert_eq!(json_of(app.get(&paths::pass("B-1"))).await.0, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn gateway_metrics_are_per_app() {
    let (app, _, b_template) = one_key_at_two_apps().await;
    issue_as_brand_b(&app, &b_template).await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    let b_calls = format!("alipay_gateway_calls_total{{app_id=\"{BRAND_B_ID}\"");
    assert!(metrics.contains(&b_calls), "gateway metrics are per app");
    app.shutdown().await;
}

#[tokio::test]
async fn an_unknown_app_is_a_400_and_a_key_limited_to_one_app_gets_403_on_another() {
    let app = spawn_app_with(|s| {
        with_brand_b(s);
        s.auth.api_keys.push(ApiKeySetting {
            name: "default-only".into(),
            sha256: alipass::auth::hash_key("default-only-key-0123456789"),
            scopes: vec!["read".into()],
            apps: vec!["default".into()],
        });
    })
    .await;
    let unknown = app.get(paths::TEMPLATES).header("Alipay-App", "nope");
    let problem_body = problem(unknown.send().await.unwrap(), 400).await;
    assert_eq!(problem_body["code"], "unknown_app");
    assert!(problem_body["detail"]
        .as_str()
        .unwrap()
        .contains("default, brand-b"));

    let limited =
        |request: reqwest::RequestBuilder| request.bearer_auth("default-only-key-0123456789");
    let url = app.url(paths::TEMPLATES);
    let own = limited(app.client.get(&url)).send().await.unwrap();
    assert_eq!(own.status().as_u16(), 200);
    let other = limited(as_brand_b(app.client.get(&url)))
        .send()
        .await
        .unwrap();
    problem(other, 403).await;
    app.shutdown().await;
}

#[tokio::test]
async fn the_reconciler_settles_a_record_through_its_own_app() {
    let app = spawn_app_with(|s| {
        with_brand_b(s);
        s.reconciler.enabled = true;
        s.reconciler.stale_after_ms = 300;
    })
    .await;
    let body = json!({"content": valid_template()});
    let (_, template) = json_of(as_brand_b(app.post_template(&body))).await;
    let params: Vec<String> = serde_json::from_value(template["params"].clone()).unwrap();
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0;
    }));
    let issue = issue_body(template["id"].as_str().unwrap(), "B-LOST", &params);
    let (status, _) = json_of(as_brand_b(app.post_pass(&issue))).await;
    assert_eq!(status, 503);
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(15), || async {
        let (_, pass) = json_of(as_brand_b(app.get(&paths::pass("B-LOST")))).await;
        pass["status"] == "ISSUED"
    })
    .await;
    assert!(settled, "the reconciler did not settle brand-b's pass");
    assert_eq!(
        app.sim
            .effects_for_key("alipay.pass.instance.add", &format!("{BRAND_B_ID}/B-LOST")),
        1
    );
    app.shutdown().await;
}
