//! Events go only to keys that may read them: registering needs `read`, and an endpoint
//! whose key cannot read its app (any more) receives nothing and is disabled.

use super::*;

const HOOKS_ONLY_KEY: &str = "hooks-only-key";

fn with_hooks_only_key(s: &mut alipass::config::Settings) {
    extra_key(s, "hooks-only", HOOKS_ONLY_KEY, &["webhooks:write"]);
}

#[tokio::test]
async fn a_key_without_read_cannot_register_an_endpoint() {
    let app = webhook_app(with_hooks_only_key).await;
    let body = json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["pass.issued"]});
    let refused = app
        .client
        .post(app.url(paths::WEBHOOK_ENDPOINTS))
        .bearer_auth(HOOKS_ONLY_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = problem(refused, 403).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("`read`"),
        "{problem}"
    );
    app.shutdown().await;
}

/// A receiver registered by the dev key (`read` and every scope), with its secret.
async fn reader_endpoint(app: &TestApp) -> (Receiver, String) {
    let receiver = Receiver::start().await;
    let endpoint = register(app, &receiver.url, &["pass.issued"]).await;
    *receiver.secret.lock().unwrap() = Some(endpoint["secret"].as_str().unwrap().to_owned());
    (receiver, endpoint["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_endpoint_whose_key_cannot_read_receives_no_pass_parameters() {
    let app = webhook_app(with_hooks_only_key).await;
    let (reader, _) = reader_endpoint(&app).await;
    let (outsider, outsider_id) = reader_endpoint(&app).await;
    // As if the hooks-only key had registered it before `read` was asked for (or had
    // lost `read` since).
    app.store_webhook_owner(&outsider_id, "hooks-only").await;

    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, "READERS-1", &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let delivered = eventually(Duration::from_secs(10), || async {
        !reader.of_kind("pass.issued").is_empty()
    })
    .await;
    assert!(delivered);
    let pass = &reader.of_kind("pass.issued")[0]["pass"];
    assert_eq!(pass["serial_number"], "READERS-1");
    assert!(
        pass["params"].as_object().is_some_and(|p| !p.is_empty()),
        "a reader gets the parameters: {pass}"
    );

    let settled = eventually(Duration::from_secs(10), || async {
        app.delivery_to(&outsider_id).await.state != "PENDING"
    })
    .await;
    assert!(settled);
    assert_eq!(app.delivery_to(&outsider_id).await.state, "FAILED");
    let (error, reason) = app.unsent_delivery_reasons(&outsider_id).await;
    assert!(error.is_some_and(|e| e.starts_with("not sent:") && e.contains("`read`")));
    assert!(reason.is_some_and(|r| r.contains("hooks-only")));
    assert!(
        outsider.seen.lock().unwrap().is_empty(),
        "nothing reached it"
    );
    app.shutdown().await;
}
