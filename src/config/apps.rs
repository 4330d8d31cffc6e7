//! More Alipay apps (`alipay.apps[]`), each over the default app.

use std::path::PathBuf;

use serde::Deserialize;

use super::{AlipaySettings, ConfigError, Secret};

/// One more Alipay app: `name` and `app_id`, and whatever differs from the default app.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppOverride {
    pub name: String,
    pub app_id: String,
    pub gateway_url: Option<String>,
    pub sign_type: Option<String>,
    pub charset: Option<String>,
    pub app_private_key: Option<Secret>,
    pub app_private_key_file: Option<PathBuf>,
    pub alipay_public_key: Option<String>,
    pub alipay_public_key_file: Option<PathBuf>,
    pub app_cert_file: Option<PathBuf>,
    pub alipay_cert_file: Option<PathBuf>,
    pub alipay_root_cert_file: Option<PathBuf>,
    pub app_auth_token: Option<Secret>,
    pub encrypt_key: Option<Secret>,
    pub encrypt_key_file: Option<PathBuf>,
    pub notify_url: Option<String>,
    pub timeout_ms: Option<u64>,
    pub deadline_ms: Option<u64>,
    pub rate_limit_qps: Option<f64>,
    pub rate_limit_burst: Option<u32>,
}

impl AlipaySettings {
    /// Every app: this default one first, then each of `apps` over it. Names and app ids
    /// are unique (records are kept per app id).
    pub fn all_apps(&self) -> Result<Vec<AlipaySettings>, ConfigError> {
        let mut all = vec![AlipaySettings {
            apps: Vec::new(),
            ..self.clone()
        }];
        for (i, app) in self.apps.iter().enumerate() {
            let key = format!("alipay.apps[{i}]");
            if app.name.trim().is_empty() || app.app_id.trim().is_empty() {
                return Err(ConfigError::invalid(key, "name and app_id are required"));
            }
            // Key material is the app's own: an app given a key file does not inherit the
            // default app's inline key, nor the reverse.
            let keys_given = app.app_private_key.is_some() || app.app_private_key_file.is_some();
            let alipay_key_given = app.alipay_public_key.is_some()
                || app.alipay_public_key_file.is_some()
                || app.alipay_cert_file.is_some();
            let base = self.clone();
            let pick = |given: &Option<PathBuf>, inherited: Option<PathBuf>, own: bool| {
                if own {
                    given.clone()
                } else {
                    inherited
                }
            };
            all.push(AlipaySettings {
                name: app.name.trim().to_owned(),
                apps: Vec::new(),
                app_id: app.app_id.trim().to_owned(),
                gateway_url: app.gateway_url.clone().unwrap_or(base.gateway_url),
                sign_type: app.sign_type.clone().unwrap_or(base.sign_type),
                charset: app.charset.clone().unwrap_or(base.charset),
                app_private_key: if keys_given {
                    app.app_private_key.clone()
                } else {
                    base.app_private_key
                },
                app_private_key_file: pick(
                    &app.app_private_key_file,
                    base.app_private_key_file,
                    keys_given,
                ),
                alipay_public_key: if alipay_key_given {
                    app.alipay_public_key.clone()
                } else {
                    base.alipay_public_key
                },
                alipay_public_key_file: pick(
                    &app.alipay_public_key_file,
                    base.alipay_public_key_file,
                    alipay_key_given,
                ),
                app_cert_file: pick(&app.app_cert_file, base.app_cert_file, alipay_key_given),
                alipay_cert_file: pick(
                    &app.alipay_cert_file,
                    base.alipay_cert_file,
                    alipay_key_given,
                ),
                alipay_root_cert_file: pick(
                    &app.alipay_root_cert_file,
                    base.alipay_root_cert_file,
                    alipay_key_given,
                ),
                // Tokens and AES keys belong to one app: never inherited.
                app_auth_token: app.app_auth_token.clone(),
                encrypt_key: app.encrypt_key.clone(),
                encrypt_key_file: app.encrypt_key_file.clone(),
                notify_url: app.notify_url.clone().or(base.notify_url),
                timeout_ms: app.timeout_ms.unwrap_or(base.timeout_ms),
                deadline_ms: app.deadline_ms.unwrap_or(base.deadline_ms),
                rate_limit_qps: app.rate_limit_qps.unwrap_or(base.rate_limit_qps),
                rate_limit_burst: app.rate_limit_burst.unwrap_or(base.rate_limit_burst),
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
