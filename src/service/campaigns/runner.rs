//! The campaign worker every replica runs. Work is shared through Postgres: a replica
//! leases a few seconds' worth of a campaign's due rows (`FOR UPDATE SKIP LOCKED`), sends
//! them paced by the campaign's token bucket in Redis (shared by every replica, so the
//! rate holds however many run), and settles each row fenced by its lease. A row whose
//! lease ran out (a crash, a `kill -9`) is taken again and sent again with the same key:
//! the idempotent pipeline answers the first send's outcome instead of sending twice.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::rows::merged;
use super::tasks::CampaignTasks;
use super::{CampaignService, RATE_PER_SEC};
use crate::alipay::client::{GatewayError, RateLimit};
use crate::apps::{ActingFor, App};
use crate::domain::status::{CampaignKind, RowState};
use crate::domain::voucher::SendVoucher;
use crate::service::passes::IssuePass;
use crate::service::{Reply, ServiceError};
use crate::shutdown::ShutdownSignal;
use crate::store::answer::Settled;
use crate::store::campaigns::{self as store, CampaignRow, ClaimedRow, RecordLink, RowOutcome};

/// The rate a campaign is sent at: its own, capped by its share of the app's limit, and
/// always within [`RATE_PER_SEC`] (a row stored before that bound, or a tiny share, must
/// not make a pause of years or a panic).
pub fn effective_rate(app: &App, requested: f64, share: f64) -> f64 {
    let rate = match app.client.rate_limit() {
        Some((limit, _)) => requested.min(limit.per_second * share),
        None => requested,
    };
    within_rates(rate)
}

/// `rate` within [`RATE_PER_SEC`] (NaN: the slowest).
pub(super) fn within_rates(rate: f64) -> f64 {
    let (min, max) = (*RATE_PER_SEC.start(), *RATE_PER_SEC.end());
    if rate.is_nan() {
        min
    } else {
        rate.clamp(min, max)
    }
}

/// `secs` as a Duration of at most `cap` (a NaN or negative count is the cap): never the
/// panic of `Duration::from_secs_f64`.
fn duration_at_most(secs: f64, cap: Duration) -> Duration {
    Duration::try_from_secs_f64(secs).map_or(cap, |d| d.min(cap))
}

/// The longest a campaign's pacing waits for one row (the slowest allowed rate's gap).
const LONGEST_GAP: Duration = Duration::from_secs(10);
/// The longest a batch is leased for beyond the pipeline's own lease.
const LONGEST_BATCH: Duration = Duration::from_secs(3_600);

/// What one row's send came to.
struct RowResult {
    state: RowState,
    row_key: Option<String>,
    code: Option<String>,
    detail: Option<String>,
    alipay_id: Option<String>,
    retry_after: Option<Duration>,
    /// The send reached the gateway (an attempt).
    reached: bool,
    /// Where the record the send claimed is, if it claimed one.
    record: Option<RecordLink>,
}

impl RowResult {
    fn new(state: RowState) -> Self {
        Self {
            state,
            row_key: None,
            code: None,
            detail: None,
            alipay_id: None,
            retry_after: None,
            reached: false,
            record: None,
        }
    }

    fn coded(state: RowState, code: &str, detail: impl Into<String>) -> Self {
        Self {
            code: Some(code.to_owned()),
            detail: Some(detail.into()),
            ..Self::new(state)
        }
    }
}

impl CampaignService {
    /// Works off campaign rows until `stop`: each active campaign's batches in a task of
    /// its own ([`CampaignTasks`]), at most `campaigns.max_parallel` at once.
    pub async fn run_campaigns(self, mut stop: ShutdownSignal) {
        let settings = &self.settings;
        let panics = self
            .core
            .metrics
            .background_panics
            .with_label_values(&["campaign"]);
        let idle = Duration::from_millis(settings.idle_ms);
        let mut tasks = CampaignTasks::new(panics, idle, settings.max_parallel);
        while !stop.is_set() {
            match self.active_campaigns().await {
                Ok(active) => tasks.start_due(active, |campaign| {
                    let (service, stop) = (self.clone(), stop.clone());
                    async move { service.campaign_batch(&campaign, &stop).await }
                }),
                Err(error) => tracing::warn!(%error, "campaign pass failed"),
            }
            tasks.wait(&mut stop).await;
        }
        tasks.drain().await;
    }

