use crate::fetch::Fetch;
use serde_json::{json, Value};

use crate::helpers::{issue_body, paths, problem, spawn_app, text_param, TestApp};

/// An app with the fixture template and pass `serial` issued from it: the template's id and
/// parameters, and the pass as the issue answered it.
async fn app_with_pass(serial: &str) -> (TestApp, String, Vec<String>, Value) {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, serial, &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let issued = issued.json().await.unwrap();
    (app, template_id, params, issued)
}

#[tokio::test]
async fn an_issued_pass_answers_its_serial_and_alipays_id() {
    let (app, _, _, issued) = app_with_pass("SN0001").await;
    assert_eq!(issued["status"], "ISSUED");
    assert_eq!(issued["serial_number"], "SN0001");
    assert!(issued["alipay_pass_id"].as_str().is_some());
    app.shutdown().await;
}

#[tokio::test]
async fn the_same_issue_again_replays_the_first_answer_without_a_second_gateway_call() {
    let (app, template_id, params, issued) = app_with_pass("SN0001").await;
    let again = app.issue_pass(&template_id, "SN0001", &params).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), issued);
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_different_issue_under_the_same_serial_is_refused_409() {
    let (app, template_id, params, _) = app_with_pass("SN0001").await;
    let mut different = issue_body(&template_id, "SN0001", &params);
    different["recipient"]["out_trade_no"] = json!("another-order");
    assert_eq!(
        app.post_problem(paths::PASSES, &different, 409).await["code"],
        "idempotency_key_reused"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_issued_pass_reads_back_with_its_template() {
    let (app, template_id, _, _) = app_with_pass("SN0001").await;
    let fetched = app.get_pass("SN0001").await;
    assert_eq!(fetched["status"], "ISSUED");
    assert_eq!(fetched["template_id"], template_id.as_str());
    app.shutdown().await;
}

#[tokio::test]
async fn missing_and_invalid_parameters_are_refused_before_the_gateway() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    let mut body = issue_body(&template_id, "SN0002", &params);
    let first_param = body["params"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    body["params"].as_object_mut().unwrap().remove(&first_param);
    let response = app.post_pass(&body).send().await.unwrap();
    let problem_body = problem(response, 422).await;
    let errors = problem_body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["alipay_code"] == "KP.AE_ALIPASS_PARAME_IS_NULL"),
        "{problem_body}"
    );

    let mut not_gbk = issue_body(&template_id, "SN0003", &params);
    not_gbk["params"][&first_param] = json!("emoji 😀");
    let response = app.post_pass(&not_gbk).send().await.unwrap();
    let problem_body = problem(response, 422).await;
    assert!(problem_body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["alipay_code"] == "KP.AE_ALIPASS_CHAR_NOT_GBK"));

    let unknown_template = issue_body("0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56", "SN0004", &params);
    let response = app.post_pass(&unknown_template).send().await.unwrap();
    problem(response, 422).await;
    assert_eq!(app.sim.requests("alipay.pass.instance.add"), 0);
    app.shutdown().await;
}

const VERIFIED: &str = "8612231273";

/// An app with pass `serial` redeemed by QR code.
async fn app_with_redeemed_pass(serial: &str) -> (TestApp, Vec<String>) {
    let (app, _, params, _) = app_with_pass(serial).await;
    let redeemed = app
        .redeem(
            serial,
            &json!({"verify_type": "qrcode", "verify_code": VERIFIED}),
        )
        .value()
        .await;
    assert_eq!(redeemed["status"], "USED", "{redeemed}");
    (app, params)
}

