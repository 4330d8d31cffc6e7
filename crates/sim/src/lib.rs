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
//! `/__sim/faults`, `/__sim/kinder`, `/__sim/seed`, `/__sim/state`, `/__sim/reset`,
//! `/__sim/rotate-cert`.
//!
//! # Certificate mode and content encryption
//!
//! With `certificates` (公钥证书模式) every signed answer carries the current certificate's
//! `alipay_cert_sn` and is signed by its key; `alipay.open.app.alipaycert.download` hands
//! out any of them by SN (answered unsigned and without `alipay_cert_sn` in strict mode, as
//! the official clients expect; signed in kinder mode), and `POST /__sim/rotate-cert` moves
//! to the next, as Alipay does when it renews its certificate. An app with an AES content key must call encrypted
//! (`encrypt_type=AES`); its answers come back encrypted.
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
//!   (UNSIGNED 40002 isv.invalid-signature, in either mode), `update_error_rate`
//!   (template.update and instance.update: signed `KP.AE_ALIPASS_UPDATE_ERROR`, "update
//!   failed, retry", as a transient failure of a pass or template in any state);
//! - after the effect (state changed): `lost_answer_rate` (connection dropped),
//!   `error_after_effect_rate` (signed 20000 isp.unknow-error), `unsigned_answer_rate`
//!   (the call's own answer, success or business refusal, written UNSIGNED);
//! - how a signed answer is written: `escaped_slashes_rate` (every `/` as `\/`, signed over
//!   the plain text, as real answers carrying URLs come).
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
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use alipass_domain::template::TemplateLimits;
use alipay_protocol::charset::Charset;
use alipay_protocol::content::ContentKey;
use alipay_protocol::methods::Method;
use alipay_protocol::sign::{AppPrivateKey, PublicKey, SignType};

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
    /// The gateway's own (Alipay-side) key: signs every answer in public-key mode.
    key: AppPrivateKey,
    /// Certificate mode: the signing certificates in rotation order.
    certificates: Vec<SimCert>,
    /// Which of them signs now; survives `reset`.
    current_cert: AtomicUsize,
    apps: HashMap<String, SimApp>,
    /// template_id → expired.
    voucher_templates: HashMap<String, VoucherTemplate>,
    app_auth_tokens: Vec<String>,
    root_cert_sn: Option<String>,
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

/// Injected faults for one method ("*" = every method). Rates are 0.0–1.0.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SimFaultSetting {
    pub method: String,
    /// Added before anything else happens to a verified call (the effect still lands when
    /// the client gives up waiting).
    pub latency_ms: u64,
    /// BEFORE the effect: share of calls answered 20000 isp.unknow-error, no effect.
    pub error_rate: f64,
    /// AFTER the effect: share of calls whose effect is applied but whose answer is lost
    /// (connection closed).
    pub lost_answer_rate: f64,
    /// BEFORE the effect: share of calls whose connection is reset, no effect.
    pub reset_rate: f64,
    /// AFTER the effect: share of calls whose effect is applied, then answered with a signed
    /// 20000 isp.unknow-error.
    #[serde(default)]
    pub error_after_effect_rate: f64,
    /// BEFORE the effect: share of calls answered with a signed 40004 business failure
    /// `KP.AE_SYSTEM_ERROR` (pass methods) or `SYSTEM_ERROR` (voucher.send), no effect.
    #[serde(default)]
    pub system_error_rate: f64,
    /// BEFORE the effect: share of calls answered with an UNSIGNED 40002
    /// isv.invalid-signature (a rotated or misconfigured key), no effect.
    #[serde(default)]
    pub unsigned_error_rate: f64,
    /// BEFORE the effect, template.update and instance.update only: share of calls
    /// answered with a signed 40004 `KP.AE_ALIPASS_UPDATE_ERROR` ("update failed, retry"),
    /// no status, no effect — the pages' reading of that code as a transient failure,
    /// beside the other (a pass no longer active).
    #[serde(default)]
    pub update_error_rate: f64,
    /// AFTER the effect: share of calls whose own answer (a success or a business refusal,
    /// such as "already exists") is written without a sign.
    #[serde(default)]
    pub unsigned_answer_rate: f64,
    /// Not a fault but a reading of the pages: share of signed answers written with every
    /// `/` as `\/`, signed over the plain text, as Alipay writes answers that carry URLs.
    #[serde(default)]
    pub escaped_slashes_rate: f64,
}

