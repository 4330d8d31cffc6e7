//! The gateway's wire: reading the public parameters from the query string and the form body
//! (in the request charset), checking them as the real gateway does, and writing signed
//! answers in the gateway's format.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::HttpResponse;
use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use alipay_protocol::charset::{gbk_encodable, Charset};
use alipay_protocol::content::{ContentKey, ENCRYPT_TYPE_AES};
use alipay_protocol::methods::Method;
use alipay_protocol::response::{sign_response_node_as, Written};
use alipay_protocol::sign::{sign_content, AppPrivateKey, PublicKey, SignType};

use crate::SimApp;

/// Alipay's clock (and so every request timestamp) is Beijing time.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;
/// How much of the gateway's own sign string an invalid-signature answer quotes.
const QUOTED_SIGN_CONTENT_CHARS: usize = 4096;

/// A request's parameters, decoded, first occurrence of each name winning (query first).
#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
    /// The charset named by the request, if it names one we speak.
    pub charset: Option<Charset>,
    /// The raw `charset` value when present (possibly unsupported).
    charset_name: Option<String>,
    /// A parameter whose bytes are not valid in the request charset.
    malformed: Option<String>,
    /// Why the body could not be read (too large, cut off); its parameters are then ignored.
    pub body_error: Option<String>,
}

impl Params {
    /// Reads `query` then `body` (both `application/x-www-form-urlencoded`). The charset comes
    /// from the query first, else the body; every name and value is decoded with it.
    pub fn parse(query: &[u8], body: &[u8], body_error: Option<String>) -> Self {
        let mut raw = split_form(query);
        if body_error.is_none() {
            raw.extend(split_form(body));
        }
        let charset_name = raw
            .iter()
            .find(|(k, _)| k.as_slice() == b"charset")
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
        let charset = charset_name
            .as_deref()
            .and_then(|name| name.parse::<Charset>().ok());
        let mut params = Params {
            charset,
            charset_name,
            body_error,
            ..Params::default()
        };
        for (key, value) in raw {
            let key = params.decode(&key, None);
            let value = params.decode(&value, Some(&key));
            if !key.is_empty() && params.get_raw(&key).is_none() {
                params.pairs.push((key, value));
            }
        }
        params
    }

    fn decode(&mut self, bytes: &[u8], key: Option<&str>) -> String {
        // Without a usable charset the text is only needed to name the method in the error
        // answer: decode leniently.
        let charset = self.charset.unwrap_or(Charset::Utf8);
        match charset.decode(bytes) {
            Ok(text) => text.into_owned(),
            Err(_) => {
                if self.charset.is_some() && self.malformed.is_none() {
                    self.malformed = Some(key.unwrap_or("parameter name").to_owned());
                }
                String::from_utf8_lossy(bytes).into_owned()
            }
        }
    }

    fn get_raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter's value; empty counts as absent, as in the SDKs' sign string.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_raw(key).filter(|v| !v.is_empty())
    }

    /// One of the five methods this gateway serves, or the certificate download.
    pub fn known_method(&self) -> Option<Method> {
        Method::parse(self.get("method")?)
    }

    pub fn sign_type(&self) -> Option<SignType> {
        self.get("sign_type")?.parse().ok()
    }
}

