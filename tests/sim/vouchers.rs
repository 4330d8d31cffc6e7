//! alipay.marketing.voucher.send.

use crate::support::*;

/// A simulator that sent voucher biz-1 once: the send's body and its answer.
async fn sim_with_voucher() -> (TestSim, Value, Answer) {
    let t = TestSim::start().await;
    let biz = json!({
        "template_id": RED_PACKET_TEMPLATE, "user_id": USER_ID, "out_biz_no": "biz-1",
        "amount": "9.99", "memo": "优酷3个月兑换券",
    });
    let first = t.call(VOUCHER_SEND, &biz).await;
    first.assert_success();
    (t, biz, first)
}

#[tokio::test]
async fn voucher_send_answers_the_voucher_id_and_user_without_a_result() {
    let (_, _, first) = sim_with_voucher().await;
    let voucher_id = first.node["voucher_id"].as_str().unwrap();
    assert_eq!(voucher_id.len(), 28);
    assert_eq!(first.node["user_id"], USER_ID);
    assert!(
        first.node.get("success").is_none(),
        "voucher answers carry no success/result"
    );
}

#[tokio::test]
async fn voucher_send_is_idempotent_on_template_and_out_biz_no() {
    let (t, biz, first) = sim_with_voucher().await;
    let voucher_id = first.node["voucher_id"].as_str().unwrap().to_owned();
    let again = t.call(VOUCHER_SEND, &biz).await;
    again.assert_success();
    assert_eq!(again.node["voucher_id"], voucher_id.as_str());
    // A different body under the same key is still the same business.
    let different = t
        .call(VOUCHER_SEND, &json!({"template_id": RED_PACKET_TEMPLATE, "login_id": "13196215350", "out_biz_no": "biz-1", "amount": 1}))
        .await;
    assert_eq!(different.node["voucher_id"], voucher_id.as_str());
    assert_eq!(different.node["user_id"], USER_ID);
    assert_eq!(t.sim.effects(VOUCHER_SEND), 1);
    assert_eq!(t.sim.requests(VOUCHER_SEND), 3);
    assert_eq!(
        t.sim
            .effects_for_key(VOUCHER_SEND, &format!("{RED_PACKET_TEMPLATE}/biz-1")),
        1
    );
}

#[tokio::test]
async fn voucher_send_takes_a_json_number_amount() {
    // As in the seed's SDK example.
    let (t, _, _) = sim_with_voucher().await;
    let answer = t
        .call(VOUCHER_SEND, &json!({"template_id": RED_PACKET_TEMPLATE, "user_id": USER_ID, "out_biz_no": "biz-2", "amount": 9.99}))
        .await;
    answer.assert_success();
    assert_eq!(t.sim.snapshot()["vouchers"][1]["amount"], "9.99");
}

#[tokio::test]
async fn voucher_send_resolves_users_by_priority_and_deterministically() {
    let t = TestSim::start().await;
    let send = |n: &str, user: Value| {
        let mut biz = json!({"template_id": VOUCHER_TEMPLATE, "out_biz_no": n});
        for (k, v) in user.as_object().unwrap() {
            biz[k] = v.clone();
        }
        biz
    };
    let by_login = t
        .call(
            VOUCHER_SEND,
            &send("l1", json!({"login_id": "13196215350"})),
        )
        .await;
    by_login.assert_success();
    let mapped = by_login.node["user_id"].as_str().unwrap().to_owned();
    assert!(mapped.starts_with("2088") && mapped.len() == 16, "{mapped}");
    let again = t
        .call(
            VOUCHER_SEND,
            &send(
                "l2",
                json!({"login_id": "13196215350", "taobao_nick": "yue54333"}),
            ),
        )
        .await;
    assert_eq!(again.node["user_id"], mapped.as_str());
    let by_nick = t
        .call(
            VOUCHER_SEND,
            &send("n1", json!({"taobao_nick": "yue54333"})),
        )
        .await;
    by_nick.assert_success();
    assert_ne!(by_nick.node["user_id"], mapped.as_str());
    // user_id wins over the others.
    let all = t
        .call(
            VOUCHER_SEND,
            &send(
                "a1",
                json!({"user_id": USER_ID, "login_id": "13196215350", "taobao_nick": "yue54333"}),
            ),
        )
        .await;
    assert_eq!(all.node["user_id"], USER_ID);
}

