//! The readings of the vendor's pages the real gateway may take, met through the simulator:
//! slashes written `\/` in signed answers, template.update naming its id `template_id`, and
//! unsigned answers believed only when they are auth-class refusals.

use serde_json::{json, Value};

use crate::helpers::{fault, issue_body, paths, problem, spawn_app_with, valid_template, TestApp};

const TEMPLATE_ADD: &str = "alipay.pass.template.add";

/// An app whose reconciler stays out of the way.
async fn app() -> TestApp {
    spawn_app_with(|s| s.reconciler.enabled = false).await
}

#[tokio::test]
async fn an_answer_with_escaped_slashes_is_verified_and_read() {
    let app = app().await;
    let (template_id, params) = app.create_template().await;
    app.sim
        .set_faults(fault("*", |f| f.escaped_slashes_rate = 1.0));
    // instance.add's answer echoes the serialNumber: its slashes come back as `\/`.
    let serial = "ESC/2026/1";
    let issued = app
        .post_pass(&issue_body(&template_id, serial, &params))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status().as_u16(), 201);
    let pass: Value = issued.json().await.unwrap();
    assert_eq!(pass["status"], "ISSUED");
    assert_eq!(app.sim.requests("alipay.pass.instance.add"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_template_update_answer_naming_its_id_template_id_is_accepted() {
    let app = app().await;
    assert!(!app.sim.kinder(), "strict: the answer says template_id");
    let (id, _) = app.create_template().await;
    let body = app.renamed_template(&id, "新商户").await;
    assert_eq!(body["version"], 2);
    app.shutdown().await;
}

#[tokio::test]
async fn an_unsigned_already_exists_after_an_unknown_attempt_leaves_the_record_open() {
    let app = app().await;
    let body = json!({"unique_id": "T-UNSIGNED", "content": valid_template()});
    app.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.lost_answer_rate = 1.0));
    let lost = app.post_template(&body).send().await.unwrap();
    assert_eq!(problem(lost, 503).await["code"], "gateway_outcome_unknown");
    assert_eq!(app.sim.effects(TEMPLATE_ADD), 1);

    // The retry meets "already exists", written without a sign: anyone could have sent it.
    app.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.unsigned_answer_rate = 1.0));
    let retry = app.post_template(&body).send().await.unwrap();
    assert_eq!(problem(retry, 503).await["code"], "gateway_outcome_unknown");
    let listed = app.get_json(paths::TEMPLATES).await;
    assert_eq!(listed["items"][0]["status"], "PENDING", "{listed}");
    app.shutdown().await;
}
