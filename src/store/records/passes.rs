//! Pass records and their events.

use super::*;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::pass::{ChannelId, SerialNumber};
use crate::store::hot::HotConnections;
use crate::store::idempotency::KeyError;

pub struct NewPass<'a> {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The template version the parameters were checked against: the insert fails with
    /// [`KeyError::Stale`] when the template changed since.
    pub template_version: i32,
    pub app_id: &'a str,
    pub channel_id: &'a ChannelId,
    pub serial_number: &'a SerialNumber,
    pub template_id: TemplateId,
    pub request_hash: &'a str,
    pub params: &'a Value,
    pub partner_id: &'a str,
    pub out_trade_no: &'a str,
    pub app_auth_token_sealed: Option<&'a str>,
    pub merchant_id: Option<&'a str>,
}

impl NewPass<'_> {
    /// The row [`insert_pass`] writes.
    pub fn row(&self) -> PassRow {
        PassRow {
            id: self.id,
            app_id: self.app_id.to_owned(),
            channel_id: self.channel_id.as_str().to_owned(),
            serial_number: self.serial_number.as_str().to_owned(),
            template_id: self.template_id,
            status: PassStatus::Issuing,
            alipay_pass_id: None,
            params: self.params.clone(),
            partner_id: self.partner_id.to_owned(),
            out_trade_no: self.out_trade_no.to_owned(),
            failure_code: None,
            pending_change: None,
            created_at: self.created_at,
            updated_at: self.created_at,
            app_auth_token_sealed: self.app_auth_token_sealed.map(str::to_owned),
            merchant_id: self.merchant_id.map(str::to_owned),
        }
    }
}

/// Writes the ISSUING record and its first event, in one statement, if the template is
/// still CREATED at the version the parameters were checked against.
#[tracing::instrument(name = "db.insert_pass", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn insert_pass(
    db: &HotConnections,
    new: &NewPass<'_>,
    lease: Lease,
    request_id: Option<&str>,
) -> Result<Option<Uuid>, KeyError> {
    let mut conn = db.acquire().await.map_err(failed("insert_pass"))?;
    let inserted = sqlx::query!(
        r#"WITH t AS (SELECT 1 FROM templates WHERE id = $5 AND version = $14 AND status = 'CREATED'),
         p AS (INSERT INTO passes (id, app_id, channel_id, serial_number, template_id, request_hash,
             status, params, partner_id, out_trade_no, lease_until, lease_token, created_at,
             updated_at, app_auth_token_sealed, merchant_id)
             SELECT $1, $2, $3, $4, $5, $6, 'ISSUING', $7, $8, $9, now() + $10, $11, $13, $13, $15,
                 $16 FROM t
             ON CONFLICT (app_id, channel_id, serial_number) DO NOTHING RETURNING id),
         e AS (INSERT INTO pass_events (pass_id, kind, detail, request_id)
             SELECT id, 'ISSUING', '{}', $12 FROM p)
         SELECT (SELECT id FROM p) AS "id?", EXISTS (SELECT 1 FROM t) AS "template_current!""#,
        new.id,
        new.app_id,
        new.channel_id.as_str(),
        new.serial_number.as_str(),
        new.template_id.as_uuid(),
        new.request_hash,
        new.params,
        new.partner_id,
        new.out_trade_no,
        lease.length as _,
        lease.token,
        request_id,
        new.created_at,
        new.template_version,
        new.app_auth_token_sealed,
        new.merchant_id,
    )
    .fetch_one(&mut *conn)
    .await
    .map(|row| (row.id, row.template_current));
    let (id, template_current): (Option<Uuid>, bool) =
        conn.finish(inserted).map_err(failed("insert_pass"))?;
    if !template_current {
        return Err(KeyError::Stale);
    }
    Ok(id)
}

