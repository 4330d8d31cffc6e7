//! Logs, traces, request ids and HTTP metrics.
//!
//! Every request gets an id (the caller's `X-Request-Id` when it is sane, else a new UUID),
//! echoed back in the response, attached to every log line of the request through a span,
//! and reachable from anywhere in the request's task via [`current_request_id`] so problem
//! bodies and the gateway-call log can carry it. When `tracing.otlp_endpoint` is set, the
//! spans (request, pipeline steps, gateway calls, database statements) also go out over
//! OTLP; see [`otlp`].

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogFormat, LogSettings, TracingSettings};

mod otlp;
pub use otlp::Tracing;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request this task is serving, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The request id as a span field: every span we open carries it, so a trace's spans can be
/// found by the id a caller or a log line shows.
pub fn request_id_field() -> Option<String> {
    current_request_id()
}

/// Lines dropped because the writer thread could not keep up (stdout blocked or slow).
static LOG_DROPS: std::sync::OnceLock<tracing_appender::non_blocking::ErrorCounter> =
    std::sync::OnceLock::new();

pub fn log_lines_dropped() -> u64 {
    LOG_DROPS
        .get()
        .map_or(0, |drops| drops.dropped_lines() as u64)
}

/// Installs the global subscriber: log lines filtered by `log.level` (`RUST_LOG` overrides
/// it) and, when configured, trace export filtered by `tracing.level`. Each layer has its
/// own filter, so the debug-level pipeline spans cost nothing while export is off, and log
/// lines still name the request span. Safe to call more than once (tests): later calls are
/// no-ops. Keep the returned [`Tracing`] and shut it down last: it flushes the spans and
/// the log lines still queued.
///
/// Lines go to stdout through a writer thread, in 8 KiB writes while lines keep coming:
/// written on the HTTP workers (one `write` a line, under stdout's lock), a log pipe that
/// stopped being read stopped every request. A full queue drops lines (counted) rather
/// than block a request: what happened to a record is in Postgres, not in the log.
pub fn init(log: &LogSettings, traces: &TracingSettings) -> Tracing {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, writer_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(log.queue_lines.max(1))
        .lossy(true)
        .thread_name("log-writer")
        .finish(std::io::BufWriter::new(std::io::stdout()));
    let drops = writer.error_counter();
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match log.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(std::io::stdout().is_terminal())
            .compact()
            .boxed(),
    };
    let (tracing, export) = match Tracing::start(traces) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("tracing: export is off: {error:#}");
            (Tracing::default(), None)
        }
    };
    let mut layers = vec![logs.with_filter(filter).boxed()];
    layers.extend(export);
    if tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .is_ok()
    {
        let _ = LOG_DROPS.set(drops);
        tracing.keep_log_writer(writer_guard)
    } else {
        tracing
    }
}

pub use crate::metrics::Metrics;

/// Accepts a caller's id only when it is short printable ASCII, so it is safe to log and echo.
fn accepted_request_id(value: Option<&HeaderValue>) -> Option<String> {
    let text = value?.to_str().ok()?;
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| text.to_owned())
}

/// The method as a metrics label, from a fixed set: any token is a valid HTTP method, and
/// each invented one would otherwise add series until `/metrics` and memory give way.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Request id + span + access log + metrics, in one pass.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let started = Instant::now();
    let request_id = accepted_request_id(req.headers().get(REQUEST_ID_HEADER))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().to_string();
    let method_label = method_label(req.method());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %req.path(),
    );
    otlp::join_caller_trace(&span, req.headers());
    let outcome = REQUEST_ID
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await;
    // Handler and extractor errors arrive here already rendered as responses; an error
    // does only when the request deadline cut the request (its response is inside it).
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            let status = error.as_response_error().status_code().as_u16();
            served(
                metrics.as_ref().map(|m| m.get_ref()),
                &span,
                method_label,
                "unmatched",
                status,
                started,
            );
            return Err(error);
        }
    };
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    served(
        metrics.as_ref().map(|m| m.get_ref()),
        &span,
        method_label,
        &route,
        status,
        started,
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}

/// Counts, times and logs a request that was answered `status`.
fn served(
    metrics: Option<&Metrics>,
    span: &tracing::Span,
    method_label: &str,
    route: &str,
    status: u16,
    started: Instant,
) {
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        let status_text = status.to_string();
        let labels = [method_label, route, status_text.as_str()];
        metrics.http_requests.with_label_values(&labels).inc();
        metrics
            .http_duration
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            route = %route,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request served"
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_labels_come_from_a_fixed_set() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for invented in ["BREW", "get", "X-1"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "other");
        }
        assert_eq!(method_label(&Method::TRACE), "other");
    }

    #[test]
    fn caller_request_ids_are_accepted_only_when_safe() {
        let ok = HeaderValue::from_static("abc-123");
        assert_eq!(accepted_request_id(Some(&ok)).as_deref(), Some("abc-123"));
        let spaced = HeaderValue::from_static("a b");
        assert_eq!(accepted_request_id(Some(&spaced)), None);
        let long = HeaderValue::from_str(&"x".repeat(129)).unwrap();
        assert_eq!(accepted_request_id(Some(&long)), None);
        assert_eq!(accepted_request_id(None), None);
    }
}
