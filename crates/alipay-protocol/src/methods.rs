//! The five wrapped OpenAPI methods by their wire names, and which of them Alipay
//! deduplicates itself.

pub const TEMPLATE_ADD: &str = "alipay.pass.template.add";
pub const TEMPLATE_UPDATE: &str = "alipay.pass.template.update";
pub const INSTANCE_ADD: &str = "alipay.pass.instance.add";
pub const INSTANCE_UPDATE: &str = "alipay.pass.instance.update";
pub const VOUCHER_SEND: &str = "alipay.marketing.voucher.send";

/// Certificate mode: fetches the Alipay public-key certificate with a given SN, after
/// Alipay rotated its certificate. Not one of the five: it changes nothing.
pub const ALIPAYCERT_DOWNLOAD: &str = "alipay.open.app.alipaycert.download";

pub const ALL_METHODS: [&str; 5] = [
    TEMPLATE_ADD,
    TEMPLATE_UPDATE,
    INSTANCE_ADD,
    INSTANCE_UPDATE,
    VOUCHER_SEND,
];

/// Methods Alipay deduplicates by a key in the request (unique_id, serialNumber +
/// channelID, template_id + out_biz_no): resending them cannot make a second effect.
pub fn has_alipay_idempotency_key(method: &str) -> bool {
    matches!(method, TEMPLATE_ADD | INSTANCE_ADD | VOUCHER_SEND)
}