/// A pass event. `operation_id` names the operation it settles (unique per pass and kind).
pub struct NewEvent<'a> {
    pub kind: PassEventKind,
    pub detail: &'a Value,
    pub operation_id: Option<Uuid>,
    pub request_id: Option<&'a str>,
}

pub(super) async fn add_event(
    tx: &mut Transaction<'_, Postgres>,
    pass_id: Uuid,
    event: &NewEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO pass_events (pass_id, kind, detail, request_id, operation_id)
         VALUES ($1, $2, $3, $4, $5)",
        pass_id,
        event.kind as _,
        event.detail,
        event.request_id,
        event.operation_id,
    )
    .execute(&mut **tx)
    .await
    .map_err(failed("add_event"))
    .map(|_| ())
}

#[tracing::instrument(name = "db.pass_by_id", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn pass_by_id(db: &PgPool, id: Uuid) -> Result<Option<PassRow>, sqlx::Error> {
    pass_rows!("SELECT", "FROM passes WHERE id = $1", id)
        .fetch_optional(db)
        .await
        .map_err(failed("pass_by_id"))
}

/// A pass with its template's Alipay id: what instance.add sends.
#[tracing::instrument(name = "db.pass_for_issue", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn pass_for_issue(
    db: &PgPool,
    id: Uuid,
) -> Result<Option<(PassRow, Option<String>)>, sqlx::Error> {
    let Some(pass) = pass_by_id(db, id).await? else {
        return Ok(None);
    };
    let template_alipay_tpl_id = sqlx::query_scalar!(
        "SELECT alipay_tpl_id FROM templates WHERE id = $1",
        pass.template_id.as_uuid()
    )
    .fetch_optional(db)
    .await
    .map_err(failed("pass_for_issue"))?
    .flatten();
    Ok(Some((pass, template_alipay_tpl_id)))
}

/// Passes with this serial number (one per channel).
#[tracing::instrument(name = "db.passes_by_serial", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn passes_by_serial(
    db: &PgPool,
    app_id: &str,
    serial_number: &str,
    channel_id: Option<&str>,
) -> Result<Vec<PassRow>, sqlx::Error> {
    pass_rows!(
        "SELECT",
        "FROM passes WHERE app_id = $1 AND serial_number = $2
         AND ($3::text IS NULL OR channel_id = $3) ORDER BY id LIMIT 2",
        app_id,
        serial_number,
        channel_id
    )
    .fetch_all(db)
    .await
    .map_err(failed("passes_by_serial"))
}

#[tracing::instrument(name = "db.passes_page", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn passes_page(
    db: &PgPool,
    app_id: &str,
    template_id: Option<Uuid>,
    status: Option<PassStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PassRow>, sqlx::Error> {
    pass_rows!(
        "SELECT",
        "FROM passes WHERE app_id = $1 AND ($2::uuid IS NULL OR template_id = $2)
         AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4)
         ORDER BY id LIMIT $5",
        app_id,
        template_id,
        status as _,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("passes_page"))
}

