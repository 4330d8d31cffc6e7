//! Use cases: create/update templates, issue/update/redeem/close passes, send vouchers, and
//! the reconciler that settles what a crash or a lost answer left open. Services know the
//! store and the gateway client; they know nothing of HTTP routing.

pub mod adds;
pub mod answers;
pub mod campaigns;
pub mod console;
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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use tracing::Instrument;

use crate::alipay::client::{AlipayClient, Attempt, AttemptLog, GatewayError};
use crate::alipay::methods::Acting;
use crate::apps::{ActingFor, Apps, APP_AUTH_TOKEN_HEADER};
use crate::config::Secret;
use crate::config::{LimitSettings, Settings};
use crate::domain::template::{Finding, TemplateLimits};
use crate::domain::FieldProblem;
use crate::metrics::Metrics;
use crate::sealing::{Binding, Sealer, TokenError};
use crate::store::fast::{FastPath, LocalAnswers, NoFastPath, RedisFastPath};
use crate::store::hot::HotConnections;
use crate::store::idempotency::{Begin, Claim, Idempotency, KeyError, KeyedRecord, Lease};
use crate::store::records::{self, CallLog, RecordRef, SavedAnswer};
use crate::store::redis::RedisHandle;
use crate::telemetry::current_request_id;
use uuid::Uuid;

pub(crate) use self::adds::{read_failure, Refused};
use self::answers::AnswerEncoder;
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

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    db: PgPool,
    /// The issuance's two statements run here, not in the pool (see `store::hot`).
    hot: HotConnections,
    idempotency: Idempotency,
    apps: Apps,
    metrics: Metrics,
    /// Seals merchants' app_auth_tokens kept with records.
    sealer: Option<Sealer>,
    /// Seals personal data (voucher recipients' login_id, taobao_nick).
    pii: Option<Sealer>,
    limits: LimitSettings,
    template_limits: TemplateLimits,
    lease: Duration,
    /// How long after an unknown outcome before a resend of a change without an Alipay-side
    /// key: an attempt that reached Alipay late must have landed or died by then, or it
    /// could land after (and undo) a later change.
    quiet: Duration,
    /// Resends of an uncertain keyless change refused before it waits for an operator.
    max_unproven_tries: u32,
    /// CREATED templates that passes are issued from, parsed once per version. An entry
    /// may be stale: a pass insert names the version it was checked against.
    issuable: parking_lot::RwLock<HashMap<Uuid, Arc<passes::IssuableTemplate>>>,
    campaigns: crate::config::CampaignSettings,
    /// Where webhook endpoints may point.
    webhook_guard: crate::webhooks::guard::Guard,
    /// The edge's wire form of saved answers.
    answers: Arc<dyn AnswerEncoder>,
}

impl Service {
    pub fn new(
        settings: &Settings,
        db: PgPool,
        redis: RedisHandle,
        apps: Apps,
        (sealer, pii): (Option<Sealer>, Option<Sealer>),
        metrics: Metrics,
        (webhook_guard, answers): (crate::webhooks::guard::Guard, Arc<dyn AnswerEncoder>),
    ) -> Self {
        // The lease outlives one logical gateway call (all retries) with room to settle.
        let deadline = apps
            .iter()
            .map(|app| app.client.settings().deadline)
            .max()
            .unwrap_or_default();
        let lease = deadline + Duration::from_secs(5);
        let limits = settings.limits.clone();
        let template_limits = TemplateLimits {
            max_content_chars: limits.tpl_content_max_chars,
            remind_offset_min: limits.remind_offset_min_secs,
            remind_offset_max: limits.remind_offset_max_secs,
            remind_offset_strict: limits.remind_offset_strict,
        };
        let fast: Box<dyn FastPath> = match settings.redis.answer_cache_ttl_secs {
            0 => Box::new(NoFastPath),
            secs => Box::new(RedisFastPath {
                redis,
                answer_ttl: Duration::from_secs(secs),
                local: LocalAnswers::new(settings.redis.local_answer_cache_kib),
            }),
        };
        Self {
            inner: Arc::new(Inner {
                idempotency: Idempotency {
                    db: db.clone(),
                    fast,
                    lease,
                    wait_budget: Duration::from_secs(3),
                    fast_path_results: Some(metrics.fast_path.clone()),
                },
                metrics,
                hot: HotConnections::beside(&db, settings.database.hot_connections),
                db,
                apps,
                sealer,
                pii,
                limits,
                template_limits,
                lease,
                quiet: Duration::from_millis(settings.reconciler.stale_after_ms),
                max_unproven_tries: settings.reconciler.max_unproven_tries.max(1),
                issuable: Default::default(),
                campaigns: settings.campaigns.clone(),
                webhook_guard,
                answers,
            }),
        }
    }

    fn db(&self) -> &PgPool {
        &self.inner.db
    }

    /// The connections beside the pool (their counts are exported as metrics).
    pub fn hot(&self) -> &HotConnections {
        &self.inner.hot
    }

