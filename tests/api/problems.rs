//! The problem pages problem `type` URIs point at, and the 3.0.3 rendering of the document.

use alipass::error::codes::PROBLEM_CODES;

use crate::helpers::{paths, problem, spawn_app};

#[tokio::test]
async fn every_problem_code_has_a_page_and_an_unknown_one_is_404() {
    let app = spawn_app().await;
    for code in PROBLEM_CODES {
        let response = app
            .client
            .get(app.url(&format!("/problems/{}", code.slug())))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "/problems/{}", code.slug());
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("<h1>{}</h1>", code.code)), "{page}");
        assert!(page.contains(&code.status.to_string()), "{page}");
    }
    let unknown = app
        .client
        .get(app.url("/problems/no-such-problem"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(unknown, 404).await["code"], "not_found");

    let list = app.client.get(app.url("/problems")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    for code in PROBLEM_CODES {
        assert!(list.contains(&format!("href=\"/problems/{}\"", code.slug())));
    }
    app.shutdown().await;
}

/// A problem's `type`, resolved against the URL the request went to, is its page.
#[tokio::test]
async fn a_problems_type_uri_resolves_to_its_page() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url(paths::TEMPLATES))
        .send()
        .await
        .unwrap();
    let body = problem(response, 401).await;
    let base = reqwest::Url::parse(&app.url(paths::TEMPLATES)).unwrap();
    let page_url = base.join(body["type"].as_str().unwrap()).unwrap();
    let page = app.client.get(page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<h1>unauthorized</h1>"));
    app.shutdown().await;
}

#[tokio::test]
async fn the_30_rendering_is_served_as_committed_and_docs_link_the_problems() {
    let app = spawn_app().await;
    let served = app.get_public_json("/openapi-3.0.json").await;
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi-3.0.json")).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.0.3");
    let spec = app.get_public_json("/openapi.json").await;
    let description = spec["info"]["description"].as_str().unwrap();
    assert!(description.contains("(/problems)"), "{description}");
    app.shutdown().await;
}