/// Settles issuance (ISSUED or FAILED) from the final row with its event, in one
/// transaction. `response` as in [`settle_add`]. Fenced: false when our lease was lost
/// or the pass is settled already (nothing written).
#[tracing::instrument(name = "db.settle_pass_issue", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn settle_pass_issue(
    db: &HotConnections,
    settled: &PassRow,
    token: Uuid,
    response: Option<&SavedAnswer>,
    event: &NewEvent<'_>,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    // One statement: the settlement, its event, the call log and the webhook outbox
    // commit together.
    let columns = CallColumns::new(calls);
    let outbox = OutboxColumns::new(calls.events);
    let mut conn = db.acquire().await.map_err(failed("settle_pass_issue"))?;
    let rows = with_outbox!(
        "WITH s AS (UPDATE passes SET status = $2, alipay_pass_id = $3, failure_code = $4,
             response_status = $5, response_body = $6, response_outcome = $25, lease_until = NULL,
             updated_at = $7
             WHERE id = $1 AND lease_token = $8 AND status = 'ISSUING' AND response_status IS NULL
             RETURNING id),
         e AS (INSERT INTO pass_events (pass_id, kind, detail, request_id, operation_id)
             SELECT id, $9, $10, $11, $12 FROM s),
         c AS (INSERT INTO gateway_calls (record_kind, record_id, request_id, method, attempt,
             outcome, code, sub_code, sub_msg, latency_ms) SELECT 'pass', s.id, $13, u.* FROM s,
             UNNEST($14::text[], $15::int[], $16::text[], $17::text[], $18::text[], $19::text[],
             $20::int[]) AS u), ",
        "SELECT x.* FROM s, UNNEST($21::uuid[], $22::text[], $23::text[], $24::jsonb[])
             AS x(id, app_id, type, payload)",
        r#"SELECT count(*) AS "count!" FROM s"#,
        settled.id,
        settled.status as _,
        settled.alipay_pass_id,
        settled.failure_code,
        response.map(|r| r.status as i16),
        response.map(|r| sqlx::types::Json(&r.body)) as _,
        settled.updated_at,
        token,
        event.kind as _,
        event.detail,
        event.request_id,
        event.operation_id,
        calls.request_id,
        &columns.method as _,
        &columns.attempt,
        &columns.outcome as _,
        &columns.code as _,
        &columns.sub_code as _,
        &columns.sub_msg as _,
        &columns.latency_ms,
        &outbox.id,
        &outbox.app_id,
        &outbox.kind as _,
        &outbox.payload,
        response.map(|r| sqlx::types::Json(&r.outcome)) as _,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(failed("settle_pass_issue"));
    let written = match rows {
        // Fenced out: a late owner's calls are history too.
        Ok(0) => log_gateway_calls(&mut conn, calls).await.map(|()| false),
        Ok(rows) => Ok(rows == 1),
        Err(error) => Err(error),
    };
    conn.finish(written)
}

/// What a settled change wrote: the new status, the merged params, a pass id learnt from
/// the answer.
pub struct AppliedChange<'a> {
    pub status: PassStatus,
    pub params: &'a Value,
    pub alipay_pass_id: Option<&'a str>,
}

/// Ends a change: applies it (None = refused: nothing changes) with its event. Fenced:
/// None when our lease was lost or the change is settled already (nothing written).
#[tracing::instrument(name = "db.finish_pass_change", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn finish_pass_change(
    db: &PgPool,
    id: Uuid,
    token: Uuid,
    applied: Option<AppliedChange<'_>>,
    event: &NewEvent<'_>,
    calls: &CallLog<'_>,
) -> Result<Option<PassRow>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = pass_rows!(
        "UPDATE passes SET status = COALESCE($3, status), params = COALESCE($4, params),
             alipay_pass_id = COALESCE(alipay_pass_id, $5), pending_change = NULL,
             lease_until = NULL, updated_at = now()
         WHERE id = $1 AND lease_token = $2 AND pending_change IS NOT NULL RETURNING",
        "",
        id,
        token,
        applied.as_ref().map(|a| a.status) as _,
        applied.as_ref().map(|a| a.params),
        applied.as_ref().and_then(|a| a.alipay_pass_id),
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(failed("finish_pass_change"))?;
    if row.is_some() {
        add_event(&mut tx, id, event).await?;
    }
    commit_with_calls(tx, db, row.is_some(), calls).await?;
    Ok(row)
}

/// A page of a pass's events, oldest first, after event id `after`.
#[tracing::instrument(name = "db.pass_events", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn pass_events(
    db: &PgPool,
    pass_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<PassEventRow>, sqlx::Error> {
    sqlx::query_as!(
        PassEventRow,
        "SELECT id, kind, operation_id, detail, request_id, created_at FROM pass_events
         WHERE pass_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        pass_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("pass_events"))
}