    /// The campaigns with work, by id; the ones whose rows are all settled are finished.
    async fn active_campaigns(&self) -> Result<Vec<(Uuid, CampaignRow)>, ServiceError> {
        for id in store::finish_done(self.core.db()).await? {
            tracing::info!(campaign = %id, "campaign finished");
        }
        let active = store::active(self.core.db()).await?;
        Ok(active.into_iter().map(|c| (c.id, c)).collect())
    }

    /// Sends one leased batch of the campaign; answers how many rows it leased (0 when
    /// it could not look: the failure is logged and the campaign waits its idle time).
    async fn campaign_batch(&self, campaign: &CampaignRow, stop: &ShutdownSignal) -> usize {
        match self.try_campaign_batch(campaign, stop).await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(campaign = %campaign.id, %error, "campaign batch failed");
                0
            }
        }
    }

    async fn try_campaign_batch(
        &self,
        campaign: &CampaignRow,
        stop: &ShutdownSignal,
    ) -> Result<usize, ServiceError> {
        let Some(app) = self.core.apps().by_app_id(&campaign.app_id).cloned() else {
            tracing::warn!(campaign = %campaign.id, app_id = %campaign.app_id, "campaign of an app no longer configured");
            return Ok(0);
        };
        let settings = &self.settings;
        let rate = effective_rate(&app, campaign.rate_per_sec, settings.app_rate_share);
        let batch = (rate * settings.batch_seconds).ceil().clamp(1.0, 1_000.0);
        // Long enough to send the batch at the rate, with the slowest call's time to spare.
        let lease = duration_at_most(batch / rate, LONGEST_BATCH) + self.core.lease * 2;
        let rows = store::claim_rows(self.core.db(), campaign, batch as i64, lease).await?;
        let count = rows.len();
        let acting = ActingFor::app_itself(app);
        let pace = RateLimit {
            per_second: rate,
            burst: 1,
            max_wait: Duration::from_secs(5),
        };
        futures_util::stream::iter(rows)
            .for_each_concurrent(settings.concurrency.max(1), |row| async {
                // At a stop the rows not yet sent keep their lease until it ends; another
                // replica (or this one, restarted) takes them then.
                if !stop.is_set() {
                    self.campaign_row_sent(campaign, &acting, &pace, row).await;
                }
            })
            .await;
        Ok(count)
    }

    async fn campaign_row_sent(
        &self,
        campaign: &CampaignRow,
        acting: &ActingFor,
        pace: &RateLimit,
        row: ClaimedRow,
    ) {
        self.wait_for_slot(campaign.id, acting, pace).await;
        let settled = self.send_row(campaign, acting, &row).await;
        let outcome = RowOutcome {
            state: settled.state,
            row_key: settled.row_key.as_deref(),
            code: settled.code.as_deref(),
            detail: settled.detail.as_deref(),
            alipay_id: settled.alipay_id.as_deref(),
            retry_after: settled.retry_after,
            reached: settled.reached,
            record: settled.record.as_ref(),
        };
        let fence = (campaign.id, row.line, row.lease_token);
        match store::settle_row(self.core.db(), fence, &outcome).await {
            Ok(true) => {
                let campaign_id = campaign.id.to_string();
                let labels = [campaign_id.as_str(), settled.state.as_str()];
                self.core
                    .metrics
                    .campaign_rows
                    .with_label_values(&labels)
                    .inc();
            }
            Ok(false) => tracing::info!(campaign = %campaign.id, line = row.line, "row lease lost"),
            Err(error) => tracing::warn!(%error, line = row.line, "campaign row not settled"),
        }
    }

    /// Takes a slot of the campaign's bucket (shared by every replica); without a limiter
    /// (no Redis configured) this replica paces alone.
    async fn wait_for_slot(&self, campaign: Uuid, acting: &ActingFor, pace: &RateLimit) {
        let bucket = format!("campaign:{campaign}");
        let Some(limiter) = acting.client.rate_limiter() else {
            tokio::time::sleep(duration_at_most(1.0 / pace.per_second, LONGEST_GAP)).await;
            return;
        };
        loop {
            match limiter.acquire(&bucket, pace, pace.max_wait).await {
                Ok(wait) => return tokio::time::sleep(wait).await,
                Err(needed) => tokio::time::sleep(needed.min(pace.max_wait)).await,
            }
        }
    }

    /// Sends one row through the ordinary pipeline, with its own key or the derived one.
    async fn send_row(
        &self,
        campaign: &CampaignRow,
        acting: &ActingFor,
        row: &ClaimedRow,
    ) -> RowResult {
        let fields = match self.open_row(campaign.id, row.line, &row.payload) {
            Ok(fields) => fields,
            Err(why) => return RowResult::coded(RowState::Invalid, "unreadable_row", why),
        };
        let mut request = merged(&campaign.shared, &fields);
        let key_field = campaign.kind.key_field();
        let key = match request.get(key_field) {
            Some(Value::String(own)) => own.clone(),
            _ => format!("{}-{}", campaign.key_prefix, row.line),
        };
        request.insert(key_field.into(), Value::String(key.clone()));
        let (result, record) = match campaign.kind {
            CampaignKind::VoucherSend => match parse::<SendVoucher>(request) {
                Ok(input) => {
                    let template_id = input.template_id.clone();
                    let result = self.vouchers.send_voucher(acting, input).await;
                    (result, RecordLink::Voucher { template_id })
                }
                Err(why) => return invalid_request(why),
            },
            CampaignKind::PassIssue => match parse::<IssuePass>(request) {
                Ok(input) => {
                    let link = RecordLink::Pass {
                        template_id: input.template_id.into(),
                        channel_id: input.channel_id.clone(),
                    };
                    (self.passes.issue_pass(acting, input).await, link)
                }
                Err(why) => return invalid_request(why),
            },
        };
        let reached = reached_the_gateway(&result);
        // A gateway call happened under the key, so the record holds this row's request.
        let claimed = matches!(result, Ok(_) | Err(ServiceError::Gateway { .. }));
        let attempts = row.attempts + i32::from(reached);
        let attempts_left = attempts < self.settings.max_attempts;
        RowResult {
            row_key: Some(key),
            reached,
            record: claimed.then_some(record),
            ..settled(result, attempts, attempts_left)
        }
    }
}

