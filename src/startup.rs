//! Builds the application (pools, clients, HTTP server) and runs it until a graceful stop.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use sqlx::PgPool;
use tokio::sync::watch;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::alipay::client::{AlipayClient, CertArchive, RateLimiter};
use crate::alipay::keys::AlipayKeys;
use crate::apps::{self, Apps};
use crate::auth::ApiKeys;
use crate::background::BackgroundJobs;
use crate::config::Settings;
use crate::routes;
use crate::routes::health::Readiness;
use crate::service::campaigns::CampaignService;
use crate::service::console::ConsoleService;
use crate::service::passes::PassService;
use crate::service::reconciler::Reconciler;
use crate::service::templates::TemplateService;
use crate::service::vouchers::VoucherService;
use crate::service::webhooks::WebhookService;
use crate::service::Core;
use crate::shutdown::ShutdownSignal;
use crate::sim::Simulator;
use crate::store::certs::PgCertArchive;
use crate::store::ratelimit::RedisRateLimiter;
use crate::store::{self, redis::RedisHandle};
use crate::telemetry::{self, Metrics};
use crate::webhooks::guard::Guard;

/// Everything request handlers share. Cheap to clone (all handles).
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub redis: RedisHandle,
    pub metrics: Metrics,
    pub readiness: Arc<Readiness>,
    pub api_keys: ApiKeys,
    pub services: Services,
    pub settings: Arc<Settings>,
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    stop_tx: watch::Sender<bool>,
    simulator: Option<(Simulator, ServerHandle)>,
    /// Taken when the application runs, so its stop can await them.
    jobs: Option<BackgroundJobs>,
}

/// Triggers the same graceful stop as SIGTERM (used by tests and the signal listener).
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    readiness: Arc<Readiness>,
    stop_tx: watch::Sender<bool>,
    delay: Duration,
}

impl StopHandle {
    /// Readiness turns 503 at once; after the configured delay the server stops accepting
    /// and waits for in-flight requests.
    pub async fn stop(&self) {
        self.readiness.start_draining();
        tracing::info!(
            delay_secs = self.delay.as_secs(),
            "shutdown requested: draining"
        );
        tokio::time::sleep(self.delay).await;
        let _ = self.stop_tx.send(true);
        self.server.stop(true).await;
    }
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        // The in-process gateway simulator (local profile): started first so the client
        // can point at it.
        let simulator = if settings.sim.enabled {
            let simulator = crate::simulator::simulator(&settings.sim)?;
            let (sim_port, server) = crate::simulator::listen(&simulator, &settings.sim)?;
            let handle = server.handle();
            tokio::spawn(server);
            settings.alipay.gateway_url = format!("http://127.0.0.1:{sim_port}/gateway.do");
            tracing::info!(port = sim_port, "gateway simulator running in-process");
            Some((simulator, handle))
        } else {
            None
        };
        let settings = Arc::new(settings);
        // Both sets of options first: a plaintext URL the production profile refuses stops
        // start-up before anything connects.
        let database = store::tls::postgres_options(&settings)?;
        let redis_client = store::tls::redis_client(&settings)?;
        if settings.database.create_if_missing {
            store::create_database_if_missing(&database)
                .await
                .context("database.url: cannot create the database (is Postgres running?)")?;
        }
        let db = store::lazy_pool(database, &settings.database);
        if settings.database.auto_migrate {
            store::migrate(&db)
                .await
                .context("database: migrations failed (is Postgres running?)")?;
        }
        let redis = RedisHandle::start(
            redis_client,
            &settings.redis.key_prefix,
            Duration::from_millis(settings.redis.command_timeout_ms),
        );
        let api_keys = ApiKeys::from_settings(&settings)?;
        let metrics = Metrics::new();
        let services = build_services(&settings, &db, &redis, &metrics)?;

