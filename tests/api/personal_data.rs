//! Voucher recipients' login_id and taobao_nick: sealed at rest (pii.key) with a keyed hash
//! beside them, sent to Alipay in clear, masked in every view unless the key reads personal
//! data (`pii:read`).

use serde_json::{json, Value};

use crate::helpers::*;

const EMAIL: &str = "pii.person@example.com";
const READER_KEY: &str = "pii-reader-key-0123456789";

#[tokio::test]
async fn a_login_id_is_sealed_at_rest_masked_by_default_and_shown_to_pii_readers() {
    let app =
        spawn_app_with(|s| extra_key(s, "pii-reader", READER_KEY, &["read", "pii:read"])).await;
    let body = json!({"template_id": "20140601000730010040000000EB", "out_biz_no": "PII-V1",
                      "recipient": {"login_id": EMAIL}});
    let sent = app.post_voucher(&body).send().await.unwrap();
    assert_eq!(sent.status().as_u16(), 201);
    let view: Value = sent.json().await.unwrap();
    assert_eq!(view["recipient"]["value"], "pi***@example.com");
    // The gateway got the real login_id: it refuses one that is neither a phone number nor
    // an e-mail address (USER_NOT_EXIST), so the 201 says it was sent in clear.

    let (stored, hash, request_hash): (String, Option<String>, String) = sqlx::query_as(
        "SELECT recipient, recipient_hash, request_hash FROM vouchers WHERE out_biz_no = 'PII-V1'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(!stored.contains("pii.person"), "{stored}");
    assert!(stored.starts_with("sealed:"));
    assert_eq!(hash.map(|h| h.len()), Some(64));
    let answers: Vec<String> = sqlx::query_scalar(
        "SELECT response_body::text FROM vouchers WHERE response_body IS NOT NULL",
    )
    .fetch_all(&app.db)
    .await
    .unwrap_or_default();
    assert!(
        answers.iter().all(|a| !a.contains("pii.person")),
        "{answers:?}"
    );
    assert!(!request_hash.is_empty());

    // The same request again is a replay: the keyed hash is stable.
    let again = app.post_voucher(&body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);

    let path = "/v1/vouchers/20140601000730010040000000EB/PII-V1";
    assert_eq!(
        app.get_json(path).await["recipient"]["value"],
        "pi***@example.com"
    );
    let list = app.get_json("/v1/vouchers").await;
    assert_eq!(list["items"][0]["recipient"]["value"], "pi***@example.com");
    let revealed = app.get_json_as(READER_KEY, path).await;
    assert_eq!(revealed["recipient"]["value"], EMAIL);
    app.shutdown().await;
}

async fn send(app: &TestApp, out_biz_no: &str, recipient: Value) -> Value {
    let body = json!({"template_id": "20140601000730010040000000RP", "out_biz_no": out_biz_no,
                      "recipient": recipient, "amount": "5.00"});
    let response = app.post_voucher(&body).send().await.unwrap();
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
            .get(app.url(&format!("/v1/vouchers/20140601000730010040000000RP/{out}")))
            .bearer_auth(READER_KEY);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let gone = read("RED-1").await;
    assert_eq!(gone["recipient"]["value"], "redacted");
    assert_eq!(gone["status"], sent["status"]);
    assert_eq!(gone["voucher_id"], sent["voucher_id"]);
    assert_eq!(gone["amount"], "5.00");
    assert_eq!(read("RED-2").await["recipient"]["value"], "13800138000");
    let (hash, answer): (Option<String>, String) = sqlx::query_as(
        "SELECT recipient_hash, response_body::text FROM vouchers WHERE out_biz_no = 'RED-1'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(hash, None);
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
    for sql in [
        "UPDATE vouchers SET updated_at = now() - interval '40 days' WHERE out_biz_no LIKE 'OLD-%'",
        "UPDATE gateway_calls SET created_at = now() - interval '40 days' \
         WHERE record_id IN (SELECT id FROM vouchers WHERE out_biz_no LIKE 'OLD-%')",
    ] {
        sqlx::query(sql).execute(&app.db).await.unwrap();
    }
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
    let recipients: Vec<(String, String)> =
        sqlx::query_as("SELECT out_biz_no, recipient FROM vouchers ORDER BY out_biz_no")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(recipients[0].0, "NEW-1");
    assert!(
        recipients[0].1.starts_with("sealed:"),
        "the recent one stays"
    );
    assert!(
        recipients[1..].iter().all(|(_, r)| r == "redacted"),
        "{recipients:?}"
    );
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM gateway_calls")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(calls, 1, "the recent call stays");
    app.shutdown().await;
}
