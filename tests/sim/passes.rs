//! alipay.pass.instance.add and .update.

use crate::support::*;

/// A simulator with template `passes` and pass SN-1 added on CHANNEL: the template's id
/// and the add's answer.
async fn sim_with_pass() -> (TestSim, String, Answer) {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("passes").await;
    let answer = t.add_pass(&tpl_id, "SN-1").await;
    answer.assert_success();
    (t, tpl_id, answer)
}

#[tokio::test]
async fn instance_add_answers_the_new_pass_as_the_pages_show() {
    let (t, _, answer) = sim_with_pass().await;
    assert_eq!(answer.node["success"], "true");
    let result = answer.result();
    assert_eq!(result["serialNumber"], "SN-1");
    assert_eq!(result["operate"], "ADD");
    assert_eq!(result["errorCode"], "SUCCESS");
    assert_eq!(result["errorMsg"], "处理成功");
    assert!(result["passId"].as_str().is_some(), "{}", answer.node);
    assert_eq!(
        t.sim.pass_status(CHANNEL, "SN-1").as_deref(),
        Some("ACTIVE")
    );
}

#[tokio::test]
async fn instance_add_again_is_refused_without_a_second_effect_or_the_existing_id() {
    let (t, tpl_id, _) = sim_with_pass().await;
    let again = t.add_pass(&tpl_id, "SN-1").await;
    again.assert_business("KP.AE_ALIPASS_REPEAT_ADD_ERROR");
    // Strict: the refusal does not name the existing passId.
    assert!(again.result().get("passId").is_none(), "{}", again.node);
    assert_eq!(again.result()["operate"], "ADD");
    assert_eq!(t.sim.effects(INSTANCE_ADD), 1);
    assert_eq!(
        t.sim
            .effects_for_key(INSTANCE_ADD, &format!("{CHANNEL}/SN-1")),
        1
    );
    assert_eq!(t.sim.pass_count(), 1);
}

#[tokio::test]
async fn the_same_serial_on_another_channel_is_another_pass() {
    let (t, tpl_id, first) = sim_with_pass().await;
    // Inline objects (not JSON text) are accepted too.
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
    let first_id = first.result()["passId"].as_str().unwrap().to_owned();
    assert_ne!(answer.result()["passId"], first_id.as_str());
    assert_eq!(t.sim.pass_count(), 2);
}

/// One change to a valid instance.add: a member of the biz_content or of its tpl_params set
/// to a value (or removed, with None).
enum Edit {
    Biz(&'static str, Option<Value>),
    Param(&'static str, Option<Value>),
}

fn apply(value: &mut Value, member: &str, to: &Option<Value>) {
    match to {
        Some(to) => value[member] = to.clone(),
        None => drop(value.as_object_mut().unwrap().remove(member)),
    }
}

#[tokio::test]
async fn instance_add_business_errors() {
    use Edit::{Biz, Param};
    let t = TestSim::start().await;
    let tpl = t.add_template("errors").await;
    let partner_only = json!({"partner_id": "2088102114633762"}).to_string();
    let (invalid, null) = (
        "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
        "KP.AE_ALIPASS_PARAME_IS_NULL",
    );
    #[rustfmt::skip]
    let cases = [
        (Biz("tpl_id", Some(json!("2015000000000000000000000"))), "KP.AE_ALIPASS_TEMPLATE_NOT_FOUND"),
        (Param("logoText", None), null),
        (Biz("recognition_type", Some(json!("3"))), "KP.AE_ALIPASS_RECOGNITION_TYPE_INVALID"),
        (Biz("recognition_type", Some(json!("2"))), "KP.AE_ALIPASS_RECOGNITION_TYPE_NOSUPPORT"),
        (Param("logoText", Some(json!("优惠券😀"))), "KP.AE_ALIPASS_CHAR_NOT_GBK"),
        (Param("validEndDate", Some(json!("2030-13-01 00:00:00"))), invalid),
        (Param("ackCode", Some(json!("0123456789ABCDEF0123"))), invalid),
        (Biz("tpl_params", Some(json!("{not json"))), "KP.AE_ALIPASS_PARAMS_FORMAT_ERROR"),
        (Biz("recognition_info", Some(json!(partner_only))), null),
        (Biz("tpl_id", None), null),
        (Biz("recognition_type", None), null),
        (Param("serialNumber", Some(json!("S".repeat(33)))), invalid),
    ];
    for (i, (edit, sub_code)) in cases.iter().enumerate() {
        let mut params = pass_params(&format!("E{i}"));
        if let Param(member, to) = edit {
            apply(&mut params, member, to);
        }
        let mut biz = issue_biz(&tpl, params);
        if let Biz(member, to) = edit {
            apply(&mut biz, member, to);
        }
        let answer = t.call(INSTANCE_ADD, &biz).await;
        answer.assert_business(sub_code);
        assert_eq!(answer.result()["operate"], "ADD");
    }
    assert_eq!(t.sim.effects(INSTANCE_ADD), 0);
    assert_eq!(t.sim.pass_count(), 0);
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
        // String(99999) on this method's page too.
        (
            json!({"tpl_params": {"logoText": "券".repeat(100_000)}}),
            "KP.AE_ALIPASS_PARAMS_VALUE_INVAILD",
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
}
