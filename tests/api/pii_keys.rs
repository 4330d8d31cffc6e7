//! Personal-data keys: a sealed value opens only on its own record; the key rotates (old
//! values open with the retired key, `alipass rekey` seals them again with the new one, and
//! then the old key can go: reads, replays and `redact` still work); `alipass redact` takes
//! its identifiers from stdin and reaches campaign rows.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::campaigns::{create, until_status, upload, VOUCHER_TEMPLATE};
use crate::helpers::*;

const READER_KEY: &str = "pii-keys-reader-0123456789";
const EMAIL: &str = "rotate.me@example.com";

fn new_key() -> String {
    base64::engine::general_purpose::STANDARD.encode([42u8; 32])
}

fn voucher(out_biz_no: &str, login_id: &str) -> Value {
    json!({"template_id": VOUCHER_TEMPLATE, "out_biz_no": out_biz_no,
           "recipient": {"login_id": login_id}})
}

/// A voucher's recipient as a `pii:read` key sees it.
async fn revealed(app: &TestApp, out_biz_no: &str) -> Value {
    let path = paths::voucher(VOUCHER_TEMPLATE, out_biz_no);
    let view = app.get_json_as(READER_KEY, &path).await;
    view["recipient"]["value"].clone()
}

async fn stored_recipients(app: &TestApp) -> Vec<String> {
    let stored = app.stored_recipients().await;
    stored
        .into_iter()
        .map(|(_, recipient)| recipient)
        .filter(|r| r.starts_with("sealed:"))
        .collect()
}

