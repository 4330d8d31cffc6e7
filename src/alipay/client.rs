//! The signing gateway client: builds and signs requests exactly as the official SDKs do,
//! sends them, verifies the response signature over the raw response node, maps codes, and
//! retries only what Alipay's own idempotency makes safe.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use rand::Rng;
use serde_json::{Map, Value};

use crate::alipay::charset::Charset;
use crate::alipay::codes::{self, CodeMeaning};
use crate::alipay::keys::{AlipayKeys, CertificateSns};
use crate::alipay::methods;
use crate::alipay::response::{self, ResponseError};
use crate::alipay::sign::{sign_content, SignType};
use crate::telemetry::Metrics;

/// Alipay's gateway clock is Beijing time whatever the host's zone.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;
const SDK_VERSION: &str = concat!("alipass-rust-", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub gateway_url: String,
    pub app_id: String,
    pub sign_type: SignType,
    pub charset: Charset,
    pub app_auth_token: Option<String>,
    pub notify_url: Option<String>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub deadline: Duration,
    /// Only the simulator in tests may switch this off; the production profile refuses it.
    pub verify_response_signature: bool,
}

/// One gateway attempt, as reported to the caller's recorder. Never holds key material.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub method: &'static str,
    pub attempt: u32,
    pub outcome: AttemptOutcome,
    pub latency: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success,
    /// The gateway answered with a non-success code.
    Code {
        code: String,
        sub_code: Option<String>,
        sub_msg: Option<String>,
    },
    /// No usable answer: connection failure, timeout, or an answer we could not trust.
    NoAnswer(String),
}

impl AttemptOutcome {
    pub fn label(&self) -> &str {
        match self {
            AttemptOutcome::Success => "10000",
            AttemptOutcome::Code { code, .. } => code,
            AttemptOutcome::NoAnswer(_) => "no_answer",
        }
    }
}

/// Receives every attempt (method, attempt number, code, latency) as it completes.
pub trait AttemptRecorder: Send + Sync {
    fn record(&self, attempt: &Attempt);
}

/// Collects attempts in memory; the service writes them to the gateway-call log.
#[derive(Default)]
pub struct AttemptLog(parking_lot::Mutex<Vec<Attempt>>);

impl AttemptLog {
    pub fn take(&self) -> Vec<Attempt> {
        std::mem::take(&mut self.0.lock())
    }
}

impl AttemptRecorder for AttemptLog {
    fn record(&self, attempt: &Attempt) {
        self.0.lock().push(attempt.clone());
    }
}

/// Why a call did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// The gateway answered (signed, verified) with a failure code.
    #[error("{0}")]
    Refused(Box<Refusal>),
    /// Sent (or maybe sent) but no trustworthy answer: the effect may or may not exist.
    #[error("no usable answer from the gateway: {0}")]
    NoAnswer(String),
    /// Refused locally before sending: nothing reached the gateway.
    #[error("request not sent: {0}")]
    NotSent(String),
}

impl GatewayError {
    pub fn is_retryable(&self) -> bool {
        match self {
            GatewayError::Refused(refusal) => refusal.meaning.retryable,
            GatewayError::NoAnswer(_) => true,
            GatewayError::NotSent(_) => false,
        }
    }

    /// The outcome is unknown: the record must stay open for the reconciler.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            GatewayError::NoAnswer(_) => true,
            // A system error may have happened after the effect was applied.
            GatewayError::Refused(refusal) => refusal.meaning.retryable,
            GatewayError::NotSent(_) => false,
        }
    }

    pub fn meaning(&self) -> Option<&CodeMeaning> {
        match self {
            GatewayError::Refused(refusal) => Some(&refusal.meaning),
            _ => None,
        }
    }
}

/// A verified failure answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("gateway answered {code} {}: {}", sub_code.as_deref().unwrap_or("-"), sub_msg.as_deref().unwrap_or(msg))]
pub struct Refusal {
    pub meaning: CodeMeaning,
    pub code: String,
    pub msg: String,
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
    /// A pass method's `result` object, when the failure carried one (the vendor's pages do
    /// not promise that an "already exists" answer names the existing tpl_id / passId).
    pub result: Option<Map<String, Value>>,
    /// False for an unsigned error answer: the gateway answers some errors (auth-class ones)
    /// without a sign. Still a definite refusal, like the official SDKs read it.
    pub signed: bool,
    /// An earlier attempt of the same call had an unknown outcome.
    pub after_unknown: bool,
}

