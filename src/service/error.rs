//! What can go wrong in a use case, in the service's own terms. The HTTP edge
//! (`crate::error`) maps each case to a status and a problem+json body; nothing here knows
//! HTTP.

use crate::alipay::client::GatewayError;
use crate::domain::FieldProblem;
use crate::store::idempotency::KeyError;

/// The conflict code of a record built from a template that changed meanwhile.
pub const TEMPLATE_CHANGED: &str = "template_changed";

/// The code of a request that breaks a rule (and of a call that cannot be sent).
pub const VALIDATION_FAILED: &str = "validation_failed";

/// Our code and words for a gateway failure: what the edge's problem says, and what a
/// saved refusal's typed outcome records, from one place so the two cannot drift.
pub fn gateway_failure_words(failure: &GatewayError) -> (&'static str, String) {
    match failure {
        GatewayError::Refused(refusal) => {
            let said = (refusal.sub_msg.as_deref().or(refusal.sub_code.as_deref()))
                .unwrap_or(&refusal.msg);
            (
                refusal.meaning.code,
                format!("Alipay refused the call: {said}"),
            )
        }
        GatewayError::NoAnswer(reason) => (
            "gateway_outcome_unknown",
            format!(
                "no usable answer from Alipay ({reason}); the request is recorded and will be \
                 settled: retry with the same key"
            ),
        ),
        GatewayError::RateLimited(wait) => (
            "rate_limited",
            format!(
                "the app's outbound rate limit is reached (alipay.rate_limit_qps); nothing was \
                 sent: retry after {} ms with the same key",
                wait.as_millis()
            ),
        ),
        GatewayError::NotSent(reason) => (
            VALIDATION_FAILED,
            format!("cannot be sent to Alipay: {reason}"),
        ),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request breaks a rule; every offending field is listed.
    #[error("{detail}")]
    Invalid {
        detail: String,
        problems: Vec<FieldProblem>,
    },
    /// A request part we cannot read at all (a cursor, text the database cannot hold).
    #[error("{detail}")]
    Malformed { code: &'static str, detail: String },
    #[error("{0}")]
    NotFound(String),
    /// The input is over a configured limit, which `detail` names. `content`: the
    /// request's content itself is too large (413); else what it asks for is (422).
    #[error("{detail}")]
    OverLimit {
        code: &'static str,
        detail: String,
        content: bool,
    },
    /// The caller asks more often than a fixed rate allows (`detail` names it); the same
    /// request may succeed after `retry_after` seconds.
    #[error("{detail}")]
    TooMany {
        code: &'static str,
        detail: String,
        retry_after: u64,
    },
    /// The caller's request took longer to arrive than a configured limit (`detail` names
    /// it) allows.
    #[error("{detail}")]
    TooSlow { code: &'static str, detail: String },
    /// The request conflicts with a record's state; `code` names the conflict for callers.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        /// Seconds after which the same request may succeed.
        retry_after: Option<u64>,
    },
    /// The gateway call did not succeed. `unknown`: the operation's outcome is not known
    /// (no usable answer, a fault that may follow the effect, or a refusal that says
    /// nothing of an earlier attempt); the record stays open until an answer settles it.
    #[error("{failure}")]
    Gateway {
        failure: GatewayError,
        unknown: bool,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn validation(detail: impl Into<String>, problems: Vec<FieldProblem>) -> Self {
        Self::Invalid {
            detail: detail.into(),
            problems,
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound(detail.into())
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    /// What the request asks for (an expansion, a rate) is past a limit named in `detail`.
    pub fn over_limit(code: &'static str, detail: impl Into<String>) -> Self {
        Self::OverLimit {
            code,
            detail: detail.into(),
            content: false,
        }
    }

    /// The request's content (an upload, a row) is past a limit named in `detail`.
    pub fn too_large(code: &'static str, detail: impl Into<String>) -> Self {
        Self::OverLimit {
            code,
            detail: detail.into(),
            content: true,
        }
    }

    pub fn malformed(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Malformed {
            code,
            detail: detail.into(),
        }
    }

    /// A conflict the caller can retry after `secs`.
    pub fn with_retry_after(self, secs: u64) -> Self {
        match self {
            Self::Conflict { code, detail, .. } => Self::Conflict {
                code,
                detail,
                retry_after: Some(secs),
            },
            other => other,
        }
    }

    /// The gateway failure, read as a definite refusal or (`unknown`) as an open outcome.
    pub fn gateway(failure: GatewayError, unknown: bool) -> Self {
        Self::Gateway { failure, unknown }
    }

    pub fn is_conflict(&self, wanted: &str) -> bool {
        matches!(self, Self::Conflict { code, .. } if *code == wanted)
    }

    /// The operation is still open: its outcome is unknown, or another worker holds it.
    pub fn leaves_open(&self) -> bool {
        matches!(
            self,
            Self::Gateway { unknown: true, .. }
                | Self::Conflict {
                    code: "request_in_progress",
                    ..
                }
        )
    }
}

/// A value that could not be sealed or opened: the service's fault, never the caller's.
impl From<crate::sealing::SealError> for ServiceError {
    fn from(error: crate::sealing::SealError) -> Self {
        Self::internal(error.to_string())
    }
}

impl From<KeyError> for ServiceError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Reused { kind } => Self::conflict(
                "idempotency_key_reused",
                format!("this {kind} key was used before with a different request"),
            ),
            KeyError::InProgress { kind } => Self::conflict(
                "request_in_progress",
                format!("a request with this {kind} key is in progress; retry shortly"),
            )
            .with_retry_after(1),
            KeyError::Vanished => Self::internal("idempotency record vanished"),
            KeyError::Stale => Self::conflict(
                TEMPLATE_CHANGED,
                "the template changed while the request was checked; send it again",
            )
            .with_retry_after(1),
            KeyError::Database(error) => Self::Database(error),
        }
    }
}