        let state = AppState {
            db,
            redis,
            metrics,
            readiness: Arc::new(Readiness::new(Duration::from_millis(
                settings.server.probe_interval_ms,
            ))),
            api_keys,
            services,
            settings: settings.clone(),
        };

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "server.port: cannot listen on {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let server = build_server(listener, state.clone())?;
        let (stop_tx, _) = watch::channel(false);
        let mut application = Self {
            port,
            server,
            state,
            stop_tx,
            simulator,
            jobs: None,
        };
        application.jobs = Some(application.spawn_background_jobs());
        Ok(application)
    }

    /// The in-process gateway simulator, when `sim.enabled`.
    pub fn simulator(&self) -> Option<&Simulator> {
        self.simulator.as_ref().map(|(sim, _)| sim)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn shutdown_signal(&self) -> ShutdownSignal {
        ShutdownSignal::new(self.stop_tx.subscribe())
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            readiness: self.state.readiness.clone(),
            stop_tx: self.stop_tx.clone(),
            delay: Duration::from_secs(self.state.settings.server.shutdown_delay_secs),
        }
    }

    /// Serves until SIGTERM / Ctrl-C (or a [`StopHandle`]), then drains and closes pools.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = self.stop_handle();
        let signals = tokio::spawn(async move {
            wait_for_signal().await;
            stop.stop().await;
        });
        tracing::info!(port = self.port, "listening");
        let result = self.server.await;
        signals.abort();
        let _ = self.stop_tx.send(true);
        if let Some(jobs) = self.jobs {
            let grace = Duration::from_secs(self.state.settings.server.shutdown_timeout_secs);
            jobs.finish(grace).await;
        }
        if let Some((_, sim)) = &self.simulator {
            sim.stop(true).await;
        }
        self.state.db.close().await;
        tracing::info!("stopped");
        result.context("http server failed")
    }
}

/// Every service, built once over one shared [`Core`]: routes, the console and the
/// background jobs each take the ones they use.
#[derive(Clone)]
pub struct Services {
    pub core: Arc<Core>,
    pub templates: TemplateService,
    pub passes: PassService,
    pub vouchers: VoucherService,
    pub webhooks: WebhookService,
    pub campaigns: CampaignService,
    pub console: ConsoleService,
    pub reconciler: Reconciler,
}

impl Services {
    fn new(settings: &Settings, core: Core, webhook_guard: Guard) -> Self {
        let core = Arc::new(core);
        let passes = PassService::new(core.clone());
        let vouchers = VoucherService::new(core.clone());
        let campaigns = CampaignService::new(
            core.clone(),
            settings.campaigns.clone(),
            (passes.clone(), vouchers.clone()),
        );
        Self {
            templates: TemplateService::new(core.clone()),
            webhooks: WebhookService::new(core.clone(), webhook_guard),
            console: ConsoleService::new(core.clone()),
            reconciler: Reconciler::new(core.clone()),
            passes,
            vouchers,
            campaigns,
            core,
        }
    }

    /// Each service as the handlers' shared data, with the apps (auth picks the app a
    /// request acts for) and the core (health reads its clients and connections).
    fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::from(self.core.clone()))
            .app_data(web::Data::new(self.core.apps().clone()))
            .app_data(web::Data::new(self.templates.clone()))
            .app_data(web::Data::new(self.passes.clone()))
            .app_data(web::Data::new(self.vouchers.clone()))
            .app_data(web::Data::new(self.webhooks.clone()))
            .app_data(web::Data::new(self.campaigns.clone()))
            .app_data(web::Data::new(self.console.clone()));
    }
}

/// The services, with their apps, sealing keys and the webhook allow-list.
fn build_services(
    settings: &Settings,
    db: &PgPool,
    redis: &RedisHandle,
    metrics: &Metrics,
) -> anyhow::Result<Services> {
    let apps = build_apps(settings, db, redis, metrics)?;
    let sealers = (
        crate::sealing::Sealer::for_tokens(settings)?,
        crate::sealing::Sealer::for_personal_data(settings)?,
    );
    let guard = Guard::new(&settings.webhooks.allow)
        .map_err(|why| anyhow::anyhow!("webhooks.allow: {why}"))?;
    let core = Core::new(
        settings,
        db.clone(),
        redis.clone(),
        apps,
        sealers,
        metrics.clone(),
        Arc::new(crate::error::HttpAnswers),
    );
    Ok(Services::new(settings, core, guard))
}