/// An app the simulated gateway accepts calls from.
#[derive(Debug, Clone, Default)]
pub struct SimApp {
    /// Its public keys: a call signed by any of them verifies (a key being rotated).
    pub public_keys: Vec<PublicKey>,
    /// Content encryption switched on: calls must come encrypted (`encrypt_type=AES`) and
    /// answers to them go encrypted.
    pub content_key: Option<ContentKey>,
    /// Certificate mode: the SN of the app's certificate, which its calls must name.
    pub app_cert_sn: Option<String>,
}

/// A voucher template the simulated gateway knows.
#[derive(Debug, Clone, Copy, Default)]
pub struct VoucherTemplate {
    /// Past its validity: every send is refused TEMPLATE_EXPIRED.
    pub expired: bool,
    /// A red packet (红包): `amount` is given with every send. For every other template
    /// the page forbids it ("红包发放时填写,其它情形不能填").
    pub red_packet: bool,
}

/// One of the gateway's signing certificates (certificate mode, 公钥证书模式).
#[derive(Debug)]
pub struct SimCert {
    /// The certificate and the intermediates after it, as `alipaycert.download` hands it out.
    pub chain_pem: String,
    /// Its `alipay_cert_sn`.
    pub sn: String,
    pub key: AppPrivateKey,
}

impl SimCert {
    /// Err when the PEM holds no certificate or `key` is not the certificate's key.
    pub fn new(chain_pem: String, key: AppPrivateKey) -> Result<Self, String> {
        let sn = alipay_protocol::cert::cert_sn(&chain_pem).map_err(|e| e.to_string())?;
        let public =
            alipay_protocol::cert::public_key_from_cert(&chain_pem).map_err(|e| e.to_string())?;
        if public != key.public_key() {
            return Err("the private key is not the certificate's".into());
        }
        Ok(Self { chain_pem, sn, key })
    }
}

/// What a simulator is made of (the service builds it from its settings).
pub struct SimConfig {
    /// The gateway's own (Alipay-side) key: signs every answer in public-key mode.
    pub key: AppPrivateKey,
    /// Certificate mode when not empty: answers are signed by the first certificate's key
    /// and carry its `alipay_cert_sn`, until `rotate_cert` moves to the next.
    pub certificates: Vec<SimCert>,
    /// The apps it accepts calls from, by app_id.
    pub apps: HashMap<String, SimApp>,
    /// Marketing voucher templates it knows: template_id → expired.
    pub voucher_templates: HashMap<String, VoucherTemplate>,
    /// Certificate mode: the SN of the root bundle every call must name.
    pub root_cert_sn: Option<String>,
    /// Merchants' `app_auth_token`s; when not empty every call must carry one of them.
    pub app_auth_tokens: Vec<String>,
    /// `/__sim/*` admin endpoints.
    pub admin_enabled: bool,
    /// Allowed clock skew of request timestamps.
    pub timestamp_tolerance_secs: i64,
    /// Faults injected from the start.
    pub faults: Vec<SimFaultSetting>,
    /// Kinder than Alipay (see the crate doc).
    pub kinder: bool,
}

