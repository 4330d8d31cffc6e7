//! Webhook endpoints, deliveries (claimed by any replica under a lease) and attempts.
//! Every statement is checked against the schema at build time (`sqlx::query!`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::store::failed;

#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub id: Uuid,
    pub app_id: String,
    pub owner: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub secret_sealed: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A checked statement reading [`EndpointRow`]s: the endpoint's columns, then `$filter`.
macro_rules! endpoint_rows {
    ($filter:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            EndpointRow,
            "SELECT id, app_id, owner, url, event_types, description, secret_sealed, enabled,
                disabled_reason, failing_since, created_at FROM webhook_endpoints " + $filter
            $(, $arg)*
        )
    };
}

#[tracing::instrument(name = "db.insert_webhook_endpoint", level = "debug", skip_all)]
pub async fn insert_endpoint(db: &PgPool, row: &EndpointRow) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO webhook_endpoints (id, app_id, owner, url, event_types, description, \
         secret_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        row.id,
        &row.app_id,
        &row.owner,
        &row.url,
        &row.event_types,
        row.description.as_deref(),
        &row.secret_sealed
    )
    .execute(db)
    .await
    .map_err(failed("insert_webhook_endpoint"))
    .map(drop)
}

/// The endpoints `owner` registered for `app_id`, newest first.
#[tracing::instrument(name = "db.webhook_endpoints", level = "debug", skip_all)]
pub async fn endpoints(
    db: &PgPool,
    app_id: &str,
    owner: &str,
) -> Result<Vec<EndpointRow>, sqlx::Error> {
    endpoint_rows!(
        "WHERE app_id = $1 AND owner = $2 ORDER BY created_at DESC",
        app_id,
        owner
    )
    .fetch_all(db)
    .await
    .map_err(failed("webhook_endpoints"))
}

#[tracing::instrument(name = "db.webhook_endpoint", level = "debug", skip_all)]
pub async fn endpoint(
    db: &PgPool,
    (app_id, owner): (&str, &str),
    id: Uuid,
) -> Result<Option<EndpointRow>, sqlx::Error> {
    endpoint_rows!(
        "WHERE id = $1 AND app_id = $2 AND owner = $3",
        id,
        app_id,
        owner
    )
    .fetch_optional(db)
    .await
    .map_err(failed("webhook_endpoint"))
}

#[tracing::instrument(name = "db.delete_webhook_endpoint", level = "debug", skip_all)]
pub async fn delete_endpoint(db: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM webhook_endpoints WHERE id = $1", id)
        .execute(db)
        .await
        .map_err(failed("delete_webhook_endpoint"))
        .map(drop)
}

/// Enables an endpoint again (its failure streak forgotten) or disables it with a reason;
/// disabling fails its pending deliveries.
#[tracing::instrument(name = "db.set_webhook_endpoint_enabled", level = "debug", skip_all)]
pub async fn set_enabled(db: &PgPool, id: Uuid, reason: Option<&str>) -> Result<(), sqlx::Error> {
    let mut tx = db
        .begin()
        .await
        .map_err(failed("set_webhook_endpoint_enabled"))?;
    sqlx::query!(
        "UPDATE webhook_endpoints SET enabled = $2::text IS NULL, disabled_reason = $2, \
         failing_since = NULL WHERE id = $1",
        id,
        reason
    )
    .execute(&mut *tx)
    .await
    .map_err(failed("set_webhook_endpoint_enabled"))?;
    if reason.is_some() {
        sqlx::query!(
            "UPDATE webhook_deliveries SET state = 'FAILED', lease_until = NULL, \
             lease_token = NULL WHERE endpoint_id = $1 AND state = 'PENDING'",
            id
        )
        .execute(&mut *tx)
        .await
        .map_err(failed("set_webhook_endpoint_enabled"))?;
    }
    tx.commit()
        .await
        .map_err(failed("set_webhook_endpoint_enabled"))
}

/// A delivery a worker holds until its lease ends, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub event_id: Uuid,
    pub endpoint_id: Uuid,
    pub attempts: i32,
    /// This lease's fence: the attempt is recorded only while the row still carries it.
    pub lease_token: Uuid,
    pub event_type: String,
    pub payload: Value,
    pub event_created_at: DateTime<Utc>,
    /// The endpoint's app and the API key (by name) that registered it.
    pub app_id: String,
    pub owner: String,
    pub url: String,
    pub secret_sealed: String,
    pub failing_since: Option<DateTime<Utc>>,
}

/// How much one claim may lease.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// Deliveries in all.
    pub total: i64,
    /// The most one endpoint may have leased at once, counting those already in flight
    /// (on any replica).
    pub per_endpoint: i64,
    pub lease: Duration,
}

/// Serialises claims across replicas, so each one counts every endpoint's leases.
const CLAIM_LOCK: i64 = 0x616c_6970_6173_7301;

