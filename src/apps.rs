//! The Alipay apps this service calls for (brands, sandbox beside production): one signing
//! gateway client each. A request names its app (`Alipay-App: <name>`, else the default);
//! every record keeps its app id, so the reconciler settles it through the same app.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::alipay::client::{AlipayClient, ClientSettings, RateLimit};
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

/// The app a request acts for and, when an ISV calls on a merchant's behalf, the merchant's
/// `app_auth_token` (header `Alipay-App-Auth-Token`).
pub struct ActingFor {
    pub app: Arc<App>,
    pub app_auth_token: Option<Secret>,
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

/// The gateway client's settings for one app's settings.
pub(crate) fn client_settings(alipay: &AlipaySettings) -> Result<ClientSettings, ConfigError> {
    if alipay.app_id.trim().is_empty() {
        return Err(ConfigError::invalid("alipay.app_id", "missing"));
    }
    Ok(ClientSettings {
        gateway_url: alipay.gateway_url.clone(),
        app_id: alipay.app_id.trim().to_owned(),
        sign_type: alipay
            .sign_type
            .parse()
            .map_err(|_| ConfigError::invalid("alipay.sign_type", "must be RSA2 or RSA"))?,
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