/// Splits form-encoded bytes into percent-decoded (name, value) byte pairs. `+` is a space;
/// a `%` not followed by two hex digits is kept as is, like lenient servlet containers.
fn split_form(input: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    input
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.iter().position(|b| *b == b'=') {
            Some(eq) => (percent_decode(&part[..eq]), percent_decode(&part[eq + 1..])),
            None => (percent_decode(part), Vec::new()),
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = input
                    .get(i + 1)
                    .copied()
                    .and_then(hex)
                    .zip(input.get(i + 2).copied().and_then(hex));
                if let Some((hi, lo)) = pair {
                    // Two hex digits: at most 0xFF.
                    out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// A gateway-level refusal (40001 / 40002 / 20000), before any business logic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayError {
    pub code: &'static str,
    pub msg: &'static str,
    pub sub_code: &'static str,
    pub sub_msg: String,
}

impl GatewayError {
    fn missing(sub_code: &'static str, sub_msg: &str) -> Self {
        Self {
            code: "40001",
            msg: "Missing Required Arguments",
            sub_code,
            sub_msg: sub_msg.to_owned(),
        }
    }

    pub fn invalid(sub_code: &'static str, sub_msg: impl Into<String>) -> Self {
        Self {
            code: "40002",
            msg: "Invalid Arguments",
            sub_code,
            sub_msg: sub_msg.into(),
        }
    }

    /// The documented gateway fault (every seed's 异常示例): retry later.
    pub fn unavailable() -> Self {
        Self {
            code: "20000",
            msg: "Service Currently Unavailable",
            sub_code: "isp.unknow-error",
            sub_msg: "系统繁忙".to_owned(),
        }
    }

    /// What a rotated or misconfigured key looks like: the signature does not verify.
    pub fn rotated_key() -> Self {
        Self::invalid(
            "isv.invalid-signature",
            "验签出错,建议检查签名字符串或签名私钥与应用公钥是否匹配",
        )
    }

    pub fn into_node(self) -> Map<String, Value> {
        let mut node = Map::new();
        node.insert("code".into(), self.code.into());
        node.insert("msg".into(), self.msg.into());
        node.insert("sub_code".into(), self.sub_code.into());
        node.insert("sub_msg".into(), self.sub_msg.into());
        node
    }
}

/// A request that passed every gateway check.
#[derive(Debug)]
pub(crate) struct Call {
    pub app_id: String,
    pub method: Method,
    /// `biz_content` (decrypted when the call came encrypted), empty when the caller sent
    /// none.
    pub biz_content: String,
    /// The key the call was encrypted with: its answers go encrypted with it.
    pub content_key: Option<ContentKey>,
    /// The merchant authorisation the call acts with (ISV calls), if any.
    pub app_auth_token: Option<String>,
}

/// What the gateway needs to know about the apps and its clock.
pub(crate) struct GatewayRules<'a> {
    /// Each app's public keys (several while a key is being rotated) and content key.
    pub apps: &'a HashMap<String, SimApp>,
    /// Merchants' authorisations: when not empty, every call must act for one of them
    /// (`app_auth_token`), as an ISV app's calls do.
    pub app_auth_tokens: &'a [String],
    pub timestamp_tolerance_secs: i64,
    /// Certificate mode: the SN every call must name as `alipay_root_cert_sn`.
    pub root_cert_sn: Option<&'a str>,
}

/// Certificate mode: a call names the app's certificate (`app_cert_sn`) and the root it
/// trusts (`alipay_root_cert_sn`), each as the gateway knows them.
fn certificate_sns(
    params: &Params,
    app: &SimApp,
    root_cert_sn: Option<&str>,
) -> Result<(), GatewayError> {
    if let Some(expected) = &app.app_cert_sn {
        if params.get("app_cert_sn") != Some(expected.as_str()) {
            return Err(GatewayError::invalid(
                "isv.app-cert-not-exist",
                "应用公钥证书不存在: 请检查app_cert_sn",
            ));
        }
    }
    if let Some(expected) = root_cert_sn {
        if params.get("alipay_root_cert_sn") != Some(expected) {
            return Err(GatewayError::invalid(
                "isv.invalid-alipay-root-cert-sn",
                "无效的支付宝根证书SN: 请检查alipay_root_cert_sn",
            ));
        }
    }
    Ok(())
}

/// The public-parameter checks, in the gateway's order: size, presence, charset, method,
/// format, app, sign type, version, timestamp, and the signature last.
pub(crate) fn check(params: &Params, rules: &GatewayRules<'_>) -> Result<Call, GatewayError> {
    let charset = readable(params)?;
    let Some(method) = params.known_method() else {
        return Err(GatewayError::invalid(
            "isv.invalid-method",
            "不存在的方法名",
        ));
    };
    if let Some(format) = params.get("format") {
        if !format.eq_ignore_ascii_case("json") {
            return Err(GatewayError::invalid(
                "isv.invalid-format",
                "无效的数据格式,仅支持JSON",
            ));
        }
    }
    let app_id = params.get("app_id").unwrap_or_default();
    let Some(app) = rules.apps.get(app_id) else {
        return Err(GatewayError::invalid(
            "isv.invalid-app-id",
            "无效的AppID参数",
        ));
    };
    let Some(sign_type) = params.sign_type() else {
        return Err(GatewayError::invalid(
            "isv.invalid-signature-type",
            "无效的签名类型,支持RSA2和RSA",
        ));
    };
    if params.get("version") != Some("1.0") {
        return Err(GatewayError::invalid(
            "isv.invalid-parameter",
            "参数无效: version固定为1.0",
        ));
    }
    let timestamp = params.get("timestamp").unwrap_or_default();
    if !timestamp_ok(
        timestamp,
        Utc::now().timestamp(),
        rules.timestamp_tolerance_secs,
    ) {
        return Err(GatewayError::invalid(
            "isv.invalid-timestamp",
            "非法的时间戳参数: 格式为yyyy-MM-dd HH:mm:ss(北京时间),且与当前时间相差不能过大",
        ));
    }
    verify_signature(params, charset, &app.public_keys, sign_type)?;
    certificate_sns(params, app, rules.root_cert_sn)?;
    // The certificate download is the app's own call, as the official clients send it: no
    // merchant token, and plain even when the app's content is encrypted.
    let own_call = method == Method::AlipaycertDownload;
    if !rules.app_auth_tokens.is_empty() && !own_call {
        let token = params.get("app_auth_token").unwrap_or_default();
        if !rules.app_auth_tokens.iter().any(|t| t == token) {
            return Err(GatewayError {
                code: "20001",
                msg: "Insufficient Token Permissions",
                sub_code: "aop.invalid-app-auth-token",
                sub_msg: "无效的应用授权令牌".to_owned(),
            });
        }
    }
    let biz_content = params.get("biz_content").unwrap_or_default();
    let encrypt_type = params.get("encrypt_type");
    let app_auth_token = params
        .get("app_auth_token")
        .filter(|t| !t.is_empty() && !own_call)
        .map(str::to_owned);
    if own_call && encrypt_type.is_none() {
        return Ok(Call {
            app_id: app_id.to_owned(),
            method,
            biz_content: biz_content.to_owned(),
            content_key: None,
            app_auth_token,
        });
    }
    Ok(Call {
        app_id: app_id.to_owned(),
        method,
        biz_content: decrypted(encrypt_type, app, biz_content, charset)?,
        content_key: app.content_key.clone(),
        app_auth_token,
    })
}

/// `biz_content` as the app's content-encryption setting requires it: decrypted when the
/// app has a key (which makes encryption mandatory), as sent when it has none. Checked
/// after the signature, which covers the ciphertext.
fn decrypted(
    encrypt_type: Option<&str>,
    app: &SimApp,
    biz_content: &str,
    charset: Charset,
) -> Result<String, GatewayError> {
    match (encrypt_type, &app.content_key) {
        (None, None) => Ok(biz_content.to_owned()),
        (None, Some(_)) => Err(GatewayError::missing(
            "isv.decryption-error-missing-encrypt-type",
            "解密出错, 未指定加密算法",
        )),
        (Some(kind), _) if kind != ENCRYPT_TYPE_AES => Err(GatewayError::invalid(
            "isv.decryption-error-not-valid-encrypt-type",
            "解密出错, 不支持的加密算法",
        )),
        (Some(_), None) => Err(GatewayError::invalid(
            "isv.decryption-error-not-valid-encrypt-key",
            "解密出错, 未配置加密密钥或加密密钥格式错误",
        )),
        (Some(_), Some(key)) => key.decrypt_text(biz_content, charset).map_err(|_| {
            GatewayError::invalid("isv.decryption-error-unknown", "解密出错, 未知异常")
        }),
    }
}

/// The body within bounds, every required public parameter present, and a charset the
/// gateway supports that every parameter decodes in.
fn readable(params: &Params) -> Result<Charset, GatewayError> {
    if let Some(reason) = &params.body_error {
        return Err(GatewayError::invalid(
            "isv.invalid-parameter",
            reason.clone(),
        ));
    }
    const REQUIRED: [(&str, &str, &str); 7] = [
        ("app_id", "isv.missing-app-id", "缺少appId参数"),
        ("method", "isv.missing-method", "缺少方法名参数"),
        ("sign", "isv.missing-signature", "缺少签名参数"),
        ("timestamp", "isv.missing-timestamp", "缺少时间戳参数"),
        ("version", "isv.missing-version", "缺少版本参数"),
        (
            "sign_type",
            "isv.missing-signature-type",
            "缺少签名类型参数",
        ),
        ("charset", "isv.missing-charset", "缺少编码集参数"),
    ];
    for (name, sub_code, sub_msg) in REQUIRED {
        if params.get(name).is_none() {
            return Err(GatewayError::missing(sub_code, sub_msg));
        }
    }
    let Some(charset) = params.charset else {
        let name: String = params
            .charset_name
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(16)
            .collect();
        return Err(GatewayError::invalid(
            "isv.invalid-charset",
            format!("字符集错误: 不支持{name},请使用utf-8或GBK"),
        ));
    };
    if let Some(key) = &params.malformed {
        return Err(GatewayError::invalid(
            "isv.invalid-charset",
            format!(
                "字符集错误: 参数{}不是合法的{}编码",
                clip(key, 32),
                charset.as_str()
            ),
        ));
    }
    Ok(charset)
}

/// The signature over the sign string in the request's charset, by one of the app's keys.
fn verify_signature(
    params: &Params,
    charset: Charset,
    keys: &[PublicKey],
    sign_type: SignType,
) -> Result<(), GatewayError> {
    let content = sign_content(params.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let signature = params.get("sign").unwrap_or_default();
    // Decoded from this charset, so it encodes back; an error can only mean a mismatch.
    let verified = charset.encode(&content).is_ok_and(|bytes| {
        keys.iter()
            .any(|key| key.verify(sign_type, &bytes, signature).is_ok())
    });
    if !verified {
        return Err(GatewayError::invalid(
            "isv.invalid-signature",
            format!(
                "验签出错,建议检查签名字符串或签名私钥与应用公钥是否匹配,网关生成的验签字符串为:{}",
                clip(&content, QUOTED_SIGN_CONTENT_CHARS)
            ),
        ));
    }
    Ok(())
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time, zero-padded, within `tolerance` of `now`.
pub(crate) fn timestamp_ok(text: &str, now_unix: i64, tolerance_secs: i64) -> bool {
    let shape_ok = text.len() == 19
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b' ',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return false;
    }
    let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") else {
        return false;
    };
    let Some(beijing) = FixedOffset::east_opt(BEIJING_OFFSET_SECS) else {
        return false;
    };
    match beijing.from_local_datetime(&naive).single() {
        Some(at) => (at.timestamp() - now_unix).abs() <= tolerance_secs,
        None => false,
    }
}

/// The gateway's wall clock (Beijing time), for ids that start with a date.
pub(crate) fn beijing_now() -> NaiveDateTime {
    (Utc::now() + chrono::Duration::seconds(i64::from(BEIJING_OFFSET_SECS))).naive_utc()
}

pub(crate) fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

/// `alipay.pass.instance.add` → `alipay_pass_instance_add_response`.
pub(crate) fn node_name(method: Option<&str>) -> String {
    match method {
        Some(method) => format!("{}_response", method.replace('.', "_")),
        None => "error_response".to_owned(),
    }
}

/// Writes `{"<node_name>":<node>,"sign":"…"}` signed over the node text, in `charset`, with
/// the content type Alipay's gateway uses (`text/html;charset=…`).
/// How one call is answered.
pub(crate) struct Answer<'a> {
    pub node_name: &'a str,
    /// The gateway's own key, or its current certificate's.
    pub key: &'a AppPrivateKey,
    /// Certificate mode: the SN of the certificate whose key signs.
    pub cert_sn: Option<&'a str>,
    pub sign_type: SignType,
    pub charset: Charset,
    /// Encrypted answers: the node becomes a JSON string of ciphertext, signed as it
    /// appears (quotes included).
    pub content_key: Option<&'a ContentKey>,
    /// Every `/` of the node written `\/`, the signature over the plain text.
    pub escaped_slashes: bool,
}

