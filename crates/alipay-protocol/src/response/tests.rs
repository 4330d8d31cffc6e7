use super::*;
use crate::testing::{openssl, openssl_key, OpensslKey};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const METHOD: &str = "alipay.pass.instance.add";
const NODE: &str = "alipay_pass_instance_add_response";

fn openssl_sign(key: &OpensslKey, content: &[u8]) -> String {
    std::fs::write(key.path("node.bin"), content).unwrap();
    let sig = openssl(
        key.dir.path(),
        &["dgst", "-sha256", "-sign", "pkcs1.pem", "node.bin"],
    );
    STANDARD.encode(sig)
}

struct Fixture {
    key: OpensslKey,
    private: AppPrivateKey,
    public: PublicKey,
}

fn fixture() -> Fixture {
    let key = openssl_key(2048);
    Fixture {
        private: AppPrivateKey::parse(&key.pkcs8_pem).unwrap(),
        public: PublicKey::parse(&key.spki_bare).unwrap(),
        key,
    }
}

#[test]
fn accepts_valid_bodies_signed_by_openssl() {
    let f = fixture();
    let node = "{\n    \"code\" : \"10000\",\"msg\":\"Success\",\n\t\"result\":\"{\\\"serialNumber\\\":\\\"9}{\\\\\\\"\\\"}\",\"logo\":\"会员卡 {x}\"   \n}";
    let sign = openssl_sign(&f.key, node.as_bytes());
    let bodies = [
        format!("{{\"{NODE}\":{node},\"sign\":\"{sign}\"}}"),
        format!("{{ \"sign\" : \"{sign}\" ,\r\n \"{NODE}\" :\n{node}\n}}\n"),
        format!(
            "{{\"alipay_cert_sn\":\"abc\",\"{NODE}\":{node},\"extra\":[{{\"a\":\"}}\"}}],\"sign\":\"{sign}\"}}"
        ),
    ];
    for body in &bodies {
        let got = verify_response(body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2)
            .unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!(got.node_name, NODE);
        assert_eq!(got.raw, node);
        assert_eq!(got.sign.as_deref(), Some(sign.as_str()));
    }
    let with_sn = extract_signed_node(&bodies[2], METHOD).unwrap();
    assert_eq!(with_sn.alipay_cert_sn.as_deref(), Some("abc"));
}

/// A refusal as the gateway writes it: the support page's URL with its slashes escaped.
const ESCAPED_NODE: &str = r#"{"code":"40004","msg":"Business Failed","sub_code":"KP.AE_ALIPASS_APPID_NOSUPPORT","sub_msg":"请至支持中心(https:\/\/support.open.alipay.com\/alipay\/support\/index.htm)提问"}"#;

#[test]
fn an_answer_with_escaped_slashes_verifies_over_the_unescaped_text() {
    let f = fixture();
    let signed_text = ESCAPED_NODE.replace("\\/", "/");
    let sign = openssl_sign(&f.key, signed_text.as_bytes());
    let body = format!("{{\"{NODE}\":{ESCAPED_NODE},\"sign\":\"{sign}\"}}");
    let got = verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).unwrap();
    assert_eq!(got.raw, ESCAPED_NODE);
}

#[test]
fn the_unescaped_retry_does_not_accept_another_text() {
    let f = fixture();
    let other = ESCAPED_NODE.replace("\\/", "/").replace("40004", "10000");
    let sign = openssl_sign(&f.key, other.as_bytes());
    let body = format!("{{\"{NODE}\":{ESCAPED_NODE},\"sign\":\"{sign}\"}}");
    assert_eq!(
        verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::BadSignature(SignatureError::Mismatch))
    );
}

#[test]
fn the_simulator_can_write_escaped_slashes_over_a_plain_signature() {
    let f = fixture();
    let plain = ESCAPED_NODE.replace("\\/", "/");
    let written = Written {
        alipay_cert_sn: None,
        escaped_slashes: true,
    };
    let body = sign_response_node_as(
        NODE,
        &plain,
        &f.private,
        SignType::Rsa2,
        Charset::Utf8,
        written,
    )
    .unwrap();
    // Signed as openssl signs the plain text, written as the gateway writes it.
    let sign = openssl_sign(&f.key, plain.as_bytes());
    assert_eq!(
        body,
        format!("{{\"{NODE}\":{ESCAPED_NODE},\"sign\":\"{sign}\"}}")
    );
}

