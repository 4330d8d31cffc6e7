//! Certificate mode when Alipay renews its certificate: the simulator rotates its signing
//! certificate mid-run; the service fetches the new one, checks it against the configured
//! root, keeps it for every replica, and no call fails. A certificate that does not chain to
//! the root is never trusted. Certificates are made by the openssl command line.

use std::path::Path;

use alipass::config::{Settings, SimCertSetting};
use alipay_protocol::cert::cert_sn;
use alipay_protocol::testing::{issue_cert, self_signed};
use futures_util::{stream, StreamExt};
use serde_json::Value;

use crate::fetch::Fetch;
use crate::helpers::*;

const DOWNLOAD: &str = "alipay.open.app.alipaycert.download";

/// A root, two Alipay certificates it issued, an app certificate, and a forged Alipay
/// certificate from another CA with the root's very name.
fn pki(dir: &Path) {
    let root_name = "/C=CN/O=Ant Financial/OU=Certification Authority/CN=Test Root";
    self_signed(dir, "root", "30", root_name);
    issue_cert(dir, "alipay1", "root", "1001", "30", &[]);
    issue_cert(dir, "alipay2", "root", "1002", "30", &[]);
    issue_cert(dir, "app", "root", "2001", "30", &[]);
    self_signed(dir, "rogue", "30", root_name);
    issue_cert(dir, "forged", "rogue", "1003", "30", &[]);
}

/// Certificate mode on both sides; the simulator signs with `signers` in turn.
fn certificate_mode(s: &mut Settings, dir: &Path, signers: &[&str]) {
    s.alipay.alipay_key.alipay_public_key = None;
    s.alipay.alipay_key.alipay_public_key_file = None;
    s.alipay.alipay_key.app_cert_file = Some(dir.join("app.pem"));
    s.alipay.alipay_key.alipay_cert_file = Some(dir.join("alipay1.pem"));
    s.alipay.alipay_key.alipay_root_cert_file = Some(dir.join("root.pem"));
    s.sim.root_cert_file = Some(dir.join("root.pem"));
    s.sim.apps[0].app_cert_file = Some(dir.join("app.pem"));
    s.sim.certificates = signers
        .iter()
        .map(|name| SimCertSetting {
            cert_file: dir.join(format!("{name}.pem")),
            private_key_file: dir.join(format!("{name}.key")),
        })
        .collect();
}

fn sn(dir: &Path, name: &str) -> String {
    cert_sn(&std::fs::read_to_string(dir.join(format!("{name}.pem"))).unwrap()).unwrap()
}

/// Issues passes ROT<i> for `range`, 8 at a time: their statuses.
async fn issue_all(
    app: &TestApp,
    template_id: &str,
    params: &[String],
    range: std::ops::Range<u32>,
) -> Vec<u16> {
    stream::iter(range)
        .map(|i| async move {
            let serial = format!("ROT{i:03}");
            app.issue_pass(template_id, &serial, params)
                .await
                .status()
                .as_u16()
        })
        .buffer_unordered(8)
        .collect()
        .await
}

