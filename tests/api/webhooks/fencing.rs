//! Fenced attempts: a worker whose lease expired and was taken over records nothing.

use super::*;

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

    let slow = app.lease_due_deliveries(Duration::from_millis(50)).await;
    assert_eq!(slow.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The slow worker's lease ran out: another worker leases the delivery again.
    let current = app.lease_due_deliveries(Duration::from_secs(60)).await;
    assert_eq!(current.len(), 1);
    assert_ne!(slow[0].lease_token, current[0].lease_token);
    assert_eq!(current[0].attempts, 2);

    // The slow worker's failure, late, before and after the current attempt's success.
    assert_eq!(
        app.record_delivery_attempt(&slow[0], false).await,
        Settled::LeaseLost
    );
    assert_eq!(
        app.record_delivery_attempt(&current[0], true).await,
        Settled::Recorded
    );
    assert_eq!(
        app.record_delivery_attempt(&slow[0], false).await,
        Settled::LeaseLost
    );

    let stored = app.delivery_to(id).await;
    assert_eq!(
        (
            stored.state.as_str(),
            stored.attempts,
            stored.endpoint_failing
        ),
        ("DELIVERED", 2, false)
    );
    let recorded = app.webhook_attempts(id).await;
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
    let in_flight = app.lease_due_deliveries(Duration::from_secs(60)).await;
    let event = in_flight[0].event_id.to_string();
    assert_eq!(app.redeliver(&id, &event).status_code().await, 202);
    // The attempt that was in flight lost its lease; the redelivery is leased anew.
    assert_eq!(
        app.record_delivery_attempt(&in_flight[0], false).await,
        Settled::LeaseLost
    );
    let again = app.lease_due_deliveries(Duration::from_secs(60)).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        app.record_delivery_attempt(&again[0], true).await,
        Settled::Recorded
    );
    app.shutdown().await;
}
