//! Use cases: create/update templates, issue/update/redeem/close passes, send vouchers, and
//! the reconciler that settles what a crash or a lost answer left open. Services know the
//! store and the gateway client; they know nothing of HTTP routing.

pub mod pass_changes;
pub mod passes;
pub mod reconciler;
pub mod templates;
pub mod views;
pub mod vouchers;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::alipay::client::{AlipayClient, Attempt, AttemptLog, GatewayError, Refusal};
use crate::config::{LimitSettings, Settings};
use crate::domain::template::{Finding, TemplateContent, TemplateLimits};
use crate::error::{ApiError, FieldProblem, GatewayDetail};
use crate::store::idempotency::{request_hash, Idempotency, Lease, StoredResponse};
use crate::store::records::{self, CallLog, Pending, RecordRef};
use crate::store::redis::RedisHandle;
use crate::telemetry::current_request_id;
use uuid::Uuid;

/// What a use case answers: a status and JSON body, possibly a replay of an earlier answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

impl Reply {
    pub fn fresh(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            replayed: false,
        }
    }

    pub fn replay(stored: StoredResponse) -> Self {
        Self {
            status: stored.status,
            body: stored.body,
            replayed: true,
        }
    }
}

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    db: PgPool,
    idempotency: Idempotency,
    gateway: AlipayClient,
    limits: LimitSettings,
    template_limits: TemplateLimits,
    lease: Duration,
    /// How long after an unknown outcome before a resend of a change without an Alipay-side
    /// key: an attempt that reached Alipay late must have landed or died by then, or it
    /// could land after (and undo) a later change.
    quiet: Duration,
    /// Parsed template content by (template id, version).
    parsed_templates: parking_lot::RwLock<HashMap<(Uuid, i32), Arc<TemplateContent>>>,
}

impl Service {
    pub fn new(settings: &Settings, db: PgPool, redis: RedisHandle, gateway: AlipayClient) -> Self {
        // The lease outlives one logical gateway call (all retries) with room to settle.
        let lease = Duration::from_millis(settings.alipay.deadline_ms) + Duration::from_secs(5);
        let limits = settings.limits.clone();
        let template_limits = TemplateLimits {
            max_content_chars: limits.tpl_content_max_chars,
            remind_offset_min: limits.remind_offset_min_secs,
            remind_offset_max: limits.remind_offset_max_secs,
            remind_offset_strict: limits.remind_offset_strict,
        };
        Self {
            inner: Arc::new(Inner {
                idempotency: Idempotency {
                    db: db.clone(),
                    redis,
                    lease,
                    wait_budget: Duration::from_secs(3),
                    cache_ttl: Duration::from_secs(24 * 3600),
                },
                db,
                gateway,
                limits,
                template_limits,
                lease,
                quiet: Duration::from_millis(settings.reconciler.stale_after_ms),
                parsed_templates: Default::default(),
            }),
        }
    }

    fn db(&self) -> &PgPool {
        &self.inner.db
    }

    /// A resend of an operation without an Alipay-side key came too early: in flight, or
    /// within the quiet time after its unknown outcome.
    fn awaiting_settlement(&self, what: &str) -> ApiError {
        ApiError::conflict(
            "change_pending",
            format!(
                "{what} was sent and its outcome is unknown; it can be resent once no earlier \
                 attempt can still land"
            ),
        )
        .with_retry_after(self.inner.quiet.as_secs().max(1))
    }

    /// A fresh lease (and fencing token) for one claim.
    fn new_lease(&self) -> Lease {
        Lease::new(self.inner.lease)
    }

    fn app_id(&self) -> &str {
        self.inner.gateway.app_id()
    }

    pub fn template_limits(&self) -> &TemplateLimits {
        &self.inner.template_limits
    }

