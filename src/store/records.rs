//! Postgres rows for templates, passes, vouchers, pass events and the gateway-call log.

use std::time::Duration;

pub use crate::store::idempotency::Lease;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
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
    pub pending_update: Option<Value>,
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
    pub operation_id: Option<Uuid>,
    pub detail: Value,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GatewayCallRow {
    pub id: i64,
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
     failure_code, version, pending_update, created_at, updated_at";
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
    lease: Lease,
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO templates (id, app_id, unique_id, request_hash, status, tpl_content, params, \
         lease_until, lease_token) VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, now() + $7, $8) \
         ON CONFLICT (app_id, unique_id) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(new.app_id)
    .bind(new.unique_id)
    .bind(new.request_hash)
    .bind(new.tpl_content)
    .bind(new.params)
    .bind(lease.length)
    .bind(lease.token)
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

/// Settles a pending template from its final row. `response` is the answer replayed for
/// duplicates; None leaves the key usable (a refusal that proves no effect). Fenced: false
/// when our lease was lost or the record is settled already (nothing written).
pub async fn settle_template(
    db: &PgPool,
    settled: &TemplateRow,
    token: Uuid,
    response: Option<(u16, &Value)>,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE templates SET status = $2, alipay_tpl_id = $3, failure_code = $4, \
         response_status = $5, response_body = $6, lease_until = NULL, updated_at = $7 \
         WHERE id = $1 AND lease_token = $8 AND status = 'PENDING' AND response_status IS NULL",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_tpl_id)
    .bind(&settled.failure_code)
    .bind(response.map(|r| r.0 as i16))
    .bind(response.map(|r| r.1))
    .bind(settled.updated_at)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    commit_with_calls(tx, db, done.rows_affected() == 1, calls).await
}

/// Gives up a lease after an unknown outcome so a retry or the reconciler can take over.
pub async fn release_lease(
    db: &PgPool,
    table: &'static str,
    id: Uuid,
    token: Uuid,
    calls: &CallLog<'_>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {table} SET lease_until = NULL, updated_at = now() WHERE id = $1 AND lease_token = $2"
    ))
    .bind(id)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    commit_with_calls(tx, db, true, calls).await.map(drop)
}

/// Claims a created template for an update and records the update as pending; None when it
/// is not CREATED or another update is pending.
pub async fn begin_template_update(
    db: &PgPool,
    app_id: &str,
    id: Uuid,
    pending: &Value,
    lease: Lease,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE templates SET pending_update = $3, lease_until = now() + $4, lease_token = $5, updated_at = now() \
         WHERE id = $1 AND app_id = $2 AND status = 'CREATED' AND pending_update IS NULL \
         AND (lease_until IS NULL OR lease_until < now()) RETURNING {TEMPLATE_COLUMNS}"
    ))
    .bind(id)
    .bind(app_id)
    .bind(pending)
    .bind(lease.length)
    .bind(lease.token)
    .fetch_optional(db)
    .await
}

/// Takes over a pending update whose lease expired and which has been quiet for `quiet`
/// (the reconciler, or the caller resending the same content), storing `pending` (now
/// marked uncertain).
pub async fn claim_template_update(
    db: &PgPool,
    id: Uuid,
    update_id: Uuid,
    pending: &Value,
    lease: Lease,
    quiet: Duration,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    claim_pending(
        db,
        Pending::TemplateUpdate,
        id,
        update_id,
        pending,
        (lease, quiet),
    )
    .await
}

/// Ends a pending update: applies the content (None = refused: nothing changes). Fenced.
pub async fn finish_template_update(
    db: &PgPool,
    id: Uuid,
    token: Uuid,
    content: Option<(&Value, &[String])>,
    calls: &CallLog<'_>,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: Option<TemplateRow> = sqlx::query_as(&format!(
        "UPDATE templates SET tpl_content = COALESCE($3, tpl_content), params = COALESCE($4, params), \
         version = version + CASE WHEN $3 IS NULL THEN 0 ELSE 1 END, pending_update = NULL, \
         lease_until = NULL, updated_at = now() \
         WHERE id = $1 AND lease_token = $2 AND pending_update IS NOT NULL RETURNING {TEMPLATE_COLUMNS}"
    ))
    .bind(id)
    .bind(token)
    .bind(content.map(|c| c.0))
    .bind(content.map(|c| c.1))
    .fetch_optional(&mut *tx)
    .await?;
    commit_with_calls(tx, db, row.is_some(), calls).await?;
    Ok(row)
}

