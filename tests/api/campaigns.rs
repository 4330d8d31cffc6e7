//! Campaigns: a file of rows becomes one voucher (or pass) per row at the gateway, exactly
//! once each under injected faults; pause, resume and cancel; unreadable rows reported by
//! line; one campaign per key.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::helpers::*;

pub(crate) const VOUCHER_TEMPLATE: &str = "20140601000730010040000000EB";
pub(crate) const EXPIRED_TEMPLATE: &str = "20140601000730010040000000EX";
pub(crate) const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

pub(crate) async fn campaign_app() -> TestApp {
    campaign_app_with(|_| {}).await
}

/// A campaign app with `change` applied to its settings too.
pub(crate) async fn campaign_app_with(
    change: impl FnOnce(&mut alipass::config::Settings),
) -> TestApp {
    spawn_app_with(|s| {
        s.campaigns.idle_ms = 50;
        s.campaigns.batch_seconds = 0.5;
        change(s);
    })
    .await
}

pub(crate) async fn create(app: &TestApp, key: &str, template: &str, rate: f64) -> Value {
    let body = json!({"campaign_key": key, "kind": "VOUCHER_SEND", "template_id": template,
                      "shared": {"memo": "campaign test"}, "rate_per_sec": rate});
    app.create_campaign(&body).value().await
}

pub(crate) async fn upload(app: &TestApp, id: &str, content_type: &str, body: String) -> Value {
    app.upload_rows(id, content_type, body).value().await
}

pub(crate) fn users_csv(rows: usize) -> String {
    let mut csv = String::from("user_id\n");
    for n in 0..rows {
        // Not ending in 0000: the simulator's frozen accounts.
        csv.push_str(&format!("20881{n:07}1234\n"));
    }
    csv
}

/// Waits until the campaign is in `status`; answers its view.
pub(crate) async fn until_status(app: &TestApp, id: &str, status: &str, within: Duration) -> Value {
    let reached = eventually(within, || async {
        app.get_campaign(id).await["status"] == status
    })
    .await;
    let view = app.get_campaign(id).await;
    assert!(reached, "never {status}: {view}");
    view
}

pub(crate) async fn results(app: &TestApp, id: &str) -> Vec<Value> {
    app.campaign_results_jsonl(id).await
}

#[tokio::test]
async fn every_row_becomes_exactly_one_voucher_under_faults() {
    let app = campaign_app().await;
    app.sim.set_seed(20261124);
    app.sim.set_faults(fault(VOUCHER_SEND, |f| {
        f.lost_answer_rate = 0.03;
        f.error_after_effect_rate = 0.03;
        f.error_rate = 0.02;
        f.system_error_rate = 0.02;
    }));
    let rows = 300;
    let campaign = create(&app, "faults", VOUCHER_TEMPLATE, 1_000.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    assert_eq!(campaign["status"], "UPLOADING");
    let report = upload(&app, &id, "text/csv", users_csv(rows)).await;
    assert_eq!(report["rows_added"], rows, "{report}");
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(90)).await;
    assert_eq!(view["rows"]["sent"], rows, "{view}");

    let results = results(&app, &id).await;
    assert_eq!(results.len(), rows);
    for (n, row) in results.iter().enumerate() {
        assert_eq!(row["line"], n + 2, "{row}");
        assert_eq!(row["state"], "SENT", "{row}");
        let key = format!("{VOUCHER_TEMPLATE}/{}", row["row_key"].as_str().unwrap());
        assert_eq!(app.sim.effects_for_key(VOUCHER_SEND, &key), 1, "{row}");
        let out_biz_no = row["row_key"].as_str().unwrap();
        let voucher = app.get_voucher(VOUCHER_TEMPLATE, out_biz_no).await;
        assert_eq!(voucher["status"], "SENT", "{voucher}");
        assert_eq!(voucher["voucher_id"], row["alipay_id"], "{row}");
    }
    assert_eq!(app.sim.effects(VOUCHER_SEND), rows as u64);
    assert!(
        app.sim.requests(VOUCHER_SEND) > rows as u64,
        "faults were injected"
    );
    app.shutdown().await;
}

