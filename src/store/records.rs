//! Postgres rows for templates, passes, vouchers, pass events and the gateway-call log.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::alipay::client::{Attempt, AttemptOutcome};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub app_id: String,
    pub unique_id: String,
    pub status: String,
    pub alipay_tpl_id: Option<String>,
    pub tpl_content: Value,
    pub params: Vec<String>,
    pub failure_code: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PassRow {
    pub id: Uuid,
    pub app_id: String,
    pub channel_id: String,
    pub serial_number: String,
    pub template_id: Uuid,
    pub status: String,
    pub alipay_pass_id: Option<String>,
    pub params: Value,
    pub partner_id: String,
    pub out_trade_no: String,
    pub failure_code: Option<String>,
    pub pending_change: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoucherRow {
    pub id: Uuid,
    pub app_id: String,
    pub template_id: String,
    pub out_biz_no: String,
    pub status: String,
    pub recipient_kind: String,
    pub recipient: String,
    pub amount: Option<String>,
    pub memo: Option<String>,
    pub alipay_voucher_id: Option<String>,
    pub alipay_user_id: Option<String>,
    pub failure_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PassEventRow {
    pub id: i64,
    pub kind: String,
    pub detail: Value,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GatewayCallRow {
    pub method: String,
    pub attempt: i32,
    pub outcome: String,
    pub code: Option<String>,
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
    pub latency_ms: i32,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

const TEMPLATE_COLUMNS: &str =
    "id, app_id, unique_id, status, alipay_tpl_id, tpl_content, params, \
     failure_code, version, created_at, updated_at";
const PASS_COLUMNS: &str =
    "id, app_id, channel_id, serial_number, template_id, status, alipay_pass_id, \
     params, partner_id, out_trade_no, failure_code, pending_change, created_at, updated_at";
const VOUCHER_COLUMNS: &str =
    "id, app_id, template_id, out_biz_no, status, recipient_kind, recipient, \
     amount, memo, alipay_voucher_id, alipay_user_id, failure_code, created_at, updated_at";

// ---- templates ----------------------------------------------------------------------------

pub struct NewTemplate<'a> {
    pub app_id: &'a str,
    pub unique_id: &'a str,
    pub request_hash: &'a str,
    pub tpl_content: &'a Value,
    pub params: &'a [String],
}

pub async fn insert_template(
    db: &PgPool,
    new: &NewTemplate<'_>,
    lease: Duration,
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO templates (id, app_id, unique_id, request_hash, status, tpl_content, params, lease_until) \
         VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, now() + $7) \
         ON CONFLICT (app_id, unique_id) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(new.app_id)
    .bind(new.unique_id)
    .bind(new.request_hash)
    .bind(new.tpl_content)
    .bind(new.params)
    .bind(lease)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

pub async fn template(
    db: &PgPool,
    app_id: &str,
    id: Uuid,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND app_id = $2"
    ))
    .bind(id)
    .bind(app_id)
    .fetch_optional(db)
    .await
}

pub async fn templates_page(
    db: &PgPool,
    app_id: &str,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE app_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    ))
    .bind(app_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Settles a pending template (CREATED or FAILED) with the response replayed for duplicates.
/// Settles a pending template from its final row (rendered by the caller into `response`,
/// the body replayed for duplicates), in one statement.
pub async fn settle_template(
    db: &PgPool,
    settled: &TemplateRow,
    response: (u16, &Value),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE templates SET status = $2, alipay_tpl_id = $3, failure_code = $4, \
         response_status = $5, response_body = $6, lease_until = NULL, updated_at = $7 WHERE id = $1",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_tpl_id)
    .bind(&settled.failure_code)
    .bind(response.0 as i16)
    .bind(response.1)
    .bind(settled.updated_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// Gives up a lease after an unknown outcome so a retry or the reconciler can take over.
pub async fn release_lease(db: &PgPool, table: &'static str, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {table} SET lease_until = NULL, updated_at = now() WHERE id = $1"
    ))
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Claims a created template for an update; None when another update holds it.
pub async fn lease_template_for_update(
    db: &PgPool,
    app_id: &str,
    id: Uuid,
    lease: Duration,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE templates SET lease_until = now() + $3 WHERE id = $1 AND app_id = $2 AND status = 'CREATED' \
         AND (lease_until IS NULL OR lease_until < now()) RETURNING {TEMPLATE_COLUMNS}"
    ))
    .bind(id)
    .bind(app_id)
    .bind(lease)
    .fetch_optional(db)
    .await
}