/// Whether a send was an attempt: a call that reached the gateway. A wait for the rate
/// limit, a key in flight elsewhere, a replayed answer or a store failure is not one.
fn reached_the_gateway(result: &Result<Reply, ServiceError>) -> bool {
    match result {
        Ok(reply) => !reply.replayed,
        Err(ServiceError::Gateway { failure, .. }) => {
            matches!(
                failure,
                GatewayError::NoAnswer(_) | GatewayError::Refused(_)
            )
        }
        Err(_) => false,
    }
}

/// The row's request as `T`, or why it cannot be one.
fn parse<T: serde::de::DeserializeOwned>(request: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(request)).map_err(|e| e.to_string())
}

fn invalid_request(why: String) -> RowResult {
    RowResult::coded(RowState::Invalid, "invalid_request", why)
}

/// Reads a send's result as a row state; open outcomes are tried again later (an unknown
/// one with the same key, until `attempts_left` runs out: the record then stays with the
/// reconciler, and the row's result follows it).
fn settled(result: Result<Reply, ServiceError>, attempts: i32, attempts_left: bool) -> RowResult {
    let backoff = Duration::from_secs(1 << attempts.clamp(0, 6) as u32);
    let again = |state: RowState, error: &ServiceError, after: Duration| RowResult {
        retry_after: attempts_left.then_some(after),
        ..RowResult::coded(state, "outcome_unknown", error.to_string())
    };
    match result {
        Ok(reply) => answered(&reply),
        Err(error) if error.leaves_open() => again(RowState::Unknown, &error, backoff),
        Err(ServiceError::Gateway { failure, .. }) => match failure {
            GatewayError::RateLimited(wait) => RowResult {
                retry_after: Some(wait.max(Duration::from_millis(100))),
                ..RowResult::new(RowState::Pending)
            },
            GatewayError::Refused(refusal) if !refusal.meaning.is_system_fault() => {
                let code = refusal.sub_code.clone().unwrap_or(refusal.code.clone());
                let detail = refusal.sub_msg.clone().unwrap_or(refusal.msg.clone());
                RowResult::coded(RowState::Refused, &code, detail)
            }
            // Not sent, or refused in a way that leaves the key usable: send again later.
            other => {
                let error = ServiceError::gateway(other, false);
                match attempts_left {
                    true => again(RowState::Pending, &error, backoff),
                    false => RowResult::coded(RowState::Refused, "not_sent", error.to_string()),
                }
            }
        },
        Err(
            ServiceError::Conflict {
                retry_after: Some(secs),
                ..
            }
            | ServiceError::TooMany {
                retry_after: secs, ..
            },
        ) => RowResult {
            retry_after: Some(Duration::from_secs(secs)),
            ..RowResult::new(RowState::Pending)
        },
        Err(
            ServiceError::Conflict { code, detail, .. } | ServiceError::TooSlow { code, detail },
        ) => RowResult::coded(RowState::Refused, code, detail),
        Err(ServiceError::Invalid { detail, problems }) => {
            let paths: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
            RowResult::coded(
                RowState::Invalid,
                "invalid_request",
                format!("{detail}: {}", paths.join("; ")),
            )
        }
        Err(
            ServiceError::Malformed { code, detail } | ServiceError::OverLimit { code, detail, .. },
        ) => RowResult::coded(RowState::Invalid, code, detail),
        Err(ServiceError::NotFound(detail)) => {
            RowResult::coded(RowState::Invalid, "not_found", detail)
        }
        // The pipeline may have claimed the key before the store failed: the same key again.
        Err(error @ (ServiceError::Database(_) | ServiceError::Internal(_))) => {
            again(RowState::Unknown, &error, backoff)
        }
    }
}

