//! Content encryption (`encrypt_type=AES`): requests encrypted and answers decrypted by the
//! `openssl enc` command line, signatures made and checked by `openssl dgst`.

use crate::support::*;

/// An AES-128 content key, base64 as the open platform shows it.
const KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
/// Another app's key.
const OTHER_KEY: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

/// The test simulator with content encryption switched on for our app.
async fn encrypting_sim() -> TestSim {
    let mut settings = sim_settings();
    settings.apps[0].encrypt_key = Some(KEY.into());
    TestSim::start_with(settings).await
}

/// A template.add whose biz_content is encrypted under `key` (in GBK when `gbk`).
fn encrypted_template_add(unique_id: &str, key: &str, gbk: bool) -> Request {
    let biz = json!({"unique_id": unique_id, "tpl_content": template_text()}).to_string();
    let plain = if gbk {
        encoding_rs::GBK.encode(&biz).0.into_owned()
    } else {
        biz.into_bytes()
    };
    let ciphertext = String::from_utf8(openssl_aes(key, false, &plain)).unwrap();
    let request = Request::new(TEMPLATE_ADD, &ciphertext).set("encrypt_type", "AES");
    if gbk {
        request.gbk()
    } else {
        request
    }
}

#[tokio::test]
async fn an_encrypted_call_is_decrypted_and_answered_encrypted_and_signed() {
    let t = encrypting_sim().await;
    for (id, gbk) in [("enc-utf8", false), ("enc-gbk", true)] {
        let answer = t.send(&encrypted_template_add(id, KEY, gbk)).await;
        // Answer::read verified the signature over the quoted ciphertext with openssl.
        assert!(answer.signed, "{}", answer.node);
        assert!(
            answer.node.is_string(),
            "the node is ciphertext: {}",
            answer.node
        );
        let answer = answer.decrypted(KEY, gbk);
        answer.assert_success();
        assert!(answer.result()["tpl_id"].is_string());
        assert_eq!(t.sim.effects_for_key(TEMPLATE_ADD, id), 1);
    }
    // Business refusals come encrypted too.
    let again = t
        .send(&encrypted_template_add("enc-utf8", KEY, false))
        .await;
    again
        .decrypted(KEY, false)
        .assert_business("KP.AE_ALIPASS_TEMPLATE_EXISTED");
}

#[tokio::test]
async fn an_app_with_a_key_refuses_unencrypted_or_undecryptable_calls_unsigned() {
    let t = encrypting_sim().await;
    let add = node(TEMPLATE_ADD);
    let plain = json!({"unique_id": "plain", "tpl_content": template_text()}).to_string();
    t.send(&Request::new(TEMPLATE_ADD, &plain))
        .await
        .assert_gateway(&add, "40001", "isv.decryption-error-missing-encrypt-type");
    let des = encrypted_template_add("des", KEY, false).set("encrypt_type", "DES");
    t.send(&des)
        .await
        .assert_gateway(&add, "40002", "isv.decryption-error-not-valid-encrypt-type");
    let foreign = encrypted_template_add("foreign", OTHER_KEY, false);
    t.send(&foreign)
        .await
        .assert_gateway(&add, "40002", "isv.decryption-error-unknown");
    // Plaintext announced as encrypted does not decrypt either.
    let pretend = Request::new(TEMPLATE_ADD, &plain).set("encrypt_type", "AES");
    t.send(&pretend)
        .await
        .assert_gateway(&add, "40002", "isv.decryption-error-unknown");
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}

#[tokio::test]
async fn an_app_without_a_key_refuses_encrypted_calls() {
    let t = TestSim::start().await;
    t.send(&encrypted_template_add("no-key", KEY, false))
        .await
        .assert_gateway(
            &node(TEMPLATE_ADD),
            "40002",
            "isv.decryption-error-not-valid-encrypt-key",
        );
    assert_eq!(t.sim.effects(TEMPLATE_ADD), 0);
}
