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
    let sent = app.post_json("/v1/vouchers", &body).send().await.unwrap();
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
    let again = app.post_json("/v1/vouchers", &body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);

    let path = "/v1/vouchers/20140601000730010040000000EB/PII-V1";
    assert_eq!(
        app.get_json(path).await["recipient"]["value"],
        "pi***@example.com"
    );
    let list = app.get_json("/v1/vouchers").await;
    assert_eq!(list["items"][0]["recipient"]["value"], "pi***@example.com");
    let revealed: Value = app
        .client
        .get(app.url(path))
        .bearer_auth(READER_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["recipient"]["value"], EMAIL);
    app.shutdown().await;
}
