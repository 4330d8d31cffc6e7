//! Response signature checking. Alipay signs the `<method>_response` node (or
//! `error_response`) as the exact text it sent, so the node is cut out of the body by brace
//! matching, never re-serialized: any reformatting would change the signed bytes.

use serde::de::IgnoredAny;

use crate::charset::{Charset, CharsetError};
use crate::sign::{AppPrivateKey, PublicKey, SignError, SignType, SignatureError};

/// The signed node of an answer, borrowed from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNode<'a> {
    /// `alipay_pass_instance_add_response` or `error_response`.
    pub node_name: &'a str,
    /// From the node's `{` to its matching `}` (or, encrypted, the JSON string of
    /// ciphertext, quotes included), exactly as received.
    pub raw: &'a str,
    pub sign: Option<String>,
    /// Certificate mode: the SN of the certificate that signed this answer.
    pub alipay_cert_sn: Option<String>,
}

impl SignedNode<'_> {
    /// The node is a string of AES ciphertext (see [`crate::content`]), not an object.
    pub fn encrypted_content(&self) -> Option<String> {
        if self.raw.starts_with('"') {
            serde_json::from_str(self.raw).ok()
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer's top level is not a JSON object")]
    NotAnObject,
    #[error("the answer has neither {expected} nor error_response{}", found_suffix(.found))]
    NodeMissing {
        expected: String,
        found: Option<String>,
    },
    #[error("the answer has a second response node {second} beside {first}")]
    SecondNode { first: String, second: String },
    #[error("the answer's {0} is neither a JSON object nor encrypted content")]
    NodeNotObject(String),
    #[error("the answer repeats the key {0}")]
    DuplicateKey(String),
    #[error("the answer escapes the key {0}, which Alipay never does")]
    EscapedKey(String),
    #[error("the answer carries no sign")]
    MissingSignature,
    #[error("the answer's signature does not verify: {0}")]
    BadSignature(SignatureError),
    #[error("the answer node cannot be re-encoded for verification: {0}")]
    Charset(CharsetError),
}

fn found_suffix(found: &Option<String>) -> String {
    match found {
        Some(name) => format!(" (it has {name}: is the method right?)"),
        None => String::new(),
    }
}

/// Finds the signed node for `method` (falling back to `error_response`), its `sign` and
/// `alipay_cert_sn`, wherever they stand among the top-level keys.
pub fn extract_signed_node<'a>(
    body: &'a str,
    method: &str,
) -> Result<SignedNode<'a>, ResponseError> {
    // Full validation first, so the scanner below only ever walks well-formed JSON.
    serde_json::from_str::<IgnoredAny>(body).map_err(|e| ResponseError::NotJson(e.to_string()))?;
    let members = top_level_members(body)?;

    let expected = format!("{}_response", method.replace('.', "_"));
    let mut node: Option<&Member<'a>> = None;
    let mut sign: Option<&Member<'a>> = None;
    let mut cert_sn: Option<&Member<'a>> = None;
    for member in &members {
        let decoded;
        let name = if member.escaped {
            // Alipay never escapes key names; decode only to refuse disguised special keys.
            decoded = serde_json::from_str::<String>(&format!("\"{}\"", member.name))
                .map_err(|e| ResponseError::NotJson(e.to_string()))?;
            decoded.as_str()
        } else {
            member.name
        };
        let slot = if name.ends_with("_response") {
            if let Some(first) = node {
                return Err(if first.name == name {
                    ResponseError::DuplicateKey(name.to_owned())
                } else {
                    ResponseError::SecondNode {
                        first: first.name.to_owned(),
                        second: name.to_owned(),
                    }
                });
            }
            &mut node
        } else if name == "sign" {
            &mut sign
        } else if name == "alipay_cert_sn" {
            &mut cert_sn
        } else {
            continue;
        };
        if member.escaped {
            return Err(ResponseError::EscapedKey(name.to_owned()));
        }
        if slot.is_some() {
            return Err(ResponseError::DuplicateKey(name.to_owned()));
        }
        *slot = Some(member);
    }

    let node = match node {
        Some(n) if n.name == expected || n.name == "error_response" => n,
        other => {
            return Err(ResponseError::NodeMissing {
                expected,
                found: other.map(|n| n.name.to_owned()),
            })
        }
    };
    if !node.value.starts_with('{') && !node.value.starts_with('"') {
        return Err(ResponseError::NodeNotObject(node.name.to_owned()));
    }
    Ok(SignedNode {
        node_name: node.name,
        raw: node.value,
        sign: sign.and_then(|m| string_value(m.value)),
        alipay_cert_sn: cert_sn.and_then(|m| string_value(m.value)),
    })
}

