//! The event types the service announces to webhook endpoints: what a caller subscribes
//! to, what the outbox stores (text) and what a delivery names.

use crate::text_enum;

text_enum! {
    /// An event type a caller may subscribe to.
    EventType {
        TemplateCreated = "template.created",
        TemplateUpdated = "template.updated",
        PassIssued = "pass.issued",
        PassUpdated = "pass.updated",
        PassRedeemed = "pass.redeemed",
        PassClosed = "pass.closed",
        PassFailed = "pass.failed",
        VoucherSent = "voucher.sent",
        VoucherFailed = "voucher.failed",
        /// An operation whose outcome was unknown (a lost answer, a crash) is settled.
        OperationSettled = "operation.settled",
        CampaignFinished = "campaign.finished",
        /// Sent by `POST /v1/webhook-endpoints/{id}/test` only.
        WebhookTest = "webhook.test",
    }
}

#[cfg(feature = "sqlx")]
crate::pg_text!(EventType);

impl EventType {
    /// What a caller who subscribed hears of a pass change that settled as `kind`.
    pub fn of_pass_change(kind: crate::status::PassEventKind) -> Option<Self> {
        use crate::status::PassEventKind;
        match kind {
            PassEventKind::Updated => Some(EventType::PassUpdated),
            PassEventKind::Redeemed => Some(EventType::PassRedeemed),
            PassEventKind::Closed => Some(EventType::PassClosed),
            PassEventKind::Issuing | PassEventKind::Issued | PassEventKind::Failed => None,
        }
    }
}
