//! OpenTelemetry export: a pass issued with a caller's `traceparent` shows up at an OTLP
//! receiver as one trace (request, pipeline steps, gateway call and attempt, database
//! statements), every span carrying the request id.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use reqwest::Method;
use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::{pass_params, paths, valid_template};
use crate::processes::{authed, Deployment};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const REQUEST_ID: &str = "trace-test-request-1";

type Received = Arc<Mutex<Vec<Value>>>;

/// An OTLP/HTTP JSON receiver on a free port: every span it is sent, flattened.
async fn start_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let server = HttpServer::new(move || {
        let sink = sink.clone();
        App::new().route(
            "/v1/traces",
            web::post().to(move |body: web::Bytes| {
                let sink = sink.clone();
                async move {
                    let export: Value = serde_json::from_slice(&body).unwrap_or_default();
                    sink.lock().unwrap().extend(spans_of(&export));
                    HttpResponse::Ok().json(json!({}))
                }
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/v1/traces"), received)
}

fn spans_of(export: &Value) -> Vec<Value> {
    let mut spans = Vec::new();
    for resource in export["resourceSpans"].as_array().into_iter().flatten() {
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            spans.extend(scope["spans"].as_array().into_iter().flatten().cloned());
        }
    }
    spans
}

fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a str> {
    let attributes = span["attributes"].as_array()?;
    let found = attributes.iter().find(|a| a["key"] == key)?;
    found["value"]["stringValue"].as_str()
}

#[tokio::test]
async fn an_issued_pass_is_one_trace_whose_every_span_carries_the_request_id() {
    let (endpoint, received) = start_receiver().await;
    let deployment = Deployment::start().await;
    let service = deployment.replica(&[
        ("APP__TRACING__OTLP_ENDPOINT", endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ]);
    let client = reqwest::Client::new();
    let created = authed(&client, Method::POST, service.url(paths::TEMPLATES))
        .json(&json!({"content": valid_template()}))
        .value()
        .await;
    let params: Vec<String> = serde_json::from_value(created["params"].clone()).unwrap();
    let pass = json!({"template_id": created["id"], "serial_number": "TRACE-1",
                      "params": pass_params(&params),
                      "recipient": {"partner_id": "2088102122069225", "out_trade_no": "T-1"}});
    let issued = authed(&client, Method::POST, service.url(paths::PASSES))
        .header("x-request-id", REQUEST_ID)
        .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
        .json(&pass)
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status().as_u16(), 201);

    let wanted = [
        "request",
        "pipeline.claim",
        "db.insert_pass",
        "pipeline.perform",
        "gateway.call",
        "gateway.attempt",
        "db.settle_pass_issue",
        "pipeline.finish",
    ];
    let deadline = Instant::now() + Duration::from_secs(15);
    let trace = loop {
        let trace: Vec<Value> = received
            .lock()
            .unwrap()
            .iter()
            .filter(|span| span["traceId"] == TRACE_ID)
            .cloned()
            .collect();
        let names: Vec<&str> = trace.iter().filter_map(|s| s["name"].as_str()).collect();
        if wanted.iter().all(|w| names.contains(w)) {
            break trace;
        }
        assert!(
            Instant::now() < deadline,
            "spans of the caller's trace: {names:?}; all: {:?}",
            received.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for span in &trace {
        assert_eq!(
            attribute(span, "request_id"),
            Some(REQUEST_ID),
            "span without the request id: {span}"
        );
    }
    let gateway = trace.iter().find(|s| s["name"] == "gateway.call").unwrap();
    assert_eq!(
        attribute(gateway, "method"),
        Some("alipay.pass.instance.add")
    );
    // The template's request carried no traceparent: its spans form a trace of their own.
    let others = received.lock().unwrap().len() - trace.len();
    assert!(others > 0, "the template's spans were exported too");
}