    /// Answers an exact repeat of an earlier settled request from Redis alone; otherwise runs
    /// the use case and remembers its settled answer. `input` is None when the caller gave no
    /// idempotency key (a generated key makes every request new).
    async fn with_fast_replay<F, Fut>(
        &self,
        kind: &'static str,
        input: Option<Value>,
        run: F,
    ) -> Result<Reply, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Reply, ApiError>>,
    {
        let hash = input.map(|value| request_hash(&value));
        if let Some(hash) = &hash {
            if let Some(stored) = self.inner.idempotency.fast_replay(kind, hash).await {
                return Ok(Reply::replay(stored));
            }
        }
        let reply = run().await?;
        if let Some(hash) = &hash {
            let stored = StoredResponse {
                request_hash: hash.clone(),
                status: reply.status,
                body: reply.body.clone(),
            };
            self.inner
                .idempotency
                .remember_replay(kind, hash, &stored)
                .await;
        }
        Ok(reply)
    }
}

/// The attempts of one finished gateway call, written with the call's settlement.
pub(crate) struct Calls {
    record: RecordRef,
    attempts: Vec<Attempt>,
    request_id: Option<String>,
}

impl Calls {
    pub fn new(record: RecordRef, log: &AttemptLog) -> Self {
        Self {
            record,
            attempts: log.take(),
            request_id: current_request_id(),
        }
    }

    pub fn log(&self) -> CallLog<'_> {
        CallLog {
            record: self.record,
            attempts: &self.attempts,
            request_id: self.request_id.as_deref(),
        }
    }
}

/// An operation without an Alipay-side key (a pass change, a template update), kept on its
/// row until an answer settles it.
pub(crate) trait PendingOperation: serde::Serialize + Sized {
    fn operation_id(&self) -> Uuid;
    /// The same operation once an attempt's outcome may be unknown.
    fn into_uncertain(self) -> Self;
}

impl Service {
    /// Takes over the pending operation `op` of row `id` (the reconciler, or the caller
    /// resending it): every such resend is read as uncertain. None while its lease lives or
    /// its quiet time runs.
    async fn resume_pending<R, P>(
        &self,
        kind: Pending,
        id: Uuid,
        op: P,
        lease: Lease,
    ) -> Result<Option<(R, P)>, ApiError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        P: PendingOperation,
    {
        let op = op.into_uncertain();
        let value = serde_json::to_value(&op).unwrap_or_default();
        let row = records::claim_pending(
            self.db(),
            kind,
            id,
            op.operation_id(),
            &value,
            (lease, self.inner.quiet),
        )
        .await?;
        Ok(row.map(|row| (row, op)))
    }

    /// After an unknown outcome: keeps `op` on its row, uncertain, for a retry or the
    /// reconciler, with the attempt's calls, and frees the lease.
    async fn keep_uncertain<P: PendingOperation>(
        &self,
        kind: Pending,
        id: Uuid,
        token: Uuid,
        op: P,
        calls: &Calls,
    ) -> Result<(), ApiError> {
        let value = serde_json::to_value(op.into_uncertain()).unwrap_or_default();
        records::keep_pending(self.db(), kind, id, token, &value, &calls.log()).await?;
        Ok(())
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

/// A gateway failure as the caller sees it: our code and status, with the raw codes.
pub fn gateway_problem(error: &GatewayError) -> ApiError {
    match error {
        GatewayError::Refused(refusal) => {
            let Refusal {
                meaning,
                code,
                msg,
                sub_code,
                sub_msg,
                ..
            } = refusal.as_ref();
            let detail = format!(
                "Alipay refused the call: {}",
                sub_msg.as_deref().or(sub_code.as_deref()).unwrap_or(msg)
            );
            let problem =
                ApiError::new(meaning.status, meaning.code, detail).with_gateway(GatewayDetail {
                    gateway_code: code.clone(),
                    gateway_msg: Some(msg.clone()).filter(|m| !m.is_empty()),
                    gateway_sub_code: sub_code.clone(),
                    gateway_sub_msg: sub_msg.clone(),
                });
            if meaning.retryable {
                problem.with_retry_after(2)
            } else {
                problem
            }
        }
        GatewayError::NoAnswer(reason) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "gateway_outcome_unknown",
            format!(
                "no usable answer from Alipay ({reason}); the request is recorded and will be \
                 settled: retry with the same key"
            ),
        )
        .with_retry_after(2),
        GatewayError::NotSent(reason) => {
            ApiError::validation(format!("cannot be sent to Alipay: {reason}"), Vec::new())
        }
    }
}

/// A definite refusal, as recorded and answered.
pub(crate) struct Refused {
    pub problem: ApiError,
    /// What the record's failure_code says: the sub_code, else the code.
    pub code: String,
    /// The refusal proves no effect and is a fault of our configuration: the caller's key
    /// stays usable, so nothing is stored for replay.
    pub keeps_key: bool,
    pub detail: Value,
}

impl Refused {
    fn new(error: &GatewayError) -> Self {
        let problem = gateway_problem(error);
        let (code, keeps_key) = match error {
            GatewayError::Refused(refusal) => (refusal.failure_code(), refusal.meaning.our_fault),
            _ => (problem.code().to_owned(), false),
        };
        Self {
            code,
            keeps_key,
            detail: failure_detail(error),
            problem,
        }
    }

