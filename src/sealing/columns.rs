//! The columns that hold values sealed with `pii.key`: how each marks a sealed value and
//! what each value is bound to (its record), for the service and for `alipass rekey`.

use uuid::Uuid;

use super::Binding;

/// Marks a sealed value in a column that may also hold clear ones (no `pii.key`, or a
/// `user_id` recipient).
pub const SEALED: &str = "sealed:";

/// A voucher's `recipient` (login_id or taobao_nick).
pub fn voucher_recipient(voucher: Uuid) -> Binding {
    Binding::record("vouchers.recipient", voucher, "voucher-recipient")
}

/// A campaign row's `payload` (its fields, recipients' identifiers among them).
pub fn campaign_row(campaign: Uuid, line: i32) -> Binding {
    Binding::record(
        "campaign_rows.payload",
        format_args!("{campaign}/{line}"),
        "campaign-row",
    )
}

/// A webhook endpoint's signing secret (bound to its endpoint from the start).
pub fn webhook_secret(endpoint: Uuid) -> Binding {
    Binding::to(format!("webhook-secret:{endpoint}"))
}
