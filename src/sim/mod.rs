//! A faithful local Alipay gateway for the five methods this service uses.
//!
//! It is a product feature, not a test double: `alipass sim` runs it on its own port with
//! its own keys, and the local profile runs it in-process. It reads requests exactly as the
//! real gateway does (public parameters in the query and/or the form body, UTF-8 or GBK per
//! `charset`), checks them in the gateway's order with the gateway's codes, verifies the
//! caller's RSA2/RSA signature against the configured app public keys, runs the business
//! rules of the vendor pages on state kept in memory, and answers
//! `{"<method>_response":{…},"sign":"…"}` signed with its own key (strict mode leaves
//! public-parameter errors unsigned, see below). Admin endpoints (`sim.admin_enabled`):
//! `/__sim/faults`, `/__sim/kinder`, `/__sim/seed`, `/__sim/state`, `/__sim/reset`.
//!
//! # Strict by default, kinder by setting
//!
//! The simulator is no kinder than Alipay unless asked to be. In strict mode (the default,
//! `sim.kinder = false`) it answers only what the vendor pages promise:
//! - a `KP.AE_ALIPASS_TEMPLATE_EXISTED` refusal of template.add names no `tpl_id`; a
//!   `KP.AE_ALIPASS_REPEAT_ADD_ERROR` refusal of instance.add no `passId` / `serialNumber`;
//!   a `KP.AE_ALIPASS_UPDATE_ERROR` refusal of instance.update no `passId`, `serialNumber`
//!   or `status`. Their `result` holds `errorCode`, `errorMsg` (and `operate`) only;
//! - every error of the public-parameter check (40001 isv.missing-*, 40002 isv.invalid-*,
//!   including the signature, app id and timestamp) is answered UNSIGNED,
//!   `{"<method>_response":{…}}`, as the real gateway answers auth-class errors.
//!
//! Kinder mode (`sim.kinder = true`, `PUT /__sim/kinder`) names the existing ids (and the
//! pass status) in those refusals and signs the public-parameter errors. `reset` keeps the
//! mode.
//!
//! # Faults
//!
//! Injected per method (or `*`) from `sim.faults` or at run time through `/__sim/faults`,
//! each rate rolled per verified call with a seeded RNG (`PUT /__sim/seed` replays a run).
//! In the order they are checked:
//! - `latency_ms`: a delay before anything else; the call runs in its own task, so the
//!   effect still lands when the client gives up waiting (the server drops the handler of
//!   a client that hung up, never the task);
//! - before the effect (no state change): `reset_rate` (connection dropped),
//!   `error_rate` (signed 20000 isp.unknow-error), `system_error_rate` (signed 40004
//!   `KP.AE_SYSTEM_ERROR`, or `SYSTEM_ERROR` for voucher.send), `unsigned_error_rate`
//!   (UNSIGNED 40002 isv.invalid-signature, in either mode);
//! - after the effect (state changed): `lost_answer_rate` (connection dropped),
//!   `error_after_effect_rate` (signed 20000 isp.unknow-error).
//!
//! Every state change is counted per method and per idempotency key, so tests can prove
//! "exactly one effect".
//!
//! State lives in memory only (no Postgres persistence): a restart forgets templates,
//! passes and vouchers, which suits local development and tests.

mod admin;
mod methods;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::alipay::charset::Charset;
use crate::alipay::sign::{AppPrivateKey, PublicKey, SignType};
use crate::config::{ConfigError, Settings, SimAppSetting, SimFaultSetting, SimSettings};
use crate::domain::template::TemplateLimits;

use self::methods::State;
use self::wire::{Call, GatewayError, GatewayRules, Params};

/// Largest request body read. Bigger bodies get a gateway-style 40002 answer, not a 413 page.
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// Bodies are drained up to this size before answering, so an honest client that sent a
/// too-large body still reads the answer; beyond it the connection is cut.
const BODY_DRAIN_BYTES: usize = 8 * BODY_LIMIT_BYTES;
/// A fixed default seed: the same run of requests meets the same faults.
const DEFAULT_SEED: u64 = 0x5EED_A11A;

