//! `alipass doctor` and `GET /v1/diagnostics` against the test profile's own Postgres and
//! Redis and the in-process simulator as the gateway, with each misconfiguration the SDKs'
//! issue trackers know best.

use std::path::PathBuf;

use alipass::config::Settings;
use alipass::doctor::{examine, report};

use crate::helpers::*;

/// The app's settings as `alipass doctor` would read them, pointed at its simulator.
fn doctor_settings(app: &TestApp) -> Settings {
    let mut settings = app.settings.clone();
    settings.sim.enabled = false;
    settings.alipay.gateway_url = app.gateway_url.clone();
    settings
}

/// The failing checks and the report's text.
async fn failures(settings: &Settings) -> (Vec<&'static str>, String) {
    let findings = examine(settings, false).await;
    let (text, healthy) = report(&findings);
    let failed: Vec<&str> = findings.iter().filter(|f| !f.ok).map(|f| f.check).collect();
    assert_eq!(healthy, failed.is_empty());
    (failed, text)
}

#[tokio::test]
async fn every_check_passes_with_working_settings_and_the_probe_has_no_effect() {
    let app = spawn_app().await;
    let findings = examine(&doctor_settings(&app), false).await;
    let (text, healthy) = report(&findings);
    assert!(healthy, "{text}");
    let checks: Vec<&str> = findings.iter().map(|f| f.check).collect();
    assert_eq!(
        checks,
        ["keys", "certs", "database", "redis", "gateway", "call"]
    );
    assert!(text.contains("RSA2 with a 2048-bit app key"), "{text}");
    assert!(text.contains("answers HTTP 200"), "{text}");
    assert!(
        text.contains("Alipay accepts our app id, key and signature"),
        "{text}"
    );
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn each_misconfiguration_fails_with_advice_naming_the_setting() {
    let app = spawn_app().await;
    let base = doctor_settings(&app);

    // Our own public key pasted where Alipay's belongs.
    let mut own_key = base.clone();
    own_key.alipay.alipay_key.alipay_public_key_file =
        Some(PathBuf::from("config/dev/app_public_key.pem"));
    let (failed, text) = failures(&own_key).await;
    assert_eq!(failed, ["keys", "call"], "{text}");
    assert!(text.contains("not Alipay's"), "{text}");

    // Some other key in place of Alipay's: its answers do not verify.
    let other = alipay_protocol::testing::openssl_key(2048);
    let mut foreign = base.clone();
    foreign.alipay.alipay_key.alipay_public_key_file = Some(other.path("spki.pem"));
    let (failed, text) = failures(&foreign).await;
    assert_eq!(failed, ["call"], "{text}");
    assert!(text.contains("answer does not verify"), "{text}");

    // A private key that does not match the public key uploaded for the app.
    let mut wrong_private = base.clone();
    wrong_private.alipay.app_key.app_private_key_file = Some(other.path("pkcs8.pem"));
    let (failed, text) = failures(&wrong_private).await;
    assert!(failed.contains(&"call"), "{text}");
    assert!(text.contains("Alipay rejects our signature"), "{text}");

    // An app id the gateway does not know.
    let mut wrong_app = base.clone();
    wrong_app.alipay.app_id = "2021000000009999".into();
    let (failed, text) = failures(&wrong_app).await;
    assert_eq!(failed, ["call"], "{text}");
    assert!(
        text.contains("alipay.app_id 2021000000009999 is unknown"),
        "{text}"
    );

    // Content encryption set on our side only.
    let mut encrypted = base.clone();
    encrypted.alipay.own.encrypt_key = Some("aa4BtZ4tspm2wnXLb1ThQA==".into());
    let (failed, text) = failures(&encrypted).await;
    assert_eq!(failed, ["call"], "{text}");
    assert!(
        text.contains("set alipay.encrypt_key exactly when"),
        "{text}"
    );

    // Nothing listens at the gateway URL.
    let mut unreachable = base;
    unreachable.alipay.gateway_url = format!("http://127.0.0.1:{}/gateway.do", free_port());
    let (failed, text) = failures(&unreachable).await;
    assert_eq!(failed, ["gateway", "call"], "{text}");
    assert_eq!(app.sim.effects("alipay.marketing.voucher.send"), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn the_diagnostics_endpoint_runs_the_checks_for_an_operator_key_only() {
    let app = spawn_app_with(|s| extra_key(s, "reader", "reader-key-0123456789", &["read"])).await;
    let report = app.get_json(paths::DIAGNOSTICS).await;
    assert_eq!(report["healthy"], true, "{report}");
    let call = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "call")
        .unwrap();
    assert_eq!(call["ok"], true, "{report}");
    let denied = app
        .client
        .get(app.url(paths::DIAGNOSTICS))
        .bearer_auth("reader-key-0123456789")
        .send()
        .await
        .unwrap();
    problem(denied, 403).await;
    app.shutdown().await;
}
