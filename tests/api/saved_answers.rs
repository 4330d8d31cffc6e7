//! Saved answers across the change to typed outcomes: a record settled before its typed
//! outcome was saved still replays the same bytes, and a campaign's results come from the
//! typed outcome, whatever the saved problem body says.

use std::time::Duration;

use serde_json::{json, Value};

use crate::campaigns::{campaign_app, create, results, until_status, upload, EXPIRED_TEMPLATE};
use crate::helpers::*;

const SENT_TEMPLATE: &str = "20140601000730010040000000RP";

fn send(template_id: &str, out_biz_no: &str) -> Value {
    json!({"template_id": template_id, "out_biz_no": out_biz_no, "amount": "9.99",
           "recipient": {"user_id": "2088302001456115"}})
}

/// A replay's status, `Idempotent-Replayed` header and body bytes.
async fn replay(app: &TestApp, body: &Value) -> (u16, bool, String) {
    let response = app.send_voucher(body).send().await.unwrap();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let status = response.status().as_u16();
    (status, replayed, response.text().await.unwrap())
}

#[tokio::test]
async fn an_answer_saved_before_typed_outcomes_replays_the_same_bytes() {
    // No cache: every replay is read from Postgres.
    let app = spawn_app_with(|s| s.redis.answer_cache_ttl_secs = 0).await;
    let (sent, refused) = (
        send(SENT_TEMPLATE, "old-1"),
        send(EXPIRED_TEMPLATE, "old-2"),
    );
    let first = app.send_voucher(&sent).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first = app.send_voucher(&refused).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 422);
    let before = (replay(&app, &sent).await, replay(&app, &refused).await);
    assert_eq!((before.0 .0, before.1 .0), (201, 422));
    assert!(before.0 .1 && before.1 .1, "both are replays");

    // As a replica without typed outcomes settled them: status and body only.
    assert_eq!(app.forget_typed_voucher_outcomes().await, 2);
    let after = (replay(&app, &sent).await, replay(&app, &refused).await);
    assert_eq!(after, before);
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 1);
    app.shutdown().await;
}

/// A finished campaign of one row that Alipay refuses (TEMPLATE_EXPIRED): its id.
async fn refused_campaign(app: &TestApp, key: &str) -> String {
    let campaign = create(app, key, EXPIRED_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(app, &id, "text/csv", "user_id\n2088100000000001\n".into()).await;
    until_status(app, &id, "FINISHED", Duration::from_secs(20)).await;
    id
}

#[tokio::test]
async fn a_campaigns_result_comes_from_the_typed_outcome_not_the_problem_body() {
    let app = campaign_app().await;
    let id = refused_campaign(&app, "typed-outcomes").await;
    let typed = results(&app, &id).await.remove(0);
    assert_eq!(
        (&typed["state"], &typed["code"]),
        (&json!("REFUSED"), &json!("TEMPLATE_EXPIRED"))
    );

    // The problem body changed (its codes and words): the result stands on the typed outcome.
    let reworded = json!({"gateway_sub_code": "CHANGED", "code": "changed", "detail": "reworded"});
    assert_eq!(app.reword_saved_voucher_answers(&reworded).await, 1);
    assert_eq!(results(&app, &id).await.remove(0), typed);
    app.shutdown().await;
}

#[tokio::test]
async fn a_campaign_row_of_a_record_settled_before_typed_outcomes_reads_its_old_body() {
    let app = campaign_app().await;
    let id = refused_campaign(&app, "legacy-outcomes").await;
    let typed = results(&app, &id).await.remove(0);
    assert_eq!(app.forget_typed_voucher_outcomes().await, 1);
    let legacy = results(&app, &id).await.remove(0);
    assert_eq!(legacy, typed);
    assert_eq!(legacy["code"], "TEMPLATE_EXPIRED");
    app.shutdown().await;
}