pub async fn finish_template_update(
    db: &PgPool,
    id: Uuid,
    content: Option<(&Value, &[String])>,
) -> Result<TemplateRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE templates SET tpl_content = COALESCE($2, tpl_content), params = COALESCE($3, params), \
         version = version + CASE WHEN $2 IS NULL THEN 0 ELSE 1 END, lease_until = NULL, updated_at = now() \
         WHERE id = $1 RETURNING {TEMPLATE_COLUMNS}"
    ))
    .bind(id)
    .bind(content.map(|c| c.0))
    .bind(content.map(|c| c.1))
    .fetch_one(db)
    .await
}

// ---- passes -------------------------------------------------------------------------------

pub struct NewPass<'a> {
    pub app_id: &'a str,
    pub channel_id: &'a str,
    pub serial_number: &'a str,
    pub template_id: Uuid,
    pub request_hash: &'a str,
    pub params: &'a Value,
    pub partner_id: &'a str,
    pub out_trade_no: &'a str,
}

/// Writes the ISSUING record and its first event in one transaction.
pub async fn insert_pass(
    db: &PgPool,
    new: &NewPass<'_>,
    lease: Duration,
    request_id: Option<&str>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO passes (id, app_id, channel_id, serial_number, template_id, request_hash, status, \
         params, partner_id, out_trade_no, lease_until) \
         VALUES ($1, $2, $3, $4, $5, $6, 'ISSUING', $7, $8, $9, now() + $10) \
         ON CONFLICT (app_id, channel_id, serial_number) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(new.app_id)
    .bind(new.channel_id)
    .bind(new.serial_number)
    .bind(new.template_id)
    .bind(new.request_hash)
    .bind(new.params)
    .bind(new.partner_id)
    .bind(new.out_trade_no)
    .bind(lease)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id,)) = row {
        add_event(&mut tx, id, "ISSUING", &serde_json::json!({}), request_id).await?;
    }
    tx.commit().await?;
    Ok(row.map(|r| r.0))
}

pub async fn add_event(
    tx: &mut Transaction<'_, Postgres>,
    pass_id: Uuid,
    kind: &str,
    detail: &Value,
    request_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pass_events (pass_id, kind, detail, request_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(pass_id)
    .bind(kind)
    .bind(detail)
    .bind(request_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn pass_by_id(db: &PgPool, id: Uuid) -> Result<Option<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Passes with this serial number (one per channel).
pub async fn passes_by_serial(
    db: &PgPool,
    app_id: &str,
    serial_number: &str,
    channel_id: Option<&str>,
) -> Result<Vec<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PASS_COLUMNS} FROM passes WHERE app_id = $1 AND serial_number = $2 \
         AND ($3::text IS NULL OR channel_id = $3) ORDER BY id LIMIT 2"
    ))
    .bind(app_id)
    .bind(serial_number)
    .bind(channel_id)
    .fetch_all(db)
    .await
}

pub async fn passes_page(
    db: &PgPool,
    app_id: &str,
    template_id: Option<Uuid>,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PASS_COLUMNS} FROM passes WHERE app_id = $1 AND ($2::uuid IS NULL OR template_id = $2) \
         AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4) ORDER BY id LIMIT $5"
    ))
    .bind(app_id)
    .bind(template_id)
    .bind(status)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Settles issuance (ISSUED or FAILED) from the final row, with the replayed response and