#[test]
fn an_encrypted_node_is_signed_as_the_quoted_ciphertext() {
    let f = fixture();
    let ciphertext = "n3Yt+Zq/0vX1lA==";
    // As it appears in the body: a JSON string (here with an escaped slash).
    let raw = "\"n3Yt+Zq\\/0vX1lA==\"";
    let sign = openssl_sign(&f.key, raw.as_bytes());
    let body = format!("{{\"{NODE}\":{raw},\"sign\":\"{sign}\"}}");
    let got = verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).unwrap();
    assert_eq!(got.raw, raw);
    assert_eq!(got.encrypted_content().as_deref(), Some(ciphertext));
    // A signature over the bare ciphertext (no quotes) is not Alipay's: refused.
    let bare = openssl_sign(&f.key, ciphertext.as_bytes());
    let body = format!("{{\"{NODE}\":{raw},\"sign\":\"{bare}\"}}");
    assert!(matches!(
        verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::BadSignature(_))
    ));
    // What the simulator signs reads back the same way.
    let body = sign_response_node(NODE, raw, &f.private, SignType::Rsa2, Charset::Utf8).unwrap();
    let got = verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).unwrap();
    assert_eq!(got.encrypted_content().as_deref(), Some(ciphertext));
}

#[test]
fn error_response_is_the_fallback() {
    let f = fixture();
    let node = r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}"#;
    let body = sign_response_node(
        "error_response",
        node,
        &f.private,
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();
    let got = verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).unwrap();
    assert_eq!(got.node_name, "error_response");
    assert_eq!(got.raw, node);
}

#[test]
fn gbk_answers_verify_over_gbk_bytes() {
    let f = fixture();
    let node = r#"{"code":"10000","msg":"Success","title":"咖啡会员卡"}"#;
    let gbk = Charset::Gbk.encode(node).unwrap();
    let sign = openssl_sign(&f.key, &gbk);
    let body = format!("{{\"{NODE}\":{node},\"sign\":\"{sign}\"}}");
    verify_response(&body, METHOD, Charset::Gbk, &f.public, SignType::Rsa2).unwrap();
    assert!(matches!(
        verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::BadSignature(SignatureError::Mismatch))
    ));
    // Our signer produces the same body openssl's signature gives.
    let ours = sign_response_node(NODE, node, &f.private, SignType::Rsa2, Charset::Gbk).unwrap();
    assert_eq!(ours, body);
}

#[test]
fn every_single_byte_tamper_of_the_node_is_rejected() {
    let f = fixture();
    let node = "{\"code\":\"10000\",\"msg\":\"Success\",\n  \"pass_id\": \"{\\\"a\\\":1}\", \"n\": 12.5,\"ok\":true,\"t\":\"会员\"}";
    for charset in [Charset::Utf8, Charset::Gbk] {
        let body = sign_response_node(NODE, node, &f.private, SignType::Rsa2, charset).unwrap();
        verify_response(&body, METHOD, charset, &f.public, SignType::Rsa2).unwrap();
        let start = body.find(node).unwrap();
        let mut checked = 0;
        for pos in start..start + node.len() {
            for flip in [0x01u8, 0x20, 0x80] {
                let mut bytes = body.clone().into_bytes();
                bytes[pos] ^= flip;
                // Undecodable bytes are refused before verification: a rejection too.
                let Ok(tampered) = String::from_utf8(bytes) else {
                    continue;
                };
                let result = verify_response(&tampered, METHOD, charset, &f.public, SignType::Rsa2);
                assert!(
                    result.is_err(),
                    "accepted a tamper at byte {pos}: {tampered}"
                );
                checked += 1;
            }
        }
        assert!(checked > node.len());
    }
}