    /// A resend of an operation without an Alipay-side key came too early: in flight, or
    /// within the quiet time after its unknown outcome.
    fn awaiting_settlement(&self, what: &str) -> ServiceError {
        ServiceError::conflict(
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

    pub fn apps(&self) -> &Apps {
        &self.inner.apps
    }

    /// A change of a record must act for the merchant it was made for (ISV mode): with that
    /// merchant's (possibly renewed) token, or with none (the stored token is used). Another
    /// merchant's token, or a merchant's token for a record of the app itself, is refused
    /// before anything is written.
    fn check_merchant(record: Option<&str>, acting: &ActingFor) -> Result<(), ServiceError> {
        match (record, acting.merchant_id()) {
            (_, None) => Ok(()),
            (Some(ours), Some(theirs)) if ours == theirs => Ok(()),
            (ours, Some(theirs)) => Err(ServiceError::conflict(
                "merchant_mismatch",
                format!(
                    "the record was made for {}, not for merchant {theirs}: change it with that \
                     merchant's token, or with none to use the stored one",
                    ours.map_or("the app itself".to_owned(), |m| format!("merchant {m}"))
                ),
            )),
        }
    }

    /// The merchant's token given with a request, sealed to be kept with its record.
    fn seal_token(&self, acting: &ActingFor) -> Result<Option<String>, ServiceError> {
        let Some(merchant) = &acting.merchant else {
            return Ok(None);
        };
        let token = &merchant.token;
        let sealer = self.inner.sealer.as_ref().ok_or_else(|| {
            ServiceError::validation(
                TokenError::NoSealingKey.to_string(),
                vec![crate::domain::FieldProblem {
                    path: format!("header {APP_AUTH_TOKEN_HEADER}"),
                    message: "cannot be kept: set alipay.token_sealing_key".into(),
                    alipay_code: None,
                }],
            )
        })?;
        Ok(Some(sealer.seal(&Binding::to(acting.app_id()), token)?))
    }

    /// The merchant's token kept with a record, opened.
    fn record_token(
        &self,
        app_id: &str,
        sealed: Option<&str>,
    ) -> Result<Option<Secret>, ServiceError> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let sealer = self
            .inner
            .sealer
            .as_ref()
            .ok_or_else(|| ServiceError::internal(TokenError::NoSealingKey.to_string()))?;
        sealer
            .open(&Binding::to(app_id), sealed)
            .map(Some)
            .map_err(ServiceError::from)
    }

    /// The gateway client of a record's app, acting with the merchant token kept with it.
    fn gateway_for(&self, app_id: &str, sealed: Option<&str>) -> Result<Acting<'_>, ServiceError> {
        let authority = self.record_token(app_id, sealed)?;
        Ok(self.client(app_id)?.acting(authority))
    }

    /// The gateway client of the app a record belongs to.
    fn client(&self, app_id: &str) -> Result<&AlipayClient, ServiceError> {
        self.inner
            .apps
            .by_app_id(app_id)
            .map(|app| &app.client)
            .ok_or_else(|| {
                ServiceError::internal(format!(
                    "app {app_id} has records but is no longer configured (alipay.apps)"
                ))
            })
    }

    pub fn template_limits(&self) -> &TemplateLimits {
        &self.inner.template_limits
    }

    /// The pipeline of every add: the fast path's cached answer, or claim the key in
    /// Postgres (writing the record with `insert`) or replay its settled answer; then
    /// `perform` the gateway call, settle the record and cache the answer. `hash` is the
    /// normalised request's; `chosen`: the caller chose the key (else no cached answer can
    /// be theirs).
    async fn run_keyed<I, P, F>(
        &self,
        key: KeyedRecord<'_>,
        (hash, chosen): (&str, bool),
        lease: Lease,
        insert: I,
        perform: P,
    ) -> Result<Reply, ServiceError>
    where
        I: std::future::Future<Output = Result<Option<Uuid>, KeyError>>,
        P: FnOnce(Claim) -> F,
        F: std::future::Future<Output = Result<SavedAnswer, ServiceError>>,
    {
        let kind = key.kind().name();
        let begun = self
            .inner
            .idempotency
            .begin(&key, (hash, chosen), lease, insert)
            .instrument(step_span("pipeline.claim", kind))
            .await;
        let (claim, held) = match begun {
            Ok(Begin::Replay(answer)) => {
                self.inner.metrics.replays.with_label_values(&[kind]).inc();
                return Ok(Reply::replay(answer));
            }
            Ok(Begin::Proceed(claim, held)) => (claim, held),
            Err(error) => {
                let reason = match &error {
                    KeyError::Reused { .. } => Some("reused"),
                    KeyError::InProgress { .. } => Some("in_progress"),
                    _ => None,
                };
                if let Some(reason) = reason {
                    let conflicts = &self.inner.metrics.key_conflicts;
                    conflicts.with_label_values(&[kind, reason]).inc();
                }
                return Err(error.into());
            }
        };
        let outcome = perform(claim)
            .instrument(step_span("pipeline.perform", kind))
            .await;
        self.inner
            .idempotency
            .finish(held, outcome.as_ref().ok())
            .instrument(step_span("pipeline.finish", kind))
            .await;
        outcome.map(Reply::fresh)
    }
}

/// A span for one step of the pipeline, with the request id (debug level: exported as a
/// trace when tracing is on, never logged).
fn step_span(step: &'static str, kind: &'static str) -> tracing::Span {
    tracing::debug_span!(
        "pipeline",
        step,
        kind,
        otel.name = step,
        request_id = crate::telemetry::request_id_field()
    )
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
