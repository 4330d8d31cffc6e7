//! Strict and kinder readings of what Alipay answers.

use crate::support::*;

/// A template T, a pass SN-R on it, redeemed; then the three refusals that may name ids:
/// (template.add again, instance.add again, instance.update of the redeemed pass).
async fn id_refusals(t: &TestSim) -> (String, String, [Answer; 3]) {
    let tpl_id = t.add_template("ids").await;
    let added = t.add_pass(&tpl_id, "SN-R").await;
    added.assert_success();
    let pass_id = added.result()["passId"].as_str().unwrap().to_owned();
    let update = json!({"serial_number": "SN-R", "channel_id": CHANNEL, "status": "USED",
        "verify_type": "qrcode", "verify_code": "1"});
    t.call(INSTANCE_UPDATE, &update).await.assert_success();

    let template = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "ids", "tpl_content": template_text()}),
        )
        .await;
    template.assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
    let pass = t.add_pass(&tpl_id, "SN-R").await;
    pass.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    let closed = json!({"serial_number": "SN-R", "channel_id": CHANNEL, "status": "CLOSED"});
    let update = t.call(INSTANCE_UPDATE, &closed).await;
    update.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
    (tpl_id, pass_id, [template, pass, update])
}

/// A simulator in its default, strict reading.
async fn strict_sim() -> TestSim {
    let t = TestSim::start().await;
    assert!(!t.sim.kinder(), "strict is the default");
    t
}

#[tokio::test]
async fn a_strict_duplicate_template_refusal_names_no_template() {
    let t = strict_sim().await;
    let (_, _, [template, _, _]) = id_refusals(&t).await;
    assert_eq!(result_keys(&template), keys(&["errorCode", "errorMsg"]));
}

#[tokio::test]
async fn a_strict_duplicate_pass_refusal_names_no_pass() {
    let t = strict_sim().await;
    let (_, _, [_, pass, _]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&pass),
        keys(&["errorCode", "errorMsg", "operate"])
    );
    assert_eq!(pass.result()["operate"], "ADD");
}

#[tokio::test]
async fn a_strict_update_refusal_names_no_pass_and_no_status() {
    let t = strict_sim().await;
    let (_, _, [_, _, update]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&update),
        keys(&["errorCode", "errorMsg", "operate"])
    );
    assert_eq!(update.result()["operate"], "UPDATE");
}

#[tokio::test]
async fn nothing_outside_a_strict_refusals_result_names_an_id() {
    let t = strict_sim().await;
    let (_, _, refusals) = id_refusals(&t).await;
    for answer in &refusals {
        for member in ["tpl_id", "passId", "serialNumber", "status"] {
            assert!(answer.node.get(member).is_none(), "{}", answer.node);
        }
    }
}

#[tokio::test]
async fn a_refused_duplicate_has_no_effect() {
    let t = strict_sim().await;
    id_refusals(&t).await;
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 1);
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 1);
}

/// A simulator switched to the kinder reading through its admin endpoint.
async fn kinder_sim() -> TestSim {
    let t = TestSim::start().await;
    let (status, answer) = t.admin_put("kinder", &json!({"kinder": true})).await;
    assert_eq!((status, answer), (200, json!({"kinder": true})));
    t
}

#[tokio::test]
async fn the_admin_endpoint_switches_the_kinder_reading_on() {
    let t = TestSim::start().await;
    assert_eq!(t.state().await["kinder"], false);
    let (status, answer) = t.admin_put("kinder", &json!({"kinder": true})).await;
    assert_eq!((status, answer), (200, json!({"kinder": true})));
    assert_eq!(t.state().await["kinder"], true);
    assert!(t.sim.kinder());
}

#[tokio::test]
async fn a_kinder_duplicate_template_refusal_names_the_existing_template() {
    let t = kinder_sim().await;
    let (tpl_id, _, [template, _, _]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&template),
        keys(&["errorCode", "errorMsg", "tpl_id"])
    );
    assert_eq!(template.result()["tpl_id"], tpl_id.as_str());
}

#[tokio::test]
async fn a_kinder_duplicate_pass_refusal_names_the_existing_pass() {
    let t = kinder_sim().await;
    let (_, pass_id, [_, pass, _]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&pass),
        keys(&["errorCode", "errorMsg", "operate", "passId", "serialNumber"])
    );
    assert_eq!(pass.result()["passId"], pass_id.as_str());
    assert_eq!(pass.result()["serialNumber"], "SN-R");
}

