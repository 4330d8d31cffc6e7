//! The Alipay apps this service calls for (brands, sandbox beside production): one signing
//! gateway client each. A request names its app (`Alipay-App: <name>`, else the default);
//! every record keeps its app id, so the reconciler settles it through the same app.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::alipay::client::{AlipayClient, ClientSettings, RateLimit};
use crate::alipay::sign::SignType;
use crate::config::{AlipaySettings, ConfigError, Secret};

/// The header that carries a merchant's `app_auth_token` (ISV calls).
pub const APP_AUTH_TOKEN_HEADER: &str = "Alipay-App-Auth-Token";

/// One configured app and its gateway client.
pub struct App {
    pub name: String,
    pub client: AlipayClient,
}

impl App {
    pub fn app_id(&self) -> &str {
        self.client.app_id()
    }
}

/// The header that names the merchant an ISV acts for (its pid or appid), with its token.
pub const MERCHANT_ID_HEADER: &str = "Alipay-Merchant-Id";

/// The app a request acts for and, when an ISV calls on a merchant's behalf, that merchant.
pub struct ActingFor {
    pub app: Arc<App>,
    pub merchant: Option<Merchant>,
}

/// A merchant an ISV acts for: who it is and its `app_auth_token`, always together. The
/// token is opaque (only Alipay knows whose it is), so the caller names the merchant; records
/// remember it, and a change of a record made for another merchant is refused.
pub struct Merchant {
    pub id: MerchantId,
    pub token: Secret,
}

/// A merchant's pid (2088…) or appid: 1 to 32 ASCII letters and digits, as `channel_id`
/// takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantId(String);

impl MerchantId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let valid =
            (1..=32).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        match valid {
            true => Ok(Self(text.to_owned())),
            false => Err(format!(
                "{MERCHANT_ID_HEADER} must be the merchant's pid or appid (1 to 32 letters and digits)"
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ActingFor {
    /// The app itself, for no merchant.
    pub fn app_itself(app: Arc<App>) -> Self {
        Self {
            app,
            merchant: None,
        }
    }

    pub fn merchant_id(&self) -> Option<&str> {
        self.merchant.as_ref().map(|m| m.id.as_str())
    }

    /// `request` (an add's normalised request) with the merchant it is made for, so the
    /// same key sent for another merchant is another request.
    pub fn hashed_with_merchant(&self, request: serde_json::Value) -> serde_json::Value {
        with_merchant(request, self.merchant_id())
    }
}

/// `request` with `merchant` (when there is one), as request hashes cover it.
pub fn with_merchant(mut request: serde_json::Value, merchant: Option<&str>) -> serde_json::Value {
    if let (Some(id), serde_json::Value::Object(map)) = (merchant, &mut request) {
        map.insert("merchant_id".into(), id.into());
    }
    request
}

impl Deref for ActingFor {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Every configured app; the first is the default.
#[derive(Clone)]
pub struct Apps {
    list: Arc<Vec<Arc<App>>>,
}

impl Apps {
    /// `apps` must not be empty; the first is the default.
    pub fn new(apps: Vec<App>) -> Self {
        assert!(!apps.is_empty(), "at least the default app");
        Self {
            list: Arc::new(apps.into_iter().map(Arc::new).collect()),
        }
    }

    pub fn default_app(&self) -> &Arc<App> {
        &self.list[0]
    }

    pub fn by_name(&self, name: &str) -> Option<&Arc<App>> {
        self.list.iter().find(|app| app.name == name)
    }

    pub fn by_app_id(&self, app_id: &str) -> Option<&Arc<App>> {
        self.list.iter().find(|app| app.app_id() == app_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<App>> {
        self.list.iter()
    }

    /// The names, for messages.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.list.iter().map(|app| app.name.as_str()).collect();
        names.join(", ")
    }
}

/// The app's sign type: RSA2, or the SHA1 `RSA` only with `alipay.allow_legacy_rsa_sha1`.
pub(crate) fn sign_type(alipay: &AlipaySettings) -> Result<SignType, ConfigError> {
    let sign_type = alipay.sign_type.parse().map_err(|_| {
        ConfigError::invalid("alipay.sign_type", "must be RSA2 (or the legacy RSA)")
    })?;
    if sign_type == SignType::Rsa && !alipay.allow_legacy_rsa_sha1 {
        return Err(ConfigError::invalid(
            "alipay.sign_type",
            format!(
                "RSA (SHA1) is refused for app `{}`: use RSA2. Only an app created at Alipay \
                 before RSA2 that cannot switch yet may set alipay.allow_legacy_rsa_sha1 = true",
                alipay.name
            ),
        ));
    }
    Ok(sign_type)
}

/// The gateway client's settings for one app's settings.
pub(crate) fn client_settings(alipay: &AlipaySettings) -> Result<ClientSettings, ConfigError> {
    if alipay.app_id.trim().is_empty() {
        return Err(ConfigError::invalid("alipay.app_id", "missing"));
    }
    Ok(ClientSettings {
        gateway_url: alipay.gateway_url.clone(),
        app_id: alipay.app_id.trim().to_owned(),
        sign_type: sign_type(alipay)?,
        charset: alipay
            .charset
            .parse()
            .map_err(|_| ConfigError::invalid("alipay.charset", "must be utf-8 or GBK"))?,
        app_auth_token: alipay.own.app_auth_token.clone().filter(|t| !t.is_empty()),
        notify_url: alipay.notify_url.clone().filter(|u| !u.is_empty()),
        connect_timeout: Duration::from_millis(alipay.connect_timeout_ms),
        timeout: Duration::from_millis(alipay.timeout_ms),
        max_attempts: alipay.max_attempts,
        deadline: Duration::from_millis(alipay.deadline_ms),
        verify_response_signature: alipay.verify_response_signature,
        rate_limit: (alipay.rate_limit_qps > 0.0).then(|| RateLimit {
            per_second: alipay.rate_limit_qps,
            burst: match alipay.rate_limit_burst {
                0 => alipay.rate_limit_qps.ceil() as u32,
                burst => burst,
            },
            max_wait: Duration::from_millis(alipay.rate_limit_max_wait_ms),
        }),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Profile, Settings};

    /// The test profile's default app.
    fn alipay() -> AlipaySettings {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        Settings::load_profile(&config, Profile::Test)
            .unwrap()
            .alipay
    }

    #[test]
    fn rsa_sha1_is_refused_without_the_legacy_setting() {
        let mut legacy = alipay();
        legacy.sign_type = "RSA".into();
        let Err(err) = client_settings(&legacy) else {
            panic!("RSA admitted without the legacy setting");
        };
        assert_eq!(err.key, "alipay.sign_type");
        assert!(
            err.reason.contains("alipay.allow_legacy_rsa_sha1"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn rsa_sha1_is_admitted_with_the_legacy_setting() {
        let mut legacy = alipay();
        legacy.sign_type = "RSA".into();
        legacy.allow_legacy_rsa_sha1 = true;
        let settings = client_settings(&legacy).unwrap();
        assert_eq!(settings.sign_type, SignType::Rsa);
    }
}
