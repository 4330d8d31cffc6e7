//! Webhooks: a local receiver verifies every delivery with the `standardwebhooks`
//! verifier and, after deduplicating by `webhook-id`, sees every event of a scripted run
//! exactly once, though it was down for a while, each as the OpenAPI document's `webhooks`
//! describe it; the allow-list, disabling a failing endpoint, test sends and redelivery.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::*;

/// What arrived under one webhook-id: the type, the data and how many times.
type Seen = Arc<Mutex<HashMap<String, (String, Value, u32)>>>;

/// A webhook receiver on a free local port.
#[derive(Clone)]
struct Receiver {
    url: String,
    secret: Arc<Mutex<Option<String>>>,
    /// Deliveries by webhook-id: (type, data, times received).
    seen: Seen,
    bad_signatures: Arc<Mutex<u32>>,
    up: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> Self {
        let receiver = Receiver {
            url: String::new(),
            secret: Arc::default(),
            seen: Arc::default(),
            bad_signatures: Arc::default(),
            up: Arc::new(AtomicBool::new(true)),
        };
        let state = receiver.clone();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let state = state.clone();
                async move { state.receive(&req, &body) }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            ..receiver
        }
    }

    fn receive(&self, req: &HttpRequest, body: &[u8]) -> HttpResponse {
        if !self.up.load(Ordering::SeqCst) {
            return HttpResponse::ServiceUnavailable().body("down for maintenance");
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in req.headers() {
            let name = http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap();
            headers.insert(
                name,
                http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
        let secret = self.secret.lock().unwrap().clone().expect("registered");
        let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
        if verifier.verify(body, &headers).is_err() {
            *self.bad_signatures.lock().unwrap() += 1;
            return HttpResponse::Unauthorized().finish();
        }
        let event: Value = serde_json::from_slice(body).unwrap();
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        let kind = event["type"].as_str().unwrap().to_owned();
        let mut seen = self.seen.lock().unwrap();
        seen.entry(id)
            .or_insert_with(|| (kind, event["data"].clone(), 0))
            .2 += 1;
        HttpResponse::NoContent().finish()
    }

    fn kinds(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        let mut kinds: Vec<String> = seen.values().map(|(k, _, _)| k.clone()).collect();
        kinds.sort();
        kinds
    }

    fn of_kind(&self, kind: &str) -> Vec<Value> {
        let seen = self.seen.lock().unwrap();
        seen.values()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, d, _)| d.clone())
            .collect()
    }
}

async fn webhook_app(extra: impl FnOnce(&mut alipass::config::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.allow = vec!["127.0.0.1/32".into()];
        s.webhooks.retry_schedule_secs = vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        s.webhooks.idle_ms = 50;
        s.campaigns.idle_ms = 50;
        s.reconciler.enabled = false;
        extra(s);
    })
    .await
}

async fn register(app: &TestApp, url: &str, types: &[&str]) -> Value {
    app.register_webhook(url, types).value().await
}

const ALL: &[&str] = &[
    "template.created",
    "template.updated",
    "pass.issued",
    "pass.updated",
    "pass.redeemed",
    "pass.closed",
    "pass.failed",
    "voucher.sent",
    "voucher.failed",
    "operation.settled",
    "campaign.finished",
];

/// Passes: issued, updated, redeemed, closed, refused for good, and one whose lost answer
/// a retry settles.
async fn pass_run(app: &TestApp) {
    let (template_id, params) = app.create_template().await;
    assert_eq!(
        app.issue_pass(&template_id, "HOOK-1", &params)
            .await
            .status()
            .as_u16(),
        201
    );
    let field = text_param(&params);
    let update = app.update_pass("HOOK-1", &json!({field: "changed"}));
    assert_eq!(update.status_code().await, 200);
    let redeem = json!({"verify_type": "qrcode", "verify_code": "8612231273"});
    assert_eq!(app.redeem("HOOK-1", &redeem).status_code().await, 200);
    assert_eq!(
        app.issue_pass(&template_id, "HOOK-2", &params)
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(app.close("HOOK-2").status_code().await, 200);
    let mut changed = valid_template();
    changed["content"]["merchant"]["mname"] = json!("新商户");
    let update = app.update_template(&template_id, &changed);
    assert_eq!(update.status_code().await, 200);
    // A definite refusal of an issue: pass.failed.
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.unsigned_error_rate = 1.0
    }));
    app.issue_pass(&template_id, "HOOK-3", &params).await;
    // A lost answer, settled by the caller's retry: pass.issued and operation.settled.
    app.sim.set_faults(fault("alipay.pass.instance.add", |f| {
        f.lost_answer_rate = 1.0
    }));
    assert_eq!(
        app.issue_pass(&template_id, "HOOK-4", &params)
            .await
            .status()
            .as_u16(),
        503
    );
    app.sim.set_faults(Vec::new());
    let settled = eventually(Duration::from_secs(10), || async {
        app.issue_pass(&template_id, "HOOK-4", &params)
            .await
            .status()
            .as_u16()
            == 201
    })
    .await;
    assert!(settled);
}