#[tokio::test]
async fn a_kinder_update_refusal_names_the_pass_and_its_status() {
    let t = kinder_sim().await;
    let (_, pass_id, [_, _, update]) = id_refusals(&t).await;
    assert_eq!(
        result_keys(&update),
        keys(&[
            "errorCode",
            "errorMsg",
            "operate",
            "passId",
            "serialNumber",
            "status"
        ])
    );
    assert_eq!(update.result()["passId"], pass_id.as_str());
    assert_eq!(update.result()["status"], "USED");
}

#[tokio::test]
async fn a_reset_keeps_the_kinder_reading() {
    let t = kinder_sim().await;
    let reset = t.http.post(t.url("/__sim/reset")).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    assert!(t.sim.kinder());
}

#[tokio::test]
async fn the_admin_endpoint_refuses_a_kinder_setting_that_is_not_a_boolean() {
    let t = kinder_sim().await;
    for bad in [json!({"kinder": "yes"}), json!({}), json!(true)] {
        let (status, _) = t.admin_put("kinder", &bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    assert!(t.sim.kinder());
}

#[tokio::test]
async fn the_admin_endpoint_switches_the_kinder_reading_off() {
    let t = kinder_sim().await;
    let (status, answer) = t.admin_put("kinder", &json!({"kinder": false})).await;
    assert_eq!((status, answer), (200, json!({"kinder": false})));
    assert!(!t.sim.kinder());
}

#[tokio::test]
async fn the_kinder_setting_starts_a_kinder_simulator() {
    let mut settings = sim_settings();
    settings.kinder = true;
    assert!(alipass::simulator::simulator(&settings).unwrap().kinder());
}

/// Requests the public-parameter check refuses: (request, node name, code, sub_code).
fn auth_failures() -> Vec<(Request, String, &'static str, &'static str)> {
    let biz = json!({"unique_id": "auth", "tpl_content": template_text()}).to_string();
    let add = node(TEMPLATE_ADD);
    vec![
        (
            Request::new(TEMPLATE_ADD, &biz).signed_with("config/dev/sim_private_key.pem"),
            add.clone(),
            "40002",
            "isv.invalid-signature",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).set("app_id", "2021999999999999"),
            add.clone(),
            "40002",
            "isv.invalid-app-id",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).set("timestamp", &beijing_timestamp(-3600)),
            add.clone(),
            "40002",
            "isv.invalid-timestamp",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz).without("sign").unsigned(),
            add.clone(),
            "40001",
            "isv.missing-signature",
        ),
        (
            Request::new("alipay.trade.pay", &biz),
            "error_response".to_owned(),
            "40002",
            "isv.invalid-method",
        ),
        (
            Request::new(TEMPLATE_ADD, &biz)
                .gbk()
                .signed_with("config/dev/sim_private_key.pem"),
            add,
            "40002",
            "isv.invalid-signature",
        ),
    ]
}

#[tokio::test]
async fn strict_public_parameter_errors_are_unsigned() {
    let t = TestSim::start().await;
    for (request, node_name, code, sub_code) in auth_failures() {
        let answer = t.send(&request).await;
        // assert_gateway: 40001 / 40002 must come without a sign member.
        answer.assert_gateway(&node_name, code, sub_code);
        assert!(!answer.signed);
    }
    // The raw body is the node alone.
    let (request, ..) = auth_failures().swap_remove(1);
    let (query, body) = request.encode();
    let text = t
        .http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(body)
        .text_body()
        .await;
    assert!(
        text.starts_with("{\"alipay_pass_template_add_response\":{\"code\":\"40002\""),
        "{text}"
    );
    assert!(!text.contains("\"sign\""), "{text}");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}

#[tokio::test]
async fn kinder_public_parameter_errors_are_signed() {
    let mut settings = sim_settings();
    settings.kinder = true;
    let t = TestSim::start_with(settings).await;
    for (request, node_name, code, sub_code) in auth_failures() {
        // Answer::read verified the signature over the node.
        let answer = t.send(&request).await;
        answer.assert_gateway_shape(&node_name, code, sub_code);
        assert!(answer.signed, "{}", answer.node);
    }
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}