/// The simulated gateway. Cheap to clone: every clone shares the same state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    /// The gateway's own (Alipay-side) key: signs every answer.
    key: AppPrivateKey,
    apps: HashMap<String, Vec<PublicKey>>,
    /// template_id → expired.
    voucher_templates: HashMap<String, bool>,
    admin_enabled: bool,
    timestamp_tolerance_secs: i64,
    limits: TemplateLimits,
    faults: RwLock<Vec<SimFaultSetting>>,
    rng: Mutex<StdRng>,
    state: Mutex<State>,
    /// Id sequence; survives `reset` so ids handed out before a reset are never reused.
    sequence: AtomicU64,
    /// Kinder than Alipay (see the module doc); survives `reset`.
    kinder: AtomicBool,
}

/// `apps_file`: a TOML file of `[[apps]]` entries.
#[derive(Debug, Deserialize)]
struct AppsFile {
    #[serde(default)]
    apps: Vec<SimAppSetting>,
}

impl Simulator {
    /// Loads the keys, apps, voucher templates and initial faults. Errors name the setting.
    pub fn from_settings(settings: &SimSettings) -> Result<Self, ConfigError> {
        let key_text = Settings::require_secret(
            "sim.private_key",
            settings.private_key.as_deref(),
            settings.private_key_file.as_deref(),
        )?;
        let key = AppPrivateKey::parse(&key_text)
            .map_err(|e| ConfigError::invalid("sim.private_key", e.to_string()))?;

        let apps = load_apps(settings, &key)?;
        for fault in &settings.faults {
            check_fault(fault).map_err(|reason| ConfigError::invalid("sim.faults", reason))?;
        }
        let voucher_templates = settings
            .voucher_templates
            .iter()
            .map(|t| (t.template_id.trim().to_owned(), t.expired))
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                key,
                apps,
                voucher_templates,
                admin_enabled: settings.admin_enabled,
                timestamp_tolerance_secs: settings.timestamp_tolerance_secs.max(0),
                limits: TemplateLimits::default(),
                faults: RwLock::new(settings.faults.clone()),
                rng: Mutex::new(StdRng::seed_from_u64(DEFAULT_SEED)),
                state: Mutex::new(State::default()),
                sequence: AtomicU64::new(1),
                kinder: AtomicBool::new(settings.kinder),
            }),
        })
    }

    /// Mounts `POST|GET /gateway.do`, `GET /healthz` and, with `sim.admin_enabled`,
    /// `GET|PUT /__sim/faults`, `PUT /__sim/kinder`, `PUT /__sim/seed`, `GET /__sim/state`
    /// and `POST /__sim/reset`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .route("/gateway.do", web::post().to(gateway))
            .route("/gateway.do", web::get().to(gateway))
            .route("/healthz", web::get().to(healthz));
        if self.inner.admin_enabled {
            admin::configure(cfg);
        }
    }

    /// Runs the simulator on its own HTTP server (2 workers, no signal handling: the owner
    /// stops it through the returned server's handle).
    pub fn start(&self, listener: TcpListener) -> io::Result<Server> {
        let sim = self.clone();
        let server = HttpServer::new(move || {
            let sim = sim.clone();
            App::new().configure(move |cfg| sim.configure(cfg))
        })
        .workers(2)
        // A client that closes its side is gone: actix then drops the handler, as a front
        // proxy drops an aborted request. What it started still runs (see `handle`).
        .h1_allow_half_closed(false)
        .disable_signals()
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        Ok(server)
    }

    /// State changes applied for `method` (lost answers included).
    pub fn effects(&self, method: &str) -> u64 {
        self.inner.state.lock().effects(method)
    }

    /// State changes applied for `method` under one idempotency key: template.add
    /// `unique_id`; template.update `tpl_id`; instance.add and instance.update
    /// `<channel_id>/<serial_number>`; voucher.send `<template_id>/<out_biz_no>`.
    pub fn effects_for_key(&self, method: &str, key: &str) -> u64 {
        self.inner.state.lock().effects_for_key(method, key)
    }

    /// Requests received naming `method`, whatever became of them.
    pub fn requests(&self, method: &str) -> u64 {
        self.inner.state.lock().requests(method)
    }

    /// Replaces the injected faults (an empty list switches them off).
    pub fn set_faults(&self, faults: Vec<SimFaultSetting>) {
        *self.inner.faults.write() = faults;
    }

    pub fn faults(&self) -> Vec<SimFaultSetting> {
        self.inner.faults.read().clone()
    }

    /// Reseeds the fault dice, for reproducible runs with fractional rates.
    pub fn set_seed(&self, seed: u64) {
        *self.inner.rng.lock() = StdRng::seed_from_u64(seed);
    }

    /// Kinder than Alipay (ids in "already exists" refusals, signed public-parameter
    /// errors) or strict (only what the vendor pages promise).
    pub fn set_kinder(&self, kinder: bool) {
        self.inner.kinder.store(kinder, Ordering::Relaxed);
    }

    pub fn kinder(&self) -> bool {
        self.inner.kinder.load(Ordering::Relaxed)
    }

    /// Forgets every template, pass and voucher, zeroes the counters, clears the faults and
    /// restores the default seed. Kinder mode is kept.
    pub fn reset(&self) {
        *self.inner.state.lock() = State::default();
        self.inner.faults.write().clear();
        self.set_seed(DEFAULT_SEED);
    }

    /// "ACTIVE", "USED" or "CLOSED".
    pub fn pass_status(&self, channel_id: &str, serial_number: &str) -> Option<String> {
        self.inner
            .state
            .lock()
            .pass_status(channel_id, serial_number)
    }

    pub fn pass_count(&self) -> usize {
        self.inner.state.lock().pass_count()
    }

    /// Counters, templates (with their current content), passes, vouchers, faults and the
    /// mode: what `GET /__sim/state` returns.
    pub fn snapshot(&self) -> Value {
        let mut snapshot = self.inner.state.lock().snapshot();
        if let Value::Object(map) = &mut snapshot {
            map.insert("faults".into(), json!(self.faults()));
            map.insert("kinder".into(), json!(self.kinder()));
        }
        snapshot
    }

    fn next_sequence(&self) -> u64 {
        self.inner.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// One gateway request, from parsed parameters to the answer.
    async fn handle(&self, params: Params) -> HttpResponse {
        let method = params.known_method();
        if let Some(method) = method {
            self.inner.state.lock().count_request(method);
        }
        let node_name = wire::node_name(method);
        // Answers use the request's charset and sign type when it names ones we speak.
        let charset = params.charset.unwrap_or(Charset::Utf8);
        let sign_type = params.sign_type().unwrap_or(SignType::Rsa2);
        let rules = GatewayRules {
            apps: &self.inner.apps,
            timestamp_tolerance_secs: self.inner.timestamp_tolerance_secs,
        };
        let outcome = match wire::check(&params, &rules) {
            Ok(call) => {
                let roll = self.roll_faults(call.method);
                let sim = self.clone();
                // In its own task: a client that gives up drops this handler, never the effect.
                match tokio::spawn(async move { sim.process(call, roll).await }).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        tracing::error!(%error, "simulator call task failed");
                        Outcome::Dropped("simulator call task failed")
                    }
                }
            }
            // Strict: the real gateway does not sign its auth-class errors.
            Err(error) if self.kinder() => Outcome::Signed(error.into_node()),
            Err(error) => Outcome::Unsigned(error.into_node()),
        };
        match outcome {
            Outcome::Signed(node) => self.answer(&node_name, &node, sign_type, charset),
            Outcome::Unsigned(node) => wire::answer_unsigned(&node_name, &node, charset),
            Outcome::Dropped(reason) => dropped_connection(reason),
        }
    }

    /// A verified call: latency, the faults before the effect, the effect, the faults after.
    async fn process(&self, call: Call, roll: FaultRoll) -> Outcome {
        if roll.latency > Duration::ZERO {
            tokio::time::sleep(roll.latency).await;
        }
        // Before the effect.
        if roll.reset {
            return Outcome::Dropped("simulated connection reset");
        }
        if roll.error {
            return Outcome::Signed(GatewayError::unavailable().into_node());
        }
        if roll.system_error {
            return Outcome::Signed(methods::system_error(call.method));
        }
        if roll.unsigned_error {
            return Outcome::Unsigned(GatewayError::rotated_key().into_node());
        }
        let node = methods::dispatch(self, &call);
        // After the effect.
        if roll.lost_answer {
            return Outcome::Dropped("simulated lost answer");
        }
        if roll.error_after_effect {
            return Outcome::Signed(GatewayError::unavailable().into_node());
        }
        Outcome::Signed(node)
    }

    fn answer(
        &self,
        node_name: &str,
        node: &Map<String, Value>,
        sign_type: SignType,
        charset: Charset,
    ) -> HttpResponse {
        wire::answer(node_name, node, &self.inner.key, sign_type, charset)
    }

    /// The faults for one call: the method's own entry, else the `*` entry.
    fn roll_faults(&self, method: &str) -> FaultRoll {
        let fault = {
            let faults = self.inner.faults.read();
            faults
                .iter()
                .find(|f| f.method == method)
                .or_else(|| faults.iter().find(|f| f.method == "*"))
                .cloned()
        };
        let Some(fault) = fault else {
            return FaultRoll::default();
        };
        let mut rng = self.inner.rng.lock();
        // gen::<f64>() is in [0, 1): a rate of 1.0 always fires, 0.0 never.
        let mut hit = |rate: f64| rate > 0.0 && rng.gen::<f64>() < rate;
        // The older kinds first, then the newer ones: a rate of 0 draws nothing, so settings
        // without the newer kinds meet the same dice as before they existed.
        FaultRoll {
            latency: Duration::from_millis(fault.latency_ms),
            reset: hit(fault.reset_rate),
            error: hit(fault.error_rate),
            lost_answer: hit(fault.lost_answer_rate),
            system_error: hit(fault.system_error_rate),
            unsigned_error: hit(fault.unsigned_error_rate),
            error_after_effect: hit(fault.error_after_effect_rate),
        }
    }
}

