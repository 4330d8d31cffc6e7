//! The client against signed answers built here and against the simulator.
use super::*;
use crate::alipay::content::ContentKey;
use crate::alipay::response::sign_response_node;
use crate::alipay::sign::{AppPrivateKey, PublicKey};

fn dev(name: &str) -> String {
    std::fs::read_to_string(format!("{}/config/dev/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn client(cert: Option<CertificateSns>, charset: Charset) -> AlipayClient {
    let keys = AlipayKeys::new(
        AppPrivateKey::parse(&dev("app_private_key.pem")).unwrap(),
        PublicKey::parse(&dev("sim_public_key.pem")).unwrap(),
        cert,
    );
    AlipayClient::new(
        ClientSettings {
            gateway_url: "http://127.0.0.1:1/gateway.do".into(),
            app_id: "2021000000000001".into(),
            sign_type: SignType::Rsa2,
            charset,
            app_auth_token: Some("token-1".into()),
            notify_url: None,
            connect_timeout: Duration::from_millis(200),
            timeout: Duration::from_millis(500),
            max_attempts: 3,
            deadline: Duration::from_secs(2),
            verify_response_signature: true,
            rate_limit: None,
        },
        Arc::new(keys),
        None,
    )
    .unwrap()
}

fn simulator_answer(node_name: &str, node: &str, charset: Charset) -> String {
    let key = AppPrivateKey::parse(&dev("sim_private_key.pem")).unwrap();
    sign_response_node(node_name, node, &key, SignType::Rsa2, charset).unwrap()
}

#[tokio::test]
async fn a_single_threaded_runtime_sends_through_its_own_http_client() {
    let client = client(None, Charset::Utf8);
    assert!(!client.has_own_http());
    let _ = client.http();
    assert!(client.has_own_http());
    // Another client on the same thread has its own.
    assert!(!self::client(None, Charset::Utf8).has_own_http());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_threaded_runtime_shares_the_one_http_client() {
    let client = client(None, Charset::Utf8);
    let _ = client.http();
    assert!(!client.has_own_http());
}

#[test]
fn backoff_grows_and_is_capped() {
    for attempt in 1..10 {
        let pause = backoff(attempt);
        assert!(pause <= Duration::from_millis(2_000));
        assert!(pause >= Duration::from_millis(100));
    }
}

#[test]
fn public_parameters_use_beijing_time_and_carry_certificate_sns() {
    let sns = CertificateSns {
        app_cert_sn: "a".repeat(32),
        alipay_root_cert_sn: "r1_r2".into(),
        alipay_cert_sn: "c".repeat(32),
    };
    let params = client(Some(sns), Charset::Utf8).request_params(Method::InstanceAdd, "{}", None);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    let stamp =
        chrono::NaiveDateTime::parse_from_str(&get("timestamp").unwrap(), "%Y-%m-%d %H:%M:%S")
            .unwrap();
    let beijing_now = (Utc::now() + chrono::Duration::hours(8)).naive_utc();
    assert!(
        (beijing_now - stamp).num_seconds().abs() < 5,
        "timestamp {stamp} is not Beijing time"
    );
    assert_eq!(get("app_cert_sn").unwrap(), "a".repeat(32));
    assert_eq!(get("alipay_root_cert_sn").as_deref(), Some("r1_r2"));
    assert_eq!(get("app_auth_token").as_deref(), Some("token-1"));
    assert_eq!(get("version").as_deref(), Some("1.0"));
    assert_eq!(get("format").as_deref(), Some("JSON"));
    assert!(get("notify_url").is_none());
}

#[test]
fn a_verified_success_answer_is_returned() {
    let node = r#"{"code":"10000","msg":"Success","voucher_id":"V1","user_id":"2088"}"#;
    for charset in [Charset::Utf8, Charset::Gbk] {
        let body = simulator_answer("alipay_marketing_voucher_send_response", node, charset);
        let bytes = charset.encode(&body).unwrap();
        let reply = client(None, charset)
            .read_answer(Method::VoucherSend, &bytes)
            .unwrap();
        assert_eq!(reply.node["voucher_id"], "V1");
    }
}

#[test]
fn business_and_gateway_failures_are_typed() {
    let node = r#"{"code":"40004","msg":"Business Failed","sub_code":"KP.AE_ALIPASS_REPEAT_ADD_ERROR","sub_msg":"卡券已经存在","success":"false","result":"{\"passId\":\"P9\"}"}"#;
    let body = simulator_answer("alipay_pass_instance_add_response", node, Charset::Utf8);
    let err = client(None, Charset::Utf8)
        .read_answer(Method::InstanceAdd, body.as_bytes())
        .unwrap_err();
    let GatewayError::Refused(refusal) = &err else {
        panic!("{err:?}")
    };
    assert!(refusal.meaning.already_done);
    assert_eq!(refusal.result.as_ref().unwrap()["passId"], "P9");
    assert!(!err.is_retryable());

    let node = r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#;
    let body = simulator_answer("alipay_pass_instance_add_response", node, Charset::Utf8);
    let err = client(None, Charset::Utf8)
        .read_answer(Method::InstanceAdd, body.as_bytes())
        .unwrap_err();
    assert!(err.is_retryable() && err.is_ambiguous());
}

#[test]
fn tampered_unsigned_or_foreign_answers_are_refused() {
    let node = r#"{"code":"10000","msg":"Success","voucher_id":"V1"}"#;
    let body = simulator_answer(
        "alipay_marketing_voucher_send_response",
        node,
        Charset::Utf8,
    );
    let c = client(None, Charset::Utf8);
    let tampered = body.replace("V1", "V2");
    assert!(matches!(
        c.read_answer(Method::VoucherSend, tampered.as_bytes()),
        Err(GatewayError::NoAnswer(_))
    ));
    let unsigned = format!(r#"{{"alipay_marketing_voucher_send_response":{node}}}"#);
    assert!(matches!(
        c.read_answer(Method::VoucherSend, unsigned.as_bytes()),
        Err(GatewayError::NoAnswer(_))
    ));
    // Signed by a key that is not Alipay's (our own app key).
    let app = AppPrivateKey::parse(&dev("app_private_key.pem")).unwrap();
    let forged = sign_response_node(
        "alipay_marketing_voucher_send_response",
        node,
        &app,
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();
    assert!(c
        .read_answer(Method::VoucherSend, forged.as_bytes())
        .is_err());
}

#[test]
fn an_unsigned_error_answer_is_a_definite_refusal_and_an_unsigned_success_is_not_trusted() {
    let c = client(None, Charset::Utf8);
    let unsigned = r#"{"alipay_pass_instance_add_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}}"#;
    let err = c
        .read_answer(Method::InstanceAdd, unsigned.as_bytes())
        .unwrap_err();
    let GatewayError::Refused(refusal) = &err else {
        panic!("{err:?}")
    };
    assert!(!refusal.signed && refusal.meaning.our_fault);
    assert_eq!(refusal.failure_code(), "isv.invalid-signature");
    assert!(!err.is_retryable() && !err.is_ambiguous());

    let success = r#"{"alipay_marketing_voucher_send_response":{"code":"10000","msg":"Success","voucher_id":"V1"}}"#;
    assert!(matches!(
        c.read_answer(Method::VoucherSend, success.as_bytes()),
        Err(GatewayError::NoAnswer(_))
    ));
}

#[test]
fn a_signed_answer_with_a_code_the_pages_do_not_list_leaves_the_outcome_unknown() {
    let c = client(None, Charset::Utf8);
    for node in [
        r#"{"code":"50000","msg":"Something New"}"#,
        r#"{"msg":"no code at all"}"#,
    ] {
        let body = simulator_answer("alipay_pass_instance_add_response", node, Charset::Utf8);
        let err = c
            .read_answer(Method::InstanceAdd, body.as_bytes())
            .unwrap_err();
        assert!(
            matches!(&err, GatewayError::Refused(r) if r.signed),
            "{err:?}"
        );
        // Ambiguous: the service keeps the operation open instead of recording a refusal.
        assert!(err.is_ambiguous(), "{node}: {err:?}");
    }
}

#[test]
fn an_answer_signed_under_another_alipay_certificate_is_refused() {
    let sns = CertificateSns {
        app_cert_sn: "a".repeat(32),
        alipay_root_cert_sn: "r".into(),
        alipay_cert_sn: "expected".into(),
    };
    let node = r#"{"code":"10000","msg":"Success","voucher_id":"V1"}"#;
    let key = AppPrivateKey::parse(&dev("sim_private_key.pem")).unwrap();
    let body = crate::alipay::response::sign_response_node_with_cert_sn(
        "alipay_marketing_voucher_send_response",
        node,
        &key,
        SignType::Rsa2,
        Charset::Utf8,
        Some("rotated"),
    )
    .unwrap();
    let c = client(Some(sns), Charset::Utf8);
    let err = c
        .read_answer(Method::VoucherSend, body.as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("rotated"), "{err}");

    // Signed by the certificate we hold but naming none: a success is not trusted, a
    // refusal still is.
    let without_sn = simulator_answer(
        "alipay_marketing_voucher_send_response",
        node,
        Charset::Utf8,
    );
    assert!(matches!(
        c.read_answer(Method::VoucherSend, without_sn.as_bytes()),
        Err(GatewayError::NoAnswer(reason)) if reason.contains("alipay_cert_sn")
    ));
    let refusal =
        r#"{"code":"40004","msg":"Business Failed","sub_code":"TEMPLATE_NOT_EXIST","sub_msg":"x"}"#;
    let refused = simulator_answer(
        "alipay_marketing_voucher_send_response",
        refusal,
        Charset::Utf8,
    );
    assert!(matches!(
        c.read_answer(Method::VoucherSend, refused.as_bytes()),
        Err(GatewayError::Refused(_))
    ));
}

#[tokio::test]
async fn text_gbk_cannot_encode_is_not_sent() {
    let log = AttemptLog::default();
    let err = client(None, Charset::Gbk)
        .execute(
            Method::InstanceAdd,
            r#"{"tpl_params":"{\"x\":\"😀\"}"}"#,
            &log,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, GatewayError::NotSent(_)), "{err:?}");
    assert!(
        log.take().is_empty(),
        "nothing was sent, so no attempt is recorded"
    );
}

#[tokio::test]
async fn state_changes_without_an_alipay_key_are_never_resent() {
    for method in [Method::InstanceUpdate, Method::TemplateUpdate] {
        let log = AttemptLog::default();
        let err = client(None, Charset::Utf8)
            .execute(method, "{}", &log)
            .await
            .unwrap_err();
        assert!(err.is_ambiguous(), "{err:?}");
        assert_eq!(log.take().len(), 1, "{method} was sent more than once");
    }
}

#[tokio::test]
async fn transport_failures_are_retried_within_the_deadline_and_recorded() {
    let log = AttemptLog::default();
    let err = client(None, Charset::Utf8)
        .execute(Method::VoucherSend, "{}", &log)
        .await
        .unwrap_err();
    assert!(matches!(err, GatewayError::NoAnswer(_)));
    let attempts = log.take();
    assert_eq!(attempts.len(), 3, "max_attempts");
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(attempts
        .iter()
        .all(|a| matches!(a.outcome, AttemptOutcome::NoAnswer(_))));
}

/// The dev client with content encryption under `key`.
fn encrypting_client(key: &str) -> AlipayClient {
    let mut c = client(None, Charset::Utf8);
    let keys = AlipayKeys::new(
        AppPrivateKey::parse(&dev("app_private_key.pem")).unwrap(),
        PublicKey::parse(&dev("sim_public_key.pem")).unwrap(),
        None,
    );
    c.keys = Arc::new(keys.with_content_key(Some(ContentKey::from_base64(key).unwrap())));
    c
}

#[test]
fn an_encrypted_answer_is_verified_then_decrypted_and_a_foreign_one_is_unknown() {
    const KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";
    let c = encrypting_client(KEY);
    assert_eq!(
        c.request_params(Method::VoucherSend, "x", None)
            .iter()
            .find(|(k, _)| *k == "encrypt_type"),
        Some(&("encrypt_type", "AES".to_owned()))
    );
    let node = r#"{"code":"10000","msg":"Success","voucher_id":"V1"}"#;
    let sealed = ContentKey::from_base64(KEY)
        .unwrap()
        .encrypt(node.as_bytes())
        .unwrap();
    let quoted = Value::String(sealed).to_string();
    let body = simulator_answer(
        "alipay_marketing_voucher_send_response",
        &quoted,
        Charset::Utf8,
    );
    let reply = c.read_answer(Method::VoucherSend, body.as_bytes()).unwrap();
    assert_eq!(reply.node["voucher_id"], "V1");
    // Signed, but under another key: nobody can tell what it says, so the outcome is unknown.
    let other = encrypting_client("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=");
    assert!(matches!(
        other.read_answer(Method::VoucherSend, body.as_bytes()),
        Err(GatewayError::NoAnswer(_))
    ));
    // Without a key of our own, an encrypted answer is unreadable too.
    assert!(matches!(
        client(None, Charset::Utf8).read_answer(Method::VoucherSend, body.as_bytes()),
        Err(GatewayError::NoAnswer(_))
    ));
}

#[test]
fn a_quoted_sign_string_is_not_kept_in_a_refusal() {
    let node = r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错,网关生成的验签字符串为:app_id=1&biz_content={\"login_id\":\"pii@example.com\"}"}"#;
    let body = format!("{{\"alipay_marketing_voucher_send_response\":{node}}}");
    let Err(GatewayError::Refused(refusal)) =
        client(None, Charset::Utf8).read_answer(Method::VoucherSend, body.as_bytes())
    else {
        panic!("a refusal");
    };
    let sub_msg = refusal.sub_msg.unwrap();
    assert!(!sub_msg.contains("pii@example.com"), "{sub_msg}");
    assert!(sub_msg.starts_with("验签出错"), "{sub_msg}");
}

#[test]
fn the_merchant_token_travels_in_the_form_body_never_in_the_query() {
    let c = client(None, Charset::Utf8);
    let params = c.request_params(Method::InstanceAdd, "{}", Some("merchant-7"));
    let (query, body) = query_and_body(&params, Charset::Utf8).unwrap();
    assert!(!query.contains("app_auth_token"), "{query}");
    assert!(!query.contains("merchant-7"), "{query}");
    assert!(body.contains("app_auth_token=merchant-7"), "{body}");
    assert!(body.contains("biz_content="), "{body}");
}

#[test]
fn the_certificate_download_goes_without_a_merchant_token_or_encryption() {
    let c = encrypting_client("aa4BtZ4tspm2wnXLb1ThQA==");
    let params = c.request_params(Method::AlipaycertDownload, "{}", Some("merchant-7"));
    let names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
    assert!(!names.contains(&"app_auth_token"), "{names:?}");
    assert!(!names.contains(&"encrypt_type"), "{names:?}");
    // Every other call of the same client carries both.
    let params = c.request_params(Method::InstanceAdd, "{}", Some("merchant-7"));
    let names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
    assert!(names.contains(&"app_auth_token") && names.contains(&"encrypt_type"));
}

#[test]
fn an_unsigned_answer_that_is_not_an_auth_class_refusal_is_no_usable_answer() {
    let c = client(None, Charset::Utf8);
    for node in [
        // "Already exists" would settle an unknown attempt as applied.
        r#"{"code":"40004","msg":"Business Failed","sub_code":"KP.AE_ALIPASS_REPEAT_ADD_ERROR","sub_msg":"x"}"#,
        r#"{"code":"40004","msg":"Business Failed","sub_code":"KP.AE_ALIPASS_APPID_NOSUPPORT","sub_msg":"x"}"#,
        r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}"#,
    ] {
        let unsigned = format!(r#"{{"alipay_pass_instance_add_response":{node}}}"#);
        let result = c.read_answer(Method::InstanceAdd, unsigned.as_bytes());
        assert!(
            matches!(&result, Err(GatewayError::NoAnswer(reason)) if reason.contains("unsigned")),
            "{node}: {result:?}"
        );
    }
}

#[test]
fn an_answer_with_escaped_slashes_signed_over_plain_ones_is_read() {
    let plain = r#"{"code":"10000","msg":"Success","voucher_id":"V/1","user_id":"2088"}"#;
    let body = simulator_answer(
        "alipay_marketing_voucher_send_response",
        plain,
        Charset::Utf8,
    )
    .replace("V/1", "V\\/1");
    let reply = client(None, Charset::Utf8)
        .read_answer(Method::VoucherSend, body.as_bytes())
        .unwrap();
    assert_eq!(reply.node["voucher_id"], "V/1");
}

mod proxy;
