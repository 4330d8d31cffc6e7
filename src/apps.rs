//! The Alipay apps this service calls for (brands, sandbox beside production): one signing
//! gateway client each. A request names its app (`Alipay-App: <name>`, else the default);
//! every record keeps its app id, so the reconciler settles it through the same app.

use std::ops::Deref;
use std::sync::Arc;

use crate::alipay::client::AlipayClient;
use crate::config::Secret;

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