#[tokio::test]
async fn a_redeem_with_a_verify_type_but_no_code_is_refused_422() {
    let (app, _, _, _) = app_with_pass("SN0010").await;
    let half = app.redeem("SN0010", &json!({"verify_type": "wave"}));
    problem(half.send().await.unwrap(), 422).await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeemed_pass_is_used_here_and_at_alipay() {
    let (app, _, _, _) = app_with_pass("SN0010").await;
    let redeemed = app
        .redeem(
            "SN0010",
            &json!({"verify_type": "qrcode", "verify_code": VERIFIED}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(redeemed.status().as_u16(), 200);
    assert_eq!(redeemed.json::<Value>().await.unwrap()["status"], "USED");
    assert_eq!(app.sim_pass_status("SN0010").as_deref(), Some("USED"));
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeemed_pass_refuses_another_redeem_a_close_and_an_update() {
    let (app, params) = app_with_redeemed_pass("SN0010").await;
    let field = text_param(&params);
    let refusals = [
        ("redeem", app.redeem("SN0010", &json!({}))),
        ("close", app.close("SN0010")),
        ("update", app.update_pass("SN0010", &json!({field: "x"}))),
    ];
    for (change, request) in refusals {
        let refused = request.send().await.unwrap();
        assert_eq!(
            problem(refused, 409).await["code"],
            "pass_final",
            "{change}"
        );
    }
    assert_eq!(app.sim.effects("alipay.pass.instance.update"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeem_is_recorded_with_how_it_was_verified() {
    let (app, _) = app_with_redeemed_pass("SN0010").await;
    let events = app.events_of("SN0010").await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ISSUING", "ISSUED", "REDEEMED"]);
    assert_eq!(events[2]["detail"]["verify_type"], "qrcode");
    assert_eq!(events[2]["detail"]["verify_code"], VERIFIED);
    app.shutdown().await;
}

#[tokio::test]
async fn a_redeemed_pass_shows_its_issue_and_redeem_calls() {
    let (app, _) = app_with_redeemed_pass("SN0010").await;
    let history = app.history_of("SN0010").await;
    let calls = history["gateway_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c["outcome"] == "success"));
    app.shutdown().await;
}

/// An app with pass SN0020 whose free-text parameter was changed: the answer to the
/// change and the parameter's name.
async fn app_with_updated_pass() -> (TestApp, Value, String) {
    let (app, _, params, _) = app_with_pass("SN0020").await;
    let field = text_param(&params);
    let updated = app
        .update_pass("SN0020", &json!({&field: "新的文字"}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status().as_u16(), 200);
    (app, updated.json().await.unwrap(), field)
}

#[tokio::test]
async fn an_update_changes_the_parameters_and_leaves_the_pass_issued() {
    let (app, updated, field) = app_with_updated_pass().await;
    assert_eq!(updated["params"][&field], "新的文字");
    assert_eq!(updated["status"], "ISSUED");
    app.shutdown().await;
}

#[tokio::test]
async fn a_closed_pass_refuses_a_second_close() {
    let (app, _, _) = app_with_updated_pass().await;
    let closed = app.close("SN0020").send().await.unwrap();
    assert_eq!(closed.json::<Value>().await.unwrap()["status"], "CLOSED");
    let again = app.close("SN0020").send().await.unwrap();
    assert_eq!(problem(again, 409).await["code"], "pass_final");
    app.shutdown().await;
}

#[tokio::test]
async fn an_update_and_a_close_are_recorded_in_order() {
    let (app, _, _) = app_with_updated_pass().await;
    assert_eq!(app.close("SN0020").status_code().await, 200);
    assert_eq!(
        app.event_kinds("SN0020").await,
        ["ISSUING", "ISSUED", "UPDATED", "CLOSED"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn list_filters_by_template_and_status_with_keyset_pages() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    for i in 0..3 {
        app.post_pass(&issue_body(&template_id, &format!("SN1{i}"), &params))
            .send()
            .await
            .unwrap();
    }
    app.close("SN10").send().await.unwrap();
    let issued: Value = app
        .list_passes(&format!("template_id={template_id}&status=ISSUED&limit=1"))
        .await;
    assert_eq!(issued["items"].as_array().unwrap().len(), 1);
    let cursor = issued["next_cursor"].as_str().unwrap();
    let next: Value = app
        .list_passes(&format!(
            "template_id={template_id}&status=ISSUED&limit=1&after={cursor}"
        ))
        .await;
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(
        next["items"][0]["serial_number"],
        issued["items"][0]["serial_number"]
    );
    let closed = app.list_passes("status=CLOSED").await;
    assert_eq!(closed["items"][0]["serial_number"], "SN10");
    app.shutdown().await;
}

/// An app with a template whose serial number is `SN-$orderNo$`: its id and parameters.
async fn app_with_serial_from_a_var() -> (TestApp, String, Vec<String>) {
    let app = spawn_app().await;
    let mut template = crate::helpers::valid_template();
    template["content"]["fileInfo"]["serialNumber"] = json!("SN-$orderNo$");
    let created = app
        .post_template(&json!({"content": template}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.unwrap();
    let template_id = created["id"].as_str().unwrap().to_owned();
    let params: Vec<String> = serde_json::from_value(created["params"].clone()).unwrap();
    (app, template_id, params)
}

/// Issues a pass of `template_id` for each of orders 1001 and 1002 (no serial number
/// given): the passes as issued.
async fn issue_two_orders(app: &TestApp, template_id: &str, params: &[String]) -> Vec<Value> {
    let mut issued = Vec::new();
    for order_no in ["1001", "1002"] {
        let mut values = crate::helpers::pass_params(params);
        values.insert("orderNo".into(), json!(order_no));
        let body = json!({
            "template_id": template_id,
            "params": values,
            "recipient": {"partner_id": "2088102122069225", "out_trade_no": format!("order-{order_no}")},
        });
        let response = app.post_pass(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201, "orderNo {order_no}");
        issued.push(response.json().await.unwrap());
    }
    issued
}

#[tokio::test]
async fn a_serial_number_made_of_a_var_asks_for_the_var_not_the_serial() {
    let (app, _, params) = app_with_serial_from_a_var().await;
    assert!(params.iter().any(|p| p == "orderNo"), "{params:?}");
    assert!(!params.iter().any(|p| p == "serialNumber"), "{params:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_serial_number_mixing_text_and_a_var_is_substituted_per_pass() {
    let (app, template_id, params) = app_with_serial_from_a_var().await;
    let issued = issue_two_orders(&app, &template_id, &params).await;
    for (pass, order_no) in issued.iter().zip(["1001", "1002"]) {
        assert_eq!(pass["serial_number"], format!("SN-{order_no}"));
        assert_eq!(pass["status"], "ISSUED");
    }
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn a_pass_with_a_substituted_serial_is_changed_at_alipay_under_that_serial() {
    let (app, template_id, params) = app_with_serial_from_a_var().await;
    issue_two_orders(&app, &template_id, &params).await;
    let redeemed = app.redeem("SN-1002", &json!({})).send().await.unwrap();
    assert_eq!(redeemed.status().as_u16(), 200);
    assert_eq!(redeemed.json::<Value>().await.unwrap()["status"], "USED");
    // Alipay (the simulator) keyed the pass on the same substituted serial number.
    assert_eq!(app.sim_pass_status("SN-1002").as_deref(), Some("USED"));
    assert_eq!(app.sim_pass_status("SN-1001").as_deref(), Some("ACTIVE"));
    app.shutdown().await;
}
