use crate::fetch::Fetch;
use serde_json::{json, Value};

use crate::helpers::{paths, problem, spawn_app, valid_template, TestApp};

/// An app and the fixture template created under `unique_id`: the template as created.
async fn app_with_template(unique_id: &str) -> (TestApp, Value, Value) {
    let app = spawn_app().await;
    let body = json!({"unique_id": unique_id, "content": valid_template()});
    let first = app.post_template(&body).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created = first.json().await.unwrap();
    (app, body, created)
}

#[tokio::test]
async fn a_created_template_answers_its_key_alipays_id_and_parameters() {
    let (app, _, created) = app_with_template("tpl-001").await;
    assert_eq!(created["status"], "CREATED");
    assert_eq!(created["unique_id"], "tpl-001");
    assert!(created["alipay_template_id"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(!created["params"].as_array().unwrap().is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn the_same_template_again_replays_the_first_answer_without_a_second_gateway_call() {
    let (app, body, created) = app_with_template("tpl-001").await;
    let again = app.post_template(&body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed, created);
    assert_eq!(app.sim.effects("alipay.pass.template.add"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_different_template_under_the_same_unique_id_is_refused_409() {
    let (app, _, _) = app_with_template("tpl-001").await;
    let mut changed = valid_template();
    changed["content"]["merchant"]["mname"] = json!("another merchant");
    let conflict = app
        .post_template(&json!({"unique_id": "tpl-001", "content": changed}))
        .send()
        .await
        .unwrap();
    let problem_body = problem(conflict, 409).await;
    assert_eq!(problem_body["code"], "idempotency_key_reused");
    app.shutdown().await;
}

#[tokio::test]
async fn a_created_template_reads_back_with_alipays_id() {
    let (app, _, created) = app_with_template("tpl-001").await;
    let fetched = app.get_template(created["id"].as_str().unwrap()).await;
    assert_eq!(fetched["alipay_template_id"], created["alipay_template_id"]);
    app.shutdown().await;
}

#[tokio::test]
async fn a_generated_unique_id_is_returned() {
    let app = spawn_app().await;
    let response = app
        .post_template(&json!({"content": valid_template()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert!(body["unique_id"].as_str().is_some_and(|s| s.len() == 32));
    app.shutdown().await;
}

#[tokio::test]
async fn every_rule_has_a_failing_template_refused_locally() {
    let app = spawn_app().await;
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/template_rule_cases.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(cases.len() >= 30, "expected one case per rule");
    for case in &cases {
        let mut template = valid_template();
        let pointer = case["pointer"].as_str().unwrap();
        match case["op"].as_str().unwrap() {
            "set" => {
                if let Some(slot) = template.pointer_mut(pointer) {
                    *slot = case["value"].clone();
                } else {
                    let (parent, key) = pointer.rsplit_once('/').unwrap();
                    template.pointer_mut(parent).unwrap()[key] = case["value"].clone();
                }
            }
            "remove" => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let parent = template.pointer_mut(parent).unwrap();
                if let Some(object) = parent.as_object_mut() {
                    object.remove(key);
                } else if let Some(array) = parent.as_array_mut() {
                    array.remove(key.parse::<usize>().unwrap());
                }
            }
            other => panic!("unknown op {other}"),
        }
        let report: Value = app.validate_template(&template).value().await;
        let bucket = if case["severity"] == "warning" {
            "warnings"
        } else {
            "errors"
        };
        let found =
            report[bucket].as_array().unwrap().iter().any(|f| {
                f["alipay_code"] == case["expect_code"] && f["path"] == case["expect_path"]
            });
        assert!(
            found,
            "case {}: expected {} at {} in {report}",
            case["name"], case["expect_code"], case["expect_path"]
        );
        if case["severity"] != "warning" {
            let refused = app
                .post_template(&json!({"content": template}))
                .send()
                .await
                .unwrap();
            let body = problem(refused, 422).await;
            assert_eq!(body["code"], "validation_failed");
        }
    }
    // Nothing refused locally reached the gateway.
    assert_eq!(app.sim.requests("alipay.pass.template.add"), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn an_update_renames_the_template_at_alipay_as_its_next_version() {
    let app = spawn_app().await;
    let (id, _) = app.create_template().await;
    let body = app.renamed_template(&id, "新商户").await;
    assert_eq!(body["version"], 2);
    assert_eq!(body["content"]["content"]["merchant"]["mname"], "新商户");
    assert_eq!(app.sim.effects("alipay.pass.template.update"), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn templates_are_listed_in_keyset_pages() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.create_template().await;
    }
    let page = app.list_templates("limit=2").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = app.list_templates(&format!("limit=2&after={cursor}")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    app.shutdown().await;
}

#[tokio::test]
async fn an_unknown_template_is_404() {
    let app = spawn_app().await;
    let missing = app
        .get(&paths::template("0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56"))
        .send()
        .await
        .unwrap();
    problem(missing, 404).await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_preview_substitutes_the_values_and_draws_the_card() {
    let app = spawn_app().await;
    let (id, params) = app.create_template().await;
    let mut values = crate::helpers::pass_params(&params);
    let field = crate::helpers::text_param(&params);
    values.insert(field.clone(), json!("<b>HALF</b>"));
    let stored = app
        .post_json(&paths::template_preview(&id), &json!({"params": values}))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status().as_u16(), 200);
    let preview: Value = stored.json().await.unwrap();
    let document = preview["document"].to_string();
    assert!(document.contains("<b>HALF</b>"), "substituted: {document}");
    assert!(!document.contains(&format!("${field}$")));
    assert_eq!(preview["errors"], json!([]));
    let html = preview["html"].as_str().unwrap();
    assert!(
        html.contains("&lt;b&gt;HALF&lt;/b&gt;"),
        "escaped in the card"
    );
    assert!(html.contains("<svg"), "the QR code");

    // An unsaved template: a value missing is a finding, its `$var$` left as it is.
    let missing = app
        .post_json(
            paths::TEMPLATE_PREVIEW,
            &json!({"content": valid_template(), "params": {}}),
        )
        .send()
        .await
        .unwrap();
    let preview: Value = missing.json().await.unwrap();
    assert!(
        !preview["errors"].as_array().unwrap().is_empty(),
        "{preview}"
    );
    assert!(preview["document"]
        .to_string()
        .contains(&format!("${field}$")));
    app.shutdown().await;
}

#[tokio::test]
async fn a_preview_that_would_expand_past_the_limit_is_refused_before_it_is_built() {
    let app = spawn_app().await;
    // 200,000 `$x$` (600 KB) of a 300 KB value: 60 GB if it were substituted.
    let mut content = valid_template();
    content["content"]["evoucherInfo"]["title"] = json!("$x$".repeat(200_000));
    let body = json!({"content": content, "params": {"x": "y".repeat(300_000)}});
    let started = std::time::Instant::now();
    let refused = app.post_json(paths::TEMPLATE_PREVIEW, &body).send();
    let (refused, ready) = tokio::join!(refused, app.readiness());
    let refused = problem(refused.unwrap(), 422).await;
    assert_eq!(refused["code"], "preview_too_large");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("limits.preview_max_bytes"), "{detail}");
    assert!(detail.contains("would take 600000"), "{detail}");
    assert!(detail.contains("limit is 1048576 bytes"), "{detail}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(ready, 200);
    assert_eq!(app.readiness().await, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn a_stored_templates_preview_keeps_to_the_configured_limit() {
    let app = crate::helpers::spawn_app_with(|s| s.limits.preview_max_bytes = 20_000).await;
    let (id, params) = app.create_template().await;
    let mut values = crate::helpers::pass_params(&params);
    let path = paths::template_preview(&id);
    let fits = app.post_json(&path, &json!({"params": values})).send();
    assert_eq!(fits.await.unwrap().status().as_u16(), 200);
    values.insert(
        crate::helpers::text_param(&params),
        json!("z".repeat(30_000)),
    );
    let refused = app
        .post_problem(&path, &json!({"params": values}), 422)
        .await;
    assert_eq!(refused["code"], "preview_too_large");
    assert!(refused["detail"].as_str().unwrap().contains("20000 bytes"));
    app.shutdown().await;
}