/// Every campaign row's stored payload as text (`null` for none), in line order.
async fn stored_rows(app: &TestApp) -> Vec<String> {
    let rows = app.all_stored_campaign_rows().await;
    rows.iter()
        .map(|payload| match payload {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn a_sealed_recipient_copied_to_another_voucher_does_not_open_there() {
    let app = spawn_app_with(|s| extra_key(s, "reader", READER_KEY, &["read", "pii:read"])).await;
    for (out, login_id) in [("AAD-1", EMAIL), ("AAD-2", "13800138000")] {
        let sent = app.send_voucher(&voucher(out, login_id));
        assert_eq!(sent.send().await.unwrap().status().as_u16(), 201);
    }
    app.copy_sealed_recipient("AAD-1", "AAD-2").await;
    assert_eq!(revealed(&app, "AAD-1").await, EMAIL);
    assert_eq!(revealed(&app, "AAD-2").await, "(unreadable)");
    app.shutdown().await;
}

/// An app on `first`'s database, reading personal data with `key` (and `retired` keys).
async fn on_same_database(first: &TestApp, key: &str, retired: &[&str]) -> TestApp {
    let url = first.settings.database.url.clone();
    let retired: Vec<alipass::config::Secret> = retired.iter().map(|k| (*k).into()).collect();
    spawn_app_with(move |s| {
        extra_key(s, "reader", READER_KEY, &["read", "pii:read"]);
        s.database.url = url;
        s.pii.key = Some(key.into());
        s.pii.retired_keys = retired;
        s.campaigns.enabled = false;
        s.reconciler.enabled = false;
    })
    .await
}

#[tokio::test]
async fn keys_rotate_and_rekey_moves_every_value_to_the_new_key_so_the_old_one_can_go() {
    let first = spawn_app_with(|s| {
        extra_key(s, "reader", READER_KEY, &["read", "pii:read"]);
        s.campaigns.idle_ms = 50;
        s.campaigns.batch_seconds = 0.5;
    })
    .await;
    let old_key = first.settings.pii.key.as_deref().unwrap().to_owned();
    let sent = first.send_voucher(&voucher("ROT-1", EMAIL));
    let sent: Value = sent.send().await.unwrap().json().await.unwrap();
    let campaign = create(&first, "rotation", VOUCHER_TEMPLATE, 50.0).await;
    let id = campaign["id"].as_str().unwrap();
    let csv = format!("login_id\n{EMAIL}\n13800138001\n");
    upload(&first, id, "text/csv", csv).await;
    until_status(&first, id, "FINISHED", Duration::from_secs(30)).await;
    let before = stored_rows(&first).await;
    assert!(
        before.iter().all(|r| r.starts_with("sealed:v2.")),
        "{before:?}"
    );

    // The new key current, the old one retired: old values still open.
    let rotated = on_same_database(&first, &new_key(), &[&old_key]).await;
    assert_eq!(revealed(&rotated, "ROT-1").await, EMAIL);
    let sealer = alipass::sealing::Sealer::for_personal_data(&rotated.settings)
        .unwrap()
        .unwrap();
    // Batches of one: every page boundary is crossed.
    let report = alipass::rekey::rekey(&rotated.db, &sealer, 1)
        .await
        .unwrap();
    assert_eq!(report.unreadable, 0, "{report:?}");
    assert_eq!(report.resealed, 5, "three vouchers, two rows: {report:?}");
    let again = alipass::rekey::rekey(&rotated.db, &sealer, 100)
        .await
        .unwrap();
    assert_eq!((again.resealed, again.current), (0, 5), "{again:?}");
    let now = format!("sealed:v2.{}.", sealer.key_id());
    let values = [
        stored_recipients(&rotated).await,
        stored_rows(&rotated).await,
    ]
    .concat();
    assert!(values.iter().all(|v| v.starts_with(&now)), "{values:?}");
    rotated.shutdown().await;

    // The old key gone: reads, a replay of the first send, and redact all still work.
    let later = on_same_database(&first, &new_key(), &[]).await;
    assert_eq!(revealed(&later, "ROT-1").await, EMAIL);
    let replay = later.send_voucher(&voucher("ROT-1", EMAIL));
    let replay = replay.send().await.unwrap();
    assert_eq!(replay.status().as_u16(), 201, "a replay, not a reused key");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], sent["id"]);
    assert_eq!(later.sim.effects("alipay.marketing.voucher.send"), 0);
    let later_sealer = alipass::sealing::Sealer::for_personal_data(&later.settings).unwrap();
    let identifiers = [EMAIL.to_owned()];
    let report =
        alipass::retention::redact_recipients(&later.db, later_sealer.as_ref(), &identifiers)
            .await
            .unwrap();
    assert_eq!(
        (report.vouchers, report.campaign_rows),
        (2, 1),
        "{report:?}"
    );
    let rows = stored_rows(&later).await;
    assert_eq!(rows[0], "null", "the customer's row is emptied");
    assert!(rows[1].starts_with(&now), "the other row stays: {rows:?}");
    later.shutdown().await;
    first.shutdown().await;
}

#[tokio::test]
async fn redact_reads_identifiers_from_stdin_and_no_longer_takes_them_as_arguments() {
    let app = spawn_app().await;
    let sent = app.send_voucher(&voucher("CLI-1", EMAIL));
    assert_eq!(sent.send().await.unwrap().status().as_u16(), 201);
    let redact = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_alipass"))
            .arg("redact")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("APP_PROFILE", "test")
            .env(
                "APP__DATABASE__URL",
                app.settings.database.url.as_deref().unwrap(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the alipass binary runs")
    };
    let refused = redact(&["--recipient", EMAIL]).wait_with_output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--recipient"), "{stderr}");

    let mut child = redact(&["--from-file", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "\n{EMAIL}\n").unwrap();
    drop(stdin);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("1 identifier(s): 1 voucher(s)"),
        "{stdout}"
    );
    assert!(!stdout.contains(EMAIL), "{stdout}");
    assert_eq!(app.stored_voucher("CLI-1").await.recipient, "redacted");
    app.shutdown().await;
}

#[tokio::test]
async fn redact_leaves_a_campaign_row_still_to_be_sent_and_counts_it() {
    // No campaign worker: the rows stay queued.
    let app = spawn_app_with(|s| s.campaigns.enabled = false).await;
    let campaign = create(&app, "queued", VOUCHER_TEMPLATE, 5.0).await;
    let id = campaign["id"].as_str().unwrap();
    upload(&app, id, "text/csv", format!("login_id\n{EMAIL}\n")).await;
    let before = stored_rows(&app).await;
    let sealer = alipass::sealing::Sealer::for_personal_data(&app.settings).unwrap();
    let identifiers = [EMAIL.to_owned()];
    let report = alipass::retention::redact_recipients(&app.db, sealer.as_ref(), &identifiers)
        .await
        .unwrap();
    assert_eq!(
        (report.campaign_rows, report.campaign_rows_open),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(
        stored_rows(&app).await,
        before,
        "its send needs the identifier"
    );
    app.shutdown().await;
}
