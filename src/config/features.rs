//! Settings of the service's features beyond the gateway: trace export, campaigns,
//! webhooks and the operator console.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;

use serde::Deserialize;

use super::Secret;

/// Webhook delivery (Standard Webhooks), run by every replica.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    pub enabled: bool,
    /// Where webhooks may go: host names (`hooks.example.com`, `*.example.com`), networks
    /// (`10.0.0.0/8`) and `*` (any public address; private and loopback ranges never are).
    pub allow: Vec<String>,
    /// Waits between attempts; after the last one the delivery has failed. The default
    /// (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) spans about a day, each with ±20 % jitter.
    pub retry_schedule_secs: Vec<u64>,
    /// An endpoint whose every delivery failed for this long is disabled.
    pub disable_after_hours: f64,
    pub timeout_ms: u64,
    pub idle_ms: u64,
    /// Deliveries one replica posts at once.
    pub concurrency: NonZeroUsize,
    /// Deliveries of one endpoint in flight at once, across replicas: an endpoint with a
    /// backlog or a receiver that hangs holds this many slots, and the rest go to others.
    pub endpoint_concurrency: NonZeroU32,
    /// The proxy every delivery goes through (`http://proxy.internal:3128`); none: direct.
    /// Proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) are never
    /// used. Through a proxy the guard still checks the target, where it resolves; the
    /// proxy's own address is the operator's choice and is not checked.
    pub proxy_url: Option<String>,
}

impl WebhookSettings {
    /// The configured proxy, if any (a blank URL is none).
    pub fn proxy(&self) -> Result<Option<reqwest::Proxy>, String> {
        let Some(url) = self
            .proxy_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("the proxy must be http:// or https://".into());
        }
        reqwest::Proxy::all(parsed)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            allow: vec!["*".into()],
            retry_schedule_secs: vec![5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
            disable_after_hours: 24.0,
            timeout_ms: 10_000,
            idle_ms: 500,
            concurrency: NonZeroUsize::new(16).expect("not zero"),
            endpoint_concurrency: NonZeroU32::new(4).expect("not zero"),
            proxy_url: None,
        }
    }
}

/// The campaign worker every replica runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CampaignSettings {
    pub enabled: bool,
    /// Share of an app's `rate_limit_qps` campaigns may use, so API calls keep the rest.
    pub app_rate_share: f64,
    /// Rows of one campaign in flight at once on this replica.
    pub concurrency: usize,
    /// Rows leased per claim: this many seconds of sending at the campaign's rate.
    pub batch_seconds: f64,
    /// Sends of a row whose outcome stays unknown before it is left UNKNOWN for good (the
    /// reconciler still settles its record).
    pub max_attempts: i32,
    /// Pause between looks for work when there is none.
    pub idle_ms: u64,
    /// Longest row of an uploaded file, in bytes, newlines inside quoted cells included: a
    /// longer row is reported and skipped; one still inside a quoted cell there refuses
    /// the upload (413 `row_too_large`).
    pub max_row_bytes: usize,
    /// Most rows one campaign may hold (413 `too_many_rows`).
    pub max_rows: i64,
    /// Largest uploaded file, in bytes (413 `upload_too_large`).
    pub max_upload_bytes: u64,
    /// Longest an upload may take, in seconds (408 `upload_too_slow`): a sender that
    /// trickles bytes does not hold a connection and a campaign open for ever.
    pub upload_timeout_secs: u64,
    /// Campaigns sent side by side on one replica (each in a task of its own); the others
    /// wait their turn.
    pub max_parallel: usize,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            app_rate_share: 0.8,
            concurrency: 32,
            batch_seconds: 2.0,
            max_attempts: 10,
            idle_ms: 500,
            max_row_bytes: 65_536,
            max_rows: 1_000_000,
            max_upload_bytes: 268_435_456,
            upload_timeout_secs: 600,
            max_parallel: 16,
        }
    }
}

/// OpenTelemetry trace export (OTLP over HTTP, JSON encoding); off while no endpoint is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TracingSettings {
    /// The collector's traces URL, e.g. `http://otel-collector:4318/v1/traces`.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
    /// Which spans are exported (an EnvFilter directive; the pipeline, gateway and database
    /// spans are at debug level, so they cost nothing while export is off).
    pub level: String,
    /// Share of traces kept (0 to 1), unless the caller's `traceparent` decided.
    pub sample_ratio: f64,
    pub export_timeout_ms: u64,
}

impl Default for TracingSettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "alipass".into(),
            level: "info,alipass=debug".into(),
            sample_ratio: 1.0,
            export_timeout_ms: 5000,
        }
    }
}

/// The operator console.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ConsoleSettings {
    /// Seals console sessions (base64 of 32 bytes), the same on every replica. Without it
    /// each process makes its own: sessions end at a restart and do not cross replicas.
    pub session_key: Option<Secret>,
    pub session_key_file: Option<PathBuf>,
    /// Failed sign-ins a client address, or a key tried, may make in a minute; past them
    /// sign-ins get 429 with Retry-After until the minute ends.
    pub sign_in_failures_per_minute: u32,
    /// Largest form body the console takes. None: enough for the largest template content
    /// the API accepts, as the editor posts it ([`ConsoleSettings::form_limit`]).
    pub form_limit_bytes: Option<usize>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            session_key: None,
            session_key_file: None,
            sign_in_failures_per_minute: 5,
            form_limit_bytes: None,
        }
    }
}

impl ConsoleSettings {
    /// The console's form limit: the setting, else room for a template of
    /// `tpl_content_max_chars` characters (compact JSON) as the editor posts it: pretty
    /// printed (indentation, at most doubling it), each character up to 3 bytes of UTF-8
    /// (GBK's characters all are), each byte percent-encoded in up to 3, and 4 KiB for the
    /// form's other fields.
    pub fn form_limit(&self, tpl_content_max_chars: usize) -> usize {
        self.form_limit_bytes
            .unwrap_or_else(|| tpl_content_max_chars.saturating_mul(2 * 3 * 3) + 4096)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_proxy(url: &str) -> Result<bool, String> {
        let settings = WebhookSettings {
            proxy_url: Some(url.into()),
            ..WebhookSettings::default()
        };
        settings.proxy().map(|proxy| proxy.is_some())
    }

    #[test]
    fn a_webhook_proxy_is_an_http_url_or_none() {
        assert_eq!(
            WebhookSettings::default().proxy().map(|p| p.is_some()),
            Ok(false)
        );
        assert_eq!(with_proxy("  "), Ok(false), "blank is none");
        assert_eq!(with_proxy("http://proxy.internal:3128"), Ok(true));
        assert!(with_proxy("socks5://proxy.internal:1080").is_err());
        assert!(with_proxy("proxy.internal:3128").is_err());
    }
}