impl Refusal {
    /// The sub_code, else the code: what a failure is recorded under.
    pub fn failure_code(&self) -> String {
        self.sub_code.clone().unwrap_or_else(|| self.code.clone())
    }
}

/// The verified `<method>_response` node of a successful (code 10000) answer.
#[derive(Debug, Clone)]
pub struct GatewayReply {
    pub node: Map<String, Value>,
    /// An earlier attempt of the same call had an unknown outcome.
    pub after_unknown: bool,
}

pub struct AlipayClient {
    http: reqwest::Client,
    settings: ClientSettings,
    keys: Arc<AlipayKeys>,
    metrics: Option<Metrics>,
}

impl AlipayClient {
    pub fn new(
        settings: ClientSettings,
        keys: Arc<AlipayKeys>,
        metrics: Option<Metrics>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            // As many idle connections as calls in flight: under a slow gateway every
            // connection is busy at once, and one dropped after its call is a new TCP
            // handshake for the next.
            .pool_max_idle_per_host(1024)
            .user_agent(SDK_VERSION)
            .build()?;
        Ok(Self {
            http,
            settings,
            keys,
            metrics,
        })
    }

    pub fn app_id(&self) -> &str {
        &self.settings.app_id
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Calls `method` with `biz_content` (compact JSON). Methods with an Alipay-side
    /// idempotency key (template.add, instance.add, voucher.send) are resent after a
    /// retryable failure, with jittered exponential backoff inside the deadline, with the
    /// same biz_content and so the same key. The others (template.update, instance.update)
    /// are sent once: a blind resend could apply a change twice or hide that the first one
    /// took effect, so their unknown outcomes go back to the caller to settle.
    pub async fn execute(
        &self,
        method: &'static str,
        biz_content: &str,
        recorder: &dyn AttemptRecorder,
    ) -> Result<GatewayReply, GatewayError> {
        let deadline = Instant::now() + self.settings.deadline;
        let resend_safe = methods::has_alipay_idempotency_key(method);
        let mut unknown_before = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let remaining = deadline.saturating_duration_since(started);
            let result =
                match tokio::time::timeout(remaining, self.send_once(method, biz_content)).await {
                    Ok(result) => result,
                    Err(_) => Err(GatewayError::NoAnswer("deadline exceeded".into())),
                };
            let latency = started.elapsed();
            let outcome = match &result {
                Ok(_) => AttemptOutcome::Success,
                Err(GatewayError::Refused(refusal)) => AttemptOutcome::Code {
                    code: refusal.code.clone(),
                    sub_code: refusal.sub_code.clone(),
                    sub_msg: refusal.sub_msg.clone(),
                },
                Err(other) => AttemptOutcome::NoAnswer(other.to_string()),
            };
            if let Some(metrics) = &self.metrics {
                metrics
                    .gateway_calls
                    .with_label_values(&[method, outcome.label()])
                    .inc();
                metrics
                    .gateway_duration
                    .with_label_values(&[method])
                    .observe(latency.as_secs_f64());
            }
            if !matches!(result, Err(GatewayError::NotSent(_))) {
                recorder.record(&Attempt {
                    method,
                    attempt,
                    outcome,
                    latency,
                });
            }
            let result = match result {
                // An earlier attempt of this call may have taken effect: say so, so an
                // "already exists" answer is read as that attempt's success.
                Err(GatewayError::Refused(mut refusal)) if unknown_before => {
                    refusal.after_unknown = true;
                    Err(GatewayError::Refused(refusal))
                }
                Ok(mut reply) => {
                    reply.after_unknown = unknown_before;
                    Ok(reply)
                }
                other => other,
            };
            match result {
                Err(error)
                    if resend_safe
                        && error.is_retryable()
                        && attempt < self.settings.max_attempts =>
                {
                    unknown_before |= error.is_ambiguous();
                    let pause = backoff(attempt);
                    if Instant::now() + pause >= deadline {
                        return Err(error);
                    }
                    tracing::warn!(method, attempt, %error, "retrying gateway call");
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// The public parameters plus biz_content: what is signed and sent.
    fn request_params(&self, method: &str, biz_content: &str) -> Vec<(&'static str, String)> {
        let beijing = FixedOffset::east_opt(BEIJING_OFFSET_SECS).expect("valid fixed offset");
        let timestamp = Utc::now()
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let mut params = vec![
            ("app_id", self.settings.app_id.clone()),
            ("method", method.to_owned()),
            ("format", "JSON".to_owned()),
            ("charset", self.settings.charset.as_str().to_owned()),
            ("sign_type", self.settings.sign_type.as_str().to_owned()),
            ("timestamp", timestamp),
            ("version", "1.0".to_owned()),
            ("biz_content", biz_content.to_owned()),
        ];
        if let Some(token) = &self.settings.app_auth_token {
            params.push(("app_auth_token", token.clone()));
        }
        if let Some(url) = &self.settings.notify_url {
            params.push(("notify_url", url.clone()));
        }
        if let Some(CertificateSns {
            app_cert_sn,
            alipay_root_cert_sn,
            ..
        }) = self.keys.certificate_sns()
        {
            params.push(("app_cert_sn", app_cert_sn.clone()));
            params.push(("alipay_root_cert_sn", alipay_root_cert_sn.clone()));
        }
        params
    }

    async fn send_once(
        &self,
        method: &str,
        biz_content: &str,
    ) -> Result<GatewayReply, GatewayError> {
        let charset = self.settings.charset;
        let mut params = self.request_params(method, biz_content);
        let content = sign_content(params.iter().map(|(k, v)| (*k, v.as_str())));
        let content_bytes = charset
            .encode(&content)
            .map_err(|e| GatewayError::NotSent(e.to_string()))?;
        let signature = self
            .keys
            .app_private_key()
            .sign(self.settings.sign_type, &content_bytes)
            .map_err(|e| GatewayError::NotSent(e.to_string()))?;
        params.push(("sign", signature));

        // Like the official SDKs: public parameters in the query, biz_content in the body.
        let mut query = String::new();
        let mut body = String::new();
        for (key, value) in &params {
            let target = if *key == "biz_content" {
                &mut body
            } else {
                &mut query
            };
            if !target.is_empty() {
                target.push('&');
            }
            target.push_str(key);
            target.push('=');
            let bytes = charset
                .encode(value)
                .map_err(|e| GatewayError::NotSent(format!("{key}: {e}")))?;
            target.extend(form_urlencoded::byte_serialize(&bytes));
        }
        let separator = if self.settings.gateway_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{separator}{query}", self.settings.gateway_url);
        let response = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!(
                    "application/x-www-form-urlencoded;charset={}",
                    charset.as_str()
                ),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| GatewayError::NoAnswer(describe_transport(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| GatewayError::NoAnswer(describe_transport(&e)))?;
        if !status.is_success() {
            return Err(GatewayError::NoAnswer(format!(
                "gateway HTTP status {status}"
            )));
        }
        self.read_answer(method, &bytes)
    }

    fn read_answer(&self, method: &str, bytes: &[u8]) -> Result<GatewayReply, GatewayError> {
        let charset = self.settings.charset;
        let text = charset
            .decode(bytes)
            .map_err(|e| GatewayError::NoAnswer(format!("undecodable answer: {e}")))?;
        let mut signed = true;
        let node = if self.settings.verify_response_signature {
            let verified = response::verify_response(
                &text,
                method,
                charset,
                self.keys.alipay_public_key(),
                self.settings.sign_type,
            );
            let node = match verified {
                // Like the official Java and .NET clients: an answer without a sign is read
                // as it is, but only a failure can be believed unsigned.
                Err(ResponseError::MissingSignature) => {
                    signed = false;
                    response::extract_signed_node(&text, method)
                        .map_err(|e| GatewayError::NoAnswer(format!("unreadable answer: {e}")))?
                }
                other => {
                    other.map_err(|e| GatewayError::NoAnswer(format!("answer refused: {e}")))?
                }
            };
            if let (Some(expected), Some(got)) = (
                self.keys
                    .certificate_sns()
                    .map(|c| c.alipay_cert_sn.as_str()),
                node.alipay_cert_sn.as_deref(),
            ) {
                if expected != got {
                    return Err(GatewayError::NoAnswer(format!(
                        "answer signed with Alipay certificate {got}, we hold {expected}: \
                         download the new Alipay public-key certificate"
                    )));
                }
            }
            node
        } else {
            response::extract_signed_node(&text, method)
                .map_err(|e| GatewayError::NoAnswer(format!("unreadable answer: {e}")))?
        };
        let parsed: Map<String, Value> = serde_json::from_str(node.raw).map_err(|e| {
            GatewayError::NoAnswer(format!("answer node is not a JSON object: {e}"))
        })?;
        let text_field = |name: &str| {
            parsed.get(name).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = text_field("code").unwrap_or_default();
        let sub_code = text_field("sub_code");
        match codes::classify(&code, sub_code.as_deref()) {
            None if signed => Ok(GatewayReply {
                node: parsed,
                after_unknown: false,
            }),
            None => Err(GatewayError::NoAnswer(
                "an unsigned success answer is never trusted".into(),
            )),
            Some(meaning) => Err(GatewayError::Refused(Box::new(Refusal {
                meaning,
                msg: text_field("msg").unwrap_or_default(),
                sub_msg: text_field("sub_msg"),
                result: methods::result_object(&parsed),
                code,
                sub_code,
                signed,
                after_unknown: false,
            }))),
        }
    }
}

/// 100 ms doubling per attempt, capped at 2 s, with full jitter so replicas retrying the
/// same outage spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64.saturating_mul(1 << attempt.min(5)).min(2_000);
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap))
}

fn describe_transport(error: &reqwest::Error) -> String {
    // reqwest's Display names the URL, which carries the signature: describe the kind only.
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect to the gateway"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else {
        "transport error"
    };
    match std::error::Error::source(error) {
        Some(source) if !error.is_timeout() => {
            let mut text = format!("{kind}: {source}");
            text.truncate(200);
            text
        }
        _ => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay::response::sign_response_node;
    use crate::alipay::sign::{AppPrivateKey, PublicKey};

    fn dev(name: &str) -> String {
        std::fs::read_to_string(format!("{}/config/dev/{name}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
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
        let params =
            client(Some(sns), Charset::Utf8).request_params("alipay.pass.instance.add", "{}");
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
                .read_answer("alipay.marketing.voucher.send", &bytes)
                .unwrap();
            assert_eq!(reply.node["voucher_id"], "V1");
        }
    }

    #[test]
    fn business_and_gateway_failures_are_typed() {
        let node = r#"{"code":"40004","msg":"Business Failed","sub_code":"KP.AE_ALIPASS_REPEAT_ADD_ERROR","sub_msg":"卡券已经存在","success":"false","result":"{\"passId\":\"P9\"}"}"#;
        let body = simulator_answer("alipay_pass_instance_add_response", node, Charset::Utf8);
        let err = client(None, Charset::Utf8)
            .read_answer("alipay.pass.instance.add", body.as_bytes())
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
            .read_answer("alipay.pass.instance.add", body.as_bytes())
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
            c.read_answer("alipay.marketing.voucher.send", tampered.as_bytes()),
            Err(GatewayError::NoAnswer(_))
        ));
        let unsigned = format!(r#"{{"alipay_marketing_voucher_send_response":{node}}}"#);
        assert!(matches!(
            c.read_answer("alipay.marketing.voucher.send", unsigned.as_bytes()),
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
            .read_answer("alipay.marketing.voucher.send", forged.as_bytes())
            .is_err());
    }

    #[test]
    fn an_unsigned_error_answer_is_a_definite_refusal_and_an_unsigned_success_is_not_trusted() {
        let c = client(None, Charset::Utf8);
        let unsigned = r#"{"alipay_pass_instance_add_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}}"#;
        let err = c
            .read_answer("alipay.pass.instance.add", unsigned.as_bytes())
            .unwrap_err();
        let GatewayError::Refused(refusal) = &err else {
            panic!("{err:?}")
        };
        assert!(!refusal.signed && refusal.meaning.our_fault);
        assert_eq!(refusal.failure_code(), "isv.invalid-signature");
        assert!(!err.is_retryable() && !err.is_ambiguous());

        let success = r#"{"alipay_marketing_voucher_send_response":{"code":"10000","msg":"Success","voucher_id":"V1"}}"#;
        assert!(matches!(
            c.read_answer("alipay.marketing.voucher.send", success.as_bytes()),
            Err(GatewayError::NoAnswer(_))
        ));
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
        let err = client(Some(sns), Charset::Utf8)
            .read_answer("alipay.marketing.voucher.send", body.as_bytes())
            .unwrap_err();
        assert!(err.to_string().contains("rotated"), "{err}");
    }

    #[tokio::test]
    async fn text_gbk_cannot_encode_is_not_sent() {
        let log = AttemptLog::default();
        let err = client(None, Charset::Gbk)
            .execute(
                "alipay.pass.instance.add",
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
        for method in ["alipay.pass.instance.update", "alipay.pass.template.update"] {
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
            .execute("alipay.marketing.voucher.send", "{}", &log)
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
}