/// Leases due deliveries of enabled endpoints, each under a new lease token, taking them in
/// turns: every endpoint's oldest due delivery first, then every endpoint's second, and so
/// on, and none of an endpoint beyond what its cap leaves. A backlog (or a receiver that
/// hangs) of one endpoint thus never holds back another's.
#[tracing::instrument(name = "db.claim_webhook_deliveries", level = "debug", skip_all)]
pub async fn claim_due(db: &PgPool, claim: Claim) -> Result<Vec<DueDelivery>, sqlx::Error> {
    let mut tx = db
        .begin()
        .await
        .map_err(failed("claim_webhook_deliveries"))?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(failed("claim_webhook_deliveries"))?;
    let lease_ms = i64::try_from(claim.lease.as_millis()).unwrap_or(i64::MAX);
    let due = sqlx::query_as!(
        DueDelivery,
        r#"
WITH candidates AS (
    SELECT c.event_id, c.endpoint_id
    FROM webhook_endpoints e
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM webhook_deliveries b
        WHERE b.endpoint_id = e.id AND b.state = 'PENDING' AND b.lease_token IS NOT NULL
          AND b.lease_until > now()) busy
    -- Numbered after the LIMIT: a backlog is read no further than the cap.
    CROSS JOIN LATERAL (
        SELECT first.*, row_number() OVER (ORDER BY first.next_attempt_at) AS turn
        FROM (SELECT d.event_id, d.endpoint_id, d.next_attempt_at
              FROM webhook_deliveries d
              WHERE d.endpoint_id = e.id AND d.state = 'PENDING' AND d.next_attempt_at <= now()
                AND (d.lease_until IS NULL OR d.lease_until < now())
              ORDER BY d.next_attempt_at LIMIT $2) first) c
    -- A disabled endpoint's delivery is never leased (nor its attempts counted).
    WHERE e.enabled AND c.turn <= $2 - busy.n
    ORDER BY c.turn, c.next_attempt_at
    LIMIT $1),
due AS (
    SELECT d.event_id, d.endpoint_id FROM webhook_deliveries d
    JOIN candidates c ON c.event_id = d.event_id AND c.endpoint_id = d.endpoint_id
    WHERE d.state = 'PENDING' AND (d.lease_until IS NULL OR d.lease_until < now())
    FOR UPDATE OF d SKIP LOCKED),
leased AS (
    UPDATE webhook_deliveries d SET lease_until = now() + $3::int8 * interval '1 millisecond',
        lease_token = gen_random_uuid(), attempts = d.attempts + 1
    FROM due WHERE d.event_id = due.event_id AND d.endpoint_id = due.endpoint_id
    RETURNING d.event_id, d.endpoint_id, d.attempts, d.lease_token)
SELECT l.event_id AS "event_id!", l.endpoint_id AS "endpoint_id!", l.attempts AS "attempts!",
       l.lease_token AS "lease_token!", ev.type AS event_type, ev.payload,
       ev.created_at AS event_created_at, e.app_id, e.owner, e.url, e.secret_sealed,
       e.failing_since
FROM leased l JOIN webhook_events ev ON ev.id = l.event_id
JOIN webhook_endpoints e ON e.id = l.endpoint_id AND e.enabled"#,
        claim.total,
        claim.per_endpoint,
        lease_ms
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(failed("claim_webhook_deliveries"))?;
    tx.commit()
        .await
        .map_err(failed("claim_webhook_deliveries"))?;
    Ok(due)
}

/// One attempt's result, as recorded.
pub struct AttemptRecord<'a> {
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    pub duration: Duration,
    /// Delivered; else retried after this long (None: every retry is spent).
    pub delivered: bool,
    pub retry_after: Option<Duration>,
}

/// Whether an attempt's result was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Recorded,
    /// The lease was no longer this worker's (it expired and another worker leased the
    /// delivery, or it was redelivered or failed meanwhile): nothing was recorded.
    LeaseLost,
}

/// Records an attempt and moves the delivery on, keeping the endpoint's failure streak,
/// only while the delivery still carries `due`'s lease token.
#[tracing::instrument(name = "db.record_webhook_attempt", level = "debug", skip_all)]
pub async fn record_attempt(
    db: &PgPool,
    due: &DueDelivery,
    attempt: &AttemptRecord<'_>,
) -> Result<Settled, sqlx::Error> {
    let mut tx = db.begin().await.map_err(failed("record_webhook_attempt"))?;
    let retry_ms = attempt
        .retry_after
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let moved = sqlx::query!(
        "UPDATE webhook_deliveries SET lease_until = NULL, lease_token = NULL,
             state = CASE WHEN $3 THEN 'DELIVERED' WHEN $4::int8 IS NULL THEN 'FAILED' ELSE 'PENDING' END,
             delivered_at = CASE WHEN $3 THEN now() END,
             next_attempt_at = CASE WHEN $4::int8 IS NULL THEN next_attempt_at
                                    ELSE now() + $4 * interval '1 millisecond' END
         WHERE event_id = $1 AND endpoint_id = $2 AND state = 'PENDING' AND lease_token = $5",
        due.event_id,
        due.endpoint_id,
        attempt.delivered,
        retry_ms,
        due.lease_token
    )
    .execute(&mut *tx)
    .await
    .map_err(failed("record_webhook_attempt"))?;
    if moved.rows_affected() == 0 {
        // Dropping the transaction rolls it back: no attempt row, no streak change.
        return Ok(Settled::LeaseLost);
    }
    let millis = i32::try_from(attempt.duration.as_millis()).unwrap_or(i32::MAX);
    sqlx::query!(
        "INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, status, error, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        due.endpoint_id,
        due.event_id,
        due.attempts,
        attempt.status,
        attempt.error,
        millis
    )
    .execute(&mut *tx)
    .await
    .map_err(failed("record_webhook_attempt"))?;
    sqlx::query!(
        "UPDATE webhook_endpoints SET failing_since = CASE WHEN $2 THEN NULL \
         ELSE coalesce(failing_since, now()) END WHERE id = $1",
        due.endpoint_id,
        attempt.delivered
    )
    .execute(&mut *tx)
    .await
    .map_err(failed("record_webhook_attempt"))?;
    tx.commit()
        .await
        .map_err(failed("record_webhook_attempt"))?;
    Ok(Settled::Recorded)
}