/// What became of one call, ready to be written (Send, unlike a response).
enum Outcome {
    Signed(Map<String, Value>),
    Unsigned(Map<String, Value>),
    Dropped(&'static str),
}

/// The faults one call meets.
#[derive(Debug, Default)]
struct FaultRoll {
    latency: Duration,
    /// Before the effect.
    reset: bool,
    error: bool,
    system_error: bool,
    unsigned_error: bool,
    /// After the effect.
    lost_answer: bool,
    error_after_effect: bool,
}

pub(crate) fn check_fault(fault: &SimFaultSetting) -> Result<(), String> {
    if fault.method.trim().is_empty() {
        return Err("method must be a method name or \"*\"".into());
    }
    for (name, rate) in [
        ("error_rate", fault.error_rate),
        ("lost_answer_rate", fault.lost_answer_rate),
        ("reset_rate", fault.reset_rate),
        ("error_after_effect_rate", fault.error_after_effect_rate),
        ("system_error_rate", fault.system_error_rate),
        ("unsigned_error_rate", fault.unsigned_error_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!(
                "{}: {name} must be between 0.0 and 1.0",
                fault.method
            ));
        }
    }
    Ok(())
}

/// Every configured app (settings, then the apps file) with its public keys.
fn load_apps(
    settings: &SimSettings,
    key: &AppPrivateKey,
) -> Result<HashMap<String, Vec<PublicKey>>, ConfigError> {
    let mut entries: Vec<(String, SimAppSetting, Option<PathBuf>)> = settings
        .apps
        .iter()
        .enumerate()
        .map(|(i, app)| (format!("sim.apps[{i}]"), app.clone(), None))
        .collect();
    if let Some(path) = settings
        .apps_file
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
    {
        for (i, app) in read_apps_file(path)?.into_iter().enumerate() {
            entries.push((
                format!("sim.apps_file[{i}]"),
                app,
                path.parent().map(Path::to_path_buf),
            ));
        }
    }
    let mut apps: HashMap<String, Vec<PublicKey>> = HashMap::new();
    for (name, app, base_dir) in entries {
        let app_id = app.app_id.trim().to_owned();
        if app_id.is_empty() {
            return Err(ConfigError::invalid(
                format!("{name}.app_id"),
                "must not be empty",
            ));
        }
        let file = app
            .public_key_file
            .as_deref()
            .map(|p| resolve_relative(p, base_dir.as_deref()));
        let text = Settings::require_secret(
            &format!("{name}.public_key"),
            app.public_key.as_deref(),
            file.as_deref(),
        )?;
        let public_key = PublicKey::parse(&text)
            .map_err(|e| ConfigError::invalid(format!("{name}.public_key"), e.to_string()))?;
        if public_key == key.public_key() {
            return Err(ConfigError::invalid(
                format!("{name}.public_key"),
                "this is the simulator's own public key: configure the app's public key",
            ));
        }
        apps.entry(app_id).or_default().push(public_key);
    }
    if apps.is_empty() {
        return Err(ConfigError::invalid(
            "sim.apps",
            "no app configured: add [[sim.apps]] (app_id + public_key_file) or sim.apps_file",
        ));
    }
    Ok(apps)
}