/// Every kind of change an endpoint can hear of.
async fn scripted_run(app: &TestApp) {
    pass_run(app).await;
    let voucher = |template: &str, no: &str| json!({"template_id": template, "out_biz_no": no, "recipient": {"user_id": "2088100000000001"}});
    app.send_voucher(&voucher("20140601000730010040000000EB", "HOOK-V1"))
        .status_code()
        .await;
    app.send_voucher(&voucher("20140601000730010040000000EX", "HOOK-V2"))
        .status_code()
        .await;
    let campaign = json!({"campaign_key": "hooks", "kind": "VOUCHER_SEND",
                          "template_id": "20140601000730010040000000EB", "rate_per_sec": 100.0});
    let created = app.create_campaign(&campaign).value().await;
    let rows = app.upload_rows(
        created["id"].as_str().unwrap(),
        "text/csv",
        "user_id\n2088100000000002\n",
    );
    assert_eq!(rows.status_code().await, 200);
}

#[tokio::test]
async fn every_event_of_a_run_arrives_signed_and_exactly_once_though_the_receiver_was_down() {
    let app = webhook_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &receiver.url, ALL).await;
    *receiver.secret.lock().unwrap() = Some(endpoint["secret"].as_str().unwrap().to_owned());
    receiver.up.store(false, Ordering::SeqCst);

    scripted_run(&app).await;

    // Down for a couple of seconds: every attempt so far failed and is retried.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.seen.lock().unwrap().is_empty());
    receiver.up.store(true, Ordering::SeqCst);
    let mut expected: Vec<String> = ALL.iter().map(|k| k.to_string()).collect();
    expected.push("pass.issued".into()); // HOOK-2
    expected.push("pass.issued".into()); // HOOK-4
    expected.push("voucher.sent".into()); // the campaign's row
    expected.sort();
    let all_in = eventually(Duration::from_secs(30), || async {
        receiver.kinds() == expected
    })
    .await;
    assert!(all_in, "received {:?}", receiver.kinds());
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 0);
    let settled = receiver.of_kind("operation.settled");
    assert_eq!(settled[0]["subject"]["serial_number"], "HOOK-4");
    assert_eq!(settled[0]["outcome"], "pass.issued");
    assert_eq!(
        receiver.of_kind("voucher.failed")[0]["voucher"]["failure_code"],
        "TEMPLATE_EXPIRED"
    );
    let attempts = app.webhook_attempts(endpoint["id"].as_str().unwrap()).await;
    let failed = attempts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == 503)
        .count();
    assert!(failed > 0, "the down time shows in the attempts");
    // What arrived is what the document's `webhooks` say: each event's data (and the
    // views in it) has its schema's required properties and no other.
    let document = serde_json::to_value(alipass::routes::docs::spec()).unwrap();
    for kind in ALL {
        let body = &document["webhooks"][kind]["post"]["requestBody"]["content"];
        let data = &body["application/json"]["schema"]["properties"]["data"];
        for received in receiver.of_kind(kind) {
            let mut problems = Vec::new();
            documented(&received, data, &document, kind, &mut problems);
            assert!(problems.is_empty(), "{kind}: {problems:#?}");
        }
    }
    app.shutdown().await;
}

/// Where `value` has a property its object schema (followed through `$ref`s) does not
/// list, or lacks one it requires.
fn documented(
    value: &Value,
    schema: &Value,
    document: &Value,
    at: &str,
    problems: &mut Vec<String>,
) {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        let schema = &document["components"]["schemas"][name];
        return documented(value, schema, document, at, problems);
    }
    let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    else {
        return;
    };
    for key in object.keys().filter(|key| !properties.contains_key(*key)) {
        problems.push(format!("{at}.{key} is not documented"));
    }
    let required = schema["required"].as_array().into_iter().flatten();
    for key in required.filter_map(Value::as_str) {
        if !object.contains_key(key) {
            problems.push(format!("{at}.{key} is missing"));
        }
    }
    for (key, property) in properties {
        if let Some(inner) = object.get(key) {
            documented(inner, property, document, &format!("{at}.{key}"), problems);
        }
    }
}

