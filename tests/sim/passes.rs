//! alipay.pass.instance.add and .update.

use crate::support::*;

#[tokio::test]
async fn instance_add_issues_a_pass_once_per_channel_and_serial() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("passes").await;
    let answer = t.add_pass(&tpl_id, "SN-1").await;
    answer.assert_success();
    assert_eq!(answer.node["success"], "true");
    let result = answer.result();
    assert_eq!(result["serialNumber"], "SN-1");
    assert_eq!(result["operate"], "ADD");
    assert_eq!(result["errorCode"], "SUCCESS");
    assert_eq!(result["errorMsg"], "处理成功");
    let pass_id = result["passId"].as_str().unwrap().to_owned();
    assert_eq!(
        t.sim.pass_status(CHANNEL, "SN-1").as_deref(),
        Some("ACTIVE")
    );

    // Again: REPEAT_ADD_ERROR, no second effect (strict: without the existing passId).
    let again = t.add_pass(&tpl_id, "SN-1").await;
    again.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    assert!(again.result().get("passId").is_none(), "{}", again.node);
    assert_eq!(again.result()["operate"], "ADD");
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(
        t.sim
            .effects_for_key(INSTANCE_ADD, &format!("{CHANNEL}/SN-1")),
        1
    );
    assert_eq!(t.sim.pass_count(), 1);

    // Same serial on another channel is another pass; inline objects are accepted.
    let mut params = pass_params("SN-1");
    params["channelID"] = json!("2088000000000002");
    let answer = t
        .call(
            INSTANCE_ADD,
            &json!({
                "tpl_id": tpl_id, "tpl_params": params, "recognition_type": 1,
                "recognition_info": {"partner_id": "2088102114633762", "out_trade_no": "1"},
            }),
        )
        .await;
    answer.assert_success();
    assert_ne!(answer.result()["passId"], pass_id.as_str());
    assert_eq!(t.sim.pass_count(), 2);
    t.stop().await;
}

/// `value` as `change` alters it.
fn changed(mut value: Value, change: impl FnOnce(&mut Value)) -> Value {
    change(&mut value);
    value
}

fn without(member: &'static str) -> impl FnOnce(&mut Value) {
    move |value| {
        value.as_object_mut().unwrap().remove(member);
    }
}

fn set(member: &'static str, to: Value) -> impl FnOnce(&mut Value) {
    move |value| value[member] = to
}

