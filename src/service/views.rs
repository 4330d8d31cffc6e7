//! The JSON our endpoints answer with, in plain-English field names.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::ids::TemplateId;
use crate::domain::pass::PassRecipient;
use crate::domain::status::{PassStatus, TemplateStatus, VoucherStatus};
use crate::domain::template::{Finding, TemplateContent};
use crate::store::records::{GatewayCallRow, PassEventRow, PassRow, TemplateRow, VoucherRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    #[schema(value_type = Uuid)]
    pub id: TemplateId,
    /// Your idempotency key for the template.
    pub unique_id: String,
    /// PENDING while the gateway's outcome is not known.
    pub status: TemplateStatus,
    /// Alipay's template id (tpl_id).
    pub alipay_template_id: Option<String>,
    /// The `$var$` parameters every pass of this template must fill.
    pub params: Vec<String>,
    /// The template content (logo, icon, strip, content = pass.json), as checked.
    #[schema(value_type = TemplateContent)]
    pub content: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Finding>,
    pub failure_code: Option<String>,
    pub version: i32,
    /// An update was sent and awaits its outcome (the content above is the last one known
    /// to be at Alipay); a retry of the same update or the reconciler settles it.
    pub update_pending: bool,
    /// No answer could prove whether the pending update applied: an operator must say
    /// (`POST /v1/templates/{id}/pending-update/resolution`).
    pub update_needs_confirmation: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TemplateView {
    pub fn from_row(row: &TemplateRow, warnings: Vec<Finding>) -> Self {
        Self {
            id: row.id,
            unique_id: row.unique_id.clone(),
            status: row.status,
            alipay_template_id: row.alipay_tpl_id.clone(),
            params: row.params.clone(),
            content: row.tpl_content.clone(),
            warnings,
            failure_code: row.failure_code.clone(),
            version: row.version,
            update_pending: row.pending_update.is_some(),
            update_needs_confirmation: flag(&row.pending_update, "needs_confirmation"),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PassView {
    pub serial_number: String,
    pub channel_id: String,
    #[schema(value_type = Uuid)]
    pub template_id: TemplateId,
    pub status: PassStatus,
    /// Alipay's pass id, when Alipay told us.
    pub alipay_pass_id: Option<String>,
    pub params: Value,
    pub recipient: PassRecipient,
    pub failure_code: Option<String>,
    /// A change (update, redeem, close) was sent and its outcome is not yet known.
    pub change_pending: bool,
    /// The pending change was sent and its outcome is unknown: retry the same change, or
    /// let the reconciler settle it.
    pub change_uncertain: bool,
    /// No answer could prove whether the pending change applied: an operator must say
    /// (`POST /v1/passes/{serial_number}/pending-change/resolution`).
    pub change_needs_confirmation: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PassRow> for PassView {
    fn from(row: &PassRow) -> Self {
        Self {
            serial_number: row.serial_number.clone(),
            channel_id: row.channel_id.clone(),
            template_id: row.template_id,
            status: row.status,
            alipay_pass_id: row.alipay_pass_id.clone(),
            params: row.params.clone(),
            recipient: PassRecipient {
                partner_id: row.partner_id.clone(),
                out_trade_no: row.out_trade_no.clone(),
            },
            failure_code: row.failure_code.clone(),
            change_pending: row.pending_change.is_some(),
            change_uncertain: flag(&row.pending_change, "uncertain"),
            change_needs_confirmation: flag(&row.pending_change, "needs_confirmation"),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PassEventView {
    /// ISSUING, ISSUED, UPDATED, REDEEMED, CLOSED or FAILED.
    pub kind: String,
    /// The operation this event settles (one settling event per operation and kind).
    pub operation_id: Option<Uuid>,
    pub detail: Value,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&PassEventRow> for PassEventView {
    fn from(row: &PassEventRow) -> Self {
        Self {
            kind: row.kind.clone(),
            operation_id: row.operation_id,
            detail: row.detail.clone(),
            request_id: row.request_id.clone(),
            at: row.created_at,
        }
    }
}

/// One gateway attempt as stored: the row is the view.
pub type GatewayCallView = GatewayCallRow;

/// "What happened to pass X": its events and every gateway call made for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassHistory {
    pub pass: PassView,
    pub events: Vec<PassEventView>,
    pub gateway_calls: Vec<GatewayCallView>,
    /// Pass as `after` for the next page of events and calls; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherRecipientView {
    /// user_id, login_id or taobao_nick: the one used.
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherView {
    pub template_id: String,
    pub out_biz_no: String,
    /// PENDING while the gateway's outcome is not known.
    pub status: VoucherStatus,
    /// Alipay's voucher id.
    pub voucher_id: Option<String>,
    /// The Alipay user id that received it.
    pub user_id: Option<String>,
    pub recipient: VoucherRecipientView,
    pub amount: Option<String>,
    pub memo: Option<String>,
    pub failure_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&VoucherRow> for VoucherView {
    fn from(row: &VoucherRow) -> Self {
        Self {
            template_id: row.template_id.clone(),
            out_biz_no: row.out_biz_no.clone(),
            status: row.status,
            voucher_id: row.alipay_voucher_id.clone(),
            user_id: row.alipay_user_id.clone(),
            recipient: VoucherRecipientView {
                kind: row.recipient_kind.clone(),
                value: row.recipient.clone(),
            },
            amount: row.amount.clone(),
            memo: row.memo.clone(),
            failure_code: row.failure_code.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of a keyset-paginated list: pass `next_cursor` as `after` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Uuid>,
}

pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A flag of a pending operation stored as JSON (false when absent).
fn flag(pending: &Option<Value>, name: &str) -> bool {
    pending
        .as_ref()
        .and_then(|p| p.get(name))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}