/// Rows whose every attempt lost its answer: the worker gives up on them (attempts spent),
/// their records stay open, and the campaign is not FINISHED; once the gateway answers
/// again the reconciler settles the records, and each row takes its record's result.
#[tokio::test]
async fn a_row_whose_attempts_ran_out_takes_its_result_from_the_record_the_reconciler_settles() {
    let app = campaign_app_with(|s| s.campaigns.max_attempts = 1).await;
    app.sim
        .set_faults(fault(VOUCHER_SEND, |f| f.lost_answer_rate = 1.0));
    let rows = 4;
    let campaign = create(&app, "given-up", VOUCHER_TEMPLATE, 100.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(&app, &id, "text/csv", users_csv(rows)).await;
    let given_up = eventually(Duration::from_secs(30), || async {
        let results = results(&app, &id).await;
        results.len() == rows
            && results
                .iter()
                .all(|r| r["state"] == "UNKNOWN" && r["attempts"] == 1)
    })
    .await;
    assert!(given_up, "{:?}", results(&app, &id).await);
    // Every record is open: the campaign waits for them.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let view = app.get_campaign(&id).await;
    assert_eq!(view["status"], "RUNNING", "{view}");
    assert_eq!(view["rows"]["unknown"], rows, "{view}");
    let metrics = app.get("/metrics").text_body().await;
    let unsettled = series(
        &metrics,
        "alipass_campaign_rows_unsettled",
        &["count=\"rows\""],
    );
    assert_eq!(unsettled, Some(rows as f64), "{metrics}");

    app.sim.set_faults(Vec::new());
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(60)).await;
    assert_eq!(view["rows"]["sent"], rows, "{view}");
    for row in results(&app, &id).await {
        let out_biz_no = row["row_key"].as_str().unwrap();
        let voucher = app.get_voucher(VOUCHER_TEMPLATE, out_biz_no).await;
        assert_eq!(row["state"], "SENT", "{row}");
        assert_eq!(voucher["voucher_id"], row["alipay_id"], "{row} {voucher}");
        let key = format!("{VOUCHER_TEMPLATE}/{out_biz_no}");
        assert_eq!(app.sim.effects_for_key(VOUCHER_SEND, &key), 1, "{row}");
    }
    app.shutdown().await;
}