/// One attempt, as `GET /v1/webhook-endpoints/{id}/attempts` lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AttemptRow {
    pub id: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The endpoint's HTTP status; absent when it did not answer.
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// The delivery's state now: PENDING, DELIVERED or FAILED.
    pub delivery_state: String,
}

/// The endpoint's attempts, newest first, before attempt id `before`.
#[tracing::instrument(name = "db.webhook_attempts", level = "debug", skip_all)]
pub async fn attempts(
    db: &PgPool,
    endpoint_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT a.id, a.event_id, ev.type AS event_type, a.attempt, a.created_at AS at, a.status, \
                a.error, a.duration_ms, d.state AS delivery_state
         FROM webhook_attempts a
         JOIN webhook_events ev ON ev.id = a.event_id
         JOIN webhook_deliveries d ON d.event_id = a.event_id AND d.endpoint_id = a.endpoint_id
         WHERE a.endpoint_id = $1 AND ($2::int8 IS NULL OR a.id < $2)
         ORDER BY a.id DESC LIMIT $3",
        endpoint_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("webhook_attempts"))
}

/// Puts one delivery back in the queue, due now. False when there is no such delivery.
#[tracing::instrument(name = "db.redeliver_webhook", level = "debug", skip_all)]
pub async fn redeliver(
    db: &PgPool,
    endpoint_id: Uuid,
    event_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_deliveries SET state = 'PENDING', next_attempt_at = now(), lease_until = NULL, \
         lease_token = NULL WHERE endpoint_id = $1 AND event_id = $2",
        endpoint_id,
        event_id
    )
    .execute(db)
    .await
    .map_err(failed("redeliver_webhook"))?;
    Ok(done.rows_affected() == 1)
}

/// Counts one test send of the endpoint in its current minute (shared by every replica:
/// the count is on the endpoint's row). Ok(Ok(())) while the minute has room for it, else
/// Ok(Err(the seconds left of the minute)).
#[tracing::instrument(name = "db.count_webhook_test_send", level = "debug", skip_all)]
pub async fn count_test_send(
    db: &PgPool,
    endpoint_id: Uuid,
    per_minute: i32,
) -> Result<Result<(), u64>, sqlx::Error> {
    // SET sees the row as it was: both CASEs ask whether the old minute is still running.
    let counted = sqlx::query!(
        r#"UPDATE webhook_endpoints SET
             test_sends = CASE WHEN test_window_start > now() - interval '1 minute'
                          THEN test_sends + 1 ELSE 1 END,
             test_window_start = CASE WHEN test_window_start > now() - interval '1 minute'
                                 THEN test_window_start ELSE now() END
         WHERE id = $1
         RETURNING test_sends, GREATEST(1, CEIL(EXTRACT(EPOCH FROM
             test_window_start + interval '1 minute' - now())))::bigint AS "seconds_left!""#,
        endpoint_id
    )
    .fetch_one(db)
    .await
    .map_err(failed("count_webhook_test_send"))?;
    Ok(match counted.test_sends <= per_minute {
        true => Ok(()),
        false => Err(u64::try_from(counted.seconds_left).unwrap_or(1)),
    })
}

/// A test event for one endpoint only (it subscribes to nothing else of the kind).
#[tracing::instrument(name = "db.webhook_test_event", level = "debug", skip_all)]
pub async fn insert_test_event(
    db: &PgPool,
    endpoint: &EndpointRow,
    event_id: Uuid,
    payload: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "WITH ev AS (INSERT INTO webhook_events (id, app_id, type, payload) \
         VALUES ($1, $2, 'webhook.test', $3) RETURNING id) \
         INSERT INTO webhook_deliveries (event_id, endpoint_id) SELECT id, $4 FROM ev",
        event_id,
        &endpoint.app_id,
        payload,
        endpoint.id
    )
    .execute(db)
    .await
    .map_err(failed("webhook_test_event"))
    .map(drop)
}
