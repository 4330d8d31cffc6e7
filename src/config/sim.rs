//! The gateway simulator's settings (`[sim]`): in-process on the local profile, or
//! `alipass sim` on its own.

use std::path::PathBuf;

use serde::Deserialize;

use super::{Secret, SimFaultSetting};

#[derive(Debug, Clone, Deserialize)]
pub struct SimSettings {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// The simulated gateway's own (Alipay-side) private key: it signs every answer.
    pub private_key: Option<Secret>,
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub apps: Vec<SimAppSetting>,
    /// TOML file of `[[apps]]` entries (app_id, public_key or public_key_file).
    pub apps_file: Option<PathBuf>,
    /// `/__sim/*` admin endpoints (faults, state, reset). Off for a shared staging simulator
    /// that should behave like the real gateway only.
    pub admin_enabled: bool,
    /// Marketing voucher templates the simulated gateway knows.
    #[serde(default)]
    pub voucher_templates: Vec<SimVoucherTemplate>,
    /// Faults injected from the start, per method (or "*" for all).
    #[serde(default)]
    pub faults: Vec<SimFaultSetting>,
    /// Allowed clock skew of request timestamps.
    pub timestamp_tolerance_secs: i64,
    /// Merchants' `app_auth_token`s the simulated gateway knows. When not empty, every
    /// call must act for one of them (an ISV app), else 20001 aop.invalid-app-auth-token.
    #[serde(default)]
    pub app_auth_tokens: Vec<String>,
    /// Certificate mode (公钥证书模式): the simulated gateway's signing certificates in
    /// rotation order, the first signing from the start; `POST /__sim/rotate-cert` moves on.
    #[serde(default)]
    pub certificates: Vec<SimCertSetting>,
    /// Certificate mode: the root bundle the certificates chain to; every call must name
    /// its SN (`alipay_root_cert_sn`).
    #[serde(default)]
    pub root_cert_file: Option<PathBuf>,
    /// Kinder than Alipay: "already exists" refusals name the existing tpl_id / passId
    /// (and status), and public-parameter errors are signed. Off (strict) by default: the
    /// simulator then answers only what the vendor pages promise.
    #[serde(default)]
    pub kinder: bool,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SimVoucherTemplate {
    pub template_id: String,
    #[serde(default)]
    pub expired: bool,
    /// A red packet: sends carry `amount`, which every other template refuses.
    #[serde(default)]
    pub red_packet: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimCertSetting {
    /// The certificate (PEM), intermediates after it.
    pub cert_file: PathBuf,
    /// Its private key (PEM).
    pub private_key_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimAppSetting {
    pub app_id: String,
    pub public_key: Option<String>,
    pub public_key_file: Option<PathBuf>,
    /// The app's AES content key: set, the simulated gateway refuses unencrypted calls
    /// from it and encrypts its answers, as Alipay does for such an app.
    #[serde(default)]
    pub encrypt_key: Option<Secret>,
    #[serde(default)]
    pub encrypt_key_file: Option<PathBuf>,
    /// Certificate mode: the app's certificate; its calls must name its SN (`app_cert_sn`).
    #[serde(default)]
    pub app_cert_file: Option<PathBuf>,
}
