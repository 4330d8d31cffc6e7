//! Use cases: create/update templates, issue/update/redeem/close passes, send vouchers, and
//! the reconciler that settles what a crash or a lost answer left open. Services know the
//! store and the gateway client; they know nothing of HTTP routing. One service per
//! resource (`TemplateService`, `PassService`, `VoucherService`, `WebhookService`,
//! `CampaignService`, `ConsoleService`, `Reconciler`), each over the shared [`Core`] that
//! holds the connections, the apps and the two generic pipelines.

pub mod adds;
pub mod answers;
pub mod campaigns;
pub mod console;
pub mod core;
pub mod error;
pub mod pass_changes;
pub mod passes;
pub mod preview;
pub mod reconciler;
pub mod template_updates;
pub mod templates;
pub mod uncertain;
pub mod views;
pub mod vouchers;
pub mod webhooks;

use serde_json::Value;

use crate::alipay::client::{Attempt, AttemptLog, GatewayError};
use crate::domain::template::Finding;
use crate::domain::FieldProblem;
use crate::store::records::{self, CallLog, RecordRef, SavedAnswer};
use crate::telemetry::current_request_id;

pub(crate) use self::adds::{read_failure, Refused};
pub use self::core::Core;
pub use self::error::ServiceError;

/// What an add use case answers: its saved answer, fresh or replayed.
#[derive(Debug, Clone)]
pub struct Reply {
    pub answer: SavedAnswer,
    pub replayed: bool,
}

impl Reply {
    fn fresh(answer: SavedAnswer) -> Self {
        Self {
            answer,
            replayed: false,
        }
    }

    fn replay(answer: SavedAnswer) -> Self {
        Self {
            answer,
            replayed: true,
        }
    }
}

/// The attempts of one finished gateway call, written with the call's settlement.
pub(crate) struct Calls {
    record: RecordRef,
    attempts: Vec<Attempt>,
    request_id: Option<String>,
    /// The operator's decision the settlement carries out (no call then).
    resolution: Option<records::OperatorResolution>,
}

impl Calls {
    pub fn new(record: RecordRef, log: &AttemptLog) -> Self {
        Self {
            record,
            attempts: log.take(),
            request_id: current_request_id(),
            resolution: None,
        }
    }

    /// No call: the settlement of an operator's `resolution`.
    pub fn resolved(record: RecordRef, resolution: records::OperatorResolution) -> Self {
        Self {
            resolution: Some(resolution),
            ..Self::new(record, &AttemptLog::default())
        }
    }

    pub fn resolution(&self) -> Option<&records::OperatorResolution> {
        self.resolution.as_ref()
    }

    pub fn log(&self) -> CallLog<'_> {
        CallLog {
            record: self.record,
            attempts: &self.attempts,
            request_id: self.request_id.as_deref(),
            events: &[],
            resolution: self.resolution.as_ref(),
        }
    }
}

/// Validation findings (template rules, parameter checks) as problem entries.
pub fn findings_to_problems(findings: &[Finding]) -> Vec<FieldProblem> {
    findings
        .iter()
        .map(|f| FieldProblem {
            path: f.path.clone(),
            message: f.message.clone(),
            alipay_code: Some(f.alipay_code.clone()),
        })
        .collect()
}

/// A settling write found the record settled or taken over by another worker (our lease
/// expired): what it wrote stands; the caller asks again.
pub(crate) fn lease_lost() -> ServiceError {
    ServiceError::conflict(
        "request_in_progress",
        "another worker took this request over; retry shortly for its answer",
    )
    .with_retry_after(1)
}

pub(crate) fn failure_detail(error: &GatewayError) -> Value {
    match error {
        GatewayError::Refused(refusal) => serde_json::json!({
            "gateway_code": refusal.code,
            "gateway_sub_code": refusal.sub_code,
            "gateway_sub_msg": refusal.sub_msg,
            "signed": refusal.signed,
        }),
        other => serde_json::json!({"reason": other.to_string()}),
    }
}

/// `limit` for list endpoints: 1–200, default 50.
pub fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 200)
}
