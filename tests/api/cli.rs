//! `alipass campaign …` against a running service: list, pause, resume, cancel and results
//! (paged, CSV and JSON lines), `--json`, and an exit code for each kind of failure;
//! `alipass completions`.

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::campaigns::{
    campaign_app, create, until_status, upload, users_csv, EXPIRED_TEMPLATE, VOUCHER_TEMPLATE,
};
use crate::fetch::Fetch;
use crate::helpers::*;

/// Runs the binary with `args` against `url` with `key`, off the test's runtime.
async fn alipass(url: &str, key: &str, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_alipass"));
    command
        .args(args)
        .env("ALIPASS_URL", url)
        .env("ALIPASS_API_KEY", key);
    tokio::task::spawn_blocking(move || command.output().expect("the alipass binary runs"))
        .await
        .unwrap()
}

async fn campaign_cli(app: &TestApp, args: &[&str]) -> Output {
    let mut all = vec!["campaign"];
    all.extend_from_slice(args);
    alipass(&app.address, DEV_KEY, &all).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn code(output: &Output) -> (Option<i32>, String) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// A campaign of `rows` rows at `rate`, uploaded: RUNNING.
async fn running(app: &TestApp, key: &str, rows: usize, rate: f64) -> String {
    let campaign = create(app, key, VOUCHER_TEMPLATE, rate).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(app, &id, "text/csv", users_csv(rows)).await;
    id
}

#[tokio::test]
async fn pause_resume_cancel_and_list_move_and_show_a_campaign() {
    let app = campaign_app().await;
    // Slow enough to be RUNNING throughout.
    let id = running(&app, "slow", 50, 0.2).await;
    let other = running(&app, "other", 1, 500.0).await;
    let paused = campaign_cli(&app, &["pause", &id]).await;
    assert_eq!(code(&paused).0, Some(0), "{}", code(&paused).1);
    assert_eq!(stdout(&paused).trim(), format!("campaign {id}: PAUSED"));
    let resumed = campaign_cli(&app, &["resume", &id, "--json"]).await;
    let view: Value = serde_json::from_str(&stdout(&resumed)).unwrap();
    assert_eq!(view["status"], "RUNNING", "{view}");
    // Listed a page of one at a time, oldest first, each line a view.
    let listed = campaign_cli(&app, &["list", "--json", "--page-size", "1"]).await;
    let ids: Vec<String> = stdout(&listed)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, [id.clone(), other.clone()]);
    let table = stdout(&campaign_cli(&app, &["list"]).await);
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{id}\tslow\tVOUCHER_SEND\tRUNNING")),
        "{table}"
    );
    let cancelled = campaign_cli(&app, &["cancel", &id]).await;
    assert_eq!(
        stdout(&cancelled).trim(),
        format!("campaign {id}: CANCELLED")
    );
    // Cancelled already: the service refuses (409), exit 5 with its code.
    let again = campaign_cli(&app, &["cancel", &id]).await;
    let (exit, stderr) = code(&again);
    assert_eq!(exit, Some(5), "{stderr}");
    assert!(
        stderr.contains("409") && stderr.contains("campaign_state"),
        "{stderr}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn results_page_through_the_api_as_the_api_writes_them() {
    let app = campaign_app().await;
    let id = running(&app, "results", 5, 500.0).await;
    until_status(&app, &id, "FINISHED", Duration::from_secs(20)).await;
    let path = paths::campaign_results(&id);
    let csv = app.get(&path).text_body().await;
    let jsonl = app.get(&format!("{path}?format=jsonl")).text_body().await;
    assert_eq!(csv.lines().count(), 6, "{csv}");
    // Pages of two: three requests, the same rows as one stream.
    let paged = campaign_cli(&app, &["results", &id, "--page-size", "2"]).await;
    assert_eq!(code(&paged).0, Some(0), "{}", code(&paged).1);
    assert_eq!(stdout(&paged), csv);
    let paged = campaign_cli(&app, &["results", &id, "--json", "--page-size", "2"]).await;
    assert_eq!(stdout(&paged), jsonl);
    // The API's pages themselves: after line 3, two rows.
    let page = app
        .get(&format!("{path}?format=jsonl&after_line=3&limit=2"))
        .text_body()
        .await;
    let lines: Vec<i64> = page
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["line"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, [4, 5]);
    let too_big = app
        .get(&format!("{path}?limit=10001"))
        .send()
        .await
        .unwrap();
    problem(too_big, 400).await;
    app.shutdown().await;
}