/// Extracts the node and checks its signature over the node text in the request charset.
pub fn verify_response<'a>(
    body: &'a str,
    method: &str,
    charset: Charset,
    key: &PublicKey,
    sign_type: SignType,
) -> Result<SignedNode<'a>, ResponseError> {
    let node = extract_signed_node(body, method)?;
    verify_node(&node, charset, key, sign_type)?;
    Ok(node)
}

/// Checks an extracted node's signature over its text in the request charset.
pub fn verify_node(
    node: &SignedNode<'_>,
    charset: Charset,
    key: &PublicKey,
    sign_type: SignType,
) -> Result<(), ResponseError> {
    let sign = match node.sign.as_deref() {
        Some(sign) if !sign.is_empty() => sign,
        _ => return Err(ResponseError::MissingSignature),
    };
    let bytes = charset.encode(node.raw).map_err(ResponseError::Charset)?;
    key.verify(sign_type, &bytes, sign)
        .map_err(ResponseError::BadSignature)
}

/// A signed answer body `{"<node_name>":<node_json>,"sign":"..."}`: node first and sign
/// last, the order every SDK (including Python's) can read. For the gateway simulator.
pub fn sign_response_node(
    node_name: &str,
    node_json: &str,
    key: &AppPrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<String, SignError> {
    sign_response_node_with_cert_sn(node_name, node_json, key, sign_type, charset, None)
}

/// [`sign_response_node`] with certificate mode's `alipay_cert_sn` after the sign.
pub fn sign_response_node_with_cert_sn(
    node_name: &str,
    node_json: &str,
    key: &AppPrivateKey,
    sign_type: SignType,
    charset: Charset,
    alipay_cert_sn: Option<&str>,
) -> Result<String, SignError> {
    let plain_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    if !plain_name(node_name) {
        return Err(SignError::InvalidNode(
            "the node name must be letters, digits and _".to_owned(),
        ));
    }
    // What a reader extracts runs from `{` to `}`, so surrounding whitespace is not signed.
    let node = node_json.trim();
    let is_object = node.starts_with('{')
        && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(node).is_ok();
    let is_encrypted = node.starts_with('"') && serde_json::from_str::<String>(node).is_ok();
    if !is_object && !is_encrypted {
        return Err(SignError::InvalidNode(
            "the node is neither a JSON object nor a string of ciphertext".to_owned(),
        ));
    }
    let signature = key.sign(sign_type, &charset.encode(node)?)?;
    let mut body = format!("{{\"{node_name}\":{node},\"sign\":\"{signature}\"");
    if let Some(sn) = alipay_cert_sn {
        if !plain_name(sn) {
            return Err(SignError::InvalidNode(
                "alipay_cert_sn must be letters, digits and _".to_owned(),
            ));
        }
        body.push_str(&format!(",\"alipay_cert_sn\":\"{sn}\""));
    }
    body.push('}');
    Ok(body)
}

fn string_value(raw: &str) -> Option<String> {
    serde_json::from_str::<Option<String>>(raw).ok().flatten()
}

struct Member<'a> {
    /// The key as written between its quotes.
    name: &'a str,
    /// Whether the key holds a backslash escape (then `name` is not its decoded value).
    escaped: bool,
    /// The value's exact text.
    value: &'a str,
}