#[tokio::test]
async fn voucher_send_business_errors() {
    let t = TestSim::start().await;
    let ok = json!({"template_id": VOUCHER_TEMPLATE, "user_id": USER_ID, "out_biz_no": "e"});
    let with = |changes: Value| {
        let mut biz = ok.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                biz.as_object_mut().unwrap().remove(k);
            } else {
                biz[k] = v.clone();
            }
        }
        biz
    };
    for (i, (changes, sub_code)) in [
        (
            json!({"template_id": "20140601000730010040000000ZZ"}),
            "TEMPLATE_NOT_EXIST",
        ),
        (
            json!({"template_id": EXPIRED_VOUCHER_TEMPLATE}),
            "TEMPLATE_EXPIRED",
        ),
        (json!({"user_id": null}), "INVALID_PARAMETER"),
        (json!({"template_id": null}), "INVALID_PARAMETER"),
        (json!({"out_biz_no": null}), "INVALID_PARAMETER"),
        (json!({"amount": "9.9"}), "INVALID_PARAMETER"),
        (json!({"amount": "abc"}), "INVALID_PARAMETER"),
        (json!({"amount": 9.999}), "INVALID_PARAMETER"),
        (json!({"amount": "0.00"}), "INVALID_PARAMETER"),
        (json!({"amount": "12345678.00"}), "INVALID_PARAMETER"),
        (json!({"memo": "m".repeat(129)}), "INVALID_PARAMETER"),
        (json!({"template_id": "T".repeat(29)}), "INVALID_PARAMETER"),
        (json!({"user_id": "20883020014561150"}), "INVALID_PARAMETER"),
        (json!({"user_id": "1234567890123456"}), "USER_NOT_EXIST"),
        (json!({"user_id": "2088abc"}), "USER_NOT_EXIST"),
        (
            json!({"user_id": null, "login_id": "not-a-login"}),
            "USER_NOT_EXIST",
        ),
        // The simulator's frozen-account rule: a user id ending in 0000.
        (json!({"user_id": "2088302001450000"}), "USER_STATUS_ERROR"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut biz = with(changes.clone());
        if biz.get("out_biz_no").is_some() {
            biz["out_biz_no"] = json!(format!("e-{i}"));
        }
        let answer = t.call(VOUCHER_SEND, &biz).await;
        assert_eq!(answer.node_name, node(VOUCHER_SEND));
        answer.assert_business(sub_code);
        assert!(answer.node.get("result").is_none(), "{changes}");
    }
    assert_eq!(t.sim.effects(VOUCHER_SEND), 0);
}

#[tokio::test]
async fn amount_is_given_exactly_for_red_packets() {
    let t = TestSim::start().await;
    let send = |template: &str, out_biz_no: &str, amount: Option<&str>| {
        let mut biz =
            json!({"template_id": template, "user_id": USER_ID, "out_biz_no": out_biz_no});
        if let Some(amount) = amount {
            biz["amount"] = json!(amount);
        }
        biz
    };
    let voucher = t
        .call(VOUCHER_SEND, &send(VOUCHER_TEMPLATE, "a-1", Some("9.99")))
        .await;
    assert_eq!(voucher.sub_code(), "INVALID_PARAMETER", "{}", voucher.node);
    let red = t
        .call(VOUCHER_SEND, &send(RED_PACKET_TEMPLATE, "a-2", None))
        .await;
    assert_eq!(red.sub_code(), "INVALID_PARAMETER", "{}", red.node);
    assert_eq!(t.sim.effects(VOUCHER_SEND), 0);
    t.call(VOUCHER_SEND, &send(VOUCHER_TEMPLATE, "a-3", None))
        .await
        .assert_success();
}