impl Answer<'_> {
    pub fn signed(&self, node: &Map<String, Value>) -> HttpResponse {
        let text = node_text(node, self.charset);
        let text = match self.content_key {
            None => Ok(text),
            Some(key) => key
                .encrypt_text(&text, self.charset)
                .map(|ciphertext| Value::String(ciphertext).to_string())
                .map_err(|e| e.to_string()),
        };
        let body = text.and_then(|text| {
            let written = Written {
                alipay_cert_sn: self.cert_sn,
                escaped_slashes: self.escaped_slashes,
            };
            sign_response_node_as(
                self.node_name,
                &text,
                self.key,
                self.sign_type,
                self.charset,
                written,
            )
            .map_err(|e| e.to_string())
        });
        match body {
            Ok(body) => encoded(&body, self.charset),
            Err(error) => internal_failure(&error),
        }
    }
}

/// Writes `{"<node_name>":<node>}` with no `sign` member: how the real gateway answers
/// authentication-class errors (it cannot or will not sign for an unverified caller).
pub(crate) fn answer_unsigned(
    node_name: &str,
    node: &Map<String, Value>,
    charset: Charset,
) -> HttpResponse {
    let name = serde_json::to_string(node_name).unwrap_or_else(|_| "\"error_response\"".into());
    let body = format!("{{{name}:{}}}", node_text(node, charset));
    encoded(&body, charset)
}

