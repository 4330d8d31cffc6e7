//! Liveness, readiness and metrics: open to everyone (no API key).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::auth::{Authorized, Operator};
use crate::config::Settings;
use crate::doctor::Finding;
use crate::service::Core;
use crate::store::redis::RedisHandle;
use crate::telemetry::Metrics;

/// Set when shutdown begins so `/readyz` answers 503 at once; and the last look at the
/// dependencies, so the endpoints without a key cost Postgres and Redis at most one look per
/// `interval` however often they are hit (one look at a time: the others wait for it).
#[derive(Debug, Default)]
pub struct Readiness {
    draining: AtomicBool,
    interval: Duration,
    last_probe: tokio::sync::Mutex<Option<(Instant, Probe)>>,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
}

/// What one look at the dependencies found.
#[derive(Debug, Clone, Copy)]
struct Probe {
    postgres_up: bool,
    redis_up: bool,
}

/// Whether a look taken at `at` is still fresh.
fn fresh(at: Option<Instant>, interval: Duration) -> bool {
    at.is_some_and(|at| at.elapsed() < interval)
}

impl Readiness {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            ..Self::default()
        }
    }

    /// Postgres and Redis as last seen, looked at again when the look is stale.
    async fn probe(&self, db: &PgPool, redis: &RedisHandle) -> Probe {
        let mut last = self.last_probe.lock().await;
        if let Some((at, probe)) = *last {
            if fresh(Some(at), self.interval) {
                return probe;
            }
        }
        let (postgres_ok, redis_ok) = tokio::join!(
            tokio::time::timeout(Duration::from_secs(1), crate::store::ping(db)),
            redis.ping(),
        );
        let probe = Probe {
            postgres_up: matches!(postgres_ok, Ok(Ok(()))),
            redis_up: redis_ok.is_ok(),
        };
        *last = Some((Instant::now(), probe));
        probe
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DependencyState {
    Up,
    Down,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadyStatus {
    /// Everything up.
    Ready,
    /// Postgres up, Redis down: correct but slower (no fast path).
    Degraded,
    /// Postgres down: cannot serve.
    Unavailable,
    /// Shutting down: take this instance out of rotation.
    Draining,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessReport {
    pub status: ReadyStatus,
    pub postgres: DependencyState,
    pub redis: DependencyState,
    /// The apps in certificate mode.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateSerials>,
}

/// The certificate SNs this instance sends and verifies with (certificate mode).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSerials {
    /// The app's name.
    pub app: String,
    pub app_cert_sn: String,
    pub alipay_root_cert_sn: String,
    /// The configured Alipay certificate first, then those Alipay rotated to since start
    /// (downloaded or read from the shared archive, and checked against the root).
    pub alipay_cert_sns: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    pub status: String,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Liveness)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Liveness {
        status: "ok".into(),
    })
}

/// Ready to serve: Postgres reachable (required), Redis up or degraded.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready or degraded (Redis down)", body = ReadinessReport),
        (status = 503, description = "Postgres down, or draining", body = ReadinessReport),
    ))]
#[get("/readyz")]
pub async fn readyz(
    readiness: web::Data<Readiness>,
    db: web::Data<PgPool>,
    redis: web::Data<RedisHandle>,
    core: web::Data<Core>,
) -> HttpResponse {
    let Probe {
        postgres_up,
        redis_up,
    } = readiness.probe(&db, &redis).await;
    let status = if readiness.is_draining() {
        ReadyStatus::Draining
    } else if !postgres_up {
        ReadyStatus::Unavailable
    } else if !redis_up {
        ReadyStatus::Degraded
    } else {
        ReadyStatus::Ready
    };
    let state = |up: bool| {
        if up {
            DependencyState::Up
        } else {
            DependencyState::Down
        }
    };
    let certificates = core
        .apps()
        .iter()
        .filter_map(|app| {
            let sns = app.client.certificate_sns()?;
            Some(CertificateSerials {
                app: app.name.clone(),
                app_cert_sn: sns.app_cert_sn.clone(),
                alipay_root_cert_sn: sns.alipay_root_cert_sn.clone(),
                alipay_cert_sns: app.client.alipay_cert_sns(),
            })
        })
        .collect();
    let report = ReadinessReport {
        postgres: state(postgres_up),
        redis: state(redis_up),
        status,
        certificates,
    };
    match report.status {
        ReadyStatus::Ready | ReadyStatus::Degraded => HttpResponse::Ok().json(report),
        _ => HttpResponse::ServiceUnavailable().json(report),
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus metrics", content_type = "text/plain",
        example = json!("# HELP alipass_build_info Always 1: the running version and commit\n# TYPE alipass_build_info gauge\nalipass_build_info{commit=\"unknown\",version=\"0.1.0\"} 1\n"))))]
#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    db: web::Data<PgPool>,
    core: web::Data<Core>,
    redis: web::Data<RedisHandle>,
    readiness: web::Data<Readiness>,
) -> HttpResponse {
    let mut last = readiness.last_refresh.lock().await;
    if !fresh(*last, readiness.interval) {
        let redis_up = readiness.probe(&db, &redis).await.redis_up;
        metrics
            .refresh(
                &db,
                core.hot(),
                (redis_up, readiness.is_draining()),
                crate::telemetry::log_lines_dropped(),
            )
            .await;
        *last = Some(Instant::now());
    }
    drop(last);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}

/// What `alipass doctor` checks (scope `operator`), run by this instance with its own settings: keys and
/// certificates, Postgres and migrations, Redis, the gateway's host and clock, and one signed
/// call that cannot have an effect. Each finding says which setting to fix.
#[utoipa::path(get, path = "/v1/diagnostics", tag = "operations", responses(
    (status = 200, description = "Every check passed", body = DiagnosticsReport),
    (status = 503, description = "A check failed", body = DiagnosticsReport)))]
#[get("/v1/diagnostics")]
pub async fn diagnostics(
    _caller: Authorized<Operator>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let findings = crate::doctor::examine(&settings, true).await;
    let report = DiagnosticsReport {
        healthy: findings.iter().all(|f| f.ok),
        findings,
    };
    if report.healthy {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosticsReport {
    pub healthy: bool,
    pub findings: Vec<Finding>,
}
