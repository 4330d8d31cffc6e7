//! The service as `alipass campaign` calls it, and what each failure means for the exit
//! code: a script must tell a setting to fix from a service to wait for, a request the
//! service refused and one Alipay refused.

use std::fmt;

use alipass_client::{types, Client, ClientError, Error, ResponseValue};
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
    /// The typed client of this service, acting with this key for this app.
    pub fn client(&self) -> anyhow::Result<Client> {
        alipass_client::connect(&self.url, &self.api_key, self.app.as_deref())
            .map_err(|e| Failure::Configuration.because(e.to_string()).into())
    }
}

/// The answer of a typed call, or its failure classified.
pub fn answer<T>(result: Result<ResponseValue<T>, ClientError>) -> anyhow::Result<T> {
    result.map(ResponseValue::into_inner).map_err(classified)
}

fn classified(error: ClientError) -> anyhow::Error {
    match error {
        Error::ErrorResponse(answer) => {
            refused(answer.status(), &Refusal::from(answer.as_ref())).into()
        }
        Error::UnexpectedResponse(response) => {
            refused(response.status(), &Refusal::default()).into()
        }
        Error::CommunicationError(e) | Error::InvalidUpgrade(e) => unsent(e).into(),
        Error::ResponseBodyError(e) => {
            let message = format!("the answer was cut off: {e}");
            Failure::Unavailable.because(message).into()
        }
        Error::InvalidResponsePayload(body, e) => unreadable(&body, e),
        Error::InvalidRequest(why) | Error::Custom(why) => {
            Failure::Configuration.because(why).into()
        }
    }
}

/// A request that got no answer: the URL cannot be one, or nothing answers there.
fn unsent(error: reqwest::Error) -> Failed {
    if error.is_builder() {
        return Failure::Configuration.because(format!("--url / ALIPASS_URL: {error}"));
    }
    Failure::Unavailable.because(format!("the service does not answer: {error}"))
}

/// An answer this client's document does not describe (a newer service?). A problem is
/// still a problem: its own `status` says who refused; anything else is no known kind.
fn unreadable(body: &[u8], error: serde_json::Error) -> anyhow::Error {
    let problem: Value = serde_json::from_slice(body).unwrap_or_default();
    let status = problem["status"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .and_then(|status| reqwest::StatusCode::from_u16(status).ok())
        .filter(|status| status.is_client_error() || status.is_server_error());
    match status {
        Some(status) => refused(status, &Refusal::from_json(&problem)).into(),
        None => anyhow::anyhow!("the service's answer does not match this client: {error}"),
    }
}

/// What a problem answer says, as far as the exit code and the message need it.
#[derive(Debug, Default)]
struct Refusal {
    code: String,
    detail: String,
    /// Alipay's code and sub-code, when the gateway refused.
    gateway: Option<(String, String)>,
}

impl From<&types::Problem> for Refusal {
    fn from(problem: &types::Problem) -> Self {
        Self {
            code: problem.code.to_string(),
            detail: problem.detail.clone(),
            gateway: problem.gateway_code.clone().map(|code| {
                let sub_code = problem.gateway_sub_code.clone().unwrap_or_default();
                (code, sub_code)
            }),
        }
    }
}

impl Refusal {
    /// A problem read as plain JSON: one whose code this client does not know yet.
    fn from_json(problem: &Value) -> Self {
        let text = |name: &str| problem[name].as_str().unwrap_or_default().to_owned();
        Self {
            code: text("code"),
            detail: text("detail"),
            gateway: problem["gateway_code"]
                .is_string()
                .then(|| (text("gateway_code"), text("gateway_sub_code"))),
        }
    }
}

/// An answer that is not a success, by what refused it.
fn refused(status: reqwest::StatusCode, refusal: &Refusal) -> Failed {
    let message = format!("{status}: {} {}", refusal.code, refusal.detail);
    let (kind, message) = match (status.as_u16(), &refusal.gateway) {
        // Busy or down, whatever said so: the same request may pass later.
        (429 | 503, _) => (Failure::Unavailable, message),
        (_, Some((code, sub_code))) => (
            Failure::RefusedByAlipay,
            format!("{message} (Alipay: {code} {sub_code})"),
        ),
        (401, None) => (Failure::Configuration, message),
        (400..=499, None) => (Failure::RefusedByService, message),
        _ => (Failure::Unavailable, message),
    };
    kind.because(message.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kind(status: u16, problem: Value) -> Failure {
        let status = reqwest::StatusCode::from_u16(status).unwrap();
        refused(status, &Refusal::from_json(&problem)).kind
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
    fn a_typed_problem_says_who_refused() {
        let problem: types::Problem = serde_json::from_value(json!({
            "type": "https://alipass.invalid/problems/pass-not-found", "title": "Refused",
            "status": 422, "code": "pass_not_found", "detail": "Alipay has no such pass",
            "gateway_code": "40004", "gateway_sub_code": "KP.AE_ALIPASS_NOTEXIST"}))
        .unwrap();
        let failed = refused(
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            &(&problem).into(),
        );
        assert_eq!(failed.kind, Failure::RefusedByAlipay);
        assert!(
            failed.message.contains(
                "pass_not_found Alipay has no such pass (Alipay: 40004 KP.AE_ALIPASS_NOTEXIST)"
            ),
            "{}",
            failed.message
        );
    }

    #[test]
    fn an_answer_this_client_cannot_type_is_classified_by_its_own_status() {
        let cause = || serde_json::from_str::<u8>("not a number").unwrap_err();
        let newer = json!({"type": "about:blank", "title": "New", "status": 409,
                           "code": "a_code_added_later", "detail": "try another way"});
        let error = unreadable(newer.to_string().as_bytes(), cause());
        assert_eq!(exit_code(&error), 5);
        assert!(error.to_string().contains("a_code_added_later"), "{error}");
        let error = unreadable(br#"{"id": 7}"#, cause());
        assert_eq!(exit_code(&error), 1, "{error}");
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
