//! Layered settings: `config/default.toml` < `config/<profile>.toml` < `APP__SECTION__KEY`
//! environment variables. Secrets may be given inline or as `<name>_file` paths, so
//! Kubernetes secrets can be mounted as files; [`Settings::resolve_secret`] reads either.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

pub use alipass_sim::SimFaultSetting;

mod apps;
mod connections;
mod features;
mod sim;
pub use apps::AppOverride;
pub use connections::{DatabaseSettings, RedisSettings};
pub use features::{CampaignSettings, ConsoleSettings, TracingSettings, WebhookSettings};
pub use sim::{SimAppSetting, SimCertSetting, SimSettings, SimVoucherTemplate};

/// A secret given inline in settings (a key, a token, a URL with a password). It reads as
/// the text it holds, but its `Debug` never prints it, so no logged or printed settings
/// value can carry a key.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl std::ops::Deref for Secret {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<T: Into<String>> From<T> for Secret {
    fn from(text: T) -> Self {
        Self(text.into())
    }
}

/// Which profile file is layered over `default.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Local,
    Test,
    Production,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Local => "local",
            Profile::Test => "test",
            Profile::Production => "production",
        }
    }

    /// Reads `APP_PROFILE` (default `local`).
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var("APP_PROFILE") {
            Ok(value) => value.parse(),
            Err(_) => Ok(Profile::Local),
        }
    }
}

impl FromStr for Profile {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "local" => Ok(Profile::Local),
            "test" => Ok(Profile::Test),
            "production" | "prod" => Ok(Profile::Production),
            other => Err(ConfigError::invalid(
                "APP_PROFILE",
                format!("`{other}` is not one of local, test, production"),
            )),
        }
    }
}

/// A start-up configuration failure: one line naming the offending key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    pub fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(skip, default = "default_profile")]
    pub profile: Profile,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub alipay: AlipaySettings,
    pub sim: SimSettings,
    pub reconciler: ReconcilerSettings,
    #[serde(default)]
    pub limits: LimitSettings,
    #[serde(default)]
    pub pii: PiiSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
    #[serde(default)]
    pub tracing: TracingSettings,
    #[serde(default)]
    pub campaigns: CampaignSettings,
    #[serde(default)]
    pub webhooks: WebhookSettings,
    #[serde(default)]
    pub console: ConsoleSettings,
}

/// How long history and personal data are kept; 0 days: for ever (an explicit choice:
/// the defaults keep what a merchant needs for disputes and reconciliation, no more).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// Gateway-call rows (every attempt's code and latency) and webhook attempts: a
    /// quarter, long enough to look into a disputed call.
    pub gateway_calls_days: u32,
    /// Pass events (a pass's history) and webhook events: a year.
    pub events_days: u32,
    /// After this, settled vouchers' recipients and settled campaign rows' fields are
    /// redacted (ids, statuses, amounts stay) and final passes' merchant tokens dropped: a
    /// year and a month, past a yearly reconciliation.
    pub settled_records_days: u32,
    pub batch_size: i64,
    pub interval_secs: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            gateway_calls_days: 90,
            events_days: 365,
            settled_records_days: 400,
            batch_size: 500,
            interval_secs: 3600,
        }
    }
}

/// Personal data at rest.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PiiSettings {
    /// Seals voucher recipients' login_id and taobao_nick, campaign rows and webhook
    /// secrets (base64 of 32 bytes); required in production. Without it (local runs) they
    /// are stored in clear.
    pub key: Option<Secret>,
    pub key_file: Option<PathBuf>,
    /// Earlier keys (base64 of 32 bytes each): values sealed with them still open until
    /// `alipass rekey` has sealed them again with `key`; then they can go.
    #[serde(default)]
    pub retired_keys: Vec<Secret>,
    /// A file of retired keys, one a line.
    pub retired_keys_file: Option<PathBuf>,
}

impl PiiSettings {
    /// The retired keys' texts, inline and from the file.
    pub fn retired_key_texts(&self) -> Result<Vec<String>, ConfigError> {
        let mut texts: Vec<String> = self.retired_keys.iter().map(|k| k.to_string()).collect();
        let from_file =
            Settings::resolve_secret("pii.retired_keys", None, self.retired_keys_file.as_deref())?;
        texts.extend(
            from_file
                .iter()
                .flat_map(|text| text.lines())
                .map(str::to_owned),
        );
        texts.retain(|text| !text.trim().is_empty());
        Ok(texts)
    }
}

