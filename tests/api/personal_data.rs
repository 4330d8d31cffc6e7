//! Voucher recipients' login_id and taobao_nick: sealed at rest (pii.key) with a keyed hash
//! beside them, sent to Alipay in clear, masked in every view unless the key reads personal
//! data (`pii:read`).

use serde_json::{json, Value};

use crate::helpers::*;

const EMAIL: &str = "pii.person@example.com";
const READER_KEY: &str = "pii-reader-key-0123456789";

const PII_TEMPLATE: &str = "20140601000730010040000000EB";

/// An app with a `pii:read` key that sent voucher PII-V1 to a login_id: the voucher as the
/// send answered it, and the send's body.
async fn app_with_a_login_id_voucher() -> (TestApp, Value, Value) {
    let app =
        spawn_app_with(|s| extra_key(s, "pii-reader", READER_KEY, &["read", "pii:read"])).await;
    let body = json!({"template_id": PII_TEMPLATE, "out_biz_no": "PII-V1",
                      "recipient": {"login_id": EMAIL}});
    let sent = app.send_voucher(&body).send().await.unwrap();
    // The gateway got the real login_id: it refuses one that is neither a phone number nor
    // an e-mail address (USER_NOT_EXIST), so the 201 says it was sent in clear.
    assert_eq!(sent.status().as_u16(), 201);
    let view = sent.json().await.unwrap();
    (app, view, body)
}

#[tokio::test]
async fn a_login_id_is_masked_in_the_send_answer() {
    let (app, view, _) = app_with_a_login_id_voucher().await;
    assert_eq!(view["recipient"]["value"], "pi***@example.com");
    app.shutdown().await;
}

#[tokio::test]
async fn a_login_id_is_sealed_at_rest_beside_its_keyed_hash() {
    let (app, _, _) = app_with_a_login_id_voucher().await;
    let stored = app.stored_voucher("PII-V1").await;
    assert!(!stored.recipient.contains("pii.person"), "{stored:?}");
    assert!(stored.recipient.starts_with("sealed:"));
    assert_eq!(stored.recipient_hash.map(|h| h.len()), Some(64));
    assert!(!stored.request_hash.is_empty());
    let answers = app.saved_voucher_answers().await;
    assert!(
        answers.iter().all(|a| !a.contains("pii.person")),
        "{answers:?}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_same_send_with_a_login_id_is_a_replay() {
    // The keyed hash is stable.
    let (app, _, body) = app_with_a_login_id_voucher().await;
    let again = app.send_voucher(&body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_login_id_is_masked_in_the_voucher_and_the_list() {
    let (app, _, _) = app_with_a_login_id_voucher().await;
    let voucher = app.get_voucher(PII_TEMPLATE, "PII-V1").await;
    assert_eq!(voucher["recipient"]["value"], "pi***@example.com");
    let list = app.list_vouchers("").await;
    assert_eq!(list["items"][0]["recipient"]["value"], "pi***@example.com");
    app.shutdown().await;
}

#[tokio::test]
async fn a_login_id_is_shown_to_a_key_that_reads_personal_data() {
    let (app, _, _) = app_with_a_login_id_voucher().await;
    let path = paths::voucher(PII_TEMPLATE, "PII-V1");
    let revealed = app.get_json_as(READER_KEY, &path).await;
    assert_eq!(revealed["recipient"]["value"], EMAIL);
    app.shutdown().await;
}

async fn send(app: &TestApp, out_biz_no: &str, recipient: Value) -> Value {
    let body = json!({"template_id": "20140601000730010040000000RP", "out_biz_no": out_biz_no,
                      "recipient": recipient, "amount": "5.00"});
    let response = app.send_voucher(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn redacting_a_customer_removes_their_identifier_and_keeps_the_business_record() {
    let app =
        spawn_app_with(|s| extra_key(s, "pii-reader", READER_KEY, &["read", "pii:read"])).await;
    let sent = send(&app, "RED-1", json!({"login_id": EMAIL})).await;
    send(&app, "RED-2", json!({"login_id": "13800138000"})).await;
    let sealer = alipass::sealing::Sealer::for_personal_data(&app.settings).unwrap();
    let identifiers = [EMAIL.to_owned()];
    let redacted = alipass::retention::redact_recipients(&app.db, sealer.as_ref(), &identifiers)
        .await
        .unwrap();
    assert_eq!(redacted.vouchers, 1);

    let read = |out: &'static str| {
        let request = app
            .client
            .get(app.url(&paths::voucher("20140601000730010040000000RP", out)))
            .bearer_auth(READER_KEY);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let gone = read("RED-1").await;
    assert_eq!(gone["recipient"]["value"], "redacted");
    assert_eq!(gone["status"], sent["status"]);
    assert_eq!(gone["voucher_id"], sent["voucher_id"]);
    assert_eq!(gone["amount"], "5.00");
    assert_eq!(read("RED-2").await["recipient"]["value"], "13800138000");
    let stored = app.stored_voucher("RED-1").await;
    assert_eq!(stored.recipient_hash, None);
    let answer = stored.answer.expect("the send's answer is saved");
    assert!(
        answer.contains("\"redacted\"") && !answer.contains("pi***"),
        "{answer}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn retention_deletes_old_history_and_redacts_old_settled_records_in_batches() {
    let app = spawn_app().await;
    send(&app, "OLD-1", json!({"taobao_nick": "piinick"})).await;
    send(&app, "OLD-2", json!({"login_id": EMAIL})).await;
    send(&app, "NEW-1", json!({"login_id": EMAIL})).await;
    app.age_vouchers("OLD-", 40).await;
    let settings = alipass::config::RetentionSettings {
        gateway_calls_days: 30,
        events_days: 30,
        settled_records_days: 30,
        batch_size: 1,
        interval_secs: 3600,
    };
    let report = alipass::retention::apply(&app.db, &settings).await.unwrap();
    assert_eq!(report.gateway_calls_deleted, 2);
    assert_eq!(report.records_redacted, 2);
    let recipients = app.stored_recipients().await;
    assert_eq!(recipients[0].0, "NEW-1");
    assert!(
        recipients[0].1.starts_with("sealed:"),
        "the recent one stays"
    );
    assert!(
        recipients[1..].iter().all(|(_, r)| r == "redacted"),
        "{recipients:?}"
    );
    assert_eq!(app.kept_gateway_calls().await, 1, "the recent call stays");
    app.shutdown().await;
}