fn read_apps_file(path: &Path) -> Result<Vec<SimAppSetting>, ConfigError> {
    let parsed: AppsFile = config::Config::builder()
        .add_source(config::File::from(path).format(config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| {
            ConfigError::invalid(
                "sim.apps_file",
                format!("{}: {}", path.display(), e).replace('\n', " "),
            )
        })?;
    Ok(parsed.apps)
}

/// A key file named in the apps file: as given when it exists (paths relative to the working
/// directory, like every other setting), else relative to the apps file.
fn resolve_relative(path: &Path, base_dir: Option<&Path>) -> PathBuf {
    match base_dir {
        Some(base) if path.is_relative() && !path.exists() => base.join(path),
        _ => path.to_path_buf(),
    }
}

/// An answer whose body fails at once: actix closes the connection, so the client never
/// gets a complete response (what a timeout or a dropped connection looks like to it).
fn dropped_connection(reason: &'static str) -> HttpResponse {
    let body = futures_util::stream::once(async move {
        Err::<Bytes, io::Error>(io::Error::new(io::ErrorKind::ConnectionAborted, reason))
    });
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html;charset=utf-8"))
        .streaming(body)
}

async fn gateway(
    req: HttpRequest,
    payload: web::Payload,
    sim: web::Data<Simulator>,
) -> HttpResponse {
    let (body, body_error) = read_body(payload).await;
    let params = Params::parse(req.query_string().as_bytes(), &body, body_error);
    sim.handle(params).await
}

/// Reads at most [`BODY_LIMIT_BYTES`]; a larger body is drained (up to a bound) and refused.
async fn read_body(mut payload: web::Payload) -> (BytesMut, Option<String>) {
    let mut body = BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => return (BytesMut::new(), Some(format!("请求体读取失败: {error}"))),
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= BODY_LIMIT_BYTES {
            body.extend_from_slice(&chunk);
        } else if seen > BODY_DRAIN_BYTES {
            break;
        }
    }
    if seen > BODY_LIMIT_BYTES {
        return (
            BytesMut::new(),
            Some(format!("请求体超过{BODY_LIMIT_BYTES}字节上限")),
        );
    }
    (body, None)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "service": "alipay-gateway-simulator"}))
}

