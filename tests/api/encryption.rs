//! Content encryption (`alipay.encrypt_key`): the service encrypts every biz_content and
//! decrypts every encrypted answer; a key set on one side only is a definite refusal.

use crate::helpers::*;
use serde_json::json;

/// An AES-128 content key, base64 as the open platform shows it.
const KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";

#[tokio::test]
async fn with_the_same_key_on_both_sides_every_method_goes_through_encrypted() {
    let app = spawn_app_with(|s| {
        s.alipay.own.encrypt_key = Some(KEY.into());
        s.sim.apps[0].encrypt_key = Some(KEY.into());
    })
    .await;
    // The simulated gateway refuses any unencrypted call from this app, so each success
    // below went encrypted, and its encrypted answer was verified and decrypted.
    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, "ENC-1", &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let redeem = app
        .redeem(
            "ENC-1",
            &json!({"verify_type": "qrcode", "verify_code": "1234567890"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(redeem.status().as_u16(), 200);
    assert_eq!(app.sim_pass_status("ENC-1").as_deref(), Some("USED"));
    let voucher = json!({"template_id": "20140601000730010040000000EB", "out_biz_no": "ENC-V1",
                         "recipient": {"user_id": "2088102122069225"}});
    let sent = app.send_voucher(&voucher).send().await.unwrap();
    assert_eq!(sent.status().as_u16(), 201);
    // A business refusal comes back encrypted too, and is read as a refusal.
    let missing = issue_body("2015000000000000000000000", "ENC-2", &params);
    let refused = app.post_pass(&missing).send().await.unwrap();
    assert_ne!(
        refused.status().as_u16(),
        503,
        "a refusal is not an unknown"
    );
    assert!(refused.status().is_client_error());
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_on_one_side_only_is_a_definite_refusal_that_names_encryption() {
    // Alipay's app has encryption switched on; our settings do not.
    let app = spawn_app_with(|s| s.sim.apps[0].encrypt_key = Some(KEY.into())).await;
    let body = json!({"content": valid_template()});
    let problem_body = app.post_problem(paths::TEMPLATES, &body, 502).await;
    assert_eq!(problem_body["code"], "gateway_encryption_rejected");
    assert_eq!(
        problem_body["gateway_sub_code"],
        "isv.decryption-error-missing-encrypt-type"
    );
    assert_eq!(app.sim.effects("alipay.pass.template.add"), 0);
    app.shutdown().await;

    // Ours is set; Alipay's app has none.
    let app = spawn_app_with(|s| s.alipay.own.encrypt_key = Some(KEY.into())).await;
    let problem_body = app.post_problem(paths::TEMPLATES, &body, 502).await;
    assert_eq!(
        problem_body["gateway_sub_code"],
        "isv.decryption-error-not-valid-encrypt-key"
    );
    app.shutdown().await;
}
