//! The shared part of every resource service: connections, apps, sealing keys, limits,
//! and the pipeline every add runs (`Core::run_keyed`).

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tracing::Instrument;

use crate::alipay::client::AlipayClient;
use crate::alipay::methods::Acting;
use crate::apps::{ActingFor, Apps, APP_AUTH_TOKEN_HEADER};
use crate::config::Secret;
use crate::config::{LimitSettings, Settings};
use crate::domain::template::TemplateLimits;
use crate::metrics::Metrics;
use crate::sealing::{Binding, Sealer, TokenError};
use crate::service::answers::AnswerEncoder;
use crate::service::{Reply, ServiceError};
use crate::store::answer::SavedAnswer;
use crate::store::fast::{FastPath, LocalAnswers, NoFastPath, RedisFastPath};
use crate::store::hot::HotConnections;
use crate::store::idempotency::{Begin, Claim, Idempotency, KeyError, KeyedRecord, Lease};
use crate::store::redis::RedisHandle;
use uuid::Uuid;

/// What every resource's use cases share: the connections, the apps and their clients,
/// the sealing keys, the settings of the two pipelines (the lease, the quiet time of a
/// keyless change) and the pipelines themselves (`run_keyed`, `service::adds`,
/// `service::uncertain`). Built once at start-up; each resource service holds it in an
/// `Arc` beside what only that resource needs.
pub struct Core {
    db: PgPool,
    /// The issuance's two statements run here, not in the pool (see `store::hot`).
    hot: HotConnections,
    pub(super) idempotency: Idempotency,
    apps: Apps,
    pub(super) metrics: Metrics,
    /// Seals merchants' app_auth_tokens kept with records.
    sealer: Option<Sealer>,
    /// Seals personal data (voucher recipients, webhook secrets, campaign rows).
    pub(super) pii: Option<Sealer>,
    pub(super) limits: LimitSettings,
    template_limits: TemplateLimits,
    pub(super) lease: Duration,
    /// How long after an unknown outcome before a resend of a change without an Alipay-side
    /// key: an attempt that reached Alipay late must have landed or died by then, or it
    /// could land after (and undo) a later change.
    pub(super) quiet: Duration,
    /// Resends of an uncertain keyless change refused before it waits for an operator.
    pub(super) max_unproven_tries: u32,
    /// The edge's wire form of saved answers.
    pub(super) answers: Arc<dyn AnswerEncoder>,
}

impl Core {
    pub fn new(
        settings: &Settings,
        db: PgPool,
        redis: RedisHandle,
        apps: Apps,
        (sealer, pii): (Option<Sealer>, Option<Sealer>),
        metrics: Metrics,
        answers: Arc<dyn AnswerEncoder>,
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
            answers,
        }
    }

    pub(super) fn db(&self) -> &PgPool {
        &self.db
    }

    /// The connections beside the pool (their counts are exported as metrics).
    pub fn hot(&self) -> &HotConnections {
        &self.hot
    }

    /// A resend of an operation without an Alipay-side key came too early: in flight, or
    /// within the quiet time after its unknown outcome.
    pub(super) fn awaiting_settlement(&self, what: &str) -> ServiceError {
        ServiceError::conflict(
            "change_pending",
            format!(
                "{what} was sent and its outcome is unknown; it can be resent once no earlier \
                 attempt can still land"
            ),
        )
        .with_retry_after(self.quiet.as_secs().max(1))
    }

    /// A fresh lease (and fencing token) for one claim.
    pub(super) fn new_lease(&self) -> Lease {
        Lease::new(self.lease)
    }

    pub fn apps(&self) -> &Apps {
        &self.apps
    }

    /// A change of a record must act for the merchant it was made for (ISV mode): with that
    /// merchant's (possibly renewed) token, or with none (the stored token is used). Another
    /// merchant's token, or a merchant's token for a record of the app itself, is refused
    /// before anything is written.
    pub(super) fn check_merchant(
        record: Option<&str>,
        acting: &ActingFor,
    ) -> Result<(), ServiceError> {
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
    pub(super) fn seal_token(&self, acting: &ActingFor) -> Result<Option<String>, ServiceError> {
        let Some(merchant) = &acting.merchant else {
            return Ok(None);
        };
        let token = &merchant.token;
        let sealer = self.sealer.as_ref().ok_or_else(|| {
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
    pub(super) fn record_token(
        &self,
        app_id: &str,
        sealed: Option<&str>,
    ) -> Result<Option<Secret>, ServiceError> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let sealer = self
            .sealer
            .as_ref()
            .ok_or_else(|| ServiceError::internal(TokenError::NoSealingKey.to_string()))?;
        sealer
            .open(&Binding::to(app_id), sealed)
            .map(Some)
            .map_err(ServiceError::from)
    }

    /// The gateway client of a record's app, acting with the merchant token kept with it.
    pub(super) fn gateway_for(
        &self,
        app_id: &str,
        sealed: Option<&str>,
    ) -> Result<Acting<'_>, ServiceError> {
        let authority = self.record_token(app_id, sealed)?;
        Ok(self.client(app_id)?.acting(authority))
    }

    /// The gateway client of the app a record belongs to.
    pub(super) fn client(&self, app_id: &str) -> Result<&AlipayClient, ServiceError> {
        self.apps
            .by_app_id(app_id)
            .map(|app| &app.client)
            .ok_or_else(|| {
                ServiceError::internal(format!(
                    "app {app_id} has records but is no longer configured (alipay.apps)"
                ))
            })
    }

    pub fn template_limits(&self) -> &TemplateLimits {
        &self.template_limits
    }

    /// The pipeline of every add: the fast path's cached answer, or claim the key in
    /// Postgres (writing the record with `insert`) or replay its settled answer; then
    /// `perform` the gateway call, settle the record and cache the answer. `hash` is the
    /// normalised request's; `chosen`: the caller chose the key (else no cached answer can
    /// be theirs).
    pub(super) async fn run_keyed<I, P, F>(
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
            .idempotency
            .begin(&key, (hash, chosen), lease, insert)
            .instrument(step_span("pipeline.claim", kind))
            .await;
        let (claim, held) = match begun {
            Ok(Begin::Replay(answer)) => {
                self.metrics.replays.with_label_values(&[kind]).inc();
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
                    let conflicts = &self.metrics.key_conflicts;
                    conflicts.with_label_values(&[kind, reason]).inc();
                }
                return Err(error.into());
            }
        };
        let outcome = perform(claim)
            .instrument(step_span("pipeline.perform", kind))
            .await;
        self.idempotency
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