impl Simulator {
    /// Binds `sim.host:sim.port` (0 = any free port) and starts serving; answers the bound
    /// port and the running server.
    pub fn listen(&self, settings: &SimSettings) -> anyhow::Result<(u16, Server)> {
        let listener =
            TcpListener::bind((settings.host.as_str(), settings.port)).with_context(|| {
                format!(
                    "sim.port: cannot listen on {}:{}",
                    settings.host, settings.port
                )
            })?;
        let port = listener.local_addr()?.port();
        Ok((port, self.start(listener)?))
    }
}

/// `alipass sim`: serves on `sim.host:sim.port` until SIGTERM or Ctrl-C.
pub async fn run_standalone(settings: &Settings) -> anyhow::Result<()> {
    let sim = Simulator::from_settings(&settings.sim)?;
    let (port, server) = sim.listen(&settings.sim)?;
    let handle = server.handle();
    tracing::info!(
        port,
        host = settings.sim.host.as_str(),
        apps = sim.inner.apps.len(),
        admin = sim.inner.admin_enabled,
        "simulator listening"
    );
    let mut task = tokio::spawn(server);
    tokio::select! {
        finished = &mut task => {
            return finished.context("simulator server task failed")?.context("simulator server failed");
        }
        () = shutdown_signal() => {}
    }
    tracing::info!("simulator stopping");
    handle.stop(true).await;
    task.await
        .context("simulator server task failed")?
        .context("simulator server failed")
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Counters as sorted JSON objects.
fn counts(map: &BTreeMap<String, u64>) -> Value {
    Value::Object(map.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}
