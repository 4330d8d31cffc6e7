//! Record statuses: what our records say of a template, a pass or a voucher. Stored as text
//! (rows decode them with `TryFrom<String>`), shown in views and filters as the same names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[cfg(feature = "sqlx")]
use crate::pg_text;
use crate::text_enum;

/// A status: a [`text_enum!`] of upper-case names, in JSON and the OpenAPI schema as those.
macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($body:tt)+ }) => {
        text_enum! {
            $(#[$meta])*
            #[derive(Serialize, Deserialize, ToSchema)]
            #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
            $name { $($body)+ }
        }
        #[cfg(feature = "sqlx")]
        pg_text!($name);
    };
}

status_enum! {
    /// ISSUING → ISSUED → USED | CLOSED (terminal); FAILED when the gateway refused for good.
    PassStatus {
        Issuing = "ISSUING",
        Issued = "ISSUED",
        Used = "USED",
        Closed = "CLOSED",
        Failed = "FAILED",
    }
}

status_enum! {
    /// PENDING → CREATED | NEEDS_ALIPAY_ID | FAILED.
    TemplateStatus {
        /// template.add is to be made or settled.
        Pending = "PENDING",
        Created = "CREATED",
        /// Created at Alipay, but Alipay's answer named no tpl_id: an operator sets it.
        NeedsAlipayId = "NEEDS_ALIPAY_ID",
        Failed = "FAILED",
    }
}

status_enum! {
    /// PENDING → SENT | FAILED.
    VoucherStatus {
        /// voucher.send is to be made or settled.
        Pending = "PENDING",
        Sent = "SENT",
        Failed = "FAILED",
    }
}

status_enum! {
    /// What a pass event records: the issuance's start and settlement, and each change's
    /// settlement.
    PassEventKind {
        /// instance.add is to be made or settled.
        Issuing = "ISSUING",
        Issued = "ISSUED",
        Updated = "UPDATED",
        Redeemed = "REDEEMED",
        Closed = "CLOSED",
        /// The issuance was refused, or a change was refused or did not apply.
        Failed = "FAILED",
    }
}

impl PassEventKind {
    /// The event of a change that left the pass in `status`.
    pub fn of_change(status: PassStatus) -> Self {
        match status {
            PassStatus::Used => PassEventKind::Redeemed,
            PassStatus::Closed => PassEventKind::Closed,
            PassStatus::Issuing | PassStatus::Issued | PassStatus::Failed => PassEventKind::Updated,
        }
    }
}

status_enum! {
    /// What each row of a campaign does.
    CampaignKind {
        /// alipay.marketing.voucher.send, one per row.
        VoucherSend = "VOUCHER_SEND",
        /// alipay.pass.instance.add, one per row.
        PassIssue = "PASS_ISSUE",
    }
}

impl CampaignKind {
    /// Bare CSV columns read as recipient fields.
    pub fn recipient_fields(self) -> &'static [&'static str] {
        match self {
            CampaignKind::VoucherSend => &["user_id", "login_id", "taobao_nick"],
            CampaignKind::PassIssue => &["partner_id", "out_trade_no"],
        }
    }

    /// The request field that carries the row's idempotency key.
    pub fn key_field(self) -> &'static str {
        match self {
            CampaignKind::VoucherSend => "out_biz_no",
            CampaignKind::PassIssue => "serial_number",
        }
    }
}

status_enum! {
    /// UPLOADING → RUNNING ⇄ PAUSED → FINISHED | CANCELLED.
    CampaignStatus {
        /// Created; its rows are being uploaded (nothing is sent yet).
        Uploading = "UPLOADING",
        Running = "RUNNING",
        Paused = "PAUSED",
        /// Stopped by a caller: rows not yet sent are CANCELLED.
        Cancelled = "CANCELLED",
        /// Every row is settled (or its outcome stayed unknown after every retry).
        Finished = "FINISHED",
    }
}

status_enum! {
    /// PENDING → SENT | REFUSED | INVALID | UNKNOWN (retried) | CANCELLED.
    RowState {
        Pending = "PENDING",
        /// Sent, outcome unknown: tried again with the same key until an answer settles it.
        Unknown = "UNKNOWN",
        Sent = "SENT",
        /// Alipay (or our idempotency rules) refused it; `code` says why.
        Refused = "REFUSED",
        /// The row cannot make a valid request (or could not be read); never sent.
        Invalid = "INVALID",
        Cancelled = "CANCELLED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_text() {
        for status in [PassStatus::Issuing, PassStatus::Used, PassStatus::Failed] {
            assert_eq!(PassStatus::try_from(status.to_string()), Ok(status));
        }
        assert_eq!(
            TemplateStatus::parse("NEEDS_ALIPAY_ID"),
            Some(TemplateStatus::NeedsAlipayId)
        );
        assert_eq!(
            serde_json::to_value(TemplateStatus::NeedsAlipayId).unwrap(),
            "NEEDS_ALIPAY_ID"
        );
        assert!(VoucherStatus::try_from("sent".to_owned()).is_err());
    }
}
