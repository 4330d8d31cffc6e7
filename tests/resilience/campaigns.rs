//! A campaign worked off by two service processes under 10 % gateway faults, one of them
//! killed with SIGKILL mid-run: exactly one voucher per row at the simulator, and the
//! campaign's results match the simulator row for row. `CAMPAIGN_ROWS` sets the size
//! (default 20,000).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::fetch::Fetch;
use crate::processes::{authed, set_sim_faults, sim_state, Deployment, Process};

const TEMPLATE: &str = "20140601000730010040000000EB";
const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

async fn campaign(client: &reqwest::Client, replica: &Process, id: &str) -> Value {
    let url = replica.url(&format!("/v1/campaigns/{id}"));
    authed(client, Method::GET, url).value().await
}

#[tokio::test]
async fn two_replicas_one_killed_send_one_voucher_per_row_under_faults() {
    let rows: usize = std::env::var("CAMPAIGN_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let deployment = Deployment::start().await;
    let sim = &deployment.sim;
    let quick = [("APP__CAMPAIGNS__IDLE_MS", "50".to_owned())];
    let survivor = deployment.replica(&quick);
    let mut victim = deployment.replica(&quick);
    let client = reqwest::Client::new();
    let seed = client
        .put(sim.url("/__sim/seed"))
        .json(&json!({"seed": 1124}));
    assert!(seed.send().await.unwrap().status().is_success());
    set_sim_faults(
        &client,
        sim,
        json!([{"method": VOUCHER_SEND, "lost_answer_rate": 0.03, "error_after_effect_rate": 0.03,
                "error_rate": 0.02, "system_error_rate": 0.01, "reset_rate": 0.01}]),
    )
    .await;

    let created = authed(&client, Method::POST, survivor.url("/v1/campaigns"))
        .json(
            &json!({"campaign_key": "killed", "kind": "VOUCHER_SEND", "template_id": TEMPLATE,
                      "rate_per_sec": 5_000.0}),
        )
        .value()
        .await;
    let id = created["id"].as_str().expect("created").to_owned();
    let mut csv = String::from("user_id\n");
    for n in 0..rows {
        csv.push_str(&format!("20882{n:07}1234\n"));
    }
    let upload = authed(
        &client,
        Method::PUT,
        victim.url(&format!("/v1/campaigns/{id}/rows")),
    )
    .header("content-type", "text/csv")
    .body(csv)
    .value()
    .await;
    assert_eq!(upload["rows_added"], rows, "{upload}");

    // Kill one replica once a fifth of the rows is sent: its leased rows wait out their
    // lease and are taken over.
    let started = Instant::now();
    loop {
        let view = campaign(&client, &survivor, &id).await;
        if view["rows"]["sent"].as_u64().unwrap_or(0) >= rows as u64 / 5 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    victim.kill_hard();
    let view = loop {
        let view = campaign(&client, &survivor, &id).await;
        if view["status"] == "FINISHED" {
            break view;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "{view}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(view["rows"]["sent"], rows, "{view}");

    let results = authed(
        &client,
        Method::GET,
        survivor.url(&format!("/v1/campaigns/{id}/results?format=jsonl")),
    )
    .text_body()
    .await;
    let state = sim_state(&client, sim).await;
    let seen = assert_rows_match_the_gateway(&results, &state);
    assert_eq!(seen, rows);
    assert_eq!(state["effects"][VOUCHER_SEND], rows as u64);
    let requests = state["requests"][VOUCHER_SEND].as_u64().unwrap();
    assert!(
        requests > rows as u64,
        "faults were injected: {requests} requests"
    );
}

/// Every result row is SENT, with exactly one voucher at the gateway under its key and the
/// gateway's voucher id; answers how many rows there were.
fn assert_rows_match_the_gateway(results: &str, state: &Value) -> usize {
    let effects: HashMap<String, u64> =
        serde_json::from_value(state["effects_by_key"][VOUCHER_SEND].clone()).unwrap();
    let vouchers: HashMap<String, String> = state["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let id = v["voucher_id"].as_str().unwrap_or_default().to_owned();
            (v["out_biz_no"].as_str().unwrap().to_owned(), id)
        })
        .collect();
    let mut seen = 0;
    for line in results.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let key = row["row_key"].as_str().unwrap();
        assert_eq!(row["state"], "SENT", "{row}");
        assert_eq!(effects.get(&format!("{TEMPLATE}/{key}")), Some(&1), "{row}");
        assert_eq!(
            row["alipay_id"].as_str(),
            vouchers.get(key).map(String::as_str),
            "{row}"
        );
        seen += 1;
    }
    seen
}

#[tokio::test]
async fn the_command_line_creates_uploads_and_watches_a_campaign_to_its_end() {
    let deployment = Deployment::start().await;
    let service = deployment.replica(&[("APP__CAMPAIGNS__IDLE_MS", "50".to_owned())]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recipients.csv");
    std::fs::write(
        &file,
        "login_id,memo\nfan1@example.com,hi\nnot-a-row,x,y\nfan2@example.com,hi\n",
    )
    .unwrap();
    let url = service.url("");
    let run = move |key: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_alipass"))
            .args(["campaign", "create"])
            .arg(&file)
            .args([
                "--key",
                key,
                "--kind",
                "voucher-send",
                "--template",
                TEMPLATE,
                "--rate",
                "50",
            ])
            .env("ALIPASS_URL", &url)
            .env("ALIPASS_API_KEY", crate::helpers::DEV_KEY)
            .output()
            .unwrap()
    };
    let output = tokio::task::spawn_blocking(move || {
        let first = run("cli");
        let again = run("cli");
        (first, again)
    })
    .await
    .unwrap();
    let (first, again) = output;
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("read 3 rows, 3 new, 1 unreadable"),
        "{stderr}"
    );
    assert!(stderr.contains("line 3:"), "{stderr}");
    assert!(stderr.contains("FINISHED"), "{stderr}");
    // The same key again: the same campaign, nothing new, nothing sent twice.
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("already FINISHED"), "{stderr}");
    let client = reqwest::Client::new();
    let state = sim_state(&client, &deployment.sim).await;
    assert_eq!(state["effects"][VOUCHER_SEND], 2);
}