/// A settled answer (fresh or replayed): SENT, or the refusal it saved, read from its
/// typed outcome (never from the wire form a replay sends).
fn answered(reply: &Reply) -> RowResult {
    match &reply.answer.outcome {
        Settled::Applied { alipay_id } => RowResult {
            alipay_id: alipay_id.clone(),
            ..RowResult::new(RowState::Sent)
        },
        Settled::Refused { code, detail } => {
            RowResult::coded(RowState::Refused, code, detail.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::answer::SavedAnswer;
    use crate::store::idempotency::KeyError;

    #[test]
    fn rates_outside_the_bounds_are_clamped_and_durations_cannot_panic() {
        assert_eq!(within_rates(1e-20), 0.1);
        assert_eq!(within_rates(f64::NAN), 0.1);
        assert_eq!(within_rates(-1.0), 0.1);
        assert_eq!(within_rates(1e300), 10_000.0);
        assert_eq!(within_rates(50.0), 50.0);
        let cap = Duration::from_secs(10);
        assert_eq!(duration_at_most(1.0 / 1e-20, cap), cap);
        assert_eq!(duration_at_most(f64::NAN, cap), cap);
        assert_eq!(duration_at_most(f64::INFINITY, cap), cap);
        assert_eq!(duration_at_most(0.5, cap), Duration::from_millis(500));
    }

    /// A replayed answer whose wire form is `(status, body)` and whose outcome is `outcome`.
    fn replayed(status: u16, body: Value, outcome: Settled) -> Reply {
        let body = serde_json::value::to_raw_value(&body).unwrap();
        Reply {
            answer: SavedAnswer::new(status, body, outcome),
            replayed: true,
        }
    }

    fn reply(status: u16, body: Value) -> Reply {
        replayed(status, body, Settled::Applied { alipay_id: None })
    }

    fn expired() -> Settled {
        Settled::Refused {
            code: "TEMPLATE_EXPIRED".into(),
            detail: "Alipay refused the call: expired".into(),
        }
    }

    #[test]
    fn a_replayed_refusal_is_refused_with_the_gateways_code() {
        let body = serde_json::json!({"code": "voucher_template_expired",
            "gateway_sub_code": "TEMPLATE_EXPIRED", "detail": "Alipay refused the call: expired"});
        let row = settled(Ok(replayed(422, body, expired())), 1, true);
        assert_eq!(row.state, RowState::Refused);
        assert_eq!(row.code.as_deref(), Some("TEMPLATE_EXPIRED"));
        assert_eq!(
            row.detail.as_deref(),
            Some("Alipay refused the call: expired")
        );
    }

    #[test]
    fn a_changed_problem_body_or_status_cannot_change_a_rows_result() {
        let result = |reply| {
            let row = settled(Ok(reply), 1, true);
            (row.state, row.code, row.detail, row.alipay_id)
        };
        let as_saved = serde_json::json!({"code": "voucher_template_expired",
            "gateway_sub_code": "TEMPLATE_EXPIRED", "detail": "Alipay refused the call: expired"});
        let renamed = serde_json::json!({"problem_code": "other",
            "alipay_sub_code": "SOMETHING_ELSE", "message": "reworded"});
        let first = result(replayed(422, as_saved, expired()));
        assert_eq!(first, result(replayed(409, renamed.clone(), expired())));
        // Even a success status with a voucher id in the body: the outcome says refused.
        let misleading = serde_json::json!({"voucher_id": "2016xyz"});
        assert_eq!(first, result(replayed(201, misleading, expired())));
        let sent = Settled::Applied {
            alipay_id: Some("2016xyz".into()),
        };
        let row = result(replayed(422, renamed, sent));
        assert_eq!(row, (RowState::Sent, None, None, Some("2016xyz".into())));
    }

    #[test]
    fn a_sent_answer_keeps_alipays_id() {
        let body = serde_json::json!({"voucher_id": "2016xyz", "status": "SENT"});
        let sent = Settled::Applied {
            alipay_id: Some("2016xyz".into()),
        };
        let row = settled(Ok(replayed(201, body, sent)), 1, true);
        assert_eq!(row.state, RowState::Sent);
        assert_eq!(row.alipay_id.as_deref(), Some("2016xyz"));
    }

    #[test]
    fn an_unknown_outcome_is_tried_again_until_the_attempts_run_out() {
        let unknown = || ServiceError::gateway(GatewayError::NoAnswer("lost".into()), true);
        let row = settled(Err(unknown()), 2, true);
        assert_eq!(row.state, RowState::Unknown);
        assert_eq!(row.retry_after, Some(Duration::from_secs(4)));
        let last = settled(Err(unknown()), 10, false);
        assert_eq!((last.state, last.retry_after), (RowState::Unknown, None));
    }

    #[test]
    fn only_a_call_that_reached_the_gateway_is_an_attempt() {
        let gateway = |failure| Err(ServiceError::gateway(failure, true));
        let limited = gateway(GatewayError::RateLimited(Duration::from_millis(300)));
        assert!(!reached_the_gateway(&limited));
        assert!(!reached_the_gateway(&gateway(GatewayError::NotSent(
            "no key".into()
        ))));
        let in_flight = ServiceError::from(KeyError::InProgress { kind: "voucher" });
        assert!(!reached_the_gateway(&Err(in_flight)));
        assert!(!reached_the_gateway(&Ok(reply(201, serde_json::json!({})))));
        assert!(reached_the_gateway(&gateway(GatewayError::NoAnswer(
            "lost".into()
        ))));
        let fresh = Reply {
            replayed: false,
            ..reply(201, serde_json::json!({}))
        };
        assert!(reached_the_gateway(&Ok(fresh)));
    }

    #[test]
    fn a_rate_limited_row_waits_and_stays_pending() {
        let limited =
            ServiceError::gateway(GatewayError::RateLimited(Duration::from_millis(300)), false);
        let row = settled(Err(limited), 9, false);
        assert_eq!(row.state, RowState::Pending);
        assert_eq!(row.retry_after, Some(Duration::from_millis(300)));
    }
}
