//! The service as `alipass campaign` calls it, and what each failure means for the exit
//! code: a script must tell a setting to fix from a service to wait for, a request the
//! service refused and one Alipay refused.

use std::fmt;

use clap::Args;
use serde_json::Value;

/// The exit codes of `alipass`, as `--help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  failed otherwise (a bug, or a failure of no kind below)
  2  usage: the command line is wrong (clap), or an argument clap cannot check (--shared)
  3  configuration: a setting cannot work (the service's settings, a URL that is not one,
     an API key the service does not know (401), a file that cannot be read, a doctor check)
  4  unavailable: the service or a dependency does not answer, or answers 5xx or 429:
     try again later
  5  refused by the service: a 4xx problem (its code is printed), or a campaign that
     ended with INVALID rows
  6  refused by Alipay: a gateway refusal, or a campaign that ended with REFUSED rows";

/// What kind of failure a command met: its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Usage,
    Configuration,
    Unavailable,
    RefusedByService,
    RefusedByAlipay,
}

impl Failure {
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Usage => 2,
            Self::Configuration => 3,
            Self::Unavailable => 4,
            Self::RefusedByService => 5,
            Self::RefusedByAlipay => 6,
        }
    }

    /// This failure, saying what happened.
    pub fn because(self, message: impl Into<String>) -> Failed {
        Failed {
            kind: self,
            message: message.into(),
        }
    }
}

/// A failure of a known kind, carried in an `anyhow::Error` up to `main`.
#[derive(Debug)]
pub struct Failed {
    pub kind: Failure,
    pub message: String,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failed {}

/// The exit code for `error`: the kind of the first classified failure in its chain (the
/// service's own commands: a configuration error, a database or Redis that cannot be
/// reached), else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    error
        .chain()
        .find_map(|cause| kind_of(cause).map(Failure::exit_code))
        .unwrap_or(1)
}

fn kind_of(cause: &(dyn std::error::Error + 'static)) -> Option<Failure> {
    if let Some(failed) = cause.downcast_ref::<Failed>() {
        return Some(failed.kind);
    }
    if cause.is::<crate::config::ConfigError>() {
        return Some(Failure::Configuration);
    }
    if let Some(error) = cause.downcast_ref::<sqlx::Error>() {
        use sqlx::Error::{Io, PoolClosed, PoolTimedOut, Tls};
        return matches!(error, Io(_) | PoolTimedOut | PoolClosed | Tls(_))
            .then_some(Failure::Unavailable);
    }
    cause
        .downcast_ref::<redis::RedisError>()
        .filter(|error| error.is_io_error() || error.is_connection_refusal())
        .map(|_| Failure::Unavailable)
}

#[derive(Args)]
pub struct Target {
    /// The service's base URL.
    #[arg(long, env = "ALIPASS_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The API key (vouchers:write or passes:write, and read).
    #[arg(long, env = "ALIPASS_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The Alipay app to act for (its configured name); the default app when absent.
    #[arg(long)]
    app: Option<String>,
}

impl Target {
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let request = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(&self.api_key);
        match &self.app {
            Some(app) => request.header(crate::auth::APP_HEADER, app),
            None => request,
        }
    }
}

/// The answer's JSON, or its failure classified.
pub async fn answer(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = send(request).await?;
    Ok(response.json().await.unwrap_or_default())
}

/// The answer when it is a success, or its failure classified.
pub async fn send(request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
    let response = request.send().await.map_err(unsent)?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let problem: Value = response.json().await.unwrap_or_default();
    Err(refused(status, &problem).into())
}

/// A request that got no answer: the URL cannot be one, or nothing answers there.
fn unsent(error: reqwest::Error) -> Failed {
    if error.is_builder() {
        return Failure::Configuration.because(format!("--url / ALIPASS_URL: {error}"));
    }
    Failure::Unavailable.because(format!("the service does not answer: {error}"))
}

/// An answer that is not a success, by what refused it.
fn refused(status: reqwest::StatusCode, problem: &Value) -> Failed {
    let text = |name: &str| problem[name].as_str().unwrap_or_default().to_owned();
    let mut message = format!("{status}: {} {}", text("code"), text("detail"));
    let gateway_code = problem.get("gateway_code").filter(|code| !code.is_null());
    let kind = match status.as_u16() {
        // Busy or down, whatever said so: the same request may pass later.
        429 | 503 => Failure::Unavailable,
        _ if gateway_code.is_some() => {
            let sub_code = text("gateway_sub_code");
            message = format!("{message} (Alipay: {} {sub_code})", text("gateway_code"));
            Failure::RefusedByAlipay
        }
        401 => Failure::Configuration,
        400..=499 => Failure::RefusedByService,
        _ => Failure::Unavailable,
    };
    kind.because(message.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kind(status: u16, problem: Value) -> Failure {
        refused(reqwest::StatusCode::from_u16(status).unwrap(), &problem).kind
    }

    #[test]
    fn answers_are_classified_by_who_refused() {
        assert_eq!(
            kind(401, json!({"code": "unauthorized"})),
            Failure::Configuration
        );
        assert_eq!(
            kind(409, json!({"code": "campaign_state"})),
            Failure::RefusedByService
        );
        assert_eq!(kind(500, json!({})), Failure::Unavailable);
        assert_eq!(
            kind(503, json!({"gateway_code": "20000"})),
            Failure::Unavailable
        );
        assert_eq!(kind(429, json!({})), Failure::Unavailable);
        let refusal = json!({"code": "alipay_rejected", "gateway_code": "40004",
                             "gateway_sub_code": "KP.AE_ALIPASS_NOTEXIST"});
        assert_eq!(kind(422, refusal.clone()), Failure::RefusedByAlipay);
        assert_eq!(kind(502, refusal), Failure::RefusedByAlipay);
    }

    #[test]
    fn exit_codes_are_distinct_and_found_in_the_chain() {
        let error = anyhow::Error::from(Failure::RefusedByAlipay.because("no"));
        assert_eq!(exit_code(&error.context("creating")), 6);
        assert_eq!(exit_code(&anyhow::anyhow!("plain")), 1);
        let codes: std::collections::BTreeSet<u8> = [
            Failure::Usage,
            Failure::Configuration,
            Failure::Unavailable,
            Failure::RefusedByService,
            Failure::RefusedByAlipay,
        ]
        .map(Failure::exit_code)
        .into();
        assert_eq!(codes.len(), 5);
        for code in codes {
            assert!(EXIT_CODES.contains(&format!("  {code}  ")), "{code}");
        }
    }
}
