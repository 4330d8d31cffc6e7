//! Readings of the pages the simulator can take: slashes written `\/`, answers written
//! unsigned, the merchant token in the form body, and the certificate download as the
//! official clients send it.

use crate::support::*;

const DOWNLOAD: &str = "alipay.open.app.alipaycert.download";

/// `request`'s raw answer text.
async fn raw_answer(t: &TestSim, request: &Request) -> String {
    let (query, body) = request.encode();
    t.http
        .post(t.url(&format!("/gateway.do?{query}")))
        .body(body)
        .text_body()
        .await
}

#[tokio::test]
async fn escaped_slashes_are_written_over_a_signature_of_the_plain_text() {
    let t = TestSim::start().await;
    let tpl_id = t.add_template("esc").await;
    t.sim
        .set_faults(fault("*", |f| f.escaped_slashes_rate = 1.0));
    let request = Request::new(
        INSTANCE_ADD,
        &issue_biz(&tpl_id, pass_params("S/1")).to_string(),
    );
    let text = raw_answer(&t, &request).await;
    let node_start = text.find(':').unwrap() + 1;
    let sign_at = text.rfind(",\"sign\":\"").unwrap();
    let node = &text[node_start..sign_at];
    let sign = text[sign_at + 9..].strip_suffix("\"}").unwrap();
    assert!(node.contains("S\\/1"), "{node}");
    assert!(!openssl_verify(node.as_bytes(), sign, false));
    assert!(openssl_verify(
        node.replace("\\/", "/").as_bytes(),
        sign,
        false
    ));
}

#[tokio::test]
async fn an_unsigned_answer_fault_writes_a_business_refusal_without_a_sign() {
    let t = TestSim::start().await;
    t.add_template("dup").await;
    t.sim
        .set_faults(fault(TEMPLATE_ADD, |f| f.unsigned_answer_rate = 1.0));
    let again = t
        .call(
            TEMPLATE_ADD,
            &json!({"unique_id": "dup", "tpl_content": template_text()}),
        )
        .await;
    assert!(!again.signed, "{}", again.node);
    assert_eq!(again.sub_code(), "KP.AE_ALIPASS_TEMPLATE_EXISTED");
}

/// A simulator for an ISV app acting for merchant `tok-1`.
async fn isv() -> TestSim {
    let mut settings = sim_settings();
    settings.app_auth_tokens = vec!["tok-1".into()];
    TestSim::start_with(settings).await
}

#[tokio::test]
async fn a_merchant_token_in_the_form_body_is_read() {
    let t = isv().await;
    let biz = json!({"unique_id": "isv", "tpl_content": template_text()}).to_string();
    let mut request = Request::new(TEMPLATE_ADD, &biz);
    request
        .params
        .push(("app_auth_token".into(), "tok-1".into(), true));
    t.send(&request).await.assert_success();
    let without = t.send(&Request::new(TEMPLATE_ADD, &biz)).await;
    assert_eq!(without.code(), "20001");
}

#[tokio::test]
async fn the_certificate_download_needs_no_merchant_token_and_comes_unsigned() {
    let t = isv().await;
    let answer = t
        .call(DOWNLOAD, &json!({"alipay_cert_sn": "0123456789abcdef"}))
        .await;
    assert!(!answer.signed, "{}", answer.node);
    // Past the token check: refused for the SN (no certificates here), not for the token.
    assert_eq!(answer.code(), "40004", "{}", answer.node);
}

/// `method` with `biz`, acting for the merchant of `token`.
fn as_merchant(method: &str, biz: &Value, token: &str) -> Request {
    let mut request = Request::new(method, &biz.to_string());
    request
        .params
        .push(("app_auth_token".into(), token.into(), true));
    request
}

#[tokio::test]
async fn a_pass_is_seen_only_under_the_merchant_authorisation_it_was_issued_with() {
    let mut settings = sim_settings();
    settings.app_auth_tokens = vec!["tok-1".into(), "tok-2".into()];
    let t = TestSim::start_with(settings).await;
    let template = json!({"unique_id": "scoped", "tpl_content": template_text()});
    let added = t.send(&as_merchant(TEMPLATE_ADD, &template, "tok-1")).await;
    let tpl_id = added.result()["tpl_id"].as_str().unwrap().to_owned();
    let issue = issue_biz(&tpl_id, pass_params("M-1"));
    t.send(&as_merchant(INSTANCE_ADD, &issue, "tok-1"))
        .await
        .assert_success();
    let close = json!({"serial_number": "M-1", "channel_id": CHANNEL, "status": "CLOSED"});
    let other = t.send(&as_merchant(INSTANCE_UPDATE, &close, "tok-2")).await;
    assert_eq!(other.sub_code(), "KP.AE_ALIPASS_NOTEXIST", "{}", other.node);
    t.send(&as_merchant(INSTANCE_UPDATE, &close, "tok-1"))
        .await
        .assert_success();
}
