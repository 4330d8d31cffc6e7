//! Use cases: create/update templates, issue/update/redeem/close passes, send vouchers, and
//! the reconciler that settles what a crash or a lost answer left open. Services know the
//! store and the gateway client; they know nothing of HTTP routing.

pub mod answers;
pub mod campaigns;
pub mod console;
pub mod error;
pub mod pass_changes;
pub mod passes;
pub mod preview;
pub mod reconciler;
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
use crate::store::answer::Settled;
use crate::store::fast::{FastPath, LocalAnswers, NoFastPath, RedisFastPath};
use crate::store::hot::HotConnections;
use crate::store::idempotency::{Begin, Claim, Idempotency, KeyError, KeyedRecord, Lease};
use crate::store::records::{self, CallLog, RecordKind, RecordRef, SavedAnswer};
use crate::store::redis::RedisHandle;
use crate::telemetry::current_request_id;
use uuid::Uuid;

use self::answers::{Answer, AnswerEncoder};
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
        let kind = key.kind.name();
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

    /// Calls the gateway for a claimed add record and settles it (the reconciler's way):
    /// how it settled. Err = outcome unknown (the record stays open), a refusal that leaves
    /// the key usable, a lost lease, or a store failure.
    pub(crate) async fn perform_add(
        &self,
        kind: RecordKind,
        claim: &Claim,
    ) -> Result<Settled, ServiceError> {
        let answer = match kind {
            RecordKind::Template => self.perform_template_add(claim).await,
            RecordKind::Pass => self.perform_pass_issue(claim, None).await,
            RecordKind::Voucher => self.perform_voucher_send(claim, None).await,
        };
        answer.map(|saved| saved.outcome)
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

impl Service {
    /// Settles a template or voucher add from its final row, with the attempt's calls, and
    /// answers what the caller gets.
    async fn settle_add(
        &self,
        kind: RecordKind,
        claim: &Claim,
        final_row: records::FinalAdd<'_>,
        (calls, events): (&Calls, &[records::OutboxEvent]),
        (answer, refused): (Option<Answer>, Option<Refused>),
    ) -> Result<SavedAnswer, ServiceError> {
        let answer = answer.map(|answer| self.save_answer(answer));
        let log = calls.log().announcing(events);
        let fenced = (claim.token, answer.as_ref());
        if !records::settle_add(self.db(), kind, &final_row, fenced, &log).await? {
            return Err(lease_lost());
        }
        settled_answer(answer, refused)
    }

    /// After an unknown outcome of an add: frees the lease, with the attempt's calls, so a
    /// retry or the reconciler takes the record over; answers `unknown`.
    async fn leave_open(
        &self,
        claim: &Claim,
        calls: &Calls,
        unknown: ServiceError,
    ) -> Result<SavedAnswer, ServiceError> {
        let log = calls.log();
        records::release_lease(self.db(), log.record.kind, claim.id, claim.token, &log).await?;
        Err(unknown)
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

/// A definite refusal, as recorded and answered.
pub(crate) struct Refused {
    pub error: ServiceError,
    /// The gateway's failure, whose answer is saved for replay.
    failure: GatewayError,
    /// What the record's failure_code says: the sub_code, else the code.
    pub code: String,
    /// The refusal proves no effect and is a fault of our configuration: the caller's key
    /// stays usable, so nothing is stored for replay.
    pub keeps_key: bool,
    pub detail: Value,
}

impl Refused {
    fn new(error: &GatewayError) -> Self {
        let (code, keeps_key) = match error {
            GatewayError::Refused(refusal) => (refusal.failure_code(), refusal.meaning.our_fault),
            GatewayError::NotSent(_) => ("not_sent".to_owned(), false),
            // Nothing was sent: the caller's key stays usable.
            GatewayError::RateLimited(_) => ("rate_limited".to_owned(), true),
            GatewayError::NoAnswer(_) => ("gateway_outcome_unknown".to_owned(), false),
        };
        Self {
            code,
            keeps_key,
            detail: failure_detail(error),
            error: ServiceError::gateway(error.clone(), false),
            failure: error.clone(),
        }
    }
}

/// How the call of an add (template.add, instance.add, voucher.send) ended.
pub(crate) enum AddOutcome<T> {
    Applied(T),
    /// "Already exists" after an attempt whose outcome was unknown: that attempt's effect.
    /// Carries the refusal's `result`, which the vendor's pages do not promise ids in.
    AppliedEarlier(Option<serde_json::Map<String, Value>>),
    Refused(Refused),
    Unknown(ServiceError),
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
pub(crate) fn read_failure(
    error: &GatewayError,
    after_unknown: bool,
) -> Result<Refused, ServiceError> {
    if error.is_ambiguous() {
        return Err(ServiceError::gateway(error.clone(), true));
    }
    let refused = Refused::new(error);
    if refused.keeps_key && after_unknown {
        Err(ServiceError::gateway(error.clone(), true))
    } else {
        Ok(refused)
    }
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

/// What a settled add answers: the saved answer, or the refusal when the key stays usable
/// (nothing saved).
pub(crate) fn settled_answer(
    answer: Option<SavedAnswer>,
    refused: Option<Refused>,
) -> Result<SavedAnswer, ServiceError> {
    match (answer, refused) {
        (Some(answer), _) => Ok(answer),
        (None, Some(refused)) => Err(refused.error),
        (None, None) => Err(ServiceError::internal("settled without an answer")),
    }
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
