//! Template records: create, update, the operator's id.

use super::*;

use crate::store::idempotency::KeyError;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

pub struct NewTemplate<'a> {
    pub app_id: &'a str,
    pub unique_id: &'a str,
    pub request_hash: &'a str,
    pub tpl_content: &'a Value,
    pub params: &'a [String],
    pub app_auth_token_sealed: Option<&'a str>,
    pub merchant_id: Option<&'a str>,
}

#[tracing::instrument(name = "db.insert_template", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn insert_template(
    db: &PgPool,
    new: &NewTemplate<'_>,
    lease: Lease,
) -> Result<Option<Uuid>, KeyError> {
    let id = sqlx::query_scalar!(
        "WITH t AS (INSERT INTO templates (id, app_id, unique_id, request_hash, status,
             tpl_content, params, lease_until, lease_token, app_auth_token_sealed, merchant_id)
             VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, now() + $7, $8, $9, $10)
             ON CONFLICT (app_id, unique_id) DO NOTHING RETURNING id, version, tpl_content),
         v AS (INSERT INTO template_versions (template_id, version, tpl_content)
             SELECT id, version, tpl_content FROM t)
         SELECT id FROM t",
        Uuid::now_v7(),
        new.app_id,
        new.unique_id,
        new.request_hash,
        new.tpl_content,
        new.params,
        lease.length as _,
        lease.token,
        new.app_auth_token_sealed,
        new.merchant_id,
    )
    .fetch_optional(db)
    .await
    .map_err(failed("insert_template"))?;
    Ok(id)
}

#[tracing::instrument(name = "db.template", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn template(
    db: &PgPool,
    app_id: Option<&str>,
    id: TemplateId,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    template_rows!(
        "SELECT",
        "FROM templates WHERE id = $1 AND ($2::text IS NULL OR app_id = $2)",
        id.as_uuid(),
        app_id
    )
    .fetch_optional(db)
    .await
    .map_err(failed("template"))
}

#[tracing::instrument(name = "db.templates_page", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn templates_page(
    db: &PgPool,
    app_id: &str,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    template_rows!(
        "SELECT",
        "FROM templates WHERE app_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
        app_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("templates_page"))
}

/// The settled row of an add (template.add, voucher.send) that [`settle_add`] writes: its
/// final status, the ids Alipay gave and the failure code.
#[derive(Debug, Clone, Copy)]
pub enum FinalAdd<'a> {
    Template(&'a TemplateRow),
    Voucher(&'a VoucherRow),
}

impl<'a> From<&'a TemplateRow> for FinalAdd<'a> {
    fn from(settled: &'a TemplateRow) -> Self {
        FinalAdd::Template(settled)
    }
}

impl<'a> From<&'a VoucherRow> for FinalAdd<'a> {
    fn from(settled: &'a VoucherRow) -> Self {
        FinalAdd::Voucher(settled)
    }
}

/// Settles an open add record with its gateway-call log, in one transaction. `response` is
/// the answer replayed for duplicates; None leaves the key usable (a refusal that proves no
/// effect). Fenced: false when our lease was lost or the record is settled already
/// (nothing written).
#[tracing::instrument(name = "db.settle_add", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn settle_add(
    db: &PgPool,
    final_row: &FinalAdd<'_>,
    (token, response): (Uuid, Option<&SavedAnswer>),
    calls: &CallLog<'_>,
) -> Result<bool, sqlx::Error> {
    let status = response.map(|r| r.status as i16);
    let body = response.map(|r| sqlx::types::Json(&r.body));
    let outcome = response.map(|r| sqlx::types::Json(&r.outcome));
    let mut tx = db.begin().await?;
    // The settling UPDATE of `$row` (`$set`: its table, status and Alipay's ids from $9).
    macro_rules! settle {
        ($row:ident, $set:literal $(, $alipay_id:expr)+) => {
            sqlx::query!(
                "UPDATE " + $set + ", failure_code = $3, response_status = $4,
                     response_body = $5, response_outcome = $8, lease_until = NULL,
                     updated_at = $6
                 WHERE id = $1 AND lease_token = $7 AND status = 'PENDING'
                     AND response_status IS NULL",
                $row.id as _,
                $row.status as _,
                $row.failure_code,
                status,
                body as _,
                $row.updated_at,
                token,
                outcome as _
                $(, $alipay_id)+
            )
            .execute(&mut *tx)
            .await
        };
    }
    let done = match *final_row {
        FinalAdd::Template(row) => settle!(
            row,
            "templates SET status = $2, alipay_tpl_id = $9",
            row.alipay_tpl_id
        ),
        FinalAdd::Voucher(row) => settle!(
            row,
            "vouchers SET status = $2, alipay_voucher_id = $9, alipay_user_id = $10",
            row.alipay_voucher_id,
            row.alipay_user_id
        ),
    }
    .map_err(failed("settle_add"))?;
    commit_with_calls(tx, db, done.rows_affected() == 1, calls).await
}

