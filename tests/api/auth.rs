use crate::fetch::Fetch;
use crate::helpers::{extra_key, paths, problem, spawn_app, spawn_app_with};

/// Every route the served OpenAPI document lists (paths with sample ids), except the
/// open ones.
async fn spec_routes(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    let spec: serde_json::Value = app.client.get(app.url("/openapi.json")).value().await;
    let mut routes = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56")
                .replace("{serial_number}", "S1")
                .replace("{template_id}", "T")
                .replace("{out_biz_no}", "O")
                .replace("{code}", "unauthorized");
            routes.push((method.to_uppercase(), concrete));
        }
    }
    routes
}

const OPEN: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/problems",
    "/problems/unauthorized",
];

#[tokio::test]
async fn every_route_in_the_spec_answers_401_problem_without_a_key() {
    let app = spawn_app().await;
    let routes = spec_routes(&app).await;
    assert!(routes.len() >= 15, "{routes:?}");
    for (method, path) in routes.iter().filter(|(_, p)| !OPEN.contains(&p.as_str())) {
        let request = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .header("content-type", "application/json")
            .body("{}");
        let body = problem(request.send().await.unwrap(), 401).await;
        assert_eq!(body["code"], "unauthorized", "{method} {path}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_or_scheme_is_401() {
    let app = spawn_app().await;
    let wrong = app
        .client
        .get(app.url(paths::TEMPLATES))
        .bearer_auth("not-a-key")
        .send()
        .await
        .unwrap();
    let body = problem(wrong, 401).await;
    assert_eq!(body["detail"], "unknown API key");
    let basic = app
        .client
        .get(app.url(paths::TEMPLATES))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    problem(basic, 401).await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_without_the_scope_is_403() {
    let app = spawn_app_with(|s| extra_key(s, "reporting", "reader-key", &["read"])).await;
    let read = app
        .client
        .get(app.url(paths::PASSES))
        .bearer_auth("reader-key")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let write = app
        .client
        .post(app.url(paths::VOUCHERS))
        .bearer_auth("reader-key")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let body = problem(write, 403).await;
    assert!(body["detail"].as_str().unwrap().contains("vouchers:write"));
    app.shutdown().await;
}

#[tokio::test]
async fn health_metrics_and_docs_stay_open() {
    let app = spawn_app().await;
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/openapi-3.0.json",
        "/docs/",
        "/problems",
        "/problems/unauthorized",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    app.shutdown().await;
}