/// The operator's way out of NEEDS_ALIPAY_ID: the id read in the Alipay console. None when
/// the template is not waiting for one.
pub async fn set_alipay_template_id(
    db: &PgPool,
    app_id: &str,
    id: Uuid,
    alipay_tpl_id: &str,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE templates SET alipay_tpl_id = $3, status = 'CREATED', updated_at = now() \
         WHERE id = $1 AND app_id = $2 AND status = 'NEEDS_ALIPAY_ID' RETURNING {TEMPLATE_COLUMNS}"
    ))
    .bind(id)
    .bind(app_id)
    .bind(alipay_tpl_id)
    .fetch_optional(db)
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

/// Writes the ISSUING record and its first event, in one statement.
pub async fn insert_pass(
    db: &PgPool,
    new: &NewPass<'_>,
    lease: Lease,
    request_id: Option<&str>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "WITH p AS (INSERT INTO passes (id, app_id, channel_id, serial_number, template_id, request_hash, \
         status, params, partner_id, out_trade_no, lease_until, lease_token) \
         VALUES ($1, $2, $3, $4, $5, $6, 'ISSUING', $7, $8, $9, now() + $10, $11) \
         ON CONFLICT (app_id, channel_id, serial_number) DO NOTHING RETURNING id), \
         e AS (INSERT INTO pass_events (pass_id, kind, detail, request_id) \
         SELECT id, 'ISSUING', '{}', $12 FROM p) \
         SELECT id FROM p",
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
    .bind(lease.length)
    .bind(lease.token)
    .bind(request_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

/// A pass event. `operation_id` names the operation it settles (unique per pass and kind).
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub detail: &'a Value,
    pub operation_id: Option<Uuid>,
    pub request_id: Option<&'a str>,
}

async fn add_event(
    tx: &mut Transaction<'_, Postgres>,
    pass_id: Uuid,
    event: &NewEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pass_events (pass_id, kind, detail, request_id, operation_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(pass_id)
    .bind(event.kind)
    .bind(event.detail)
    .bind(event.request_id)
    .bind(event.operation_id)
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

/// A pass with its template's Alipay id: what instance.add sends.
pub async fn pass_for_issue(
    db: &PgPool,
    id: Uuid,
) -> Result<Option<(PassRow, Option<String>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        pass: PassRow,
        template_alipay_tpl_id: Option<String>,
    }
    let row: Option<Joined> = sqlx::query_as(&format!(
        "SELECT {PASS_COLUMNS}, (SELECT alipay_tpl_id FROM templates t WHERE t.id = passes.template_id) \
         AS template_alipay_tpl_id FROM passes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|j| (j.pass, j.template_alipay_tpl_id)))
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

/// Settles issuance (ISSUED or FAILED) from the final row with its event, in one
/// transaction. `response` as in [`settle_template`]. Fenced: false when our lease was lost
/// or the pass is settled already (nothing written).
pub async fn settle_pass_issue(
    db: &PgPool,
    settled: &PassRow,
    token: Uuid,
    response: Option<(u16, &Value)>,
    event: &NewEvent<'_>,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    // One statement: the settlement, its event and the call log commit together.
    let columns = CallColumns::new(calls);
    let query = sqlx::query_as(
        "WITH s AS (UPDATE passes SET status = $2, alipay_pass_id = $3, failure_code = $4, \
         response_status = $5, response_body = $6, lease_until = NULL, updated_at = $7 \
         WHERE id = $1 AND lease_token = $8 AND status = 'ISSUING' AND response_status IS NULL \
         RETURNING id), \
         e AS (INSERT INTO pass_events (pass_id, kind, detail, request_id, operation_id) \
         SELECT id, $9, $10, $11, $12 FROM s), \
         c AS (INSERT INTO gateway_calls (record_kind, record_id, request_id, method, attempt, \
         outcome, code, sub_code, sub_msg, latency_ms) SELECT 'pass', s.id, $13, u.* FROM s, \
         UNNEST($14::text[], $15::int[], $16::text[], $17::text[], $18::text[], $19::text[], \
         $20::int[]) AS u) \
         SELECT count(*) FROM s",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_pass_id)
    .bind(&settled.failure_code)
    .bind(response.map(|r| r.0 as i16))
    .bind(response.map(|r| r.1))
    .bind(settled.updated_at)
    .bind(token)
    .bind(event.kind)
    .bind(event.detail)
    .bind(event.request_id)
    .bind(event.operation_id)
    .bind(calls.request_id);
    let (settled_rows,): (i64,) = columns.bind(query).fetch_one(db).await?;
    if settled_rows == 0 {
        // Fenced out: a late owner's calls are history too.
        log_gateway_calls(&mut *db.acquire().await?, calls).await?;
    }
    Ok(settled_rows == 1)
}

/// Claims an ISSUED pass for one change (update / redeem / close) and records the intent.
/// None when the pass is not ISSUED or another change holds it.
pub async fn begin_pass_change(
    db: &PgPool,
    id: Uuid,
    change: &Value,
    lease: Lease,
) -> Result<Option<PassRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE passes SET pending_change = $2, lease_until = now() + $3, lease_token = $4, updated_at = now() \
         WHERE id = $1 AND status = 'ISSUED' AND pending_change IS NULL \
         AND (lease_until IS NULL OR lease_until < now()) RETURNING {PASS_COLUMNS}"
    ))
    .bind(id)
    .bind(change)
    .bind(lease.length)
    .bind(lease.token)
    .fetch_optional(db)
    .await
}

/// What a settled change wrote: the new status, the merged params, a pass id learnt from
/// the answer.
pub struct AppliedChange<'a> {
    pub status: &'a str,
    pub params: &'a Value,
    pub alipay_pass_id: Option<&'a str>,
}

/// Ends a change: applies it (None = refused: nothing changes) with its event. Fenced:
/// None when our lease was lost or the change is settled already (nothing written).
pub async fn finish_pass_change(
    db: &PgPool,
    id: Uuid,
    token: Uuid,
    applied: Option<AppliedChange<'_>>,
    event: &NewEvent<'_>,
    calls: &CallLog<'_>,
) -> Result<Option<PassRow>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: Option<PassRow> = sqlx::query_as(&format!(
        "UPDATE passes SET status = COALESCE($3, status), params = COALESCE($4, params), \
         alipay_pass_id = COALESCE(alipay_pass_id, $5), pending_change = NULL, lease_until = NULL, \
         updated_at = now() WHERE id = $1 AND lease_token = $2 AND pending_change IS NOT NULL \
         RETURNING {PASS_COLUMNS}"
    ))
    .bind(id)
    .bind(token)
    .bind(applied.as_ref().map(|a| a.status))
    .bind(applied.as_ref().map(|a| a.params))
    .bind(applied.as_ref().and_then(|a| a.alipay_pass_id))
    .fetch_optional(&mut *tx)
    .await?;
    if row.is_some() {
        add_event(&mut tx, id, event).await?;
    }
    commit_with_calls(tx, db, row.is_some(), calls).await?;
    Ok(row)
}

