//! Who may receive an endpoint's events: the API key that registered it, while that key
//! may read them through the API (the `read` scope, and the endpoint's app among its
//! apps). Registration asks for `read` too, but keys are reconfigured: every attempt
//! checks the keys configured now, so a key that loses `read` or the app stops receiving.

use std::collections::HashMap;

use crate::auth::ApiKeys;
use crate::config::Settings;

pub struct Readers {
    keys: ApiKeys,
    /// The configured apps' names by Alipay app id (keys name apps, endpoints app ids).
    app_names: HashMap<String, String>,
}

impl Readers {
    pub fn new(settings: &Settings, keys: ApiKeys) -> anyhow::Result<Self> {
        let app_names = settings
            .alipay
            .all_apps()?
            .into_iter()
            .map(|app| (app.app_id, app.name))
            .collect();
        Ok(Self { keys, app_names })
    }

    /// None while `owner` may read app `app_id`'s events; else why not. Every key
    /// configured under the name must be able to (a name can hold a key being rotated).
    pub fn refusal(&self, owner: &str, app_id: &str) -> Option<String> {
        let mut keys = self.keys.named(owner).peekable();
        if keys.peek().is_none() {
            return Some(format!(
                "no API key named `{owner}` is configured any more: its endpoints receive nothing"
            ));
        }
        let app = self.app_names.get(app_id);
        let may_read = keys.all(|key| app.is_some_and(|name| key.may_read(name)));
        (!may_read).then(|| {
            format!(
                "API key `{owner}` may not read app {app_id}'s records (it needs the `read` \
                 scope and the app): its endpoints receive nothing"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ApiKeySetting;

    fn key(name: &str, secret: &str, scopes: &[&str], apps: &[&str]) -> ApiKeySetting {
        ApiKeySetting {
            name: name.into(),
            sha256: crate::auth::hash_key(secret),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            apps: apps.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn only_keys_that_read_the_app_receive_its_events() {
        let settings =
            Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test)
                .unwrap();
        let app = settings.alipay.app_id.as_str();
        let keys = ApiKeys::from_entries(&[
            key("reader", "k1", &["read", "webhooks:write"], &[]),
            key("hooks-only", "k2", &["webhooks:write"], &[]),
            key("elsewhere", "k3", &["read", "webhooks:write"], &["other"]),
            key("rotating", "k4", &["read", "webhooks:write"], &[]),
            key("rotating", "k5", &["webhooks:write"], &[]),
        ])
        .unwrap();
        let readers = Readers::new(&settings, keys).unwrap();
        assert_eq!(readers.refusal("reader", app), None);
        for owner in ["hooks-only", "elsewhere", "rotating", "gone"] {
            let why = readers.refusal(owner, app);
            assert!(why.is_some_and(|w| w.contains(owner)), "{owner}");
        }
        assert!(
            readers.refusal("reader", "2021999999999999x").is_some(),
            "an app no longer configured"
        );
    }
}
