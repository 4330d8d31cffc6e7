use crate::helpers::{paths, problem, spawn_app, spawn_app_with, DEV_KEY};

#[tokio::test]
async fn malformed_json_is_400_naming_the_parse_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url(paths::TEMPLATE_VALIDATE))
        .bearer_auth(DEV_KEY)
        .header("content-type", "application/json")
        .body(r#"{"content": {"logo": "x",}"#)
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["code"], "malformed_json");
    assert!(
        body["detail"].as_str().unwrap().contains("line 1"),
        "{body}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422() {
    let app = spawn_app().await;
    let response = app
        .send_voucher(&serde_json::json!({"template_id": 5}))
        .send()
        .await
        .unwrap();
    let body = problem(response, 422).await;
    assert_eq!(body["code"], "invalid_body");
    app.shutdown().await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url(paths::TEMPLATE_VALIDATE))
        .bearer_auth(DEV_KEY)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let body = problem(response, 415).await;
    assert_eq!(body["code"], "unsupported_media_type");
    app.shutdown().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|s| s.server.body_limit_bytes = 1024).await;
    let big = format!(r#"{{"content": "{}"}}"#, "x".repeat(4096));
    let response = app
        .client
        .post(app.url(paths::TEMPLATE_VALIDATE))
        .bearer_auth(DEV_KEY)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let body = problem(response, 413).await;
    assert_eq!(body["code"], "payload_too_large");
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_are_404_problems_with_the_request_id() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/v2/nothing"))
        .header("x-request-id", "trace-me")
        .send()
        .await
        .unwrap();
    let body = problem(response, 404).await;
    assert_eq!(body["request_id"], "trace-me");
    app.shutdown().await;
}

#[tokio::test]
async fn a_bad_path_parameter_is_400() {
    let app = spawn_app().await;
    let response = app
        .get(&paths::template("not-a-uuid"))
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
    app.shutdown().await;
}

#[tokio::test]
async fn nul_characters_are_a_400_not_a_server_error() {
    let app = spawn_app().await;
    let in_query = app
        .get(&paths::pass("S1?channel_id=a%00b"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(in_query, 400).await["code"], "unstorable_text");
    let in_path = app.get(&paths::pass_events("a%00b")).send().await.unwrap();
    assert_eq!(problem(in_path, 400).await["code"], "unstorable_text");
    app.shutdown().await;
}
