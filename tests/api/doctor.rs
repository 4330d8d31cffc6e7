//! `alipass doctor` against the test profile's own Postgres, Redis and a live HTTP server.

use std::path::PathBuf;

use alipass::doctor::{examine, report};

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_check_passes_with_working_settings() {
    let app = spawn_app().await;
    let mut settings = app.settings.clone();
    // Any HTTP server tells reachability and the clock; the app's own will do.
    settings.sim.enabled = false;
    settings.alipay.gateway_url = app.url("/healthz");
    let findings = examine(&settings).await;
    let (text, healthy) = report(&findings);
    assert!(healthy, "{text}");
    let checks: Vec<&str> = findings.iter().map(|f| f.check).collect();
    assert_eq!(checks, ["keys", "certs", "database", "redis", "gateway"]);
    assert!(text.contains("RSA2 with a 2048-bit app key"), "{text}");
    assert!(text.contains("answers HTTP 200"), "{text}");
    app.shutdown().await;
}

#[tokio::test]
async fn our_own_public_key_in_place_of_alipays_and_an_unreachable_gateway_fail() {
    let app = spawn_app().await;
    let mut settings = app.settings.clone();
    settings.alipay.alipay_public_key_file = Some(PathBuf::from("config/dev/app_public_key.pem"));
    settings.sim.enabled = false;
    settings.alipay.gateway_url = format!(
        "http://127.0.0.1:{}/gateway.do",
        crate::helpers::free_port()
    );
    let findings = examine(&settings).await;
    let (text, healthy) = report(&findings);
    assert!(!healthy);
    let failed: Vec<&str> = findings.iter().filter(|f| !f.ok).map(|f| f.check).collect();
    assert_eq!(failed, ["keys", "gateway"], "{text}");
    assert!(text.contains("not Alipay's"), "{text}");
    app.shutdown().await;
}