/// A page of a pass's events, oldest first, after event id `after`.
pub async fn pass_events(
    db: &PgPool,
    pass_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<PassEventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, operation_id, detail, request_id, created_at FROM pass_events \
         WHERE pass_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(pass_id)
    .bind(after)
    .bind(limit)
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
    lease: Lease,
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO vouchers (id, app_id, template_id, out_biz_no, request_hash, status, recipient_kind, \
         recipient, amount, memo, lease_until, lease_token) \
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, now() + $10, $11) \
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
    .bind(lease.length)
    .bind(lease.token)
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

/// Settles a pending voucher; as [`settle_template`].
pub async fn settle_voucher(
    db: &PgPool,
    settled: &VoucherRow,
    token: Uuid,
    response: Option<(u16, &Value)>,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE vouchers SET status = $2, alipay_voucher_id = $3, alipay_user_id = $4, failure_code = $5, \
         response_status = $6, response_body = $7, lease_until = NULL, updated_at = $8 \
         WHERE id = $1 AND lease_token = $9 AND status = 'PENDING' AND response_status IS NULL",
    )
    .bind(settled.id)
    .bind(&settled.status)
    .bind(&settled.alipay_voucher_id)
    .bind(&settled.alipay_user_id)
    .bind(&settled.failure_code)
    .bind(response.map(|r| r.0 as i16))
    .bind(response.map(|r| r.1))
    .bind(settled.updated_at)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    commit_with_calls(tx, db, done.rows_affected() == 1, calls).await
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

/// Takes over the pending change `change_id` of a pass once its lease expired and it has
/// been quiet for `quiet` (the reconciler, or the caller resending the same change),
/// storing `change` (now uncertain).
pub async fn claim_pass_change(
    db: &PgPool,
    id: Uuid,
    change_id: Uuid,
    change: &Value,
    lease: Lease,
    quiet: Duration,
) -> Result<Option<PassRow>, sqlx::Error> {
    claim_pending(
        db,
        Pending::PassChange,
        id,
        change_id,
        change,
        (lease, quiet),
    )
    .await
}

/// The operations without an Alipay-side key, kept on their row until settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    TemplateUpdate,
    PassChange,
}

impl Pending {
    /// Table, pending column and the row's columns.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Pending::TemplateUpdate => ("templates", "pending_update", TEMPLATE_COLUMNS),
            Pending::PassChange => ("passes", "pending_change", PASS_COLUMNS),
        }
    }
}

