//! Delivery: every replica leases due deliveries from Postgres and posts them, signed as
//! Standard Webhooks has it. A failed attempt is retried on `webhooks.retry_schedule_secs`
//! (with jitter); after the last one the delivery has failed. An endpoint that has failed
//! every delivery for `webhooks.disable_after_hours` is disabled, and says why.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::Rng;
use serde_json::json;
use sqlx::PgPool;

use crate::config::{Settings, WebhookSettings};
use crate::metrics::Metrics;
use crate::sealing::Sealer;
use crate::shutdown::ShutdownSignal;
use crate::store::webhooks::{self as store, AttemptRecord, DueDelivery};
use crate::webhooks::guard::Guard;
use crate::webhooks::open_secret;

/// An error and its causes on one line (reqwest's own message leaves them out).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// What a delivery's answer comes to: its status and, when it is not a success, the
/// status's standard reason (never the endpoint's own words: a caller reads the attempt).
fn summary(status: reqwest::StatusCode) -> Answer {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("non-standard status");
    Answer {
        status: Some(i32::from(code)),
        error: (!status.is_success()).then(|| format!("answered {code} {reason}")),
    }
}

/// Deliveries posted side by side by one replica.
const IN_FLIGHT: usize = 16;

pub struct Deliverer {
    db: PgPool,
    sealer: Option<Sealer>,
    guard: Guard,
    client: reqwest::Client,
    settings: WebhookSettings,
    metrics: Metrics,
}

/// What one attempt came to.
struct Answer {
    status: Option<i32>,
    error: Option<String>,
}

impl Deliverer {
    pub fn new(settings: &Settings, db: PgPool, metrics: Metrics) -> anyhow::Result<Self> {
        let webhooks = settings.webhooks.clone();
        let guard =
            Guard::new(&webhooks.allow).map_err(|why| anyhow::anyhow!("webhooks.allow: {why}"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(webhooks.timeout_ms))
            .connect_timeout(Duration::from_millis(webhooks.timeout_ms.min(5_000)))
            // A redirect could lead past the allow-list.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(guard.clone()))
            .user_agent(concat!("alipass-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db,
            sealer: Sealer::for_personal_data(settings)?,
            guard,
            client,
            settings: webhooks,
            metrics,
        })
    }

    /// Delivers until `stop`.
    pub async fn run(self, mut stop: ShutdownSignal) {
        let idle = Duration::from_millis(self.settings.idle_ms);
        let lease = Duration::from_millis(self.settings.timeout_ms) * 3;
        loop {
            if stop.is_set() {
                return;
            }
            let sent = match store::claim_due(&self.db, IN_FLIGHT as i64 * 2, lease).await {
                Ok(due) => {
                    let count = due.len();
                    futures_util::stream::iter(due)
                        .for_each_concurrent(IN_FLIGHT, |due| self.deliver(due))
                        .await;
                    count
                }
                Err(error) => {
                    tracing::warn!(%error, "webhook deliveries not claimed");
                    0
                }
            };
            if sent == 0 {
                tokio::select! {
                    _ = stop.wait() => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
        }
    }

    async fn deliver(&self, due: DueDelivery) {
        let started = Instant::now();
        let answer = match self.post(&due).await {
            Ok(answer) => answer,
            Err(error) => Answer {
                status: None,
                error: Some(error),
            },
        };
        let delivered = answer.status.is_some_and(|s| (200..300).contains(&s));
        let retry_after = (!delivered)
            .then(|| self.retry_after(due.attempts))
            .flatten();
        let result = match (delivered, retry_after) {
            (true, _) => "delivered",
            (false, Some(_)) => "retrying",
            (false, None) => "failed",
        };
        self.metrics
            .webhook_deliveries
            .with_label_values(&[result])
            .inc();
        let record = AttemptRecord {
            status: answer.status,
            error: answer.error.as_deref(),
            duration: started.elapsed(),
            delivered,
            retry_after,
        };
        if let Err(error) = store::record_attempt(&self.db, &due, &record).await {
            tracing::warn!(%error, event = %due.event_id, "webhook attempt not recorded");
            return;
        }
        if !delivered {
            self.disable_if_failing(&due).await;
        }
    }

    /// Signs and posts the event; the endpoint's status and, on failure, its summary. The
    /// answer's body is never read: it is the endpoint's, and is not shown to anyone.
    async fn post(&self, due: &DueDelivery) -> Result<Answer, String> {
        let secret = open_secret(self.sealer.as_ref(), due.endpoint_id, &due.secret_sealed)?;
        let url = self.guard.check_url(&due.url)?;
        let body = json!({
            "type": due.event_type,
            "timestamp": due.event_created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": due.payload,
        })
        .to_string();
        let id = due.event_id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let signature = standardwebhooks::Webhook::new(&secret)
            .and_then(|hook| hook.sign(&id, timestamp, body.as_bytes()))
            .map_err(|e| format!("cannot sign: {e}"))?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        Ok(summary(response.status()))
    }

    /// The wait before the next attempt after `attempts` failed, ±20 %; None when every
    /// retry is spent.
    fn retry_after(&self, attempts: i32) -> Option<Duration> {
        let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
        let secs = *self.settings.retry_schedule_secs.get(index)? as f64;
        let jitter = rand::thread_rng().gen_range(0.8..1.2);
        Some(Duration::from_secs_f64(secs * jitter))
    }

    async fn disable_if_failing(&self, due: &DueDelivery) {
        let limit =
            chrono::Duration::milliseconds((self.settings.disable_after_hours * 3.6e6) as i64);
        let Some(since) = due.failing_since else {
            return;
        };
        if chrono::Utc::now() - since < limit {
            return;
        }
        let reason = format!(
            "every delivery failed since {} ({} h or more)",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.settings.disable_after_hours
        );
        match store::set_enabled(&self.db, due.endpoint_id, Some(&reason)).await {
            Ok(()) => {
                self.metrics
                    .webhook_deliveries
                    .with_label_values(&["endpoint_disabled"])
                    .inc();
                tracing::warn!(endpoint = %due.endpoint_id, %reason, "webhook endpoint disabled");
            }
            Err(error) => tracing::warn!(%error, "webhook endpoint not disabled"),
        }
    }
}