/// its event, in one transaction.
pub async fn settle_pass_issue(
    db: &PgPool,
    settled: &PassRow,
    response: (u16, &Value),
    event: (&str, &Value),
    request_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE passes SET status = $2, alipay_pass_id = $3, failure_code = $4, response_status = $5, \
         response_body = $6, lease_until = NULL, updated_at = $7 WHERE id = $1",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_pass_id)
    .bind(&settled.failure_code)
    .bind(response.0 as i16)
    .bind(response.1)
    .bind(settled.updated_at)
    .execute(&mut *tx)
    .await?;
    add_event(&mut tx, settled.id, event.0, event.1, request_id).await?;
    tx.commit().await
}

/// Claims an ISSUED pass for one change (update / redeem / close) and records the intent.
/// None when the pass is not ISSUED or another change holds it.
pub async fn begin_pass_change(
    db: &PgPool,
    id: Uuid,
    change: &Value,
    lease: Duration,
) -> Result<Option<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE passes SET pending_change = $2, lease_until = now() + $3, updated_at = now() \
         WHERE id = $1 AND status = 'ISSUED' AND pending_change IS NULL \
         AND (lease_until IS NULL OR lease_until < now()) RETURNING {PASS_COLUMNS}"
    ))
    .bind(id)
    .bind(change)
    .bind(lease)
    .fetch_optional(db)
    .await
}

/// Ends a change: applies the new status and/or params (None = refused: nothing changes).
pub async fn finish_pass_change(
    db: &PgPool,
    id: Uuid,
    applied: Option<(&str, &Value)>,
    event: (&str, &Value),
    request_id: Option<&str>,
) -> Result<PassRow, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: PassRow = sqlx::query_as(&format!(
        "UPDATE passes SET status = COALESCE($2, status), params = COALESCE($3, params), \
         pending_change = NULL, lease_until = NULL, updated_at = now() WHERE id = $1 RETURNING {PASS_COLUMNS}"
    ))
    .bind(id)
    .bind(applied.map(|a| a.0))
    .bind(applied.map(|a| a.1))
    .fetch_one(&mut *tx)
    .await?;
    add_event(&mut tx, id, event.0, event.1, request_id).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn pass_events(db: &PgPool, pass_id: Uuid) -> Result<Vec<PassEventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, detail, request_id, created_at FROM pass_events WHERE pass_id = $1 ORDER BY id",
    )
    .bind(pass_id)
    .fetch_all(db)
    .await
}

// ---- vouchers -----------------------------------------------------------------------------

pub struct NewVoucher<'a> {
    pub app_id: &'a str,
    pub template_id: &'a str,
    pub out_biz_no: &'a str,
    pub request_hash: &'a str,
    pub recipient_kind: &'a str,
    pub recipient: &'a str,
    pub amount: Option<&'a str>,
    pub memo: Option<&'a str>,
}

pub async fn insert_voucher(
    db: &PgPool,
    new: &NewVoucher<'_>,
    lease: Duration,
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO vouchers (id, app_id, template_id, out_biz_no, request_hash, status, recipient_kind, \
         recipient, amount, memo, lease_until) VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, now() + $10) \
         ON CONFLICT (app_id, template_id, out_biz_no) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(new.app_id)
    .bind(new.template_id)
    .bind(new.out_biz_no)
    .bind(new.request_hash)
    .bind(new.recipient_kind)
    .bind(new.recipient)
    .bind(new.amount)
    .bind(new.memo)
    .bind(lease)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

pub async fn voucher_by_id(db: &PgPool, id: Uuid) -> Result<Option<VoucherRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn voucher(
    db: &PgPool,
    app_id: &str,
    template_id: &str,
    out_biz_no: &str,
) -> Result<Option<VoucherRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE app_id = $1 AND template_id = $2 AND out_biz_no = $3"
    ))
    .bind(app_id)
    .bind(template_id)
    .bind(out_biz_no)
    .fetch_optional(db)
    .await
}