#[tokio::test]
async fn a_certificate_rotated_mid_run_is_learned_checked_and_shared_with_no_failed_call() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let app = spawn_app_with(|s| certificate_mode(s, dir.path(), &["alipay1", "alipay2"])).await;
    assert!(
        !app.sim.kinder(),
        "strict: the download is answered unsigned"
    );
    let (template_id, params) = app.create_template().await;

    let (before, during) = tokio::join!(issue_all(&app, &template_id, &params, 0..20), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        app.sim.rotate_cert()
    });
    assert_eq!(during.as_deref(), Some(sn(dir.path(), "alipay2").as_str()));
    let after = issue_all(&app, &template_id, &params, 20..40).await;
    assert!(
        before.iter().chain(&after).all(|status| *status == 201),
        "{before:?} {after:?}"
    );
    assert_eq!(
        app.sim.requests(DOWNLOAD),
        1,
        "one download for many answers"
    );
    let ready = app.get_public_json("/readyz").await;
    assert_eq!(
        ready["certificates"][0]["alipay_cert_sns"],
        serde_json::json!([sn(dir.path(), "alipay1"), sn(dir.path(), "alipay2")])
    );
    assert_eq!(
        ready["certificates"][0]["app_cert_sn"],
        sn(dir.path(), "app")
    );
    let archived = app.archived_certificates().await;
    assert_eq!(archived, vec![sn(dir.path(), "alipay2")]);

    // A second replica on the same database, its gateway already on the new certificate and
    // refusing downloads: it verifies with the archived certificate.
    let database_url = app.settings.database.url.clone();
    let replica = spawn_app_with(|s| {
        certificate_mode(s, dir.path(), &["alipay2"]);
        s.database.url = database_url;
    })
    .await;
    replica
        .sim
        .set_faults(fault(DOWNLOAD, |f| f.error_rate = 1.0));
    let voucher = serde_json::json!({"template_id": "20140601000730010040000000EB",
        "out_biz_no": "ROT-V", "recipient": {"user_id": "2088102122069225"}});
    let sent = replica.send_voucher(&voucher).send().await.unwrap();
    assert_eq!(sent.status().as_u16(), 201);
    assert_eq!(replica.sim.requests(DOWNLOAD), 0, "read from the archive");
    replica.shutdown().await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_certificate_that_does_not_chain_to_the_root_is_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let app = spawn_app_with(|s| certificate_mode(s, dir.path(), &["alipay1", "forged"])).await;
    let (template_id, params) = app.create_template().await;
    app.sim.rotate_cert();
    let response = app.issue_pass(&template_id, "FORGED-1", &params).await;
    // The pass may exist at Alipay: the outcome is unknown, not a success, not a refusal.
    let problem_body = problem(response, 503).await;
    assert_eq!(problem_body["code"], "gateway_outcome_unknown");
    let pass: Value = app.get_pass("FORGED-1").await;
    assert_eq!(pass["status"], "ISSUING");
    assert_eq!(app.archived_certificates().await, Vec::<String>::new());
    let ready = app.get_public_json("/readyz").await;
    assert_eq!(
        ready["certificates"][0]["alipay_cert_sns"],
        serde_json::json!([sn(dir.path(), "alipay1")])
    );
    app.shutdown().await;
}

/// The simulator checks the certificate SNs every call names, as the gateway does: the
/// rotation test above passes them; here it expects others, and each call is refused.
#[tokio::test]
async fn calls_naming_another_app_certificate_or_root_are_refused_by_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let body = serde_json::json!({"content": crate::helpers::valid_template()});
    for (expects, sub_code) in [
        ("app", "isv.app-cert-not-exist"),
        ("root", "isv.invalid-alipay-root-cert-sn"),
    ] {
        let app = spawn_app_with(|s| {
            certificate_mode(s, dir.path(), &["alipay1"]);
            match expects {
                "app" => s.sim.apps[0].app_cert_file = Some(dir.path().join("alipay2.pem")),
                _ => s.sim.root_cert_file = Some(dir.path().join("rogue.pem")),
            }
        })
        .await;
        let refused = app.post_problem(paths::TEMPLATES, &body, 502).await;
        assert_eq!(refused["gateway_sub_code"], sub_code, "{refused}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn each_configured_certificate_exports_when_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let app = spawn_app_with(|s| certificate_mode(s, dir.path(), &["alipay1"])).await;
    let metrics = app.get("/metrics").text_body().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as f64;
    for which in ["app", "alipay", "root"] {
        let label = format!("which=\"{which}\"");
        let name = "alipass_certificate_expiry_timestamp_seconds";
        let end = crate::helpers::series(&metrics, name, &[&label]).expect("exported");
        // The test PKI issues certificates for 30 days.
        let days = (end - now) / 86_400.0;
        assert!((29.0..=31.0).contains(&days), "{which}: {days} days");
    }
    app.shutdown().await;
}
