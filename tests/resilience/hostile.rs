//! One replica (a real process) takes every hostile input the service knows of, one after
//! the other, and must refuse each with a 4xx, keep answering `/readyz`, and stay within a
//! stated memory bound: peak resident memory under 128 MiB however large the inputs asked
//! it to grow.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{paths, valid_template, DeclaredBody};
use crate::processes::{authed, Deployment, Process};

/// The bound the replica's peak resident set (VmHWM) must stay under: a debug build with
/// its pools, caches and the in-process simulator idles near 30 MiB and peaked under 50 MiB here.
const PEAK_RSS_BOUND_KIB: u64 = 128 * 1024;

/// `field` (in kB) of the process's /proc status.
fn memory_kib(process: &Process, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", process.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Sends a request head with `Content-Length: declared` and no body; the status line of
/// the answer (which must not wait for the body).
async fn declared_only(
    replica: &Process,
    method: &str,
    path: &str,
    content_type: &str,
    declared: u64,
) -> String {
    let request = DeclaredBody {
        method,
        path,
        content_type,
        declared,
        sent: b"",
    };
    request
        .status_line(replica.port, Duration::from_secs(10))
        .await
        .expect("answered without waiting for the body")
}

async fn status_and_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_hostile_input_is_refused_and_the_replica_stays_up_within_its_memory_bound() {
    let deployment = Deployment::start().await;
    let replica = deployment.replica(&[]);
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        authed(&client, reqwest::Method::POST, replica.url(path))
            .json(&body)
            .send()
    };
    let ready = || async {
        client
            .get(replica.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let idle_kib = memory_kib(&replica, "VmRSS:");

    // A preview asking for 60 GB of substitution.
    let mut content = valid_template();
    content["content"]["evoucherInfo"]["title"] = json!("$x$".repeat(200_000));
    let preview = post(
        paths::TEMPLATE_PREVIEW,
        json!({"content": content, "params": {"x": "y".repeat(300_000)}}),
    );
    assert_eq!(
        status_and_code(preview.await.unwrap()).await,
        (422, "preview_too_large".into())
    );
    assert_eq!(ready().await, 200);

    // Invented methods, each a would-be metrics series.
    for n in 0..500 {
        let method = reqwest::Method::from_bytes(format!("X{n}").as_bytes()).unwrap();
        let answer = client
            .request(method, replica.url(&format!("/v1/x{n}")))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error());
    }
    let metrics = client
        .get(replica.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("method=\"X1\""), "methods became labels");

    // A JSON body of a declared gigabyte, and one nested 100,000 deep.
    let status = declared_only(&replica, "POST", paths::PASSES, "application/json", 1 << 30).await;
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
    let nested = "[".repeat(100_000);
    let answer = authed(&client, reqwest::Method::POST, replica.url(paths::PASSES))
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    let (status, code) = status_and_code(answer).await;
    assert!(
        matches!(
            (status, code.as_str()),
            (400, "malformed_json") | (422, "invalid_body")
        ),
        "{status} {code}"
    );

    // Campaigns: a rate of 1e-20, a file whose quote never closes, a declared 100 GB file.
    let campaign = |rate: f64| {
        json!({"campaign_key": format!("hostile-{rate}"), "kind": "VOUCHER_SEND",
               "template_id": "20140601000730010040000000EB", "rate_per_sec": rate})
    };
    let (status, _) = status_and_code(post(paths::CAMPAIGNS, campaign(1e-20)).await.unwrap()).await;
    assert_eq!(status, 422);
    let created: Value = post(paths::CAMPAIGNS, campaign(10.0))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = paths::campaign_rows(created["id"].as_str().unwrap());
    let mut file = b"user_id,memo\n2088100000000001,\"".to_vec();
    file.resize(16 * 1024 * 1024, b'\n');
    let open_quote = authed(&client, reqwest::Method::PUT, replica.url(&rows))
        .header("content-type", "text/csv")
        .body(file)
        .send();
    let (open_quote, during) = tokio::join!(open_quote, ready());
    assert_eq!(
        status_and_code(open_quote.unwrap()).await,
        (413, "row_too_large".into())
    );
    assert_eq!(during, 200, "/readyz answered while the file streamed in");
    let status = declared_only(&replica, "PUT", &rows, "text/csv", 100 << 30).await;
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");

    // A webhook to the loopback through NAT64's prefix.
    let hook = json!({"url": "http://[64:ff9b::7f00:1]:9/hook", "event_types": ["pass.issued"]});
    let (status, _) = status_and_code(post(paths::WEBHOOK_ENDPOINTS, hook).await.unwrap()).await;
    assert_eq!(status, 422);

    assert_eq!(ready().await, 200);
    let peak_kib = memory_kib(&replica, "VmHWM:");
    println!(
        "replica memory: {idle_kib} KiB at rest, peak {peak_kib} KiB through every hostile input"
    );
    assert!(
        peak_kib < PEAK_RSS_BOUND_KIB,
        "peak {peak_kib} KiB passes 128 MiB"
    );
}
