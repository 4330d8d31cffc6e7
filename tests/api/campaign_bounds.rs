//! Campaigns cannot be made to stop the worker or a replica, nor to carry a formula to a
//! spreadsheet: rates are bounded at creation and in the runner, uploads by their bytes,
//! rows and row length, and CSV results are defused.

use std::time::Duration;

use crate::campaigns::*;
use crate::fetch::Fetch;
use crate::helpers::{paths, problem, spawn_app_with, DeclaredBody, TestApp};

#[tokio::test]
async fn rates_outside_the_documented_range_are_refused() {
    let app = campaign_app().await;
    for (n, rate) in [1e-20, 1e-6, 0.0, -1.0, 0.09, 10_000.5, 1e300]
        .into_iter()
        .enumerate()
    {
        let refused = create(&app, &format!("hostile-{n}"), VOUCHER_TEMPLATE, rate).await;
        assert_eq!(refused["status"], 422, "{rate}: {refused}");
        assert_eq!(refused["errors"][0]["path"], "$.rate_per_sec", "{refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("0.1 to 10000"), "{message}");
    }
    for (n, rate) in [0.1, 10_000.0].into_iter().enumerate() {
        let edge = create(&app, &format!("edge-{n}"), VOUCHER_TEMPLATE, rate).await;
        assert_eq!(edge["status"], "UPLOADING", "{rate}: {edge}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_campaign_stored_with_a_hostile_rate_does_not_stop_the_others() {
    let app = campaign_app().await;
    // A campaign created before rates were bounded: 1e-20 rows per second.
    let legacy = create(&app, "legacy", VOUCHER_TEMPLATE, 1.0).await;
    let legacy = legacy["id"].as_str().unwrap().to_owned();
    app.store_legacy_campaign_rate(&legacy, 1e-20).await;
    upload(&app, &legacy, "text/csv", users_csv(2)).await;
    let after = create(&app, "after", VOUCHER_TEMPLATE, 500.0).await;
    let after = after["id"].as_str().unwrap().to_owned();
    upload(&app, &after, "text/csv", users_csv(3)).await;
    let view = until_status(&app, &after, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["sent"], 3, "{view}");
    // The legacy one is paced at the slowest allowed rate (a row per 10 s), not stopped.
    let legacy = app.get_campaign(&legacy).await;
    assert_eq!(legacy["effective_rate_per_sec"], 0.1, "{legacy}");
    assert!(legacy["rows"]["sent"].as_u64() >= Some(1), "{legacy}");
    assert_eq!(app.readiness().await, 200);
    app.shutdown().await;
}

async fn put_rows(app: &TestApp, id: &str, body: Vec<u8>) -> reqwest::Response {
    app.upload_rows(id, "text/csv", body).send().await.unwrap()
}

/// Uploads `body`, expecting the problem `status`: its body.
async fn upload_refused(app: &TestApp, id: &str, body: Vec<u8>, status: u16) -> serde_json::Value {
    problem(put_rows(app, id, body).await, status).await
}

#[tokio::test]
async fn newlines_after_an_open_quote_are_refused_fast_and_the_replica_answers() {
    let app = campaign_app().await;
    let campaign = create(&app, "open-quote", VOUCHER_TEMPLATE, 10.0).await;
    let id = campaign["id"].as_str().unwrap();
    let mut file = b"user_id,memo\n2088100000000001,\"".to_vec();
    file.resize(4 * 1024 * 1024, b'\n');
    let started = std::time::Instant::now();
    let (refused, ready) = tokio::join!(put_rows(&app, id, file), app.readiness());
    let refused = problem(refused, 413).await;
    assert_eq!(refused["code"], "row_too_large", "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("campaigns.max_row_bytes"), "{detail}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(ready, 200);
    assert_eq!(app.readiness().await, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn a_running_campaign_takes_no_more_rows() {
    let app = campaign_app().await;
    let campaign = create(&app, "running", VOUCHER_TEMPLATE, 1.0).await;
    let id = campaign["id"].as_str().unwrap();
    let first = upload(&app, id, "text/csv", users_csv(10)).await;
    assert_eq!(first["campaign"]["status"], "RUNNING", "{first}");
    let more = users_csv(20).into_bytes();
    let refused = upload_refused(&app, id, more, 409).await;
    assert_eq!(refused["code"], "campaign_started", "{refused}");
    let view = app.get_campaign(id).await;
    assert_eq!(view["rows"]["total"], 10, "nothing merged: {view}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_file_past_the_upload_limit_is_refused() {
    let app = spawn_app_with(|s| s.campaigns.max_upload_bytes = 10_000).await;
    let campaign = create(&app, "big-file", VOUCHER_TEMPLATE, 10.0).await;
    let id = campaign["id"].as_str().unwrap();
    // 1,000 rows of 21 bytes: 21 KB.
    let refused = upload_refused(&app, id, users_csv(1_000).into_bytes(), 413).await;
    assert_eq!(refused["code"], "upload_too_large", "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("10000 bytes (campaigns.max_upload_bytes)"),
        "{detail}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_file_past_the_row_limit_is_refused() {
    let app = spawn_app_with(|s| s.campaigns.max_rows = 50).await;
    let campaign = create(&app, "many-rows", VOUCHER_TEMPLATE, 10.0).await;
    let id = campaign["id"].as_str().unwrap();
    let refused = upload_refused(&app, id, users_csv(51).into_bytes(), 413).await;
    assert_eq!(refused["code"], "too_many_rows", "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("at most 50 rows (campaigns.max_rows)"),
        "{detail}"
    );
    let fits = upload(&app, id, "text/csv", users_csv(50)).await;
    assert_eq!(fits["rows_added"], 50, "{fits}");
    app.shutdown().await;
}

#[tokio::test]
async fn csv_results_cannot_carry_a_spreadsheet_formula() {
    let app = campaign_app().await;
    let campaign = create(&app, "formulas", VOUCHER_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap();
    // The rows' own out_biz_no are their keys, and come back in the results.
    let keys = ["=1+2", "+3+4", "-5+6", "@SUM(7)", "plain-8"];
    let mut csv = String::from("user_id,out_biz_no\n");
    for (n, key) in keys.iter().enumerate() {
        csv.push_str(&format!("20881{n:07}1234,{key}\n"));
    }
    upload(&app, id, "text/csv", csv).await;
    until_status(&app, id, "FINISHED", Duration::from_secs(20)).await;
    let text = app.campaign_results(id).text_body().await;
    let cells: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(
        cells,
        ["'=1+2", "'+3+4", "'-5+6", "'@SUM(7)", "plain-8"],
        "{text}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn refused_rows_of_a_campaign_stored_with_a_hostile_rate_are_retried_within_the_bounds() {
    let app = campaign_app().await;
    let legacy = create(&app, "legacy-refused", EXPIRED_TEMPLATE, 500.0).await;
    let legacy = legacy["id"].as_str().unwrap().to_owned();
    upload(&app, &legacy, "text/csv", users_csv(1)).await;
    until_status(&app, &legacy, "FINISHED", Duration::from_secs(20)).await;
    app.store_legacy_campaign_rate(&legacy, 1e-20).await;
    let retry = app
        .retry_refused(&legacy, "legacy-refused-2")
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status().as_u16(), 200);
    let retry: serde_json::Value = retry.json().await.unwrap();
    assert_eq!(retry["rate_per_sec"], 0.1, "{retry}");
    app.shutdown().await;
}

/// Sends campaign `id`'s upload head declaring `declared` bytes, then only `sent` of them:
/// the status line of what answers within five seconds, if anything does.
async fn upload_declaring(app: &TestApp, id: &str, declared: u64, sent: &[u8]) -> Option<String> {
    let path = paths::campaign_rows(id);
    let upload = DeclaredBody {
        method: "PUT",
        path: &path,
        content_type: "text/csv",
        declared,
        sent,
    };
    upload.status_line(app.port(), Duration::from_secs(5)).await
}

#[tokio::test]
async fn a_declared_length_past_the_limit_is_refused_before_the_body_is_read() {
    let app = spawn_app_with(|s| s.campaigns.max_upload_bytes = 10_000).await;
    let campaign = create(&app, "declared-big", VOUCHER_TEMPLATE, 10.0).await;
    let id = campaign["id"].as_str().unwrap();
    // 100 MB declared, none of it sent: the answer cannot have waited for the body.
    let status = upload_declaring(&app, id, 100_000_000, b"").await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
    let view = app.get_campaign(id).await;
    assert_eq!(view["status"], "UPLOADING", "{view}");
    app.shutdown().await;
}

#[tokio::test]
async fn an_upload_that_trickles_past_its_time_limit_is_refused_and_keeps_what_it_read() {
    let app = spawn_app_with(|s| s.campaigns.upload_timeout_secs = 1).await;
    let campaign = create(&app, "trickle", VOUCHER_TEMPLATE, 10.0).await;
    let id = campaign["id"].as_str().unwrap();
    let file = users_csv(3);
    // The header and three rows, then nothing more of the 1,000 bytes promised.
    let status = upload_declaring(&app, id, 1_000, file.as_bytes()).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
    let view = app.get_campaign(id).await;
    assert_eq!(
        view["status"], "UPLOADING",
        "not started on half a file: {view}"
    );
    assert_eq!(view["rows"]["total"], 3, "the rows read are kept: {view}");
    assert_eq!(app.readiness().await, 200);
    app.shutdown().await;
}

/// A number near f64's bounds in `shared` is stored by Postgres as a 309-digit integer; it
/// must read back (it once made the campaign a 500 on every read).
#[tokio::test]
async fn a_campaign_with_numbers_near_the_float_bounds_reads_back() {
    let app = campaign_app().await;
    let body = serde_json::json!({
        "campaign_key": "extreme-numbers",
        "kind": "VOUCHER_SEND",
        "template_id": VOUCHER_TEMPLATE,
        "shared": {"memo": "x", "extra": [-1.797_693_134_862_315_5e308, 1.112_536_929_253_600_7e-308]},
        "rate_per_sec": 1.0,
    });
    let created = app.create_campaign(&body).send().await.unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let created: serde_json::Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let read = app.get(&paths::campaign(id)).send().await.unwrap();
    assert_eq!(read.status(), 200, "{}", read.text().await.unwrap());
    app.shutdown().await;
}