impl Simulator {
    /// A simulator from its parts; Err names a fault setting that is out of range.
    pub fn new(config: SimConfig) -> Result<Self, String> {
        for fault in &config.faults {
            check_fault(fault)?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                key: config.key,
                certificates: config.certificates,
                current_cert: AtomicUsize::new(0),
                apps: config.apps,
                voucher_templates: config.voucher_templates,
                app_auth_tokens: config.app_auth_tokens,
                root_cert_sn: config.root_cert_sn,
                admin_enabled: config.admin_enabled,
                timestamp_tolerance_secs: config.timestamp_tolerance_secs.max(0),
                limits: TemplateLimits::default(),
                faults: RwLock::new(config.faults),
                rng: Mutex::new(StdRng::seed_from_u64(DEFAULT_SEED)),
                state: Mutex::new(State::default()),
                sequence: AtomicU64::new(1),
                kinder: AtomicBool::new(config.kinder),
            }),
        })
    }

    /// The apps it accepts calls from.
    pub fn app_count(&self) -> usize {
        self.inner.apps.len()
    }

    pub fn admin_enabled(&self) -> bool {
        self.inner.admin_enabled
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
            map.insert("alipay_cert_sn".into(), json!(self.current_cert_sn()));
        }
        snapshot
    }

    /// Certificate mode: the SN of the certificate that signs now.
    pub fn current_cert_sn(&self) -> Option<String> {
        self.current_cert().map(|cert| cert.sn.clone())
    }

    /// Certificate mode: signs with the next certificate from now on (after the last, the
    /// first again) and answers its SN. What Alipay does when it renews its certificate.
    pub fn rotate_cert(&self) -> Option<String> {
        let count = self.inner.certificates.len();
        if count == 0 {
            return None;
        }
        let _ = self
            .inner
            .current_cert
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |i| {
                Some((i + 1) % count)
            });
        self.current_cert_sn()
    }

    fn current_cert(&self) -> Option<&SimCert> {
        let index = self.inner.current_cert.load(Ordering::SeqCst);
        self.inner.certificates.get(index)
    }

    /// One of the signing certificates, current or not, by SN.
    pub(crate) fn certificate(&self, sn: &str) -> Option<&SimCert> {
        self.inner.certificates.iter().find(|cert| cert.sn == sn)
    }

    fn next_sequence(&self) -> u64 {
        self.inner.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// One gateway request, from parsed parameters to the answer.
    async fn handle(&self, params: Params) -> HttpResponse {
        let method = params.known_method();
        if let Some(method) = method {
            self.inner.state.lock().count_request(method.as_str());
        }
        let node_name = wire::node_name(method.map(Method::as_str));
        // Answers use the request's charset and sign type when it names ones we speak.
        let charset = params.charset.unwrap_or(Charset::Utf8);
        let sign_type = params.sign_type().unwrap_or(SignType::Rsa2);
        let rules = GatewayRules {
            apps: &self.inner.apps,
            app_auth_tokens: &self.inner.app_auth_tokens,
            timestamp_tolerance_secs: self.inner.timestamp_tolerance_secs,
            root_cert_sn: self.inner.root_cert_sn.as_deref(),
        };
        // Set once the call decrypted: its answers go encrypted with the same key.
        let mut content_key = None;
        let mut escaped_slashes = false;
        let outcome = match wire::check(&params, &rules) {
            Ok(call) => {
                let roll = self.roll_faults(call.method.as_str());
                escaped_slashes = roll.escaped_slashes;
                content_key = call.content_key.clone();
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
            Outcome::Signed(node) => {
                let cert = self.current_cert();
                let answer = wire::Answer {
                    node_name: &node_name,
                    key: cert.map_or(&self.inner.key, |cert| &cert.key),
                    cert_sn: cert.map(|cert| cert.sn.as_str()),
                    sign_type,
                    charset,
                    content_key: content_key.as_ref(),
                    escaped_slashes,
                };
                answer.signed(&node)
            }
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
        if roll.update_error {
            if let Some(node) = methods::transient_update_error(call.method) {
                return Outcome::Signed(node);
            }
        }
        let node = methods::dispatch(self, &call);
        // After the effect.
        if roll.lost_answer {
            return Outcome::Dropped("simulated lost answer");
        }
        if roll.error_after_effect {
            return Outcome::Signed(GatewayError::unavailable().into_node());
        }
        // The official clients do not check the download's signature; strict, it has none.
        let unsigned_download = call.method == Method::AlipaycertDownload && !self.kinder();
        if roll.unsigned_answer || unsigned_download {
            return Outcome::Unsigned(node);
        }
        Outcome::Signed(node)
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
            update_error: hit(fault.update_error_rate),
            unsigned_answer: hit(fault.unsigned_answer_rate),
            escaped_slashes: hit(fault.escaped_slashes_rate),
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
    update_error: bool,
    /// After the effect.
    lost_answer: bool,
    error_after_effect: bool,
    unsigned_answer: bool,
    /// How the answer is written.
    escaped_slashes: bool,
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
        ("update_error_rate", fault.update_error_rate),
        ("unsigned_answer_rate", fault.unsigned_answer_rate),
        ("escaped_slashes_rate", fault.escaped_slashes_rate),
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
    /// Binds `host:port` (0 = any free port) and starts serving; answers the bound port
    /// and the running server.
    pub fn listen(&self, host: &str, port: u16) -> io::Result<(u16, Server)> {
        let listener = TcpListener::bind((host, port))?;
        let port = listener.local_addr()?.port();
        Ok((port, self.start(listener)?))
    }
}

/// Counters as sorted JSON objects.
fn counts(map: &BTreeMap<String, u64>) -> Value {
    Value::Object(map.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}
