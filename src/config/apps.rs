//! More Alipay apps (`alipay.apps[]`), each over the default app.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{AlipayKeySettings, AlipaySettings, AppKeySettings, AppOwnSettings, ConfigError};

/// One more Alipay app: `name` and `app_id`, and whatever differs from the default app.
/// A key group (the app's key, Alipay's key or certificates) given here replaces the default
/// app's group as a whole; what belongs to one app alone (`AppOwnSettings`) is never
/// inherited.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppOverride {
    pub name: String,
    pub app_id: String,
    pub gateway_url: Option<String>,
    pub sign_type: Option<String>,
    pub charset: Option<String>,
    pub notify_url: Option<String>,
    pub timeout_ms: Option<u64>,
    pub deadline_ms: Option<u64>,
    pub rate_limit_qps: Option<f64>,
    pub rate_limit_burst: Option<u32>,
    /// This app's own admission of `sign_type = "RSA"` (SHA1); never inherited.
    #[serde(default)]
    pub allow_legacy_rsa_sha1: bool,
    #[serde(flatten)]
    pub app_key: AppKeySettings,
    #[serde(flatten)]
    pub alipay_key: AlipayKeySettings,
    #[serde(flatten)]
    pub own: AppOwnSettings,
    /// Whatever else was written: a typo must not silently inherit the default app's value
    /// (serde's `deny_unknown_fields` does not work beside `flatten`).
    #[serde(flatten)]
    unknown: BTreeMap<String, IgnoredAny>,
}

impl AppOverride {
    /// An app that differs from the default app only by its name and app id.
    pub fn new(name: impl Into<String>, app_id: impl Into<String>) -> Self {
        AppOverride {
            name: name.into(),
            app_id: app_id.into(),
            ..AppOverride::default()
        }
    }
}

impl AppKeySettings {
    fn given(&self) -> bool {
        self.app_private_key.is_some() || self.app_private_key_file.is_some()
    }
}

impl AlipayKeySettings {
    fn given(&self) -> bool {
        self.alipay_public_key.is_some()
            || self.alipay_public_key_file.is_some()
            || self.app_cert_file.is_some()
            || self.alipay_cert_file.is_some()
            || self.alipay_root_cert_file.is_some()
    }
}

/// `group` when the app gives it, else the default app's.
fn own_or<T: Clone>(group: &T, given: bool, inherited: &T) -> T {
    if given { group } else { inherited }.clone()
}

impl AlipaySettings {
    /// Every app: this default one first, then each of `apps` over it. Names and app ids
    /// are unique (records are kept per app id).
    pub fn all_apps(&self) -> Result<Vec<AlipaySettings>, ConfigError> {
        let base = AlipaySettings {
            apps: Vec::new(),
            ..self.clone()
        };
        let mut all = vec![base.clone()];
        for (i, app) in self.apps.iter().enumerate() {
            let key = format!("alipay.apps[{i}]");
            if let Some(unknown) = app.unknown.keys().next() {
                return Err(ConfigError::invalid(
                    key,
                    format!("unknown setting `{unknown}`"),
                ));
            }
            if app.name.trim().is_empty() || app.app_id.trim().is_empty() {
                return Err(ConfigError::invalid(key, "name and app_id are required"));
            }
            let base = base.clone();
            all.push(AlipaySettings {
                name: app.name.trim().to_owned(),
                app_id: app.app_id.trim().to_owned(),
                gateway_url: app.gateway_url.clone().unwrap_or(base.gateway_url),
                sign_type: app.sign_type.clone().unwrap_or(base.sign_type),
                charset: app.charset.clone().unwrap_or(base.charset),
                notify_url: app.notify_url.clone().or(base.notify_url),
                timeout_ms: app.timeout_ms.unwrap_or(base.timeout_ms),
                deadline_ms: app.deadline_ms.unwrap_or(base.deadline_ms),
                rate_limit_qps: app.rate_limit_qps.unwrap_or(base.rate_limit_qps),
                rate_limit_burst: app.rate_limit_burst.unwrap_or(base.rate_limit_burst),
                app_key: own_or(&app.app_key, app.app_key.given(), &base.app_key),
                alipay_key: own_or(&app.alipay_key, app.alipay_key.given(), &base.alipay_key),
                own: app.own.clone(),
                allow_legacy_rsa_sha1: app.allow_legacy_rsa_sha1,
                ..base
            });
        }
        unique(&all)?;
        Ok(all)
    }
}

/// Names and app ids are unique: records are kept per app id.
fn unique(all: &[AlipaySettings]) -> Result<(), ConfigError> {
    for (i, app) in all.iter().enumerate() {
        if all[..i].iter().any(|other| other.name == app.name) {
            return Err(ConfigError::invalid(
                "alipay.apps",
                format!("the name `{}` is used twice", app.name),
            ));
        }
        if all[..i].iter().any(|other| other.app_id == app.app_id) {
            return Err(ConfigError::invalid(
                "alipay.apps",
                format!("app_id {} is configured twice", app.app_id),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings read as `Settings::load` reads them: through the `config` crate.
    fn alipay(toml: &str) -> AlipaySettings {
        config::Config::builder()
            .add_source(config::File::from_str(toml, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .unwrap()
    }

    const DEFAULT_APP: &str = r#"
        gateway_url = "http://127.0.0.1:1/gateway.do"
        app_id = "2021000000000001"
        sign_type = "RSA2"
        charset = "utf-8"
        app_private_key_file = "default-app.pem"
        alipay_public_key_file = "default-alipay.pem"
        app_auth_token = "default-token"
        connect_timeout_ms = 1000
        timeout_ms = 1000
        max_attempts = 1
        deadline_ms = 1000
        verify_response_signature = true
    "#;

    /// The default app and `brand-b` with `settings` of its own.
    fn with_brand_b(settings: &str) -> AlipaySettings {
        alipay(&format!(
            "{DEFAULT_APP}
            [[apps]]
            name = \"brand-b\"
            app_id = \"2021000000000002\"
            {settings}"
        ))
    }

    #[test]
    fn an_app_replaces_a_key_group_as_a_whole_and_never_inherits_its_own_settings() {
        let settings = with_brand_b("app_cert_file = \"b-app-cert.pem\"\ntimeout_ms = 2500");
        let all = settings.all_apps().unwrap();
        let (default, brand_b) = (&all[0], &all[1]);
        assert_eq!(default.own.app_auth_token.as_deref(), Some("default-token"));
        assert_eq!(brand_b.app_id, "2021000000000002");
        assert_eq!(brand_b.timeout_ms, 2500);
        // Its own certificate: the default app's public key is not mixed in.
        assert_eq!(brand_b.alipay_key.alipay_public_key_file, None);
        assert_eq!(
            brand_b.alipay_key.app_cert_file.as_deref(),
            Some(std::path::Path::new("b-app-cert.pem"))
        );
        // No key of its own: the default app's.
        assert_eq!(
            brand_b.app_key.app_private_key_file,
            default.app_key.app_private_key_file
        );
        assert!(brand_b.own.app_auth_token.is_none());
    }

    #[test]
    fn a_misspelt_app_setting_is_refused_with_its_name() {
        let settings = with_brand_b("app_privat_key_file = \"b.pem\"");
        let error = settings.all_apps().unwrap_err();
        assert_eq!(error.key, "alipay.apps[0]");
        assert!(error.to_string().contains("app_privat_key_file"), "{error}");
    }
}