/// The node as compact JSON, with characters `charset` cannot carry escaped.
fn node_text(node: &Map<String, Value>, charset: Charset) -> String {
    let text = serde_json::to_string(node).unwrap_or_else(|_| "{}".to_owned());
    if charset == Charset::Gbk && !gbk_encodable(&text) {
        escape_non_gbk(&text)
    } else {
        text
    }
}

fn encoded(body: &str, charset: Charset) -> HttpResponse {
    match charset.encode(body) {
        Ok(bytes) => HttpResponse::Ok()
            .insert_header((
                CONTENT_TYPE,
                format!("text/html;charset={}", charset.as_str()),
            ))
            .body(bytes.into_owned()),
        Err(error) => internal_failure(&error.to_string()),
    }
}

/// Characters GBK cannot carry (only ever inside JSON strings: keys are ASCII) become JSON
/// `\u` escapes, so an echoed emoji never makes a GBK answer unsignable.
fn escape_non_gbk(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut units = [0u16; 2];
    for ch in json.chars() {
        if ch.is_ascii() || gbk_encodable(ch.encode_utf8(&mut [0u8; 4])) {
            out.push(ch);
        } else {
            for unit in ch.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn internal_failure(reason: &str) -> HttpResponse {
    tracing::error!(reason, "simulator cannot sign its answer");
    HttpResponse::InternalServerError()
        .insert_header((CONTENT_TYPE, "text/plain;charset=utf-8"))
        .body("simulator cannot sign its answer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_bytes_for_the_charset() {
        let pairs = split_form(b"a=%BB%E1+x&b&=v&c=%zz%4");
        assert_eq!(pairs[0], (b"a".to_vec(), vec![0xbb, 0xe1, b' ', b'x']));
        assert_eq!(pairs[1], (b"b".to_vec(), Vec::new()));
        assert_eq!(pairs[3], (b"c".to_vec(), b"%zz%4".to_vec()));
    }

    #[test]
    fn charset_comes_from_the_query_first_and_decodes_everything() {
        let params = Params::parse(b"charset=GBK&method=x", b"charset=utf-8&memo=%BB%E1", None);
        assert_eq!(params.charset, Some(Charset::Gbk));
        assert_eq!(params.get("memo"), Some("会"));
        assert_eq!(params.get("charset"), Some("GBK"));
        let bad = Params::parse(b"", b"charset=utf-8&memo=%FF", None);
        assert_eq!(bad.malformed.as_deref(), Some("memo"));
    }

    #[test]
    fn timestamps_are_strict_beijing_time() {
        // 2024-01-01 08:00:00 +08:00 is 2024-01-01T00:00:00Z.
        let now = 1_704_067_200;
        assert!(timestamp_ok("2024-01-01 08:00:00", now, 900));
        assert!(timestamp_ok("2024-01-01 08:15:00", now, 900));
        assert!(!timestamp_ok("2024-01-01 08:15:01", now, 900));
        assert!(
            !timestamp_ok("2024-01-01 00:00:00", now, 900),
            "UTC instead of Beijing"
        );
        assert!(!timestamp_ok("2024-1-01 08:00:00", now, 900));
        assert!(!timestamp_ok("2024-01-01T08:00:00", now, 900));
        assert!(!timestamp_ok("2024-02-30 08:00:00", now, i64::MAX / 2));
    }

    #[test]
    fn non_gbk_characters_are_escaped() {
        assert_eq!(
            escape_non_gbk(r#"{"a":"会😀"}"#),
            r#"{"a":"会\ud83d\ude00"}"#
        );
    }

    #[test]
    fn node_names_follow_the_method() {
        assert_eq!(
            node_name(Some("alipay.pass.instance.add")),
            "alipay_pass_instance_add_response"
        );
        assert_eq!(node_name(None), "error_response");
    }
}
