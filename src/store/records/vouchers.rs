//! Voucher records.

use super::*;

use crate::domain::voucher::{AlipayTemplateId, OutBizNo};
use crate::store::idempotency::KeyError;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// What stands in a redacted recipient (`alipass redact`, retention): written by the
/// retention job, recognised by the voucher service.
pub const REDACTED: &str = "redacted";

pub struct NewVoucher<'a> {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub app_id: &'a str,
    pub template_id: &'a AlipayTemplateId,
    pub out_biz_no: &'a OutBizNo,
    pub request_hash: &'a str,
    pub recipient_kind: &'a str,
    pub recipient: &'a str,
    pub amount: Option<&'a str>,
    pub memo: Option<&'a str>,
    pub app_auth_token_sealed: Option<&'a str>,
    pub merchant_id: Option<&'a str>,
    /// Keyed hash of the recipient, for look-ups (sealed kinds only).
    pub recipient_hash: Option<&'a str>,
}

#[tracing::instrument(name = "db.insert_voucher", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn insert_voucher(
    db: &PgPool,
    new: &NewVoucher<'_>,
    lease: Lease,
) -> Result<Option<Uuid>, KeyError> {
    let id = sqlx::query_scalar!(
        "INSERT INTO vouchers (id, app_id, template_id, out_biz_no, request_hash, status,
             recipient_kind, recipient, amount, memo, lease_until, lease_token, created_at,
             updated_at, app_auth_token_sealed, recipient_hash, merchant_id)
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, now() + $10, $11, $12, $12, $13,
             $14, $15)
         ON CONFLICT (app_id, template_id, out_biz_no) DO NOTHING RETURNING id",
        new.id,
        new.app_id,
        new.template_id.as_str(),
        new.out_biz_no.as_str(),
        new.request_hash,
        new.recipient_kind,
        new.recipient,
        new.amount,
        new.memo,
        lease.length as _,
        lease.token,
        new.created_at,
        new.app_auth_token_sealed,
        new.recipient_hash,
        new.merchant_id,
    )
    .fetch_optional(db)
    .await
    .map_err(failed("insert_voucher"))?;
    Ok(id)
}

impl NewVoucher<'_> {
    /// The row [`insert_voucher`] writes.
    pub fn row(&self) -> VoucherRow {
        VoucherRow {
            id: self.id,
            app_id: self.app_id.to_owned(),
            template_id: self.template_id.as_str().to_owned(),
            out_biz_no: self.out_biz_no.as_str().to_owned(),
            status: VoucherStatus::Pending,
            recipient_kind: self.recipient_kind.to_owned(),
            recipient: self.recipient.to_owned(),
            amount: self.amount.map(str::to_owned),
            memo: self.memo.map(str::to_owned),
            alipay_voucher_id: None,
            alipay_user_id: None,
            failure_code: None,
            created_at: self.created_at,
            updated_at: self.created_at,
            app_auth_token_sealed: self.app_auth_token_sealed.map(str::to_owned),
        }
    }
}

#[tracing::instrument(name = "db.voucher_by_id", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn voucher_by_id(db: &PgPool, id: Uuid) -> Result<Option<VoucherRow>, sqlx::Error> {
    voucher_rows!("SELECT", "FROM vouchers WHERE id = $1", id)
        .fetch_optional(db)
        .await
        .map_err(failed("voucher_by_id"))
}

#[tracing::instrument(name = "db.voucher", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn voucher(
    db: &PgPool,
    app_id: &str,
    template_id: &str,
    out_biz_no: &str,
) -> Result<Option<VoucherRow>, sqlx::Error> {
    voucher_rows!(
        "SELECT",
        "FROM vouchers WHERE app_id = $1 AND template_id = $2 AND out_biz_no = $3",
        app_id,
        template_id,
        out_biz_no
    )
    .fetch_optional(db)
    .await
    .map_err(failed("voucher"))
}

#[tracing::instrument(name = "db.vouchers_page", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn vouchers_page(
    db: &PgPool,
    app_id: &str,
    template_id: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<VoucherRow>, sqlx::Error> {
    voucher_rows!(
        "SELECT",
        "FROM vouchers WHERE app_id = $1 AND ($2::text IS NULL OR template_id = $2)
         AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4",
        app_id,
        template_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
    .map_err(failed("vouchers_page"))
}
