use serde_json::{json, Value};

use crate::helpers::{paths, problem, spawn_app};

/// A red packet: the sends below carry an amount.
const TEMPLATE: &str = "20140601000730010040000000RP";
const EXPIRED: &str = "20140601000730010040000000EX";

fn send(template_id: &str, out_biz_no: &str) -> Value {
    json!({
        "template_id": template_id,
        "recipient": {"user_id": "2088302001456115", "login_id": "13196215350"},
        "out_biz_no": out_biz_no,
        "amount": "9.99",
        "memo": "优酷3个月兑换券",
    })
}

#[tokio::test]
async fn send_replay_conflict_and_read() {
    let app = spawn_app().await;
    let first = app
        .send_voucher(&send(TEMPLATE, "biz-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let sent: Value = first.json().await.unwrap();
    assert_eq!(sent["status"], "SENT");
    assert_eq!(sent["recipient"]["kind"], "user_id");
    assert!(sent["voucher_id"].as_str().is_some());

    let again = app
        .send_voucher(&send(TEMPLATE, "biz-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), sent);

    let mut different = send(TEMPLATE, "biz-1");
    different["amount"] = json!("1.00");
    assert_eq!(
        app.post_problem(paths::VOUCHERS, &different, 409).await["code"],
        "idempotency_key_reused"
    );
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);

    let fetched = app.get_voucher(TEMPLATE, "biz-1").await;
    assert_eq!(fetched["voucher_id"], sent["voucher_id"]);
    let listed = app.list_vouchers(&format!("template_id={TEMPLATE}")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn gateway_refusals_map_to_problems_and_are_replayed() {
    let app = spawn_app().await;
    let missing = app
        .send_voucher(&send("20140601000730010040000000ZZ", "biz-2"))
        .send()
        .await
        .unwrap();
    let body = problem(missing, 404).await;
    assert_eq!(body["code"], "voucher_template_not_found");
    assert_eq!(body["gateway_sub_code"], "TEMPLATE_NOT_EXIST");

    let expired = app
        .send_voucher(&send(EXPIRED, "biz-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(expired, 422).await["gateway_sub_code"],
        "TEMPLATE_EXPIRED"
    );

    // A definitive refusal is the settled answer for that key.
    let replay = app
        .send_voucher(&send(EXPIRED, "biz-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    problem(replay, 422).await;
    let record = app.get_voucher(EXPIRED, "biz-3").await;
    assert_eq!(record["status"], "FAILED");
    assert_eq!(record["failure_code"], "TEMPLATE_EXPIRED");
    app.shutdown().await;
}

#[tokio::test]
async fn local_rules_refuse_before_the_gateway() {
    let app = spawn_app().await;
    let mut no_recipient = send(TEMPLATE, "biz-4");
    no_recipient["recipient"] = json!({});
    let body = problem(app.send_voucher(&no_recipient).send().await.unwrap(), 422).await;
    assert_eq!(body["errors"][0]["path"], "$.recipient");

    let mut bad_amount = send(TEMPLATE, "biz-5");
    bad_amount["amount"] = json!("9.9");
    let body = problem(app.send_voucher(&bad_amount).send().await.unwrap(), 422).await;
    assert_eq!(body["errors"][0]["path"], "$.amount");

    let long = send(&"T".repeat(29), &"o".repeat(65));
    let body = problem(app.send_voucher(&long).send().await.unwrap(), 422).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    assert_eq!(app.sim.requests("alipay.marketing.voucher.send"), 0);
    app.shutdown().await;
}
