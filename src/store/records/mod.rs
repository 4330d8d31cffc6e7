//! Postgres rows for templates, passes, vouchers, pass events and the gateway-call log.
//!
//! One file per record kind; `pending` holds what is shared by the operations without an
//! Alipay-side key (kept on their row until settled), `calls` the gateway-call log.

/// Checked statements (`sqlx::query_as!`) whose rows are a record's row type: `$head`, the
/// record's columns (its status decoded as its enum), then `$tail`. One column list per
/// record, spliced into the literal the macro checks.
macro_rules! template_rows {
    ($head:expr, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            TemplateRow,
            $head + r#" id AS "id: TemplateId", app_id, unique_id, status AS "status: TemplateStatus",
                alipay_tpl_id,
                tpl_content, params, failure_code, version, pending_update, created_at,
                updated_at, app_auth_token_sealed, merchant_id "# + $tail
            $(, $arg)*
        )
    };
}
macro_rules! pass_rows {
    ($head:expr, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            PassRow,
            $head + r#" id, app_id, channel_id, serial_number,
                template_id AS "template_id: TemplateId", status AS "status: PassStatus", alipay_pass_id, params, partner_id, out_trade_no,
                failure_code, pending_change, created_at, updated_at, app_auth_token_sealed,
                merchant_id "# + $tail
            $(, $arg)*
        )
    };
}
macro_rules! voucher_rows {
    ($head:expr, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            VoucherRow,
            $head + r#" id, app_id, template_id, out_biz_no, status AS "status: VoucherStatus",
                recipient_kind, recipient, amount, memo, alipay_voucher_id, alipay_user_id,
                failure_code, created_at, updated_at, app_auth_token_sealed "# + $tail
            $(, $arg)*
        )
    };
}

/// One checked `sqlx::query!` per record kind: `$before` + the kind's table + `$after`,
/// with `$arg`s, run by `.$run($on)`.
macro_rules! on_record_table {
    ($kind:expr, $before:literal, $after:literal, ($($arg:expr),+), $run:ident($on:expr)) => {
        match $kind {
            RecordKind::Template => {
                sqlx::query!($before + "templates" + $after, $($arg),+).$run($on).await
            }
            RecordKind::Pass => sqlx::query!($before + "passes" + $after, $($arg),+).$run($on).await,
            RecordKind::Voucher => {
                sqlx::query!($before + "vouchers" + $after, $($arg),+).$run($on).await
            }
        }
    };
}

mod calls;
mod passes;
mod pending;
mod templates;
mod vouchers;

pub use calls::*;
pub use passes::*;
pub use pending::*;
pub use templates::*;
pub use vouchers::*;

pub use crate::store::idempotency::{Lease, SavedAnswer};
pub use crate::store::record_kind::RecordKind;

use crate::store::failed;

use chrono::{DateTime, Utc};

pub use crate::domain::ids::TemplateId;
pub use crate::domain::status::{PassEventKind, PassStatus, TemplateStatus, VoucherStatus};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: TemplateId,
    pub app_id: String,
    pub unique_id: String,
    pub status: TemplateStatus,
    pub alipay_tpl_id: Option<String>,
    pub tpl_content: Value,
    pub params: Vec<String>,
    pub failure_code: Option<String>,
    pub version: i32,
    pub pending_update: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A merchant's app_auth_token given with the creating request, sealed.
    pub app_auth_token_sealed: Option<String>,
    /// The merchant it was made for (ISV mode); None: the app itself.
    pub merchant_id: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PassRow {
    pub id: Uuid,
    pub app_id: String,
    pub channel_id: String,
    pub serial_number: String,
    pub template_id: TemplateId,
    pub status: PassStatus,
    pub alipay_pass_id: Option<String>,
    pub params: Value,
    pub partner_id: String,
    pub out_trade_no: String,
    pub failure_code: Option<String>,
    pub pending_change: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A merchant's app_auth_token given with the creating request, sealed.
    pub app_auth_token_sealed: Option<String>,
    /// The merchant it was made for (ISV mode); None: the app itself.
    pub merchant_id: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoucherRow {
    pub id: Uuid,
    pub app_id: String,
    pub template_id: String,
    pub out_biz_no: String,
    pub status: VoucherStatus,
    pub recipient_kind: String,
    pub recipient: String,
    pub amount: Option<String>,
    pub memo: Option<String>,
    pub alipay_voucher_id: Option<String>,
    pub alipay_user_id: Option<String>,
    pub failure_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A merchant's app_auth_token given with the creating request, sealed.
    pub app_auth_token_sealed: Option<String>,
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

/// One gateway attempt: its method, number, outcome, codes and latency (as stored, and as
/// `GatewayCallView` shows it).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = GatewayCallView)]
pub struct GatewayCallRow {
    #[serde(skip)]
    pub id: i64,
    #[schema(value_type = String)]
    pub method: alipay_protocol::methods::Method,
    pub attempt: i32,
    /// success, refused or no_answer.
    #[schema(value_type = String)]
    pub outcome: CallOutcome,
    pub code: Option<String>,
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
    pub latency_ms: i32,
    pub request_id: Option<String>,
    #[serde(rename = "at")]
    pub created_at: DateTime<Utc>,
}

/// Keeps a merchant's (renewed) sealed app_auth_token with record `id` of `app_id`.
#[tracing::instrument(name = "db.set_app_auth_token", level = "debug", skip_all, fields(request_id = crate::telemetry::request_id_field()))]
pub async fn set_app_auth_token(
    db: &PgPool,
    kind: RecordKind,
    app_id: &str,
    id: Uuid,
    sealed: &str,
) -> Result<(), sqlx::Error> {
    on_record_table!(
        kind,
        "UPDATE ",
        " SET app_auth_token_sealed = $3 WHERE id = $1 AND app_id = $2",
        (id, app_id, sealed),
        execute(db)
    )
    .map_err(failed("set_app_auth_token"))?;
    Ok(())
}