fn default_profile() -> Profile {
    Profile::Local
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub body_limit_bytes: usize,
    pub workers: usize,
    pub shutdown_delay_secs: u64,
    pub shutdown_timeout_secs: u64,
    /// `/readyz` and `/metrics` need no key: they query Postgres and Redis at most once per
    /// this interval, however often they are hit, and answer from that look in between.
    #[serde(default = "default_probe_interval_ms")]
    pub probe_interval_ms: u64,
    /// The longest one request may take (503 `deadline_exceeded` past it), so a dependency
    /// that stops answering (a network partition) costs a request seconds, not the
    /// kernel's quarter of an hour. Above `alipay.deadline_ms`, so a slow gateway call is not
    /// cut; campaign uploads have their own (`campaigns.upload_timeout_secs`).
    #[serde(default = "default_request_deadline_ms")]
    pub request_deadline_ms: u64,
}

fn default_probe_interval_ms() -> u64 {
    1_000
}

fn default_request_deadline_ms() -> u64 {
    30_000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
    /// Lines waiting for the log writer thread; past this they are dropped and counted.
    pub queue_lines: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    #[serde(default)]
    pub api_keys: Vec<ApiKeySetting>,
    pub api_keys_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiKeySetting {
    pub name: String,
    /// Hex SHA-256 of the key; the key itself is never configured.
    pub sha256: String,
    pub scopes: Vec<String>,
    /// The Alipay apps (by name) this key may act for; empty or absent: every app.
    #[serde(default)]
    pub apps: Vec<String>,
}

/// The default Alipay app, and (`apps`) the others.
#[derive(Debug, Clone, Deserialize)]
pub struct AlipaySettings {
    /// What requests call this app by (`Alipay-App: <name>`); it is the default app.
    #[serde(default = "default_app_name")]
    pub name: String,
    /// More apps (brands, sandbox beside production). Each names what differs from this
    /// default app; everything else is inherited.
    #[serde(default)]
    pub apps: Vec<AppOverride>,
    pub gateway_url: String,
    pub app_id: String,
    pub sign_type: String,
    pub charset: String,
    #[serde(flatten)]
    pub app_key: AppKeySettings,
    #[serde(flatten)]
    pub alipay_key: AlipayKeySettings,
    #[serde(flatten)]
    pub own: AppOwnSettings,
    /// Seals merchants' per-request `app_auth_token`s at rest (base64 of 32 bytes,
    /// AES-256-GCM); needed only when requests carry `Alipay-App-Auth-Token`.
    #[serde(default)]
    pub token_sealing_key: Option<Secret>,
    #[serde(default)]
    pub token_sealing_key_file: Option<PathBuf>,
    pub notify_url: Option<String>,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_attempts: u32,
    pub deadline_ms: u64,
    pub verify_response_signature: bool,
    /// Outbound calls per second per method (Alipay's QPS limit for the app), shared by
    /// every replica through Redis; 0: unlimited.
    #[serde(default)]
    pub rate_limit_qps: f64,
    /// Bucket size (calls allowed at once after a quiet time); 0: the QPS rounded up.
    #[serde(default)]
    pub rate_limit_burst: u32,
    /// The longest a call waits for a slot before it is refused with 429.
    #[serde(default = "default_rate_limit_max_wait_ms")]
    pub rate_limit_max_wait_ms: u64,
    /// Admits `sign_type = "RSA"` (SHA1). Only for gateway apps created at Alipay before
    /// RSA2 that cannot switch yet: SHA1 signatures are weak, and they need the `rsa`
    /// crate's signer (RUSTSEC-2023-0071). Off: an RSA config is refused at start-up.
    #[serde(default)]
    pub allow_legacy_rsa_sha1: bool,
}

/// The app's private key, inline or as a file. An app of `alipay.apps[]` that gives either
/// replaces the default app's key as a whole.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppKeySettings {
    pub app_private_key: Option<Secret>,
    pub app_private_key_file: Option<PathBuf>,
}

/// What Alipay's answers are checked with: its public key (inline or a file), or in
/// certificate mode the app's public-key certificate, the Alipay public-key certificate and
/// the Alipay root certificate chain (PEM files). Replaced as a whole, like the app's key.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AlipayKeySettings {
    pub alipay_public_key: Option<String>,
    pub alipay_public_key_file: Option<PathBuf>,
    pub app_cert_file: Option<PathBuf>,
    pub alipay_cert_file: Option<PathBuf>,
    pub alipay_root_cert_file: Option<PathBuf>,
}

/// What belongs to one app alone and is never inherited by the others.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppOwnSettings {
    pub app_auth_token: Option<Secret>,
    /// Content encryption (接口内容加密): the app's AES key as the open platform shows it
    /// (base64). Set, every biz_content is sent encrypted with `encrypt_type=AES`.
    pub encrypt_key: Option<Secret>,
    pub encrypt_key_file: Option<PathBuf>,
}

fn default_rate_limit_max_wait_ms() -> u64 {
    1_000
}