#[tokio::test]
async fn instance_add_business_errors() {
    let t = TestSim::start().await;
    let tpl = t.add_template("errors").await;
    let tpl = tpl.as_str();
    let partner_only = json!({"partner_id": "2088102114633762"});
    let cases: Vec<(Value, &str)> = vec![
        (
            issue_biz("2015000000000000000000000", pass_params("E1")),
            "KP.AE_ALIPASS_TEMPLATE_NOT_FOUND",
        ),
        (
            issue_biz(tpl, changed(pass_params("E2"), without("logoText"))),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            changed(
                issue_biz(tpl, pass_params("E3")),
                set("recognition_type", json!("3")),
            ),
            "KP.AE_ALIPASS_RECOGNITION_TYPE_INVALID",
        ),
        (
            changed(
                issue_biz(tpl, pass_params("E4")),
                set("recognition_type", json!("2")),
            ),
            "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT",
        ),
        (
            issue_biz(
                tpl,
                changed(pass_params("E5"), set("logoText", json!("优惠券😀"))),
            ),
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            issue_biz(
                tpl,
                changed(
                    pass_params("E6"),
                    set("validEndDate", json!("2030-13-01 00:00:00")),
                ),
            ),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            issue_biz(
                tpl,
                changed(
                    pass_params("E7"),
                    set("ackCode", json!("0123456789ABCDEF0123")),
                ),
            ),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            changed(
                issue_biz(tpl, pass_params("E8")),
                set("tpl_params", json!("{not json")),
            ),
            "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR",
        ),
        (
            changed(
                issue_biz(tpl, pass_params("E9")),
                set("recognition_info", partner_only),
            ),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            changed(issue_biz(tpl, pass_params("E10")), without("tpl_id")),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            changed(
                issue_biz(tpl, pass_params("E11")),
                without("recognition_type"),
            ),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            issue_biz(
                tpl,
                changed(
                    pass_params("E12"),
                    set("serialNumber", json!("S".repeat(33))),
                ),
            ),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
    ];
    for (biz, sub_code) in cases {
        let answer = t.call(INSTANCE_ADD, &biz).await;
        answer.assert_business(sub_code);
        assert_eq!(answer.result()["operate"], "ADD");
    }
    assert_eq!(t.sim.effects(INSTANCE_ADD), 0);
    assert_eq!(t.sim.pass_count(), 0);
    t.stop().await;
}

/// An instance.update biz_content for `serial` on our channel, with `extra` members.
fn update(serial: &str, extra: Value) -> Value {
    let mut biz = json!({"serial_number": serial, "channel_id": CHANNEL});
    for (k, v) in extra.as_object().unwrap() {
        biz[k] = v.clone();
    }
    biz
}

/// A simulator with a template and passes `serials` issued on it.
async fn with_passes(serials: &[&str]) -> TestSim {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("upd-pass").await;
    for serial in serials {
        t.add_pass(&tpl_id, serial).await.assert_success();
    }
    t
}

/// The simulator's view of pass `serial`.
fn sim_pass(t: &TestSim, serial: &str) -> Value {
    t.sim.snapshot()["passes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["serial_number"] == serial)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn instance_update_changes_the_parameters_of_an_active_pass() {
    let t = with_passes(&["U-1"]).await;
    let params = json!({"tpl_params": "{\"discountInfo\":\"凭此券即可打5折\"}"});
    let answer = t.call(INSTANCE_UPDATE, &update("U-1", params)).await;
    answer.assert_success();
    assert_eq!(answer.result()["operate"], "UPDATE");
    assert_eq!(answer.result()["serialNumber"], "U-1");
    assert_eq!(t.sim.pass_status(CHANNEL, "U-1").as_deref(), Some("ACTIVE"));
    assert_eq!(
        sim_pass(&t, "U-1")["params"]["discountInfo"],
        "凭此券即可打5折"
    );
    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 1);
    t.stop().await;
}

#[tokio::test]
async fn instance_update_refuses_each_malformed_request_with_its_code() {
    let t = with_passes(&["U-1"]).await;
    for (extra, sub_code) in [
        (json!({}), "KP.AE_ALIPASS_PARAME_IS_NULL"),
        (json!({"tpl_params": {}}), "KP.AE_ALIPASS_PARAME_IS_NULL"),
        (
            json!({"status": "DELETED"}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"status": "USED", "verify_code": "8612231273"}),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            json!({"status": "USED", "verify_type": "wave"}),
            "KP.AE_ALIPASS_PARAME_IS_NULL",
        ),
        (
            json!({"status": "USED", "verify_type": "nfc", "verify_code": "1"}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"status": "USED", "verify_type": "input", "verify_code": "码😀"}),
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            json!({"tpl_params": {"logoText": "券😀"}}),
            "KP.AE_ALIPASS_CHAR_NOT_GBK",
        ),
        (
            json!({"tpl_params": {"validEndDate": "soon"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": {"notDeclared": "x"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": {"serialNumber": "OTHER"}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        ),
        (
            json!({"tpl_params": "[oops"}),
            "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR",
        ),
    ] {
        let answer = t.call(INSTANCE_UPDATE, &update("U-1", extra.clone())).await;
        answer.assert_business(sub_code);
        assert_eq!(answer.result()["operate"], "UPDATE", "{extra}");
    }
    t.call(INSTANCE_UPDATE, &update("NOPE", json!({"status": "USED"})))
        .await
        .assert_business("KP.AE_ALIPASS_NOTEXIST");
    t.call(
        INSTANCE_UPDATE,
        &json!({"channel_id": CHANNEL, "status": "USED"}),
    )
    .await
    .assert_business("KP.AE_ALIPASS_PARAME_IS_NULL");
    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 0);
    t.stop().await;
}

#[tokio::test]
async fn a_redeemed_pass_is_final() {
    let t = with_passes(&["U-1"]).await;
    let redeem = json!({"status": "USED", "verify_type": "qrcode", "verify_code": "8612231273",
        "tpl_params": {"useStateDesc": "已使用"}});
    t.call(INSTANCE_UPDATE, &update("U-1", redeem))
        .await
        .assert_success();
    assert_eq!(t.sim.pass_status(CHANNEL, "U-1").as_deref(), Some("USED"));
    for extra in [
        json!({"status": "USED"}),
        json!({"status": "CLOSED"}),
        json!({"tpl_params": {"logoText": "x"}}),
    ] {
        let answer = t.call(INSTANCE_UPDATE, &update("U-1", extra)).await;
        answer.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
        assert!(answer.sub_msg().contains("USED"), "{}", answer.sub_msg());
    }
    let key = format!("{CHANNEL}/U-1");
    assert_eq!(t.sim.effects_for_key(INSTANCE_UPDATE, &key), 1);
    let u1 = sim_pass(&t, "U-1");
    assert_eq!(u1["verify_type"], "qrcode");
    assert_eq!(u1["params"]["useStateDesc"], "已使用");
    t.stop().await;
}

#[tokio::test]
async fn a_closed_pass_is_final() {
    let t = with_passes(&["U-2"]).await;
    t.call(INSTANCE_UPDATE, &update("U-2", json!({"status": "CLOSED"})))
        .await
        .assert_success();
    assert_eq!(t.sim.pass_status(CHANNEL, "U-2").as_deref(), Some("CLOSED"));
    let redeem = json!({"status": "USED", "verify_type": "wave", "verify_code": "1"});
    let answer = t.call(INSTANCE_UPDATE, &update("U-2", redeem)).await;
    answer.assert_business("KP.AE_ALIPASS_UPDATE_ERROR");
    assert!(answer.sub_msg().contains("CLOSED"));
    assert_eq!(t.sim.effects(INSTANCE_UPDATE), 1);
    t.stop().await;
}
