//! Delivery: every replica leases due deliveries from Postgres and posts them, signed as
//! Standard Webhooks has it. A failed attempt is retried on `webhooks.retry_schedule_secs`
//! (with jitter); after the last one the delivery has failed. An endpoint that has failed
//! every delivery for `webhooks.disable_after_hours` is disabled, and says why.
//!
//! Fair between endpoints: a claim takes the endpoints' due deliveries in turns, none of
//! an endpoint beyond `webhooks.endpoint_concurrency` in flight, and free slots are
//! refilled while slow deliveries run. Each lease carries a token that fences its
//! attempt's record. Deliveries go only to keys that may read them ([`Readers`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use rand::Rng;
use serde_json::json;
use sqlx::PgPool;

use crate::auth::ApiKeys;
use crate::config::{Settings, WebhookSettings};
use crate::metrics::Metrics;
use crate::sealing::Sealer;
use crate::shutdown::ShutdownSignal;
use crate::store::webhooks::{self as store, AttemptRecord, DueDelivery, Settled};
use crate::webhooks::guard::Guard;
use crate::webhooks::open_secret;
use crate::webhooks::readers::Readers;

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

pub struct Deliverer {
    db: PgPool,
    sealer: Option<Sealer>,
    guard: Guard,
    client: reqwest::Client,
    /// Through a proxy, which resolves targets itself: the guard checks them first.
    proxied: bool,
    readers: Readers,
    settings: WebhookSettings,
    metrics: Metrics,
}

/// What one attempt came to.
struct Answer {
    status: Option<i32>,
    error: Option<String>,
}

/// The client deliveries go out on. Never a proxy from the environment (reqwest reads
/// `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` unless told not to): one would carry
/// requests past the guard. Only `webhooks.proxy_url`, when set.
fn http_client(
    settings: &WebhookSettings,
    guard: &Guard,
    proxy: Option<reqwest::Proxy>,
) -> anyhow::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.timeout_ms))
        .connect_timeout(Duration::from_millis(settings.timeout_ms.min(5_000)))
        // A redirect could lead past the allow-list.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("alipass-webhooks/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    let builder = match proxy {
        // The proxy's own name resolves as any name does: it is the operator's choice.
        Some(proxy) => builder.proxy(proxy),
        // Direct: every name resolves through the guard, which drops what it refuses.
        None => builder.dns_resolver(Arc::new(guard.clone())),
    };
    Ok(builder.build()?)
}

impl Deliverer {
    pub fn new(
        settings: &Settings,
        db: PgPool,
        metrics: Metrics,
        keys: ApiKeys,
    ) -> anyhow::Result<Self> {
        let webhooks = settings.webhooks.clone();
        let guard =
            Guard::new(&webhooks.allow).map_err(|why| anyhow::anyhow!("webhooks.allow: {why}"))?;
        let proxy = webhooks
            .proxy()
            .map_err(|why| anyhow::anyhow!("webhooks.proxy_url: {why}"))?;
        Ok(Self {
            db,
            sealer: Sealer::for_personal_data(settings)?,
            proxied: proxy.is_some(),
            client: http_client(&webhooks, &guard, proxy)?,
            guard,
            readers: Readers::new(settings, keys)?,
            settings: webhooks,
            metrics,
        })
    }

