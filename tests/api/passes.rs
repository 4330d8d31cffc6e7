use crate::fetch::Fetch;
use serde_json::{json, Value};

use crate::helpers::{issue_body, problem, spawn_app, text_param};

#[tokio::test]
async fn issue_replay_conflict_and_read() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    let body = issue_body(&template_id, "SN0001", &params);
    let first = app.post_pass(&body).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let issued: Value = first.json().await.unwrap();
    assert_eq!(issued["status"], "ISSUED");
    assert_eq!(issued["serial_number"], "SN0001");
    assert!(issued["alipay_pass_id"].as_str().is_some());

    let again = app.post_pass(&body).send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), issued);
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 1);

    let mut different = body.clone();
    different["recipient"]["out_trade_no"] = json!("another-order");
    assert_eq!(
        app.post_problem("/v1/passes", &different, 409).await["code"],
        "idempotency_key_reused"
    );

    let fetched = app.get_json("/v1/passes/SN0001").await;
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

#[tokio::test]
async fn redeem_then_every_further_change_is_refused() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    app.issue_pass(&template_id, "SN0010", &params).await;

    let half = app
        .post_json("/v1/passes/SN0010/redeem", &json!({"verify_type": "wave"}))
        .send()
        .await
        .unwrap();
    problem(half, 422).await;

    let redeemed = app
        .post_json(
            "/v1/passes/SN0010/redeem",
            &json!({"verify_type": "qrcode", "verify_code": "8612231273"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(redeemed.status().as_u16(), 200);
    assert_eq!(redeemed.json::<Value>().await.unwrap()["status"], "USED");
    assert_eq!(app.sim_pass_status("SN0010").as_deref(), Some("USED"));

    for (path, body) in [
        ("/v1/passes/SN0010/redeem", json!({})),
        ("/v1/passes/SN0010/close", json!({})),
    ] {
        let refused = app.post_json(path, &body).send().await.unwrap();
        assert_eq!(problem(refused, 409).await["code"], "pass_final", "{path}");
    }
    let first_param = text_param(&params);
    let update = app
        .patch_json("/v1/passes/SN0010", &json!({"params": {first_param: "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(update, 409).await["code"], "pass_final");
    assert_eq!(app.sim.effects("alipay.pass.instance.update"), 1);

    let history = app.get_json("/v1/passes/SN0010/events").await;
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ISSUING", "ISSUED", "REDEEMED"]);
    let redeemed_event = &history["events"][2];
    assert_eq!(redeemed_event["detail"]["verify_type"], "qrcode");
    assert_eq!(redeemed_event["detail"]["verify_code"], "8612231273");
    let calls = history["gateway_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c["outcome"] == "success"));
    app.shutdown().await;
}

#[tokio::test]
async fn update_then_close() {
    let app = spawn_app().await;
    let (template_id, params) = app.create_template().await;
    app.issue_pass(&template_id, "SN0020", &params).await;
    let first_param = text_param(&params);
    let updated = app
        .patch_json(
            "/v1/passes/SN0020",
            &json!({"params": {&first_param: "新的文字"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status().as_u16(), 200);
    let body: Value = updated.json().await.unwrap();
    assert_eq!(body["params"][&first_param], "新的文字");
    assert_eq!(body["status"], "ISSUED");

    let closed = app
        .post_json("/v1/passes/SN0020/close", &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.json::<Value>().await.unwrap()["status"], "CLOSED");
    let again = app
        .post_json("/v1/passes/SN0020/close", &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(again, 409).await["code"], "pass_final");
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
    app.post_json("/v1/passes/SN10/close", &json!({}))
        .send()
        .await
        .unwrap();
    let issued: Value = app
        .get(&format!(
            "/v1/passes?template_id={template_id}&status=ISSUED&limit=1"
        ))
        .value()
        .await;
    assert_eq!(issued["items"].as_array().unwrap().len(), 1);
    let cursor = issued["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(&format!(
            "/v1/passes?template_id={template_id}&status=ISSUED&limit=1&after={cursor}"
        ))
        .value()
        .await;
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(
        next["items"][0]["serial_number"],
        issued["items"][0]["serial_number"]
    );
    let closed = app.get_json("/v1/passes?status=CLOSED").await;
    assert_eq!(closed["items"][0]["serial_number"], "SN10");
    app.shutdown().await;
}

#[tokio::test]
async fn serial_number_mixing_text_and_a_var_is_substituted_per_pass() {
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
    let params: Vec<String> = created["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert!(params.iter().any(|p| p == "orderNo"), "{params:?}");
    assert!(!params.iter().any(|p| p == "serialNumber"), "{params:?}");

    for order_no in ["1001", "1002"] {
        let mut values = crate::helpers::pass_params(&params);
        values.insert("orderNo".into(), json!(order_no));
        let body = json!({
            "template_id": template_id,
            "params": values,
            "recipient": {"partner_id": "2088102122069225", "out_trade_no": format!("order-{order_no}")},
        });
        let issued = app.post_pass(&body).send().await.unwrap();
        assert_eq!(issued.status().as_u16(), 201, "orderNo {order_no}");
        let issued: Value = issued.json().await.unwrap();
        assert_eq!(issued["serial_number"], format!("SN-{order_no}"));
        assert_eq!(issued["status"], "ISSUED");
    }
    assert_eq!(app.sim.effects("alipay.pass.instance.add"), 2);

    let redeemed = app
        .post_json("/v1/passes/SN-1002/redeem", &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(redeemed.status().as_u16(), 200);
    assert_eq!(redeemed.json::<Value>().await.unwrap()["status"], "USED");
    // Alipay (the simulator) keyed the pass on the same substituted serial number.
    assert_eq!(app.sim_pass_status("SN-1002").as_deref(), Some("USED"));
    assert_eq!(app.sim_pass_status("SN-1001").as_deref(), Some("ACTIVE"));
    app.shutdown().await;
}
