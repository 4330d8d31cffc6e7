//! What one gateway call ends as: its attempts, a verified reply, or why it failed.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::alipay::codes::CodeMeaning;
use alipay_protocol::methods::Method;

/// One gateway attempt, as reported to the caller's recorder. Never holds key material.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub method: Method,
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
    /// Not sent: the app's rate limit would have made it wait this long.
    #[error("not sent: the app's rate limit would need a wait of {} ms", .0.as_millis())]
    RateLimited(std::time::Duration),
}

impl GatewayError {
    /// The client may resend the call (when its method has an Alipay-side key): no usable
    /// answer, or a system fault. Not a refusal the pages merely advise retrying.
    pub fn is_retryable(&self) -> bool {
        match self {
            GatewayError::Refused(refusal) => refusal.meaning.is_system_fault(),
            GatewayError::NoAnswer(_) => true,
            GatewayError::NotSent(_) | GatewayError::RateLimited(_) => false,
        }
    }

    /// The outcome is unknown: the record must stay open for the reconciler.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            GatewayError::NoAnswer(_) => true,
            // A system error may have happened after the effect was applied.
            GatewayError::Refused(refusal) => refusal.meaning.is_system_fault(),
            GatewayError::NotSent(_) | GatewayError::RateLimited(_) => false,
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
    /// False for an unsigned error answer: the gateway answers auth-class errors without a
    /// sign. Only those codes are believed unsigned ([`crate::alipay::codes::believed_unsigned`]); any
    /// other unsigned answer is no usable answer.
    pub signed: bool,
    /// An earlier attempt of the same call had an unknown outcome.
    pub after_unknown: bool,
}

impl Refusal {
    /// The sub_code, else the code: what a failure is recorded under.
    pub fn failure_code(&self) -> String {
        self.sub_code.clone().unwrap_or_else(|| self.code.clone())
    }

    /// A signed business refusal (40004) of `sub_code`, as tests meet them.
    #[cfg(test)]
    pub fn business(sub_code: &str, sub_msg: &str, after_unknown: bool) -> Self {
        Self {
            meaning: crate::alipay::codes::classify_business(Some(sub_code)),
            code: "40004".into(),
            msg: "Business Failed".into(),
            sub_code: Some(sub_code.into()),
            sub_msg: Some(sub_msg.into()),
            result: None,
            signed: true,
            after_unknown,
        }
    }
}

/// The verified `<method>_response` node of a successful (code 10000) answer.
#[derive(Debug, Clone)]
pub struct GatewayReply {
    pub node: Map<String, Value>,
    /// An earlier attempt of the same call had an unknown outcome.
    pub after_unknown: bool,
}
