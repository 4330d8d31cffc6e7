//! The signing gateway client: builds and signs requests exactly as the official SDKs do,
//! sends them, verifies the response signature over the raw response node, maps codes, and
//! retries only what Alipay's own idempotency makes safe.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use rand::Rng;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::alipay::charset::Charset;
use crate::alipay::codes;
use crate::alipay::content::ENCRYPT_TYPE_AES;
use crate::alipay::keys::{AlipayKeys, CertificateSns};
use crate::alipay::response::result_object;
use crate::alipay::response::{self, SignedNode};
use crate::alipay::sign::{sign_content, SignType};
use crate::config::Secret;
use crate::per_worker::{on_worker_thread, PerWorker};
use crate::telemetry::Metrics;
use alipay_protocol::methods::Method;

mod certs;
mod limits;
mod outcome;

pub use self::certs::CertArchive;
pub use self::limits::{RateLimit, RateLimiter};
pub use self::outcome::{
    Attempt, AttemptLog, AttemptOutcome, AttemptRecorder, GatewayError, GatewayReply, Refusal,
};

/// Alipay's gateway clock is Beijing time whatever the host's zone.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;
const SDK_VERSION: &str = concat!("alipass-rust-", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub gateway_url: String,
    pub app_id: String,
    pub sign_type: SignType,
    pub charset: Charset,
    pub app_auth_token: Option<Secret>,
    pub notify_url: Option<String>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub deadline: Duration,
    /// Only the simulator in tests may switch this off; the production profile refuses it.
    pub verify_response_signature: bool,
    /// Outbound calls per second per method, shared by the replicas; None: unlimited.
    pub rate_limit: Option<RateLimit>,
}

pub struct AlipayClient {
    http: reqwest::Client,
    /// Each HTTP worker's own HTTP client (see [`crate::per_worker`]).
    own_http: PerWorker<reqwest::Client>,
    settings: ClientSettings,
    keys: Arc<AlipayKeys>,
    metrics: Option<Metrics>,
    rotated: certs::RotatedCerts,
    limiter: Option<Arc<dyn RateLimiter>>,
}

