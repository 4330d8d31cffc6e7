//! The gateway-call log, written with each settlement.

use super::*;

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::alipay::client::{Attempt, AttemptOutcome};
use crate::domain::events::EventType;
use alipay_protocol::methods::Method;

/// The record a gateway call was made for.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: Uuid,
}

/// The attempts of one logical gateway call, written in the transaction that settles it,
/// with the webhook events that announce the settlement.
pub struct CallLog<'a> {
    pub record: RecordRef,
    pub attempts: &'a [Attempt],
    pub request_id: Option<&'a str>,
    pub events: &'a [OutboxEvent],
    /// An operator's decision that the settlement carries out.
    pub resolution: Option<&'a OperatorResolution>,
}

impl<'a> CallLog<'a> {
    /// The same log, announcing `events` when the settlement commits.
    pub fn announcing(self, events: &'a [OutboxEvent]) -> Self {
        Self { events, ..self }
    }

    /// The same log, recording the operator's `resolution` when the settlement commits.
    pub fn resolved(self, resolution: &'a OperatorResolution) -> Self {
        Self {
            resolution: Some(resolution),
            ..self
        }
    }
}

/// An operator's word on a change that no answer could prove.
#[derive(Debug, Clone)]
pub struct OperatorResolution {
    pub operation_id: Uuid,
    pub applied: bool,
    pub reason: String,
    pub resolved_by: String,
    pub unproven_tries: u32,
    pub last_answer: Option<serde_json::Value>,
}

/// A webhook event in the outbox: written in the transaction of the change it announces,
/// and only when an enabled endpoint of its app subscribes to its type (with one delivery
/// per such endpoint).
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub id: Uuid,
    pub app_id: String,
    pub kind: EventType,
    pub payload: serde_json::Value,
}

/// The outbox events as one array per column, for the outbox's `UNNEST`.
pub(super) struct OutboxColumns {
    pub(super) id: Vec<Uuid>,
    pub(super) app_id: Vec<String>,
    pub(super) kind: Vec<EventType>,
    pub(super) payload: Vec<serde_json::Value>,
}

impl OutboxColumns {
    pub(super) fn new(events: &[OutboxEvent]) -> Self {
        Self {
            id: events.iter().map(|e| e.id).collect(),
            app_id: events.iter().map(|e| e.app_id.clone()).collect(),
            kind: events.iter().map(|e| e.kind).collect(),
            payload: events.iter().map(|e| e.payload.clone()).collect(),
        }
    }
}

/// Writes `events` (and their deliveries) on `conn`, inside the caller's transaction.
pub(crate) async fn write_outbox(
    conn: &mut PgConnection,
    events: &[OutboxEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let columns = OutboxColumns::new(events);
    with_outbox!(
        "WITH ",
        "SELECT x.* FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
             AS x(id, app_id, type, payload)",
        "SELECT count(*) FROM w",
        &columns.id,
        &columns.app_id,
        &columns.kind as _,
        &columns.payload,
    )
    .fetch_one(conn)
    .await
    .map_err(failed("write_outbox"))
    .map(drop)
}

alipass_domain::text_enum! {
    /// How one gateway attempt ended, as the call log keeps it.
    CallOutcome {
        Success = "success",
        /// The gateway answered with a code other than success.
        Refused = "refused",
        /// No usable answer came back.
        NoAnswer = "no_answer",
    }
}
alipass_domain::pg_text!(CallOutcome);

/// The attempts of a call as one array per column, for UNNEST.
pub(super) struct CallColumns<'a> {
    pub(super) method: Vec<Method>,
    pub(super) attempt: Vec<i32>,
    pub(super) outcome: Vec<CallOutcome>,
    pub(super) code: Vec<Option<&'a str>>,
    pub(super) sub_code: Vec<Option<&'a str>>,
    pub(super) sub_msg: Vec<Option<&'a str>>,
    pub(super) latency_ms: Vec<i32>,
}