/// One gateway client per configured app, sharing the certificate archive and the rate
/// limiter.
fn build_apps(
    settings: &Settings,
    db: &PgPool,
    redis: &RedisHandle,
    metrics: &Metrics,
) -> anyhow::Result<Apps> {
    let archive: Arc<dyn CertArchive> = Arc::new(PgCertArchive { db: db.clone() });
    let limiter: Arc<dyn RateLimiter> = Arc::new(RedisRateLimiter {
        redis: redis.clone(),
    });
    let mut apps = Vec::new();
    for alipay in settings.alipay.all_apps()? {
        let keys = Arc::new(AlipayKeys::from_settings(&alipay)?);
        metrics.certificate_expiries(&alipay);
        let client =
            AlipayClient::new(apps::client_settings(&alipay)?, keys, Some(metrics.clone()))
                .context("cannot build the HTTP client")?
                .with_cert_archive(archive.clone())
                .with_rate_limiter(limiter.clone());
        apps.push(apps::App {
            name: alipay.name.clone(),
            client,
        });
    }
    Ok(Apps::new(apps))
}

impl Application {
    /// The reconciler, campaigns, webhook delivery and retention, when their settings ask
    /// for them; each restarted after a panic and awaited at shutdown.
    fn spawn_background_jobs(&self) -> BackgroundJobs {
        let state = &self.state;
        let mut jobs = BackgroundJobs::new(state.metrics.background_panics.clone());
        let stop = self.shutdown_signal();
        let retention = state.settings.retention.clone();
        let keeps_for_ever = retention.gateway_calls_days == 0
            && retention.events_days == 0
            && retention.settled_records_days == 0;
        if !keeps_for_ever {
            let db = state.db.clone();
            jobs.spawn("retention", stop.clone(), move |stop| {
                crate::retention::run(db.clone(), retention.clone(), stop)
            });
        }
        if state.settings.webhooks.enabled {
            let (settings, db, metrics) = (
                state.settings.clone(),
                state.db.clone(),
                state.metrics.clone(),
            );
            let keys = state.api_keys.clone();
            jobs.spawn("webhooks", stop.clone(), move |stop| {
                let deliverer = crate::webhooks::delivery::Deliverer::new(
                    &settings,
                    db.clone(),
                    metrics.clone(),
                    keys.clone(),
                );
                async move {
                    match deliverer {
                        Ok(deliverer) => deliverer.run(stop).await,
                        Err(error) => tracing::error!(%error, "webhook delivery is off"),
                    }
                }
            });
        }
        if state.settings.campaigns.enabled {
            let campaigns = state.services.campaigns.clone();
            jobs.spawn("campaigns", stop.clone(), move |stop| {
                campaigns.clone().run_campaigns(stop)
            });
        }
        let settings = state.settings.reconciler.clone();
        if settings.enabled {
            let reconciler = state.services.reconciler.clone();
            jobs.spawn("reconciler", stop, move |stop| {
                reconciler.clone().run_reconciler(
                    Duration::from_millis(settings.interval_ms),
                    Duration::from_millis(settings.stale_after_ms),
                    settings.batch_size,
                    stop,
                )
            });
        }
        jobs
    }
}

fn build_server(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let body_limit = settings.server.body_limit_bytes;
    let documents = web::Data::new(routes::docs::Documents::build()?);
    let data_db = web::Data::new(state.db.clone());
    let data_redis = web::Data::new(state.redis.clone());
    let data_metrics = web::Data::new(state.metrics.clone());
    let data_keys = web::Data::new(state.api_keys.clone());
    let data_readiness = web::Data::from(state.readiness.clone());
    let services = state.services.clone();
    let data_settings = web::Data::from(settings.clone());
    let data_console = web::Data::new(crate::console::Console::new(&settings)?);
    let console_form_limit = settings
        .console
        .form_limit(settings.limits.tpl_content_max_chars);
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(routes::deadline::within_deadline))
            .wrap(from_fn(telemetry::observe))
            .app_data(data_db.clone())
            .app_data(data_redis.clone())
            .app_data(data_metrics.clone())
            .app_data(data_keys.clone())
            .app_data(data_readiness.clone())
            .app_data(data_settings.clone())
            .app_data(data_console.clone())
            .configure(|cfg| services.register(cfg))
            .configure(|cfg| routes::extractor_config(cfg, body_limit))
            .configure(routes::configure)
            .configure(|cfg| crate::console::configure(cfg, console_form_limit))
            // The UI reads the document from our own route (one shared copy, see `Documents`).
            .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/openapi.json"])))
            .app_data(documents.clone())
            .service(routes::docs::serve)
            .service(routes::docs::serve_30)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    // We handle signals ourselves so readiness can turn 503 before the listener closes.
    .disable_signals()
    .shutdown_timeout(settings.server.shutdown_timeout_secs);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    Ok(server.run())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(error) => {
                    tracing::error!(%error, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