pub async fn vouchers_page(
    db: &PgPool,
    app_id: &str,
    template_id: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<VoucherRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE app_id = $1 AND ($2::text IS NULL OR template_id = $2) \
         AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4"
    ))
    .bind(app_id)
    .bind(template_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn settle_voucher(
    db: &PgPool,
    settled: &VoucherRow,
    response: (u16, &Value),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE vouchers SET status = $2, alipay_voucher_id = $3, alipay_user_id = $4, failure_code = $5, \
         response_status = $6, response_body = $7, lease_until = NULL, updated_at = $8 WHERE id = $1",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_voucher_id)
    .bind(&settled.alipay_user_id)
    .bind(&settled.failure_code)
    .bind(response.0 as i16)
    .bind(response.1)
    .bind(settled.updated_at)
    .execute(db)
    .await
    .map(|_| ())
}

// ---- reconciliation -------------------------------------------------------------------------

/// Records still open (no settled response, lease expired) older than `stale_after`.
pub async fn stale_records(
    db: &PgPool,
    table: &'static str,
    open_condition: &'static str,
    stale_after: Duration,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let rows: Vec<(Uuid,)> = sqlx::query_as(&format!(
        "SELECT id FROM {table} WHERE {open_condition} AND (lease_until IS NULL OR lease_until < now()) \
         AND updated_at < now() - $1 ORDER BY updated_at LIMIT $2"
    ))
    .bind(stale_after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Claims a pass with a pending change for the reconciler.
pub async fn claim_pass_change(
    db: &PgPool,
    id: Uuid,
    lease: Duration,
) -> Result<Option<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE passes SET lease_until = now() + $2, updated_at = now() WHERE id = $1 \
         AND pending_change IS NOT NULL AND (lease_until IS NULL OR lease_until < now()) RETURNING {PASS_COLUMNS}"
    ))
    .bind(id)
    .bind(lease)
    .fetch_optional(db)
    .await
}

// ---- gateway-call log -----------------------------------------------------------------------

/// Appends every attempt of one logical call. Never key material or signatures.
pub async fn log_gateway_calls(
    db: &PgPool,
    idempotency_key: &str,
    attempts: &[Attempt],
    request_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    for attempt in attempts {
        let (outcome, code, sub_code, sub_msg) = match &attempt.outcome {
            AttemptOutcome::Success => ("success", Some("10000".to_owned()), None, None),
            AttemptOutcome::Code {
                code,
                sub_code,
                sub_msg,
            } => (
                "refused",
                Some(code.clone()),
                sub_code.clone(),
                sub_msg.clone(),
            ),
            AttemptOutcome::NoAnswer(reason) => ("no_answer", None, None, Some(reason.clone())),
        };
        sqlx::query(
            "INSERT INTO gateway_calls (method, idempotency_key, attempt, outcome, code, sub_code, sub_msg, \
             latency_ms, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(attempt.method)
        .bind(idempotency_key)
        .bind(attempt.attempt as i32)
        .bind(outcome)
        .bind(code)
        .bind(sub_code)
        .bind(sub_msg)
        .bind(attempt.latency.as_millis().min(i32::MAX as u128) as i32)
        .bind(request_id)
        .execute(db)
        .await?;
    }
    Ok(())
}

pub async fn gateway_calls_for(
    db: &PgPool,
    idempotency_key: &str,
) -> Result<Vec<GatewayCallRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT method, attempt, outcome, code, sub_code, sub_msg, latency_ms, request_id, created_at \
         FROM gateway_calls WHERE idempotency_key = $1 ORDER BY id",
    )
    .bind(idempotency_key)
    .fetch_all(db)
    .await
}

/// After an unknown outcome: keep the change (marked uncertain) for the reconciler and free
/// the lease.
pub async fn keep_pass_change_pending(
    db: &PgPool,
    id: Uuid,
    change: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE passes SET pending_change = $2, lease_until = NULL, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(change)
        .execute(db)
        .await
        .map(|_| ())
}