    /// The answer replayed for the key, unless the key stays usable.
    pub fn stored_response(&self) -> Option<(u16, Value)> {
        (!self.keeps_key).then(|| stored_problem(&self.problem))
    }
}

/// How the call of an add (template.add, instance.add, voucher.send) ended.
pub(crate) enum AddOutcome<T> {
    Applied(T),
    /// "Already exists" after an attempt whose outcome was unknown: that attempt's effect.
    /// Carries the refusal's `result`, which the vendor's pages do not promise ids in.
    AppliedEarlier(Option<serde_json::Map<String, Value>>),
    Refused(Refused),
    Unknown(ApiError),
}

impl<T> AddOutcome<T> {
    /// `sent_before`: an earlier attempt under this key (before a crash, a lost answer or a
    /// lease expiry) may have reached Alipay. Only then is "already exists" ours.
    pub fn read(result: Result<T, GatewayError>, sent_before: bool) -> Self {
        let after_unknown =
            sent_before || matches!(&result, Err(GatewayError::Refused(r)) if r.after_unknown);
        match result {
            Ok(value) => AddOutcome::Applied(value),
            Err(GatewayError::Refused(refusal))
                if refusal.meaning.already_done && after_unknown =>
            {
                AddOutcome::AppliedEarlier(refusal.result)
            }
            Err(error) => match read_failure(&error, after_unknown) {
                Ok(refused) => AddOutcome::Refused(refused),
                Err(problem) => AddOutcome::Unknown(problem),
            },
        }
    }
}

/// A failed call read in the light of earlier attempts: a definite refusal, or (Err) still
/// unknown: no usable answer, a fault that may follow the effect, or a configuration refusal
/// after an attempt whose outcome was unknown (it says nothing of that attempt; business
/// refusals are deterministic and would have refused it too).
pub(crate) fn read_failure(error: &GatewayError, after_unknown: bool) -> Result<Refused, ApiError> {
    if error.is_ambiguous() {
        return Err(gateway_problem(error));
    }
    let refused = Refused::new(error);
    if refused.keeps_key && after_unknown {
        Err(refused.problem)
    } else {
        Ok(refused)
    }
}

/// A settling write found the record settled or taken over by another worker (our lease
/// expired): what it wrote stands; the caller asks again.
pub(crate) fn lease_lost() -> ApiError {
    ApiError::conflict(
        "request_in_progress",
        "another worker took this request over; retry shortly for its answer",
    )
    .with_retry_after(1)
}

/// What a settled add answers: the stored response, or the refusal when the key stays
/// usable (nothing stored).
pub(crate) fn settled_answer(
    response: Option<(u16, Value)>,
    refused: Option<Refused>,
) -> Result<StoredResponse, ApiError> {
    match (response, refused) {
        (Some((status, body)), _) => Ok(StoredResponse {
            request_hash: String::new(),
            status,
            body,
        }),
        (None, Some(refused)) => Err(refused.problem),
        (None, None) => Err(ApiError::internal("settled without an answer")),
    }
}

/// Problem JSON stored as the replayed answer of a definitively refused request.
fn stored_problem(error: &ApiError) -> (u16, Value) {
    let body = serde_json::to_value(error.to_problem(None)).unwrap_or_default();
    (error.status().as_u16(), body)
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