impl AlipayClient {
    pub fn new(
        settings: ClientSettings,
        keys: Arc<AlipayKeys>,
        metrics: Option<Metrics>,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: http_client(&settings)?,
            own_http: PerWorker::default(),
            settings,
            keys,
            metrics,
            rotated: certs::RotatedCerts::default(),
            limiter: None,
        })
    }

    /// Draws `rate_limit` slots from `limiter`, shared with the other replicas.
    pub fn with_rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub fn app_id(&self) -> &str {
        &self.settings.app_id
    }

    /// This worker's own HTTP client on an HTTP worker, else the shared one. A pooled
    /// connection's task runs where the connection was opened: with a client per worker,
    /// a gateway answer wakes the request on its own thread.
    fn http(&self) -> reqwest::Client {
        if !on_worker_thread() {
            return self.http.clone();
        }
        self.own_http.with(|own| {
            own.get_or_insert_with(|| {
                // The same settings built the shared client already.
                http_client(&self.settings).unwrap_or_else(|_| self.http.clone())
            })
            .clone()
        })
    }

    #[cfg(test)]
    fn has_own_http(&self) -> bool {
        self.own_http.with(|own| own.is_some())
    }

    /// The app's outbound limit and where its buckets live, when both are set.
    pub fn rate_limit(&self) -> Option<(&RateLimit, &Arc<dyn RateLimiter>)> {
        Some((self.settings.rate_limit.as_ref()?, self.limiter.as_ref()?))
    }

    /// Where rate-limit buckets live (shared by every replica), when configured.
    pub fn rate_limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.limiter.as_ref()
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Certificate mode's SNs as configured.
    pub fn certificate_sns(&self) -> Option<&CertificateSns> {
        self.keys.certificate_sns()
    }

    /// Calls `method` with `biz_content` (compact JSON). Methods with an Alipay-side
    /// idempotency key (template.add, instance.add, voucher.send) are resent after a
    /// retryable failure, with jittered exponential backoff inside the deadline, with the
    /// same biz_content and so the same key. The others (template.update, instance.update)
    /// are sent once: a blind resend could apply a change twice or hide that the first one
    /// took effect, so their unknown outcomes go back to the caller to settle.
    pub async fn execute(
        &self,
        method: Method,
        biz_content: &str,
        recorder: &dyn AttemptRecorder,
    ) -> Result<GatewayReply, GatewayError> {
        self.execute_as(method, biz_content, None, recorder).await
    }

    /// [`Self::execute`] on a merchant's behalf: `app_auth_token` replaces the app's
    /// configured one (`alipay.app_auth_token`) for this call.
    #[tracing::instrument(
        name = "gateway.call",
        level = "debug",
        skip_all,
        fields(method = method.as_str(), app_id = %self.settings.app_id, request_id = crate::telemetry::request_id_field())
    )]
    pub async fn execute_as(
        &self,
        method: Method,
        biz_content: &str,
        app_auth_token: Option<&str>,
        recorder: &dyn AttemptRecorder,
    ) -> Result<GatewayReply, GatewayError> {
        let deadline = Instant::now() + self.settings.deadline;
        let resend_safe = method.has_alipay_idempotency_key();
        let mut unknown_before = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Err(limited) = self
                .pace(method, deadline.saturating_duration_since(Instant::now()))
                .await
            {
                // Not sent. After an attempt whose outcome is unknown, still unknown.
                return Err(if unknown_before {
                    GatewayError::NoAnswer(format!("{limited}, after an unknown outcome"))
                } else {
                    limited
                });
            }
            let started = Instant::now();
            let remaining = deadline.saturating_duration_since(started);
            let span = tracing::debug_span!(
                "gateway.attempt",
                method = method.as_str(),
                attempt,
                request_id = crate::telemetry::request_id_field()
            );
            let result = match tokio::time::timeout(
                remaining,
                self.send_once(method, biz_content, app_auth_token)
                    .instrument(span),
            )
            .await
            {
                Ok(result) => result,
                Err(_) => Err(GatewayError::NoAnswer("deadline exceeded".into())),
            };
            self.observe(method, attempt, &result, started.elapsed(), recorder)
                .await;
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
                    tracing::warn!(method = method.as_str(), attempt, %error, "retrying gateway call");
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// One attempt's aftermath: metrics, the throttle, and the attempt log (unless nothing
    /// was sent).
    async fn observe(
        &self,
        method: Method,
        attempt: u32,
        result: &Result<GatewayReply, GatewayError>,
        latency: Duration,
        recorder: &dyn AttemptRecorder,
    ) {
        let outcome = match result {
            Ok(_) => AttemptOutcome::Success,
            Err(GatewayError::Refused(refusal)) => AttemptOutcome::Code {
                code: refusal.code.clone(),
                sub_code: refusal.sub_code.clone(),
                sub_msg: refusal.sub_msg.clone(),
            },
            Err(other) => AttemptOutcome::NoAnswer(other.to_string()),
        };
        if let Some(metrics) = &self.metrics {
            let app_id = self.settings.app_id.as_str();
            metrics
                .gateway_calls
                .with_label_values(&[app_id, method.as_str(), outcome.label()])
                .inc();
            metrics
                .gateway_duration
                .with_label_values(&[app_id, method.as_str()])
                .observe(latency.as_secs_f64());
        }
        if matches!(result, Err(GatewayError::Refused(r)) if r.code == "20000") {
            self.throttled(method).await;
        }
        if !matches!(result, Err(GatewayError::NotSent(_))) {
            recorder.record(&Attempt {
                method,
                attempt,
                outcome,
                latency,
            });
        }
    }

    /// The public parameters plus biz_content: what is signed and sent.
    fn request_params(
        &self,
        method: Method,
        biz_content: &str,
        app_auth_token: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let beijing = FixedOffset::east_opt(BEIJING_OFFSET_SECS).expect("valid fixed offset");
        let timestamp = Utc::now()
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let own_call = is_app_own_call(method);
        let mut params = vec![
            ("app_id", self.settings.app_id.clone()),
            ("method", method.as_str().to_owned()),
            ("format", "JSON".to_owned()),
            ("charset", self.settings.charset.as_str().to_owned()),
            ("sign_type", self.settings.sign_type.as_str().to_owned()),
            ("timestamp", timestamp),
            ("version", "1.0".to_owned()),
            ("biz_content", biz_content.to_owned()),
        ];
        if self.keys.content_key().is_some() && !own_call {
            params.push(("encrypt_type", ENCRYPT_TYPE_AES.to_owned()));
        }
        let configured = self.settings.app_auth_token.as_deref();
        let token = app_auth_token.or(configured).filter(|t| !t.is_empty());
        if let Some(token) = token.filter(|_| !own_call) {
            params.push(("app_auth_token", token.to_owned()));
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
        method: Method,
        biz_content: &str,
        app_auth_token: Option<&str>,
    ) -> Result<GatewayReply, GatewayError> {
        let bytes = self.post(method, biz_content, app_auth_token).await?;
        self.learn_signer(method, &bytes).await;
        self.read_answer(method, &bytes)
    }

    /// Encrypts (when set), signs and posts one call: the answer's bytes.
    async fn post(
        &self,
        method: Method,
        biz_content: &str,
        app_auth_token: Option<&str>,
    ) -> Result<bytes::Bytes, GatewayError> {
        let charset = self.settings.charset;
        // Encrypted first, then signed: the sign string holds the ciphertext.
        let content_key = self.keys.content_key().filter(|_| !is_app_own_call(method));
        let biz_content = match content_key {
            Some(key) => Cow::Owned(
                key.encrypt_text(biz_content, charset)
                    .map_err(|e| GatewayError::NotSent(format!("biz_content: {e}")))?,
            ),
            None => Cow::Borrowed(biz_content),
        };
        let mut params = self.request_params(method, &biz_content, app_auth_token);
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
        let (query, body) = query_and_body(&params, charset)?;
        let separator = if self.settings.gateway_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{separator}{query}", self.settings.gateway_url);
        let response = self
            .http()
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
        Ok(bytes)
    }

    fn read_answer(&self, method: Method, bytes: &[u8]) -> Result<GatewayReply, GatewayError> {
        let charset = self.settings.charset;
        let text = charset
            .decode(bytes)
            .map_err(|e| GatewayError::NoAnswer(format!("undecodable answer: {e}")))?;
        let node = response::extract_signed_node(&text, method.as_str())
            .map_err(|e| GatewayError::NoAnswer(format!("unreadable answer: {e}")))?;
        let signed = self.check_signature(&node)?;
        let parsed = self.node_object(&node)?;
        let text_field = |name: &str| {
            parsed.get(name).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = text_field("code").unwrap_or_default();
        let sub_code = text_field("sub_code");
        let certificate_mode = self.keys.certificate_sns().is_some();
        match codes::classify(&code, sub_code.as_deref()) {
            // As the Java client: in certificate mode a success must name its certificate.
            None if signed
                && certificate_mode
                && self.settings.verify_response_signature
                && node.alipay_cert_sn.is_none() =>
            {
                Err(GatewayError::NoAnswer(
                    "a success answer without alipay_cert_sn is not trusted in certificate mode"
                        .into(),
                ))
            }
            None if signed => Ok(GatewayReply {
                node: parsed,
                after_unknown: false,
            }),
            None => Err(GatewayError::NoAnswer(
                "an unsigned success answer is never trusted".into(),
            )),
            // Only a refusal that proves no effect and is our own fault is believed unsigned.
            Some(_) if !signed && !codes::believed_unsigned(&code) => {
                Err(GatewayError::NoAnswer(format!(
                    "an unsigned {code} {} answer is not trusted",
                    sub_code.as_deref().unwrap_or("-")
                )))
            }
            Some(meaning) => Err(GatewayError::Refused(Box::new(Refusal {
                meaning,
                msg: text_field("msg").unwrap_or_default(),
                sub_msg: text_field("sub_msg").map(without_sign_string),
                result: result_object(&parsed),
                code,
                sub_code,
                signed,
                after_unknown: false,
            }))),
        }
    }
}

impl AlipayClient {
    /// Whether the answer is signed. Err when it carries a sign that does not verify, or
    /// one made with a certificate we do not hold and could not trust.
    fn check_signature(&self, node: &SignedNode<'_>) -> Result<bool, GatewayError> {
        if !self.settings.verify_response_signature {
            return Ok(true);
        }
        if node.sign.as_deref().is_none_or(str::is_empty) {
            // Like the official Java and .NET clients: an answer without a sign is read as it
            // is, but only a failure can be believed unsigned.
            return Ok(false);
        }
        let rotated;
        let key = match (node.alipay_cert_sn.as_deref(), self.keys.certificate_sns()) {
            (Some(sn), Some(ours)) if sn != ours.alipay_cert_sn => {
                rotated = self.rotated_key(sn).ok_or_else(|| {
                    GatewayError::NoAnswer(format!(
                        "answer signed with Alipay certificate {sn}, which could not be \
                         fetched and checked against the root certificate"
                    ))
                })?;
                &*rotated
            }
            _ => self.keys.alipay_public_key(),
        };
        response::verify_node(node, self.settings.charset, key, self.settings.sign_type)
            .map_err(|e| GatewayError::NoAnswer(format!("answer refused: {e}")))?;
        Ok(true)
    }

    /// The answer node as a JSON object, decrypted first when it is encrypted content.
    fn node_object(&self, node: &SignedNode<'_>) -> Result<Map<String, Value>, GatewayError> {
        let decrypted;
        let text = match node.encrypted_content() {
            Some(ciphertext) => {
                let Some(key) = self.keys.content_key() else {
                    return Err(GatewayError::NoAnswer(
                        "the answer is encrypted and no alipay.encrypt_key is set".into(),
                    ));
                };
                decrypted = key
                    .decrypt_text(&ciphertext, self.settings.charset)
                    .map_err(|e| {
                        GatewayError::NoAnswer(format!("the encrypted answer is unreadable: {e}"))
                    })?;
                decrypted.as_str()
            }
            None => node.raw,
        };
        serde_json::from_str(text)
            .map_err(|e| GatewayError::NoAnswer(format!("answer node is not a JSON object: {e}")))
    }
}

/// `alipay.open.app.alipaycert.download` goes as the official Java and Go clients send it:
/// for the app itself, without the merchant's `app_auth_token`, and never encrypted.
fn is_app_own_call(method: Method) -> bool {
    method == Method::AlipaycertDownload
}

/// Parameters that travel in the form body, as every official SDK sends them: the content,
/// and the merchant's token, which in a URL would be kept by proxies and access logs.
const BODY_PARAMS: [&str; 2] = ["biz_content", "app_auth_token"];

/// The query string (the other public parameters and the sign) and the form body, each
/// form-encoded in the request charset.
fn query_and_body(
    params: &[(&str, String)],
    charset: Charset,
) -> Result<(String, String), GatewayError> {
    let mut query = String::new();
    let mut body = String::new();
    for (key, value) in params {
        let target = if BODY_PARAMS.contains(key) {
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
    Ok((query, body))
}

/// An invalid-signature sub_msg quotes the gateway's whole sign string, biz_content and
/// with it customers' identifiers and pass parameters: kept only up to the quote, as it is
/// logged, stored and answered to callers.
fn without_sign_string(sub_msg: String) -> String {
    const QUOTE_MARKERS: [&str; 3] = ["验签字符串为", "sign string", "signContent"];
    match QUOTE_MARKERS.iter().filter_map(|m| sub_msg.find(m)).min() {
        Some(at) => format!("{}(sign string not kept)", &sub_msg[..at]),
        None => sub_msg,
    }
}

/// 100 ms doubling per attempt, capped at 2 s, with full jitter so replicas retrying the
/// same outage spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64.saturating_mul(1 << attempt.min(5)).min(2_000);
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap))
}

fn http_client(settings: &ClientSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        // A pooled connection whose peer vanished (a partition, a load balancer that
        // forgot it) is found dead by probes, not by the next call's timeout.
        .tcp_keepalive(Duration::from_secs(30))
        // As many idle connections as calls in flight: under a slow gateway every
        // connection is busy at once, and one dropped after its call is a new TCP
        // handshake for the next.
        .pool_max_idle_per_host(1024)
        .user_agent(SDK_VERSION)
        .build()
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
mod tests;