/// Gives up a lease after an unknown outcome so a retry or the reconciler can take over.
#[tracing::instrument(name = "db.release_lease", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn release_lease(
    db: &PgPool,
    kind: RecordKind,
    id: Uuid,
    token: Uuid,
    calls: &CallLog<'_>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_record_table!(
        kind,
        "UPDATE ",
        " SET lease_until = NULL, updated_at = now() WHERE id = $1 AND lease_token = $2",
        (id, token),
        execute(&mut *tx)
    )
    .map_err(failed("release_lease"))?;
    commit_with_calls(tx, db, true, calls).await.map(drop)
}

/// Ends a pending update: applies the content (None = refused: nothing changes). Fenced.
#[tracing::instrument(name = "db.finish_template_update", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn finish_template_update(
    db: &PgPool,
    id: TemplateId,
    token: Uuid,
    content: Option<(&Value, &[String])>,
    calls: &CallLog<'_>,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // The applied content becomes a new version in the same statement.
    let row = template_rows!(
        "WITH u AS (UPDATE templates SET tpl_content = COALESCE($3, tpl_content),
             params = COALESCE($4, params),
             version = version + CASE WHEN $3 IS NULL THEN 0 ELSE 1 END, pending_update = NULL,
             lease_until = NULL, updated_at = now()
             WHERE id = $1 AND lease_token = $2 AND pending_update IS NOT NULL RETURNING *),
         v AS (INSERT INTO template_versions (template_id, version, tpl_content)
             SELECT id, version, tpl_content FROM u WHERE $3::jsonb IS NOT NULL)
         SELECT",
        "FROM u",
        id.as_uuid(),
        token,
        content.map(|c| c.0),
        content.map(|c| c.1),
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(failed("finish_template_update"))?;
    commit_with_calls(tx, db, row.is_some(), calls).await?;
    Ok(row)
}

/// Every version of a template's content, newest first.
#[tracing::instrument(name = "db.template_versions", level = "debug", skip_all)]
pub async fn template_versions(
    db: &PgPool,
    template_id: TemplateId,
) -> Result<Vec<(i32, chrono::DateTime<chrono::Utc>, Value)>, sqlx::Error> {
    let versions = sqlx::query!(
        "SELECT version, created_at, tpl_content FROM template_versions \
         WHERE template_id = $1 ORDER BY version DESC",
        template_id.as_uuid()
    )
    .fetch_all(db)
    .await
    .map_err(failed("template_versions"))?;
    Ok(versions
        .into_iter()
        .map(|v| (v.version, v.created_at, v.tpl_content))
        .collect())
}

/// The operator's way out of NEEDS_ALIPAY_ID: the id read in the Alipay console. None when
/// the template is not waiting for one.
#[tracing::instrument(name = "db.set_alipay_template_id", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn set_alipay_template_id(
    db: &PgPool,
    app_id: &str,
    id: TemplateId,
    alipay_tpl_id: &str,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    template_rows!(
        "UPDATE templates SET alipay_tpl_id = $3, status = 'CREATED', updated_at = now()
         WHERE id = $1 AND app_id = $2 AND status = 'NEEDS_ALIPAY_ID' RETURNING",
        "",
        id.as_uuid(),
        app_id,
        alipay_tpl_id
    )
    .fetch_optional(db)
    .await
    .map_err(failed("set_alipay_template_id"))
}