#[test]
fn missing_and_wrong_signatures() {
    let f = fixture();
    let node = r#"{"code":"10000","msg":"Success"}"#;
    let unsigned = format!("{{\"{NODE}\":{node}}}");
    assert_eq!(
        verify_response(&unsigned, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::MissingSignature)
    );
    let empty = format!("{{\"{NODE}\":{node},\"sign\":\"\"}}");
    assert_eq!(
        verify_response(&empty, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::MissingSignature)
    );
    let other = fixture();
    let body =
        sign_response_node(NODE, node, &other.private, SignType::Rsa2, Charset::Utf8).unwrap();
    assert_eq!(
        verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2),
        Err(ResponseError::BadSignature(SignatureError::Mismatch))
    );
    // Signed with RSA (SHA1), checked as RSA2.
    let body = sign_response_node(NODE, node, &f.private, SignType::Rsa, Charset::Utf8).unwrap();
    verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa).unwrap();
    assert!(verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).is_err());
}

#[test]
fn refuses_ambiguous_or_foreign_shapes() {
    let n = r#"{"code":"10000"}"#;
    type Check = fn(&ResponseError) -> bool;
    let cases: Vec<(String, Check)> = vec![
        ("[1,2]".into(), |e| matches!(e, ResponseError::NotAnObject)),
        ("\"x\"".into(), |e| matches!(e, ResponseError::NotAnObject)),
        ("{\"a\":".into(), |e| matches!(e, ResponseError::NotJson(_))),
        ("<html>502</html>".into(), |e| {
            matches!(e, ResponseError::NotJson(_))
        }),
        (
            format!("{{\"{NODE}\":{n},\"error_response\":{n},\"sign\":\"x\"}}"),
            |e| matches!(e, ResponseError::SecondNode { .. }),
        ),
        (
            format!("{{\"{NODE}\":{n},\"sign\":\"x\",\"{NODE}\":{n}}}"),
            |e| matches!(e, ResponseError::DuplicateKey(_)),
        ),
        (
            format!("{{\"{NODE}\":{n},\"sign\":\"x\",\"sign\":\"y\"}}"),
            |e| matches!(e, ResponseError::DuplicateKey(_)),
        ),
        (
            format!("{{\"alipay_trade_pay_response\":{n},\"sign\":\"x\"}}"),
            |e| matches!(e, ResponseError::NodeMissing { found: Some(_), .. }),
        ),
        ("{\"sign\":\"x\"}".into(), |e| {
            matches!(e, ResponseError::NodeMissing { found: None, .. })
        }),
        (format!("{{\"{NODE}\":[\"{{}}\"],\"sign\":\"x\"}}"), |e| {
            matches!(e, ResponseError::NodeNotObject(_))
        }),
        (
            format!("{{\"alipay_pass_instance_add_respons\\u0065\":{n},\"sign\":\"x\"}}"),
            |e| matches!(e, ResponseError::EscapedKey(_)),
        ),
    ];
    for (body, check) in cases {
        let err = extract_signed_node(&body, METHOD).unwrap_err();
        assert!(check(&err), "{body}: {err:?}");
    }
}

#[test]
fn simulator_refuses_bad_nodes() {
    let f = fixture();
    for (name, node) in [
        ("a\"b", "{}"),
        ("", "{}"),
        ("x_response", "[1]"),
        ("x_response", "{"),
    ] {
        assert!(matches!(
            sign_response_node(name, node, &f.private, SignType::Rsa2, Charset::Utf8),
            Err(SignError::InvalidNode(_))
        ));
    }
    assert!(matches!(
        sign_response_node(
            "x_response",
            "{\"t\":\"😀\"}",
            &f.private,
            SignType::Rsa2,
            Charset::Gbk
        ),
        Err(SignError::Charset(_))
    ));
    let body = sign_response_node_with_cert_sn(
        NODE,
        " {\"code\":\"10000\"}\n",
        &f.private,
        SignType::Rsa2,
        Charset::Utf8,
        Some("0123abcd"),
    )
    .unwrap();
    let got = verify_response(&body, METHOD, Charset::Utf8, &f.public, SignType::Rsa2).unwrap();
    assert_eq!(got.alipay_cert_sn.as_deref(), Some("0123abcd"));
    assert!(body.ends_with("\"alipay_cert_sn\":\"0123abcd\"}"));
}