    /// Delivers until `stop`, then lets the deliveries in flight finish. Deliveries run
    /// side by side up to `webhooks.concurrency`; room left is filled as soon as half of
    /// it is free while work is waiting, else every `idle_ms`, so a slow endpoint's
    /// deliveries (capped by the claim) never keep others waiting for them to end.
    pub async fn run(self, mut stop: ShutdownSignal) {
        let idle = Duration::from_millis(self.settings.idle_ms);
        let capacity = self.settings.concurrency.get();
        let refill_at = capacity.div_ceil(2);
        let mut in_flight = FuturesUnordered::new();
        let mut last_claim: Option<Instant> = None;
        let mut more_due = false;
        while !stop.is_set() {
            let room = capacity - in_flight.len();
            let due_again = last_claim.is_none_or(|at| at.elapsed() >= idle);
            if room > 0 && ((more_due && room >= refill_at) || due_again) {
                let claimed = self.claim(room).await;
                more_due = claimed.len() == room;
                last_claim = Some(Instant::now());
                in_flight.extend(claimed.into_iter().map(|due| self.deliver(due)));
            }
            let next_look = last_claim.map_or(idle, |at| idle.saturating_sub(at.elapsed()));
            let has_room = in_flight.len() < capacity;
            tokio::select! {
                _ = stop.wait() => break,
                Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                // With every slot taken, only a delivery ending makes room.
                _ = tokio::time::sleep(next_look), if has_room => {}
            }
        }
        while in_flight.next().await.is_some() {}
    }

    /// Leases up to `room` due deliveries, each endpoint's capped.
    async fn claim(&self, room: usize) -> Vec<DueDelivery> {
        let claim = store::Claim {
            total: i64::try_from(room).unwrap_or(i64::MAX),
            per_endpoint: i64::from(self.settings.endpoint_concurrency.get()),
            lease: Duration::from_millis(self.settings.timeout_ms) * 3,
        };
        store::claim_due(&self.db, claim)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "webhook deliveries not claimed");
                Vec::new()
            })
    }

    async fn deliver(&self, due: DueDelivery) {
        let started = Instant::now();
        let unreadable = self.readers.refusal(&due.owner, &due.app_id);
        let answer = match &unreadable {
            // Not sent at all: the key could not read this through the API.
            Some(why) => Err(format!("not sent: {why}")),
            None => self.post(&due).await,
        }
        .unwrap_or_else(|error| Answer {
            status: None,
            error: Some(error),
        });
        let delivered = answer.status.is_some_and(|s| (200..300).contains(&s));
        let retry_after = (!delivered && unreadable.is_none())
            .then(|| self.retry_after(due.attempts))
            .flatten();
        let record = AttemptRecord {
            status: answer.status,
            error: answer.error.as_deref(),
            duration: started.elapsed(),
            delivered,
            retry_after,
        };
        match store::record_attempt(&self.db, &due, &record).await {
            Ok(Settled::Recorded) => {}
            Ok(Settled::LeaseLost) => {
                self.count("lease_lost");
                tracing::info!(event = %due.event_id, endpoint = %due.endpoint_id,
                    "webhook attempt not recorded: its lease was taken over");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, event = %due.event_id, "webhook attempt not recorded");
                return;
            }
        }
        self.count(match (delivered, retry_after) {
            (true, _) => "delivered",
            (false, Some(_)) => "retrying",
            (false, None) => "failed",
        });
        if let Some(why) = unreadable {
            self.disable(&due, &why).await;
        } else if !delivered {
            self.disable_if_failing(&due).await;
        }
    }

    fn count(&self, result: &str) {
        self.metrics
            .webhook_deliveries
            .with_label_values(&[result])
            .inc();
    }

    /// Signs and posts the event; the endpoint's status and, on failure, its summary. The
    /// answer's body is never read: it is the endpoint's, and is not shown to anyone.
    async fn post(&self, due: &DueDelivery) -> Result<Answer, String> {
        let secret = open_secret(self.sealer.as_ref(), due.endpoint_id, &due.secret_sealed)?;
        let url = self.guard.check_url(&due.url)?;
        if self.proxied {
            self.guard.check_target(&url).await?;
        }
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
        self.disable(due, &reason).await;
    }

    /// Disables the endpoint, saying why; its pending deliveries fail.
    async fn disable(&self, due: &DueDelivery, reason: &str) {
        match store::set_enabled(&self.db, due.endpoint_id, Some(reason)).await {
            Ok(()) => {
                self.count("endpoint_disabled");
                tracing::warn!(endpoint = %due.endpoint_id, %reason, "webhook endpoint disabled");
            }
            Err(error) => tracing::warn!(%error, "webhook endpoint not disabled"),
        }
    }
}
