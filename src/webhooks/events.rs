//! What each event's `data` holds. The settling code builds its outbox payloads from these
//! types, and the OpenAPI document's `webhooks` describe them, so a receiver reads what is
//! sent (`campaign.finished` is written by SQL, field for field the same as its type).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::pass::PassStatus;
use crate::domain::template::TemplateContent;
use crate::service::views::{PassView, TemplateView, VoucherView};

/// `template.created`: a template Alipay accepted (CREATED, or NEEDS_ALIPAY_ID when its
/// answer named no id).
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateCreatedData {
    pub template: TemplateView,
}

/// `template.updated`: an update Alipay applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateUpdatedData {
    pub template: UpdatedTemplate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatedTemplate {
    /// Our template id.
    pub id: Uuid,
    /// Alipay's template id (tpl_id).
    pub alipay_tpl_id: String,
    /// The content now in force.
    #[schema(value_type = TemplateContent)]
    pub content: Value,
}

/// `pass.issued` and `pass.failed`: an issuance settled.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassSettledData {
    pub pass: PassView,
}

/// `pass.updated`, `pass.redeemed` and `pass.closed`: a change Alipay applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassChangedData {
    pub pass: ChangedPass,
    /// The change's id (the pass history's `operation_id`).
    pub operation_id: Uuid,
    /// What the change did, as the pass history's event has it: `params` (the values
    /// changed), `verify_type` / `verify_code` (a redemption), `settled_from` (how an
    /// unknown outcome was proved), `resolution` (an operator's decision).
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedPass {
    pub serial_number: String,
    pub channel_id: String,
    #[schema(value_type = PassStatus)]
    pub status: String,
}

/// `voucher.sent` and `voucher.failed`: a send settled (the recipient masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherSettledData {
    pub voucher: VoucherView,
}

/// `operation.settled`: an operation whose outcome was unknown (a lost answer, a crash) is
/// settled, by a retry, the reconciler or an operator.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationSettledData {
    /// The record: `kind` (template, pass or voucher) and its keys (`id` and `unique_id`;
    /// `serial_number`, `channel_id` and, for a change, `operation_id`; `template_id` and
    /// `out_biz_no`).
    #[schema(value_type = Object)]
    pub subject: Value,
    /// The event the settlement announced beside this one (e.g. `pass.issued`); null when
    /// it announced none (a change refused).
    pub outcome: Option<String>,
}

/// `campaign.finished`: every row of a campaign is settled.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignFinishedData {
    pub campaign_id: Uuid,
    pub campaign_key: String,
    pub finished_at: DateTime<Utc>,
}

/// `webhook.test`: sent by `POST /v1/webhook-endpoints/{id}/test` to that endpoint only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookTestData {
    pub endpoint_id: Uuid,
    pub message: String,
}