impl<'a> CallColumns<'a> {
    pub(super) fn new(log: &'a CallLog<'_>) -> Self {
        let mut columns = CallColumns {
            method: Vec::new(),
            attempt: Vec::new(),
            outcome: Vec::new(),
            code: Vec::new(),
            sub_code: Vec::new(),
            sub_msg: Vec::new(),
            latency_ms: Vec::new(),
        };
        for attempt in log.attempts {
            let (outcome, [code, sub_code, sub_msg]) = match &attempt.outcome {
                AttemptOutcome::Success => (CallOutcome::Success, [Some("10000"), None, None]),
                AttemptOutcome::Code {
                    code,
                    sub_code,
                    sub_msg,
                } => (
                    CallOutcome::Refused,
                    [Some(code.as_str()), sub_code.as_deref(), sub_msg.as_deref()],
                ),
                AttemptOutcome::NoAnswer(reason) => {
                    (CallOutcome::NoAnswer, [None, None, Some(reason.as_str())])
                }
            };
            columns.method.push(attempt.method);
            columns.attempt.push(attempt.attempt as i32);
            columns.outcome.push(outcome);
            columns.code.push(code);
            columns.sub_code.push(sub_code);
            columns.sub_msg.push(sub_msg);
            let latency = attempt.latency.as_millis().min(i32::MAX as u128);
            columns.latency_ms.push(latency as i32);
        }
        columns
    }
}

/// Appends every attempt of one logical call in one statement. Never key material or
/// signatures.
pub(super) async fn log_gateway_calls(
    conn: &mut PgConnection,
    log: &CallLog<'_>,
) -> Result<(), sqlx::Error> {
    if log.attempts.is_empty() {
        return Ok(());
    }
    let columns = CallColumns::new(log);
    sqlx::query_scalar!(
        "WITH c AS (INSERT INTO gateway_calls (record_kind, record_id, request_id, method, attempt,
             outcome, code, sub_code, sub_msg, latency_ms)
         SELECT $1::text, $2::uuid, $3::text, * FROM UNNEST($4::text[], $5::int[], $6::text[],
             $7::text[], $8::text[], $9::text[], $10::int[]) RETURNING 1)
         SELECT count(*) FROM c",
        log.record.kind.name(),
        log.record.id,
        log.request_id,
        &columns.method as _,
        &columns.attempt,
        &columns.outcome as _,
        &columns.code as _,
        &columns.sub_code as _,
        &columns.sub_msg as _,
        &columns.latency_ms,
    )
    .fetch_one(conn)
    .await
    .map_err(failed("log_gateway_calls"))
    .map(drop)
}

/// Ends a settling transaction: with the call log when its fenced write went through,
/// else rolled back with the call log kept alone (a late owner's calls are history too).
pub(super) async fn commit_with_calls(
    mut tx: Transaction<'_, Postgres>,
    db: &PgPool,
    written: bool,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    if written {
        log_gateway_calls(&mut tx, calls).await?;
        write_outbox(&mut tx, calls.events).await?;
        if let Some(resolution) = calls.resolution {
            write_resolution(&mut tx, calls.record, resolution).await?;
        }
        tx.commit().await?;
    } else {
        tx.rollback().await?;
        log_gateway_calls(&mut *db.acquire().await?, calls).await?;
    }
    Ok(written)
}

async fn write_resolution(
    tx: &mut Transaction<'_, Postgres>,
    record: RecordRef,
    resolution: &OperatorResolution,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO operator_resolutions (record_kind, record_id, operation_id, applied, reason,
             resolved_by, unproven_tries, last_answer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        record.kind.name(),
        record.id,
        resolution.operation_id,
        resolution.applied,
        resolution.reason,
        resolution.resolved_by,
        i32::try_from(resolution.unproven_tries).unwrap_or(i32::MAX),
        resolution.last_answer,
    )
    .execute(&mut **tx)
    .await
    .map_err(failed("write_resolution"))?;
    Ok(())
}

/// A page of the calls made for one record, oldest first, after call id `after`.
#[tracing::instrument(name = "db.gateway_calls_for", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn gateway_calls_for(
    db: &PgPool,
    record_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<GatewayCallRow>, sqlx::Error> {
    sqlx::query_as!(
        GatewayCallRow,
        r#"SELECT id, method AS "method: Method", attempt, outcome, code, sub_code, sub_msg,
             latency_ms, request_id, created_at
         FROM gateway_calls WHERE record_id = $1 AND id > $2 ORDER BY id LIMIT $3"#,
        record_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("gateway_calls_for"))
}