async fn claim_pending<R>(
    db: &PgPool,
    pending: Pending,
    id: Uuid,
    operation_id: Uuid,
    value: &Value,
    (lease, quiet): (Lease, Duration),
) -> Result<Option<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let (table, column, columns) = pending.sql();
    sqlx::query_as(&format!(
        "UPDATE {table} SET {column} = $3, lease_until = now() + $4, lease_token = $5, \
         updated_at = now() WHERE id = $1 AND {column}->>'id' = $2 \
         AND (lease_until IS NULL OR lease_until < now()) AND updated_at < now() - $6 \
         RETURNING {columns}"
    ))
    .bind(id)
    .bind(operation_id.to_string())
    .bind(value)
    .bind(lease.length)
    .bind(lease.token)
    .bind(quiet)
    .fetch_optional(db)
    .await
}

/// After an unknown outcome: keeps the operation (marked uncertain) for a retry or the
/// reconciler and frees the lease. Fenced.
pub async fn keep_pending(
    db: &PgPool,
    pending: Pending,
    id: Uuid,
    token: Uuid,
    value: &Value,
    calls: &CallLog<'_>,
) -> Result<(), sqlx::Error> {
    let (table, column, _) = pending.sql();
    let mut tx = db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {table} SET {column} = $3, lease_until = NULL, updated_at = now() \
         WHERE id = $1 AND lease_token = $2 AND {column} IS NOT NULL"
    ))
    .bind(id)
    .bind(token)
    .bind(value)
    .execute(&mut *tx)
    .await?;
    commit_with_calls(tx, db, true, calls).await.map(drop)
}

// ---- gateway-call log -----------------------------------------------------------------------

/// The record a gateway call was made for.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef {
    pub kind: &'static str,
    pub id: Uuid,
}

/// The attempts of one logical gateway call, written in the transaction that settles it.
pub struct CallLog<'a> {
    pub record: RecordRef,
    pub attempts: &'a [Attempt],
    pub request_id: Option<&'a str>,
}

/// The attempts of a call as one array per column, for UNNEST.
struct CallColumns<'a> {
    method: Vec<&'a str>,
    attempt: Vec<i32>,
    outcome: Vec<&'static str>,
    code: Vec<Option<&'a str>>,
    sub_code: Vec<Option<&'a str>>,
    sub_msg: Vec<Option<&'a str>>,
    latency_ms: Vec<i32>,
}

impl<'a> CallColumns<'a> {
    fn new(log: &'a CallLog<'_>) -> Self {
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
                AttemptOutcome::Success => ("success", [Some("10000"), None, None]),
                AttemptOutcome::Code {
                    code,
                    sub_code,
                    sub_msg,
                } => (
                    "refused",
                    [Some(code.as_str()), sub_code.as_deref(), sub_msg.as_deref()],
                ),
                AttemptOutcome::NoAnswer(reason) => {
                    ("no_answer", [None, None, Some(reason.as_str())])
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

    /// Binds the seven arrays, in column order, after the query's other parameters.
    fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, sqlx::postgres::PgArguments> {
        query
            .bind(&self.method)
            .bind(&self.attempt)
            .bind(&self.outcome)
            .bind(&self.code)
            .bind(&self.sub_code)
            .bind(&self.sub_msg)
            .bind(&self.latency_ms)
    }
}

/// Appends every attempt of one logical call in one statement. Never key material or
/// signatures.
async fn log_gateway_calls(conn: &mut PgConnection, log: &CallLog<'_>) -> Result<(), sqlx::Error> {
    if log.attempts.is_empty() {
        return Ok(());
    }
    let columns = CallColumns::new(log);
    let query = sqlx::query_as::<_, (i64,)>(
        "WITH c AS (INSERT INTO gateway_calls (record_kind, record_id, request_id, method, attempt, \
         outcome, code, sub_code, sub_msg, latency_ms) \
         SELECT $1, $2, $3, * FROM UNNEST($4::text[], $5::int[], $6::text[], $7::text[], \
         $8::text[], $9::text[], $10::int[]) RETURNING 1) SELECT count(*) FROM c",
    )
    .bind(log.record.kind)
    .bind(log.record.id)
    .bind(log.request_id);
    columns.bind(query).fetch_one(conn).await.map(drop)
}

/// Ends a settling transaction: with the call log when its fenced write went through,
/// else rolled back with the call log kept alone (a late owner's calls are history too).
async fn commit_with_calls(
    mut tx: Transaction<'_, Postgres>,
    db: &PgPool,
    written: bool,
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    if written {
        log_gateway_calls(&mut tx, calls).await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
        log_gateway_calls(&mut *db.acquire().await?, calls).await?;
    }
    Ok(written)
}

/// A page of the calls made for one record, oldest first, after call id `after`.
pub async fn gateway_calls_for(
    db: &PgPool,
    record_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<GatewayCallRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, method, attempt, outcome, code, sub_code, sub_msg, latency_ms, request_id, created_at \
         FROM gateway_calls WHERE record_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(record_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}