fn default_app_name() -> String {
    "default".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReconcilerSettings {
    pub enabled: bool,
    pub interval_ms: u64,
    pub stale_after_ms: u64,
    pub batch_size: i64,
    /// Resends of a change without an Alipay-side key (template.update, instance.update)
    /// after an unknown outcome whose answers prove nothing (a refusal such as
    /// KP.AE_ALIPASS_UPDATE_ERROR): after this many, the change waits for an operator
    /// (NEEDS_CONFIRMATION) instead of being guessed.
    #[serde(default = "default_max_unproven_tries")]
    pub max_unproven_tries: u32,
}

fn default_max_unproven_tries() -> u32 {
    5
}

/// Limits where the vendor's pages contradict each other; defaults are the safer reading.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// tpl_content length: 65000 on one page, 99999 on another.
    pub tpl_content_max_chars: usize,
    /// remindInfo.offset: 3600–86400 s in the table, "2" in the official example.
    pub remind_offset_min_secs: i64,
    pub remind_offset_max_secs: i64,
    /// When false an out-of-range remind offset is a warning, not an error.
    pub remind_offset_strict: bool,
    /// verify_code: 30 on the guide page, 999 on the API page.
    pub verify_code_max_chars: usize,
    /// Bytes a pass preview's substituted document may take (its strings' bytes once
    /// every `$var$` is filled): a short template can name a long value thousands of times.
    pub preview_max_bytes: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            tpl_content_max_chars: 65_000,
            remind_offset_min_secs: 3_600,
            remind_offset_max_secs: 86_400,
            remind_offset_strict: false,
            verify_code_max_chars: 30,
            preview_max_bytes: 1_048_576,
        }
    }
}

impl Settings {
    /// Loads the profile named by `APP_PROFILE` from `config_dir` plus the environment.
    pub fn load(config_dir: &Path) -> Result<Self, ConfigError> {
        let profile = Profile::from_env()?;
        Self::load_profile(config_dir, profile)
    }

    pub fn load_profile(config_dir: &Path, profile: Profile) -> Result<Self, ConfigError> {
        let settings = Self::load_unchecked(config_dir, profile)?;
        settings.check()?;
        Ok(settings)
    }

    /// For `alipass sim`, which reads only `sim.*` and `log.*`: the service's rules (sealed
    /// recipients, no in-process simulator, verified answers) are not its business, so a
    /// staging simulator under the production profile needs no pii.key.
    pub fn load_for_simulator(config_dir: &Path, profile: Profile) -> Result<Self, ConfigError> {
        Self::load_unchecked(config_dir, profile)
    }