#[tokio::test]
async fn each_kind_of_failure_has_its_exit_code() {
    let app = campaign_app().await;
    // Alipay refuses every row (an expired template): watch ends with 6.
    let campaign = create(&app, "refused", EXPIRED_TEMPLATE, 500.0).await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    upload(&app, &id, "text/csv", users_csv(2)).await;
    let watched = campaign_cli(&app, &["watch", &id]).await;
    let (exit, stderr) = code(&watched);
    assert_eq!(exit, Some(6), "{stderr}");
    assert!(stderr.contains("2 REFUSED rows"), "{stderr}");
    // With --json: the final view on stdout, the same exit code.
    let watched = campaign_cli(&app, &["watch", &id, "--json"]).await;
    let view: Value = serde_json::from_str(&stdout(&watched)).unwrap();
    assert_eq!(
        (view["status"].as_str(), view["rows"]["refused"].as_i64()),
        (Some("FINISHED"), Some(2))
    );
    assert_eq!(code(&watched).0, Some(6));
    let refused = campaign_cli(&app, &["results", &id, "--state", "refused", "--json"]).await;
    let states: Vec<Value> = stdout(&refused)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["state"].clone())
        .collect();
    assert_eq!(states, ["REFUSED", "REFUSED"]);
    let bogus = campaign_cli(&app, &["results", &id, "--state", "LOST"]).await;
    assert_eq!(code(&bogus).0, Some(2), "a state that is not one is usage");
    // An API key the service does not know: configuration, 3.
    let unknown_key = alipass(&app.address, "not-a-key", &["campaign", "list"]).await;
    assert_eq!(code(&unknown_key).0, Some(3), "{}", code(&unknown_key).1);
    // A campaign that does not exist: refused by the service, 5.
    let missing = campaign_cli(&app, &["pause", "01a25204-7331-7756-a797-f54c1574ebc2"]).await;
    assert_eq!(code(&missing).0, Some(5), "{}", code(&missing).1);
    // Nothing listens: unavailable, 4.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let down = alipass(&nowhere, DEV_KEY, &["campaign", "list"]).await;
    assert_eq!(code(&down).0, Some(4), "{}", code(&down).1);
    // A URL that is not one: configuration, 3.
    let bad_url = alipass("not a url", DEV_KEY, &["campaign", "list"]).await;
    assert_eq!(code(&bad_url).0, Some(3), "{}", code(&bad_url).1);
    // Usage: clap's 2, and --shared that is not JSON.
    let usage = campaign_cli(&app, &["pause"]).await;
    assert_eq!(code(&usage).0, Some(2));
    let args = [
        "create",
        "x.csv",
        "--key",
        "k",
        "--kind",
        "voucher-send",
        "--template",
        "t",
        "--rate",
        "1",
        "--shared",
        "{",
    ];
    assert_eq!(code(&campaign_cli(&app, &args).await).0, Some(2));
    app.shutdown().await;
}

#[tokio::test]
async fn create_declares_the_charset_it_is_given() {
    let app = campaign_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fans.csv");
    let (gbk, _, _) = encoding_rs::GBK.encode("user_id,memo\r\n2088100000000134,春节快乐\r\n");
    std::fs::write(&file, &gbk).unwrap();
    let file = file.to_str().unwrap();
    let create = |key: &'static str, charset: &'static str| {
        vec![
            "create",
            file,
            "--key",
            key,
            "--kind",
            "voucher-send",
            "--template",
            VOUCHER_TEMPLATE,
            "--rate",
            "100",
            "--charset",
            charset,
            "--no-wait",
            "--json",
        ]
    };
    let args = create("gbk", "gbk");
    let done = campaign_cli(&app, &args).await;
    assert_eq!(code(&done).0, Some(0), "{}", code(&done).1);
    let report: Value = serde_json::from_str(&stdout(&done)).unwrap();
    assert_eq!(
        (report["rows_read"].as_i64(), report["unreadable"].as_i64()),
        (Some(1), Some(0)),
        "{report}"
    );
    // A charset the service does not read: refused by the service (415), exit 5.
    let args = create("latin", "latin1");
    let refused = campaign_cli(&app, &args).await;
    let (exit, stderr) = code(&refused);
    assert_eq!(exit, Some(5), "{stderr}");
    assert!(stderr.contains("unsupported_charset"), "{stderr}");
    app.shutdown().await;
}

#[tokio::test]
async fn help_lists_the_exit_codes_and_completions_generate() {
    let help = alipass("", "", &["campaign", "--help"]).await;
    let text = stdout(&help);
    for line in [
        "3  configuration",
        "4  unavailable",
        "5  refused by the service",
        "6  refused by Alipay",
    ] {
        assert!(text.contains(line), "{text}");
    }
    for (shell, mark) in [
        ("bash", "_alipass()"),
        ("zsh", "#compdef alipass"),
        ("fish", "complete -c alipass"),
    ] {
        let script = alipass("", "", &["completions", shell]).await;
        let script = stdout(&script);
        assert!(script.contains(mark), "{shell}: {script}");
        assert!(
            script.contains("resume"),
            "{shell} completes the campaign commands"
        );
    }
}