#[tokio::test]
async fn only_allowed_hosts_can_be_registered() {
    let app = webhook_app(|_| {}).await;
    // Names are checked where they resolve (see the next test); addresses and forms here.
    for url in [
        "http://10.0.0.1/hook",
        "http://127.0.0.2:9/hook",
        "http://[::1]:9/hook",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/hook",
    ] {
        let refused = app.register_webhook(url, &["pass.issued"]).send();
        let problem = problem(refused.await.unwrap(), 422).await;
        assert_eq!(problem["errors"][0]["path"], "$.url", "{url}: {problem}");
    }
    let unknown = app
        .register_webhook("http://127.0.0.1:9/h", &["pass.deleted"])
        .value()
        .await;
    assert_eq!(
        unknown["errors"][0]["path"], "$.event_types[0]",
        "{unknown}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_test_send_arrives_and_can_be_redelivered_and_a_dead_endpoint_is_disabled() {
    let app = webhook_app(|s| s.webhooks.disable_after_hours = 1.0 / 3600.0).await;
    let receiver = Receiver::start().await;
    let (id, event) = delivered_test_event(&app, &receiver).await;
    assert_eq!(app.redeliver(&id, &event).status_code().await, 202);
    let twice = eventually(Duration::from_secs(10), || async {
        receiver.seen.lock().unwrap().get(&event).map(|e| e.2) == Some(2)
    })
    .await;
    assert!(twice, "the same webhook-id, delivered again");

    // Nothing listens on port 9: every attempt fails, and after a second it is disabled.
    let dead = register(&app, "http://127.0.0.1:9/hook", &["pass.issued"]).await;
    let dead_id = dead["id"].as_str().unwrap();
    let (template_id, params) = app.create_template().await;
    app.issue_pass(&template_id, "DEAD-1", &params).await;
    let disabled = eventually(Duration::from_secs(20), || async {
        app.get_webhook_endpoint(dead_id).await["enabled"] == false
    })
    .await;
    let view = app.get_webhook_endpoint(dead_id).await;
    assert!(disabled, "{view}");
    assert!(view["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("every delivery failed"));
    let attempts = app.webhook_attempts(dead_id).await;
    assert!(attempts[0]["error"].as_str().is_some(), "{attempts}");
    // The live endpoint got its pass.issued all the same.
    let issued = eventually(Duration::from_secs(10), || async {
        !receiver.of_kind("pass.issued").is_empty()
    })
    .await;
    assert!(issued);
    // Another key sees none of this key's endpoints.
    let list = app.get_json(paths::WEBHOOK_ENDPOINTS).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_never_called() {
    // Any public address: localhost passes registration as a name, but it resolves to
    // loopback, so no delivery ever connects.
    let app = webhook_app(|s| s.webhooks.allow = vec!["*".into()]).await;
    let receiver = Receiver::start().await;
    let literal = app.register_webhook(&receiver.url, &["pass.issued"]);
    problem(literal.send().await.unwrap(), 422).await;
    refused_by_name(&app, &receiver, "no allowed address").await;
    assert!(receiver.seen.lock().unwrap().is_empty());
    app.shutdown().await;
}

/// Registers `receiver` by the name `localhost` (allowed as a name, but it resolves to
/// loopback) and sends it a test event: asserts that the attempt failed with an error
/// containing `refusal`.
async fn refused_by_name(app: &TestApp, receiver: &Receiver, refusal: &str) {
    let port = receiver.url.split(':').nth(2).unwrap().split('/').next();
    let url = format!("http://localhost:{}/hooks", port.unwrap());
    let named = register(app, &url, &["pass.issued"]).await;
    *receiver.secret.lock().unwrap() = Some(named["secret"].as_str().unwrap().to_owned());
    let id = named["id"].as_str().unwrap();
    assert_eq!(app.send_test_event(id).status_code().await, 202);
    let refused = eventually(Duration::from_secs(10), || async {
        let attempts = app.webhook_attempts(id).await;
        attempts[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains(refusal))
    })
    .await;
    assert!(refused, "{}", app.webhook_attempts(id).await);
}

/// An endpoint on `receiver` with one test event delivered: the endpoint's id and the event's.
async fn delivered_test_event(app: &TestApp, receiver: &Receiver) -> (String, String) {
    let endpoint = register(app, &receiver.url, &["pass.issued"]).await;
    *receiver.secret.lock().unwrap() = Some(endpoint["secret"].as_str().unwrap().to_owned());
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let queued = app.send_test_event(&id).value().await;
    let event = queued["event_id"].as_str().unwrap().to_owned();
    let arrived = eventually(Duration::from_secs(10), || async {
        receiver.seen.lock().unwrap().get(&event).map(|e| e.2) == Some(1)
    })
    .await;
    assert!(arrived, "the test event arrives");
    (id, event)
}

#[tokio::test]
async fn a_pending_delivery_of_a_disabled_endpoint_is_never_leased() {
    // A lease of 0.6 s: without the check, the delivery would be leased again and again.
    let app = webhook_app(|s| s.webhooks.timeout_ms = 200).await;
    let receiver = Receiver::start().await;
    let (id, event) = delivered_test_event(&app, &receiver).await;
    app.store_endpoint_disabled(&id).await;
    // Pending again (as an old redelivery, or an event queued as the endpoint was disabled).
    let attempts = app.store_delivery_pending_again(&id).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let now = app.delivery_to(&id).await;
    assert_eq!(
        (now.attempts, now.leased),
        (attempts, false),
        "never leased"
    );
    assert_eq!(receiver.seen.lock().unwrap()[&event].2, 1);
    app.shutdown().await;
}

/// Once its endpoint is disabled, `request(app, endpoint id, event id)` is refused 409.
async fn refused_once_disabled(request: impl Fn(&TestApp, &str, &str) -> reqwest::RequestBuilder) {
    let app = webhook_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let (id, event) = delivered_test_event(&app, &receiver).await;
    app.store_endpoint_disabled(&id).await;
    let refused = request(&app, &id, &event).send().await.unwrap();
    let problem = problem(refused, 409).await;
    assert_eq!(problem["code"], "endpoint_disabled", "{problem}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_disabled_endpoint_is_refused_a_redelivery() {
    refused_once_disabled(|app, id, event| app.redeliver(id, event)).await;
}

#[tokio::test]
async fn a_disabled_endpoint_is_refused_a_test_send() {
    refused_once_disabled(|app, id, _| app.send_test_event(id)).await;
}

#[tokio::test]
async fn a_refused_delivery_shows_its_status_and_reason_never_the_answer() {
    let app = webhook_app(|_| {}).await;
    let receiver = Receiver::start().await;
    receiver.up.store(false, Ordering::SeqCst);
    let endpoint = register(&app, &receiver.url, &["pass.issued"]).await;
    let id = endpoint["id"].as_str().unwrap();
    assert_eq!(app.send_test_event(id).status_code().await, 202);
    let refused = eventually(Duration::from_secs(10), || async {
        app.webhook_attempts(id).await[0]["error"].is_string()
    })
    .await;
    let attempts = app.webhook_attempts(id).await;
    assert!(refused, "{attempts}");
    // The receiver answered 503 "down for maintenance": only the status and its reason.
    assert_eq!(attempts[0]["error"], "answered 503 Service Unavailable");
    app.shutdown().await;
}

#[tokio::test]
async fn test_sends_past_five_a_minute_are_refused_429() {
    let app = webhook_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &receiver.url, &["pass.issued"]).await;
    *receiver.secret.lock().unwrap() = Some(endpoint["secret"].as_str().unwrap().to_owned());
    let id = endpoint["id"].as_str().unwrap();
    for _ in 0..5 {
        assert_eq!(app.send_test_event(id).status_code().await, 202);
    }
    let refused = app.send_test_event(id).send().await.unwrap();
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let problem = problem(refused, 429).await;
    assert_eq!(problem["code"], "test_send_rate_limited", "{problem}");
    app.shutdown().await;
}

/// Queues `count` pass.issued events for the endpoint `id` alone, due now (older than
/// anything queued after).
async fn queue_backlog(app: &TestApp, id: &str, count: i32) {
    app.store_delivery_backlog(id, count).await;
}

mod fairness;
mod fencing;
mod proxy;
mod readers;
