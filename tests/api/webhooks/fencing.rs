//! Fenced attempts: a worker whose lease expired and was taken over records nothing.

use alipass::store::webhooks::{self as store, AttemptRecord, Claim, Settled};

use super::*;

fn claim(lease_ms: u64) -> Claim {
    Claim {
        total: 10,
        per_endpoint: 4,
        lease: Duration::from_millis(lease_ms),
    }
}

/// Records `due`'s attempt as a worker would: delivered (204) or to retry (503).
async fn settle(app: &TestApp, due: &store::DueDelivery, delivered: bool) -> Settled {
    let attempt = AttemptRecord {
        status: Some(if delivered { 204 } else { 503 }),
        error: (!delivered).then_some("answered 503 Service Unavailable"),
        duration: Duration::from_millis(5),
        delivered,
        retry_after: (!delivered).then_some(Duration::from_secs(60)),
    };
    store::record_attempt(&app.db, due, &attempt).await.unwrap()
}

/// An app without a deliverer (the test leases and settles as workers would) and an
/// endpoint with one delivery queued: the endpoint's id.
async fn app_with_one_delivery() -> (TestApp, String) {
    let app = webhook_app(|s| s.webhooks.enabled = false).await;
    let endpoint = register(&app, "http://127.0.0.1:9/hooks", &["pass.issued"]).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    queue_backlog(&app, &id, 1).await;
    (app, id)
}

#[tokio::test]
async fn a_late_settle_of_an_expired_lease_is_refused() {
    let (app, id) = app_with_one_delivery().await;
    let id = id.as_str();

    let slow = store::claim_due(&app.db, claim(50)).await.unwrap();
    assert_eq!(slow.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The slow worker's lease ran out: another worker leases the delivery again.
    let current = store::claim_due(&app.db, claim(60_000)).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_ne!(slow[0].lease_token, current[0].lease_token);
    assert_eq!(current[0].attempts, 2);

    // The slow worker's failure, late, before and after the current attempt's success.
    assert_eq!(settle(&app, &slow[0], false).await, Settled::LeaseLost);
    assert_eq!(settle(&app, &current[0], true).await, Settled::Recorded);
    assert_eq!(settle(&app, &slow[0], false).await, Settled::LeaseLost);

    let (state, attempts, failing): (String, i32, bool) = sqlx::query_as(
        "SELECT d.state, d.attempts, e.failing_since IS NOT NULL FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.endpoint_id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((state.as_str(), attempts, failing), ("DELIVERED", 2, false));
    let recorded = app
        .get_json(&format!("/v1/webhook-endpoints/{id}/attempts"))
        .await;
    let recorded = recorded.as_array().unwrap();
    assert_eq!(recorded.len(), 1, "only the current attempt: {recorded:?}");
    assert_eq!(
        (
            recorded[0]["attempt"].clone(),
            recorded[0]["status"].clone()
        ),
        (json!(2), json!(204))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_redelivery_fences_the_attempt_in_flight() {
    let (app, id) = app_with_one_delivery().await;
    let in_flight = store::claim_due(&app.db, claim(60_000)).await.unwrap();
    let event = in_flight[0].event_id;
    let path = format!("/v1/webhook-endpoints/{id}/deliveries/{event}/redeliver");
    assert_eq!(app.post_json(&path, &json!({})).status_code().await, 202);
    // The attempt that was in flight lost its lease; the redelivery is leased anew.
    assert_eq!(settle(&app, &in_flight[0], false).await, Settled::LeaseLost);
    let again = store::claim_due(&app.db, claim(60_000)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(settle(&app, &again[0], true).await, Settled::Recorded);
    app.shutdown().await;
}