/// The top-level members of a JSON object, each value as its exact slice of `body`.
fn top_level_members(body: &str) -> Result<Vec<Member<'_>>, ResponseError> {
    let bytes = body.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return Err(ResponseError::NotAnObject);
    }
    pos += 1;
    let mut members = Vec::new();
    loop {
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b'}') => break,
            Some(b',') => {
                pos += 1;
                continue;
            }
            Some(b'"') => {}
            _ => return Err(not_json()),
        }
        let key_end = string_end(bytes, pos)?;
        let name = body.get(pos + 1..key_end - 1).ok_or_else(not_json)?;
        pos = skip_ws(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return Err(not_json());
        }
        let value_start = skip_ws(bytes, pos + 1);
        let value_end = value_end(bytes, value_start)?;
        members.push(Member {
            name,
            escaped: name.contains('\\'),
            value: body.get(value_start..value_end).ok_or_else(not_json)?,
        });
        pos = value_end;
    }
    Ok(members)
}

fn not_json() -> ResponseError {
    ResponseError::NotJson("unbalanced structure".to_owned())
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// `start` is an opening quote; returns the index just past the closing quote.
fn string_end(bytes: &[u8], start: usize) -> Result<usize, ResponseError> {
    let mut pos = start + 1;
    loop {
        match bytes.get(pos) {
            Some(b'"') => return Ok(pos + 1),
            // Whatever follows a backslash (`\"`, `\\`, `\u…`) cannot close the string.
            Some(b'\\') => pos += 2,
            Some(_) => pos += 1,
            None => return Err(not_json()),
        }
    }
}

/// Returns the index just past the value starting at `start`; braces and brackets inside
/// strings do not count.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, ResponseError> {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut pos = start;
            loop {
                match bytes.get(pos) {
                    Some(b'"') => {
                        pos = string_end(bytes, pos)?;
                        continue;
                    }
                    Some(b'{' | b'[') => depth += 1,
                    Some(b'}' | b']') => {
                        depth = depth.checked_sub(1).ok_or_else(not_json)?;
                        if depth == 0 {
                            return Ok(pos + 1);
                        }
                    }
                    Some(_) => {}
                    None => return Err(not_json()),
                }
                pos += 1;
            }
        }
        Some(_) => {
            let mut pos = start;
            while let Some(b) = bytes.get(pos) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                pos += 1;
            }
            Ok(pos)
        }
        None => Err(not_json()),
    }
}

/// The `result` member of an answer node: a JSON object, usually encoded in a string.
pub fn result_object(
    node: &serde_json::Map<String, serde_json::Value>,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let value = match node.get("result")? {
        serde_json::Value::String(s) => serde_json::from_str::<serde_json::Value>(s).ok()?,
        other => other.clone(),
    };
    match value {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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
        let body =
            sign_response_node(NODE, raw, &f.private, SignType::Rsa2, Charset::Utf8).unwrap();
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
        let ours =
            sign_response_node(NODE, node, &f.private, SignType::Rsa2, Charset::Gbk).unwrap();
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
                    let result =
                        verify_response(&tampered, METHOD, charset, &f.public, SignType::Rsa2);
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
        let body =
            sign_response_node(NODE, node, &f.private, SignType::Rsa, Charset::Utf8).unwrap();
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
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const METHOD: &str = "alipay.pass.instance.add";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Arbitrary text, including near-JSON with braces, quotes and escapes.
        #[test]
        fn extraction_never_panics_on_arbitrary_text(body in "[{}\\[\\]\":,\\\\a-z_0-9 \u{4e00}-\u{4e10}]{0,200}") {
            let _ = extract_signed_node(&body, METHOD);
        }

        /// Well-formed envelopes around arbitrary node text and sign values.
        #[test]
        fn extraction_never_panics_on_envelopes(node in ".{0,80}", sign in ".{0,40}", sign_first in any::<bool>()) {
            let body = if sign_first {
                format!(r#"{{"sign":"{sign}","alipay_pass_instance_add_response":{node}}}"#)
            } else {
                format!(r#"{{"alipay_pass_instance_add_response":{node},"sign":"{sign}"}}"#)
            };
            if let Ok(found) = extract_signed_node(&body, METHOD) {
                // Whatever was found is a slice of the body, never a re-serialisation.
                prop_assert!(body.contains(found.raw));
            }
        }

        #[test]
        fn extraction_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = extract_signed_node(&text, METHOD);
        }
    }
}
