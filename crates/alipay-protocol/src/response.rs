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
///
/// As the official Java client does (`checkResponseSign`): the signature is checked over
/// the node's text as received; when that fails and the text holds `\/`, once more over
/// the text with every `\/` replaced by `/`. Alipay signs the node with plain slashes and
/// may write them escaped, as JSON allows, in answers that carry URLs or base64.
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
    let verify = |text: &str| {
        let bytes = charset.encode(text).map_err(ResponseError::Charset)?;
        key.verify(sign_type, &bytes, sign)
            .map_err(ResponseError::BadSignature)
    };
    match verify(node.raw) {
        Err(ResponseError::BadSignature(_)) if node.raw.contains(ESCAPED_SLASH) => {
            verify(&node.raw.replace(ESCAPED_SLASH, "/"))
        }
        other => other,
    }
}

/// JSON's optional escape of `/`.
const ESCAPED_SLASH: &str = "\\/";

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
    let written = Written {
        alipay_cert_sn,
        escaped_slashes: false,
    };
    sign_response_node_as(node_name, node_json, key, sign_type, charset, written)
}

/// How a signed answer is written, beyond its node.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written<'a> {
    /// Certificate mode: the SN after the sign.
    pub alipay_cert_sn: Option<&'a str>,
    /// Every `/` of the node written `\/` (JSON allows either), the signature still over
    /// the plain text: how real answers that carry URLs come, and why clients check the
    /// signature a second time with `\/` replaced (see [`verify_node`]).
    pub escaped_slashes: bool,
}

/// [`sign_response_node`] written as `written` says.
pub fn sign_response_node_as(
    node_name: &str,
    node_json: &str,
    key: &AppPrivateKey,
    sign_type: SignType,
    charset: Charset,
    written: Written<'_>,
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
    // Outside its strings JSON has no `/`: escaping every one keeps the node's value.
    let node = match written.escaped_slashes {
        true => node.replace('/', ESCAPED_SLASH),
        false => node.to_owned(),
    };
    let mut body = format!("{{\"{node_name}\":{node},\"sign\":\"{signature}\"");
    if let Some(sn) = written.alipay_cert_sn {
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
mod tests;

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
