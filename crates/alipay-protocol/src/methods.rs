//! The five wrapped OpenAPI methods by their wire names, and which of them Alipay
//! deduplicates itself.

crate::text_enum! {
    /// A gateway method: its wire name is its text (in requests, in the gateway-call log).
    Method {
        TemplateAdd = "alipay.pass.template.add",
        TemplateUpdate = "alipay.pass.template.update",
        InstanceAdd = "alipay.pass.instance.add",
        InstanceUpdate = "alipay.pass.instance.update",
        VoucherSend = "alipay.marketing.voucher.send",
        /// Certificate mode: fetches the Alipay public-key certificate with a given SN, after
        /// Alipay rotated its certificate. Not one of the five: it changes nothing.
        AlipaycertDownload = "alipay.open.app.alipaycert.download",
    }
}

#[cfg(feature = "sqlx")]
crate::pg_text!(Method);

impl serde::Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Method {
    /// Methods Alipay deduplicates by a key in the request (unique_id, serialNumber +
    /// channelID, template_id + out_biz_no): resending them cannot make a second effect.
    pub fn has_alipay_idempotency_key(self) -> bool {
        matches!(
            self,
            Method::TemplateAdd | Method::InstanceAdd | Method::VoucherSend
        )
    }
}

// The wire names, for code that speaks the wire as text (requests built by hand in tests,
// the simulator's per-method counters).
pub const TEMPLATE_ADD: &str = Method::TemplateAdd.as_str();
pub const TEMPLATE_UPDATE: &str = Method::TemplateUpdate.as_str();
pub const INSTANCE_ADD: &str = Method::InstanceAdd.as_str();
pub const INSTANCE_UPDATE: &str = Method::InstanceUpdate.as_str();
pub const VOUCHER_SEND: &str = Method::VoucherSend.as_str();
pub const ALIPAYCERT_DOWNLOAD: &str = Method::AlipaycertDownload.as_str();
