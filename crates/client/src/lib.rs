//! A typed client of the alipass API: the operations and types progenitor generates at
//! build time from the committed OpenAPI document (`openapi/openapi-3.0.json`), and the
//! one operation it cannot write, the campaign rows upload ([`Client::campaigns_upload`]).
//! README.md says why it is generated and what the generator is not given.
//!
//! ```no_run
//! # async fn walk() -> Result<(), Box<dyn std::error::Error>> {
//! let client = alipass_client::connect("http://127.0.0.1:8080", "an-api-key", None)?;
//! let page = client.templates_list().limit(10).send().await?;
//! for template in &page.items {
//!     println!("{} {}", template.id, template.status);
//! }
//! # Ok(())
//! # }
//! ```

mod upload;

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, InvalidHeaderValue, AUTHORIZATION};

pub use generated::*;
pub use upload::{Rows, RowsFormat};

#[allow(clippy::all, clippy::pedantic, unused)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

/// What every operation fails with: a problem answer ([`Error::ErrorResponse`], its
/// status and [`types::Problem`]), no answer, or one the document does not describe.
pub type ClientError = Error<types::Problem>;

/// The header that names the Alipay app a request acts for.
pub const APP_HEADER: &str = "alipay-app";
/// The header on an answer replayed for a retried request (`true`).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of the service at `base_url` that sends `api_key` with every request and, with
/// `app`, acts for that Alipay app in every request (without it, the key's default app,
/// or the one a request names with `.alipay_app(…)`). No overall timeout: an upload or a
/// long page takes what it takes.
pub fn connect(base_url: &str, api_key: &str, app: Option<&str>) -> Result<Client, ConnectError> {
    let mut headers = HeaderMap::new();
    let mut authorization =
        HeaderValue::try_from(format!("Bearer {api_key}")).map_err(ConnectError::ApiKey)?;
    authorization.set_sensitive(true);
    headers.insert(AUTHORIZATION, authorization);
    if let Some(app) = app {
        headers.insert(
            APP_HEADER,
            HeaderValue::try_from(app).map_err(ConnectError::App)?,
        );
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(ConnectError::Http)?;
    Ok(Client::new_with_client(
        base_url.trim_end_matches('/'),
        http,
    ))
}

/// Why [`connect`] made no client.
#[derive(Debug)]
pub enum ConnectError {
    /// The API key cannot be sent in a header.
    ApiKey(InvalidHeaderValue),
    /// The app's name cannot be sent in a header.
    App(InvalidHeaderValue),
    /// The HTTP client could not start (its TLS backend).
    Http(reqwest::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(e) => write!(f, "the API key cannot be sent: {e}"),
            Self::App(e) => write!(f, "the app name cannot be sent: {e}"),
            Self::Http(e) => write!(f, "no HTTP client: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// Whether `answer` is the saved answer of an earlier request with the same key, replayed.
pub fn is_replay<T>(answer: &ResponseValue<T>) -> bool {
    answer
        .headers()
        .get(REPLAYED_HEADER)
        .is_some_and(|value| value == "true")
}