/// The same for a pass-issue campaign: rows whose attempts ran out while their passes were
/// still ISSUING take the passes' result once the reconciler issues them.
#[tokio::test]
async fn a_pass_campaign_row_takes_its_pass_records_result() {
    let app = campaign_app_with(|s| s.campaigns.max_attempts = 1).await;
    let (template_id, params) = app.create_template().await;
    let add = "alipay.pass.instance.add";
    app.sim.set_faults(fault(add, |f| f.lost_answer_rate = 1.0));
    let body = json!({"campaign_key": "passes", "kind": "PASS_ISSUE", "template_id": template_id,
                      "shared": {"params": pass_params(&params)}, "rate_per_sec": 50.0});
    let campaign = app.create_campaign(&body).value().await;
    let id = campaign["id"].as_str().expect("created").to_owned();
    let csv = "partner_id,out_trade_no\n2088102122069225,order-1\n2088102122069225,order-2\n";
    upload(&app, &id, "text/csv", csv.to_owned()).await;
    let given_up = eventually(Duration::from_secs(30), || async {
        let rows = results(&app, &id).await;
        rows.len() == 2 && rows.iter().all(|r| r["state"] == "UNKNOWN")
    })
    .await;
    assert!(given_up, "{:?}", results(&app, &id).await);

    app.sim.set_faults(Vec::new());
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(60)).await;
    assert_eq!(view["rows"]["sent"], 2, "{view}");
    for row in results(&app, &id).await {
        let serial = row["row_key"].as_str().unwrap();
        let pass = app.get_pass(serial).await;
        assert_eq!(pass["status"], "ISSUED", "{pass}");
        assert_eq!(row["alipay_id"], pass["alipay_pass_id"], "{row} {pass}");
    }
    assert_eq!(app.sim.effects(add), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn unreadable_rows_are_reported_by_line_and_the_rest_are_sent() {
    let app = campaign_app().await;
    let campaign = create(&app, "malformed", VOUCHER_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    let csv = "user_id,out_biz_no\n2088100000000001,own-key-1\n2088100000000002,one,too many\n\n2088100000000003,\n";
    let report = upload(&app, &id, "text/csv", csv.to_owned()).await;
    assert_eq!(report["unreadable"], 1, "{report}");
    assert_eq!(report["problems"][0]["line"], 3, "{report}");
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["sent"], 2, "{view}");
    assert_eq!(view["rows"]["invalid"], 1, "{view}");
    // Rows carry recipients: sealed at rest (pii.key).
    let stored = app.stored_campaign_rows(&id).await;
    assert!(
        stored
            .iter()
            .all(|p| !p.to_string().contains("2088100000000001")),
        "{stored:?}"
    );
    let results = results(&app, &id).await;
    // The row's own out_biz_no is its key; the other's is derived from the campaign.
    assert_eq!(results[0]["row_key"], "own-key-1");
    assert_eq!(results[1]["state"], "INVALID");
    assert!(results[2]["row_key"].as_str().unwrap().ends_with("-5"));
    app.shutdown().await;
}

#[tokio::test]
async fn json_lines_rows_refused_by_alipay_are_counted_by_code_and_retried_as_a_new_campaign() {
    let app = campaign_app().await;
    let campaign = create(&app, "refusals", EXPIRED_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    let lines = "{\"recipient\": {\"user_id\": \"2088100000000001\"}}\n{\"recipient\": {\"login_id\": \"a@example.com\"}, \"amount\": \"x\"}\n";
    upload(&app, &id, "application/x-ndjson", lines.to_owned()).await;
    let view = until_status(&app, &id, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["refused"], 1, "{view}");
    assert_eq!(view["rows"]["invalid"], 1, "{view}");
    assert_eq!(view["refused_by_code"]["TEMPLATE_EXPIRED"], 1, "{view}");
    let csv = app.campaign_results(&id).text_body().await;
    assert!(
        csv.starts_with("line,state,key,code,detail,alipay_id,attempts\n"),
        "{csv}"
    );
    assert!(csv.contains(",REFUSED,"), "{csv}");

    let retry = app.retry_refused(&id, "refusals-2").value().await;
    let retried = retry["id"].as_str().unwrap().to_owned();
    let view = until_status(&app, &retried, "FINISHED", Duration::from_secs(20)).await;
    assert_eq!(view["rows"]["total"], 1, "only the refused row: {view}");
    let rows = results(&app, &retried).await;
    assert_eq!(rows[0]["line"], 1);
    assert_ne!(
        rows[0]["row_key"],
        results(&app, &id).await[0]["row_key"],
        "a fresh key"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_campaign_key_is_one_campaign_and_a_file_sent_twice_adds_nothing() {
    let app = campaign_app().await;
    let first = create(&app, "twice", VOUCHER_TEMPLATE, 500.0).await;
    let again = app
        .create_campaign(&json!({"campaign_key": "twice", "kind": "VOUCHER_SEND",
            "template_id": VOUCHER_TEMPLATE, "shared": {"memo": "campaign test"}, "rate_per_sec": 500.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let different = create(&app, "twice", VOUCHER_TEMPLATE, 10.0).await;
    assert_eq!(different["code"], "idempotency_key_reused", "{different}");

    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(
        upload(&app, &id, "text/csv", users_csv(5)).await["rows_added"],
        5
    );
    until_status(&app, &id, "FINISHED", Duration::from_secs(20)).await;
    let second = upload(&app, &id, "text/csv", users_csv(5)).await;
    assert_eq!(second["code"], "campaign_closed", "{second}");
    assert_eq!(app.sim.effects(VOUCHER_SEND), 5);
    app.shutdown().await;
}

#[tokio::test]
async fn pause_holds_the_rows_resume_sends_them_and_cancel_stops_the_rest() {
    let app = campaign_app().await;
    let campaign = create(&app, "paced", VOUCHER_TEMPLATE, 20.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(&app, &id, "text/csv", users_csv(200)).await;
    let paused = app.campaign_action(&id, "pause").value().await;
    assert_eq!(paused["status"], "PAUSED", "{paused}");
    // Rows leased before the pause finish; nothing more is sent while paused.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let held = app.sim.effects(VOUCHER_SEND);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(app.sim.effects(VOUCHER_SEND), held);
    assert!(held < 200);

    app.campaign_action(&id, "resume").value().await;
    let resumed = eventually(Duration::from_secs(10), || async {
        app.sim.effects(VOUCHER_SEND) > held
    })
    .await;
    assert!(resumed);
    let cancelled = app.campaign_action(&id, "cancel").value().await;
    assert_eq!(cancelled["status"], "CANCELLED", "{cancelled}");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let view = app.get_campaign(&id).await;
    let sent = view["rows"]["sent"].as_u64().unwrap();
    assert!(view["rows"]["cancelled"].as_u64().unwrap() > 0, "{view}");
    assert_eq!(
        sent + view["rows"]["cancelled"].as_u64().unwrap(),
        200,
        "{view}"
    );
    assert_eq!(app.sim.effects(VOUCHER_SEND), sent);
    let again = app.campaign_action(&id, "resume").send().await.unwrap();
    assert_eq!(again.status().as_u16(), 409);
    app.shutdown().await;
}

#[tokio::test]
async fn the_rate_holds() {
    let app = campaign_app().await;
    let campaign = create(&app, "rate", VOUCHER_TEMPLATE, 40.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(&app, &id, "text/csv", users_csv(120)).await;
    let started = std::time::Instant::now();
    until_status(&app, &id, "FINISHED", Duration::from_secs(30)).await;
    let took = started.elapsed().as_secs_f64();
    // 120 rows at 40/s: about 3 s (a burst of one slot; the checks poll every 50 ms).
    assert!(took > 2.5, "120 rows at 40/s took {took:.2}s");
    app.shutdown().await;
}

#[tokio::test]
async fn a_read_key_cannot_run_a_campaign() {
    let app = spawn_app_with(|s| extra_key(s, "reporting", "reader-key", &["read"])).await;
    let response = app
        .client
        .post(app.url(paths::CAMPAIGNS))
        .bearer_auth("reader-key")
        .json(&json!({"campaign_key": "k", "kind": "VOUCHER_SEND",
                      "template_id": VOUCHER_TEMPLATE, "rate_per_sec": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    app.shutdown().await;
}
