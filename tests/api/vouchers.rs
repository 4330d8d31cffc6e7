use serde_json::{json, Value};

use crate::helpers::{paths, problem, spawn_app, TestApp};

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

/// An app that sent voucher biz-1: the voucher as the send answered it.
async fn app_with_voucher() -> (TestApp, Value) {
    let app = spawn_app().await;
    let first = app
        .send_voucher(&send(TEMPLATE, "biz-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let sent = first.json().await.unwrap();
    (app, sent)
}

#[tokio::test]
async fn a_sent_voucher_answers_its_recipient_kind_and_alipays_id() {
    let (app, sent) = app_with_voucher().await;
    assert_eq!(sent["status"], "SENT");
    assert_eq!(sent["recipient"]["kind"], "user_id");
    assert!(sent["voucher_id"].as_str().is_some());
    app.shutdown().await;
}

#[tokio::test]
async fn the_same_send_again_replays_the_first_answer() {
    let (app, sent) = app_with_voucher().await;
    let again = app
        .send_voucher(&send(TEMPLATE, "biz-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), sent);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_different_send_under_the_same_out_biz_no_is_refused_409_without_a_call() {
    let (app, _) = app_with_voucher().await;
    let mut different = send(TEMPLATE, "biz-1");
    different["amount"] = json!("1.00");
    assert_eq!(
        app.post_problem(paths::VOUCHERS, &different, 409).await["code"],
        "idempotency_key_reused"
    );
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_sent_voucher_reads_back_and_is_listed_under_its_template() {
    let (app, sent) = app_with_voucher().await;
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