    fn load_unchecked(config_dir: &Path, profile: Profile) -> Result<Self, ConfigError> {
        let default_file = config_dir.join("default.toml");
        if !default_file.is_file() {
            return Err(ConfigError::invalid(
                "config directory",
                format!(
                    "{} not found (run from the repository root or set APP_CONFIG_DIR)",
                    default_file.display()
                ),
            ));
        }
        let built = config::Config::builder()
            .add_source(config::File::from(default_file))
            .add_source(config::File::from(config_dir.join(profile.as_str())).required(false))
            .add_source(
                config::Environment::with_prefix("APP")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .map_err(describe_config_error)?;
        let mut settings: Settings = built.try_deserialize().map_err(describe_config_error)?;
        settings.profile = profile;
        Ok(settings)
    }

    /// Cross-field rules the types alone cannot express.
    fn check(&self) -> Result<(), ConfigError> {
        if self.server.body_limit_bytes == 0 {
            return Err(ConfigError::invalid(
                "server.body_limit_bytes",
                "must be greater than 0",
            ));
        }
        if let Err(why) = self.webhooks.proxy() {
            return Err(ConfigError::invalid("webhooks.proxy_url", why));
        }
        if self.console.form_limit_bytes == Some(0) {
            return Err(ConfigError::invalid(
                "console.form_limit_bytes",
                "must be greater than 0 (leave it unset for room for the largest template)",
            ));
        }
        if self.console.sign_in_failures_per_minute == 0 {
            return Err(ConfigError::invalid(
                "console.sign_in_failures_per_minute",
                "must be at least 1",
            ));
        }
        if self.alipay.max_attempts == 0 {
            return Err(ConfigError::invalid(
                "alipay.max_attempts",
                "must be at least 1",
            ));
        }
        if self.profile == Profile::Production {
            let pii_key = self.pii.key.as_deref().is_some_and(|k| !k.is_empty())
                || self
                    .pii
                    .key_file
                    .as_deref()
                    .is_some_and(|p| !p.as_os_str().is_empty());
            if !pii_key {
                return Err(ConfigError::invalid(
                    "pii.key",
                    "the production profile keeps recipients' login_id and taobao_nick sealed: \
                     set pii.key or pii.key_file (base64 of 32 bytes)",
                ));
            }
            if self.sim.enabled {
                return Err(ConfigError::invalid(
                    "sim.enabled",
                    "the in-process gateway simulator is not allowed in the production profile",
                ));
            }
            if !self.alipay.verify_response_signature {
                return Err(ConfigError::invalid(
                    "alipay.verify_response_signature",
                    "response signatures must be verified in the production profile",
                ));
            }
        }
        Ok(())
    }

    /// An inline value or the contents of `<key>_file`; the file wins when both are set.
    pub fn resolve_secret(
        key: &str,
        inline: Option<&str>,
        file: Option<&Path>,
    ) -> Result<Option<String>, ConfigError> {
        if let Some(path) = file.filter(|p| !p.as_os_str().is_empty()) {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::invalid(
                    format!("{key}_file"),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            return Ok(Some(text.trim().to_owned()));
        }
        Ok(inline
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned))
    }

    /// Like [`Self::resolve_secret`] but the value must be present.
    pub fn require_secret(
        key: &str,
        inline: Option<&str>,
        file: Option<&Path>,
    ) -> Result<String, ConfigError> {
        Self::resolve_secret(key, inline, file)?
            .ok_or_else(|| ConfigError::invalid(key, format!("missing: set {key} or {key}_file")))
    }

    pub fn database_url(&self) -> Result<String, ConfigError> {
        Self::require_secret(
            "database.url",
            self.database.url.as_deref(),
            self.database.url_file.as_deref(),
        )
    }

    pub fn redis_url(&self) -> Result<String, ConfigError> {
        Self::require_secret(
            "redis.url",
            self.redis.url.as_deref(),
            self.redis.url_file.as_deref(),
        )
    }
}

/// Where the `config/` directory is: `APP_CONFIG_DIR`, else `./config`.
pub fn config_dir() -> PathBuf {
    std::env::var_os("APP_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("config"))
}

fn describe_config_error(error: config::ConfigError) -> ConfigError {
    match error {
        config::ConfigError::Type {
            key,
            expected,
            unexpected,
            ..
        } => ConfigError::invalid(
            key.unwrap_or_else(|| "<root>".into()),
            format!("expected {expected}, found {unexpected}"),
        ),
        config::ConfigError::NotFound(key) => ConfigError::invalid(key, "missing"),
        config::ConfigError::FileParse { uri, cause } => ConfigError::invalid(
            uri.unwrap_or_else(|| "config file".into()),
            cause.to_string().replace('\n', " "),
        ),
        // `missing field `x`` plus the path config adds: keep it on one line.
        other => {
            let text = other.to_string().replace('\n', " ");
            ConfigError::invalid(key_from_message(&text), text)
        }
    }
}

/// config reports e.g. "missing field `app_id` for key `alipay`": name `alipay.app_id`.
fn key_from_message(message: &str) -> String {
    let ticks: Vec<&str> = message.split('`').collect();
    match ticks.as_slice() {
        [_, field, _, parent, ..] if message.contains("for key") => format!("{parent}.{field}"),
        [_, field, ..] => (*field).to_owned(),
        _ => "<settings>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_message_names_the_dotted_key() {
        assert_eq!(
            key_from_message("missing field `app_id` for key `alipay`"),
            "alipay.app_id"
        );
    }

    #[test]
    fn profile_parses_case_insensitively_and_rejects_others() {
        assert_eq!(
            "PRODUCTION".parse::<Profile>().unwrap(),
            Profile::Production
        );
        let err = "staging".parse::<Profile>().unwrap_err();
        assert!(err.to_string().contains("APP_PROFILE"));
    }

    #[test]
    fn the_standalone_simulator_needs_none_of_the_services_production_rules() {
        let dir = config_dir();
        let err = Settings::load_profile(&dir, Profile::Production).unwrap_err();
        assert_eq!(err.key, "pii.key");
        let sim = Settings::load_for_simulator(&dir, Profile::Production).unwrap();
        assert_eq!(sim.profile, Profile::Production);
    }

    #[test]
    fn file_secret_wins_over_inline_and_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db-url");
        std::fs::write(&path, "postgres://from-file\n").unwrap();
        let value = Settings::resolve_secret("database.url", Some("inline"), Some(&path)).unwrap();
        assert_eq!(value.as_deref(), Some("postgres://from-file"));
    }

    #[test]
    fn unreadable_secret_file_names_the_file_key() {
        let err =
            Settings::resolve_secret("alipay.app_private_key", None, Some(Path::new("/nope")))
                .unwrap_err();
        assert_eq!(err.key, "alipay.app_private_key_file");
    }
}
