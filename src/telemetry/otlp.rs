//! OpenTelemetry trace export: OTLP over HTTP with JSON bodies, batched on the SDK's own
//! thread and sent through our reqwest client on the tokio runtime (no gRPC stack, no
//! second HTTP client). Off unless `tracing.otlp_endpoint` is set.

use std::time::Duration;

use actix_web::http::header::HeaderMap;
use anyhow::Context as _;
use bytes::Bytes;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::TracingSettings;

/// The running exporter, if any. [`Tracing::shutdown`] flushes what is batched.
#[derive(Default)]
pub struct Tracing {
    provider: Option<SdkTracerProvider>,
    /// Dropped last: flushes the log lines still queued (see [`super::init`]).
    _log_writer: Option<tracing_appender::non_blocking::WorkerGuard>,
}

type ExportLayer = Box<dyn Layer<Registry> + Send + Sync>;

impl Tracing {
    /// Builds the exporter and the layer that feeds it (None when export is off). Must run
    /// inside the tokio runtime: exports are sent on it.
    pub(super) fn start(settings: &TracingSettings) -> anyhow::Result<(Self, Option<ExportLayer>)> {
        let Some(endpoint) = settings.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) else {
            return Ok((Self::default(), None));
        };
        let timeout = Duration::from_millis(settings.export_timeout_ms.max(1));
        let client = RuntimeClient {
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .context("tracing: HTTP client")?,
            runtime: tokio::runtime::Handle::try_current()
                .context("tracing: export needs the tokio runtime")?,
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpJson)
            .with_endpoint(endpoint)
            .with_timeout(timeout)
            .with_http_client(client)
            .build()
            .context("tracing: OTLP exporter")?;
        let ratio = settings.sample_ratio.clamp(0.0, 1.0);
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                ratio,
            ))))
            .with_resource(
                Resource::builder()
                    .with_service_name(settings.service_name.clone())
                    .with_attribute(opentelemetry::KeyValue::new(
                        "service.version",
                        env!("CARGO_PKG_VERSION"),
                    ))
                    .build(),
            )
            .build();
        let filter = EnvFilter::try_new(&settings.level).context("tracing.level")?;
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("alipass"))
            .with_filter(filter)
            .boxed();
        let _ = EXPORTING.set(());
        Ok((
            Self {
                provider: Some(provider),
                _log_writer: None,
            },
            Some(layer),
        ))
    }

    pub(super) fn keep_log_writer(
        self,
        guard: tracing_appender::non_blocking::WorkerGuard,
    ) -> Self {
        Self {
            _log_writer: Some(guard),
            ..self
        }
    }

    /// Sends what is still batched and stops the exporter. Blocks on the SDK's thread, so
    /// it runs off the async workers. The queued log lines are written when `self` drops.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        let stopped = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(error)) = stopped {
            eprintln!("tracing: final export failed: {error}");
        }
    }
}

/// Set once export is on: only then is a caller's `traceparent` read.
static EXPORTING: std::sync::OnceLock<()> = std::sync::OnceLock::new();

/// Makes the request span a child of the caller's trace (W3C `traceparent`), so our spans
/// appear inside the calling service's trace.
pub(super) fn join_caller_trace(span: &tracing::Span, headers: &HeaderMap) {
    if EXPORTING.get().is_none() || !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    let _ = span.set_parent(parent);
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

/// Our reqwest client, driven on the tokio runtime: the SDK's batch thread has no reactor
/// of its own, so each export is spawned there and awaited from the batch thread.
#[derive(Debug)]
struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let (parts, body) = request.into_parts();
            let mut outgoing = client
                .request(parts.method, parts.uri.to_string())
                .body(body);
            for (name, value) in &parts.headers {
                outgoing = outgoing.header(name, value);
            }
            let answer = outgoing.send().await?;
            let status = answer.status();
            let body = answer.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        });
        let (status, body) = sent.await??;
        Ok(Response::builder().status(status.as_u16()).body(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn export_stays_off_without_an_endpoint() {
        let (tracing, layer) = Tracing::start(&TracingSettings::default()).unwrap();
        assert!(tracing.provider.is_none());
        assert!(layer.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_bad_span_filter_is_a_configuration_error() {
        let settings = TracingSettings {
            otlp_endpoint: Some("http://127.0.0.1:4318/v1/traces".into()),
            level: "alipass=loud".into(),
            ..TracingSettings::default()
        };
        let error = Tracing::start(&settings).err().expect("refused");
        assert!(error.to_string().contains("tracing.level"), "{error}");
    }
}
