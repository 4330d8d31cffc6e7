//! The driver: one simulator and two service replicas, a seeded RNG for every decision, the
//! fault plans, the kill -9, and a record of every answer.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::task::{block_in_place, JoinHandle};

use super::certs::CertificateMode;
use super::faults::{ignored_fields, random_plan, FaultPlan};
use super::ops::{Key, Request, World};
use super::settle::list_all;
use super::ModelConfig;
use crate::helpers::{paths, TestDatabase};
use crate::processes::{authed, spawn, spawn_service, Process};

/// One answer of the service (status 0: no answer at all).
pub struct Answer {
    pub request: Request,
    pub target: usize,
    pub status: u16,
    pub body: Value,
    /// When it came, in ms since the run started, and the fault kinds then active.
    pub at_ms: u128,
    pub faults: String,
}

impl Answer {
    fn to_json(&self) -> Value {
        json!({
            "at_ms": self.at_ms, "kind": self.request.kind.name(), "key": self.request.key.id(),
            "method": self.request.method.as_str(), "path": self.request.path,
            "request": self.request.body, "service": self.target, "faults": self.faults,
            "status": self.status, "body": self.body,
        })
    }
}

#[derive(Default)]
pub struct Stats {
    pub ops_by_kind: BTreeMap<&'static str, u64>,
    /// Logical ops sent while a fault plan holding the kind was active.
    pub ops_under_fault: BTreeMap<&'static str, u64>,
    /// Fault plans injected that hold the kind.
    pub plans_with_fault: BTreeMap<&'static str, u64>,
    pub statuses: BTreeMap<u16, u64>,
    pub answers_503: u64,
    /// Keys answered 503 or not answered at all: each must end settled.
    pub unknown_outcomes: BTreeSet<Key>,
    pub retries: u64,
    pub duplicate_pairs: u64,
    pub concurrent_batches: u64,
    pub kill_index: usize,
    pub killed: Option<String>,
    /// Certificate mode: the op before which Alipay's signing certificate rotates, and
    /// what happened.
    pub rotate_index: Option<usize>,
    pub rotated: Option<String>,
    /// The operator's answers to changes no answer proved (true: applied).
    pub confirmations: Vec<bool>,
}

pub struct Driver {
    pub config: ModelConfig,
    rng: StdRng,
    pub client: reqwest::Client,
    pub sim: Process,
    pub services: Vec<Process>,
    pub world: World,
    pub stats: Stats,
    /// Contract breaches seen while driving (500s, silence from a live replica, ignored
    /// simulator settings); deduplicated, reported with the oracle's findings.
    pub violations: BTreeSet<String>,
    pub answers: Vec<Answer>,
    faults: BTreeSet<&'static str>,
    started: Instant,
    prefix: String,
    /// The settings every process starts with (certificate mode's, or none).
    extra_env: Vec<(&'static str, String)>,
    // Last: the PKI and the database go after the processes using them.
    _certificates: Option<CertificateMode>,
    database: TestDatabase,
}

/// Short gateway timeouts and a fast reconciler, so faults turn into unknown outcomes that
/// are settled within the run.
fn service_env(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    [
        ("APP__ALIPAY__TIMEOUT_MS", "400"),
        ("APP__ALIPAY__CONNECT_TIMEOUT_MS", "300"),
        ("APP__ALIPAY__DEADLINE_MS", "2500"),
        ("APP__RECONCILER__INTERVAL_MS", "200"),
        ("APP__RECONCILER__STALE_AFTER_MS", "500"),
        ("APP__RECONCILER__ENABLED", "true"),
        // Few resends before an operator is asked, so the run meets that state too.
        ("APP__RECONCILER__MAX_UNPROVEN_TRIES", "3"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .chain(extra.iter().cloned())
    .collect()
}

impl Driver {
    pub async fn start(config: ModelConfig) -> Self {
        let database = TestDatabase::create().await;
        let prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
        // Spawning waits for a log line: a blocking wait, kept off the async workers.
        let certificates = (!config.kinder).then(CertificateMode::new);
        let extra_env = certificates
            .as_ref()
            .map(CertificateMode::env)
            .unwrap_or_default();
        let sim = block_in_place(|| {
            let mut env = vec![("APP__SIM__PORT", "0".to_owned())];
            env.extend(extra_env.iter().cloned());
            spawn("sim", &env, "simulator listening")
        });
        let services = block_in_place(|| {
            (0..2)
                .map(|_| spawn_service(&database.url, &prefix, &sim, &service_env(&extra_env)))
                .collect()
        });
        let mut rng = StdRng::seed_from_u64(config.seed);
        let kill_index = rng.gen_range(config.ops * 3 / 10..=config.ops * 7 / 10);
        let rotate_index = certificates
            .is_some()
            .then(|| rng.gen_range(config.ops * 2 / 10..=config.ops * 8 / 10));
        let mut driver = Self {
            rng,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            sim,
            services,
            world: World::new(),
            stats: Stats {
                kill_index,
                rotate_index,
                ..Stats::default()
            },
            violations: BTreeSet::new(),
            answers: Vec::new(),
            faults: BTreeSet::new(),
            started: Instant::now(),
            prefix,
            extra_env,
            _certificates: certificates,
            database,
            config,
        };
        driver.configure_sim().await;
        driver
    }

    async fn configure_sim(&mut self) {
        let seed = self.config.seed;
        self.sim_put("/__sim/seed", json!({ "seed": seed })).await;
        if self.config.kinder {
            self.sim_put("/__sim/kinder", json!({"kinder": true})).await;
        }
    }

    /// PUT on the simulator's admin API; a refusal is a contract gap, not a harness stop.
    async fn sim_put(&mut self, path: &str, body: Value) -> Value {
        let response = self.client.put(self.sim.url(path)).json(&body).send().await;
        match response {
            Ok(r) if r.status().is_success() => r.json().await.unwrap_or(Value::Null),
            Ok(r) => {
                let status = r.status().as_u16();
                self.violations
                    .insert(format!("simulator: PUT {path} {body} answered {status}"));
                Value::Null
            }
            Err(e) => panic!("the simulator does not answer PUT {path}: {e}"),
        }
    }

    pub async fn set_faults(&mut self, plan: FaultPlan) {
        let echoed = self.sim_put("/__sim/faults", plan.body.clone()).await;
        for field in ignored_fields(&plan.body, &echoed) {
            self.violations.insert(format!(
                "simulator: the fault field `{field}` is not applied (missing from its echo)"
            ));
        }
        for kind in &plan.kinds {
            *self.stats.plans_with_fault.entry(kind).or_default() += 1;
        }
        self.faults = plan.kinds;
    }

    /// Runs `config.ops` logical ops: singles, duplicate pairs, small concurrent batches,
    /// and once, the kill -9 batch. Faults change every 3–8 ops.
    pub async fn drive(&mut self) {
        let mut done = 0;
        let mut next_faults = 0;
        let mut next_refresh = 10;
        while done < self.config.ops {
            if self.stats.rotate_index.is_some_and(|at| done >= at) {
                self.rotate_certificate(done).await;
            }
            if done >= next_faults {
                let plan = random_plan(&mut self.rng);
                self.set_faults(plan).await;
                next_faults = done + self.rng.gen_range(3..=8);
            }
            done += if self.stats.killed.is_none() && done >= self.stats.kill_index {
                self.kill_step(done).await
            } else {
                self.step().await
            };
            if done >= next_refresh {
                self.refresh().await;
                next_refresh = done + 10;
            }
        }
    }

    /// Alipay renews its signing certificate: the simulator signs with the next one, which
    /// the service must learn from the download while the run goes on.
    async fn rotate_certificate(&mut self, done: usize) {
        self.stats.rotate_index = None;
        let url = self.sim.url("/__sim/rotate-cert");
        let answer = self.client.post(url).send().await;
        let what = match answer {
            Ok(r) if r.status().is_success() => {
                let body: Value = r.json().await.unwrap_or(Value::Null);
                format!(
                    "before op {done}, now signing with SN {}",
                    body["alipay_cert_sn"]
                )
            }
            Ok(r) => {
                let status = r.status().as_u16();
                self.violations.insert(format!(
                    "simulator: POST /__sim/rotate-cert answered {status}"
                ));
                format!("refused ({status})")
            }
            Err(e) => panic!("the simulator does not answer POST /__sim/rotate-cert: {e}"),
        };
        self.stats.rotated = Some(what);
    }

    /// A fresh request, or (8 %) a past one again with the same key and body.
    fn next_request(&mut self) -> Request {
        let retry = self.rng.gen_bool(0.08);
        let request = match retry.then(|| self.world.retry(&mut self.rng)).flatten() {
            Some(request) => {
                self.stats.retries += 1;
                request
            }
            None => self.world.plan(&mut self.rng),
        };
        *self
            .stats
            .ops_by_kind
            .entry(request.kind.name())
            .or_default() += 1;
        for kind in &self.faults {
            *self.stats.ops_under_fault.entry(kind).or_default() += 1;
        }
        if self.faults.is_empty() {
            *self.stats.ops_under_fault.entry("none").or_default() += 1;
        }
        request
    }

    fn random_target(&mut self) -> usize {
        self.rng.gen_range(0..self.services.len())
    }

    /// One step: a single op (70 %), a duplicate pair sent to both replicas at once (15 %),
    /// or two or three different ops at once (15 %). Answers the logical op count.
    async fn step(&mut self) -> usize {
        let roll = self.rng.gen_range(0..100);
        let sends = if roll < 15 {
            self.stats.duplicate_pairs += 1;
            let request = self.next_request();
            vec![(request.clone(), 0), (request, 1)]
        } else {
            let count = if roll < 30 {
                self.stats.concurrent_batches += 1;
                self.rng.gen_range(2..=3)
            } else {
                1
            };
            (0..count)
                .map(|_| (self.next_request(), self.random_target()))
                .collect()
        };
        let logical = if roll < 15 { 1 } else { sends.len() };
        let handles = self.launch_all(sends);
        self.collect(handles, None).await;
        logical
    }

    /// Four to six ops in flight, then kill -9 of one replica, then a replacement on the
    /// same database and Redis prefix.
    async fn kill_step(&mut self, at: usize) -> usize {
        let victim = self.random_target();
        let count = self.rng.gen_range(4..=6);
        let delay = self.rng.gen_range(20..=400);
        let sends: Vec<(Request, usize)> = (0..count)
            .map(|_| (self.next_request(), self.random_target()))
            .collect();
        let handles = self.launch_all(sends);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        self.services[victim].kill_hard();
        self.stats.killed = Some(format!(
            "service {victim} killed at op {at} after {delay} ms with {count} ops in flight"
        ));
        self.collect(handles, Some(victim)).await;
        let (url, prefix, sim) = (&self.database.url, &self.prefix, &self.sim);
        let replacement =
            block_in_place(|| spawn_service(url, prefix, sim, &service_env(&self.extra_env)));
        self.services[victim] = replacement;
        count
    }

    fn launch_all(&self, sends: Vec<(Request, usize)>) -> Vec<JoinHandle<Answer>> {
        sends
            .into_iter()
            .map(|(request, target)| self.launch(request, target))
            .collect()
    }

    /// Sends one request on its own task, so a kill can happen while it is in flight.
    fn launch(&self, request: Request, target: usize) -> JoinHandle<Answer> {
        let url = self.services[target].url(&request.path);
        let builder = authed(&self.client, request.method.clone(), url).json(&request.body);
        let started = self.started;
        tokio::spawn(async move {
            let (status, body) = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    (
                        status,
                        serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    )
                }
                Err(error) => (0, json!(format!("no answer: {error}"))),
            };
            Answer {
                request,
                target,
                status,
                body,
                at_ms: started.elapsed().as_millis(),
                faults: String::new(),
            }
        })
    }

    async fn collect(&mut self, handles: Vec<JoinHandle<Answer>>, victim: Option<usize>) {
        for handle in handles {
            let answer = handle.await.expect("request task");
            self.record(answer, victim);
        }
    }

    /// Counts the answer, notes unknown outcomes and breaches, and learns from successes.
    fn record(&mut self, mut answer: Answer, victim: Option<usize>) {
        answer.faults = self.faults.iter().copied().collect::<Vec<_>>().join(",");
        let status = answer.status;
        *self.stats.statuses.entry(status).or_default() += 1;
        let what = format!(
            "{} {} {} on service {}",
            answer.request.kind.name(),
            answer.request.method,
            answer.request.path,
            answer.target
        );
        match status {
            503 => {
                self.stats.answers_503 += 1;
                self.stats
                    .unknown_outcomes
                    .insert(answer.request.key.clone());
            }
            0 if victim == Some(answer.target) => {
                self.stats
                    .unknown_outcomes
                    .insert(answer.request.key.clone());
            }
            0 => {
                self.violations.insert(format!(
                    "no answer from a live replica: {what}: {}",
                    answer.body
                ));
            }
            500.. if status != 502 => {
                self.violations
                    .insert(format!("{status} answered: {what}: {}", answer.body));
            }
            200..=299 => self.world.learn(answer.request.kind, &answer.body),
            _ => {}
        }
        self.answers.push(answer);
    }

    /// Learns ids and statuses settled behind the driver's back (503s, the reconciler).
    async fn refresh(&mut self) {
        let service = &self.services[0];
        if let Ok(templates) = list_all(&self.client, service, paths::TEMPLATES).await {
            templates.iter().for_each(|t| self.world.learn_template(t));
        }
        if let Ok(passes) = list_all(&self.client, service, paths::PASSES).await {
            passes.iter().for_each(|p| self.world.learn_pass(p));
        }
    }

    /// Every answer as JSON lines under the target's tmp dir; answers the file's path.
    pub fn dump_answers(&self) -> String {
        let mode = if self.config.kinder {
            "kinder"
        } else {
            "strict"
        };
        let path = format!(
            "{}/model-{}-{mode}.jsonl",
            env!("CARGO_TARGET_TMPDIR"),
            self.config.seed
        );
        let lines: Vec<String> = self
            .answers
            .iter()
            .map(|a| a.to_json().to_string())
            .collect();
        match std::fs::write(&path, lines.join("\n") + "\n") {
            Ok(()) => path,
            Err(error) => format!("(not written: {error})"),
        }
    }

    /// The answers for every key a finding names: what the caller was told, in order.
    pub fn trails(&self, findings: &[String]) -> Vec<String> {
        let mut trails = Vec::new();
        let mut keys: Vec<&str> = self.answers.iter().map(|a| a.request.key.id()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys
            .into_iter()
            .filter(|k| findings.iter().any(|f| f.contains(k)))
        {
            trails.push(format!("{key}:"));
            for answer in self.answers.iter().filter(|a| a.request.key.id() == key) {
                let mut body = answer.body.to_string();
                if body.len() > 300 {
                    body = body.chars().take(300).collect::<String>() + "…";
                }
                trails.push(format!(
                    "    {:>6} ms {} {} on service {} [{}] → {} {body}",
                    answer.at_ms,
                    answer.request.method,
                    answer.request.path,
                    answer.target,
                    answer.faults,
                    answer.status
                ));
            }
        }
        trails
    }

    pub async fn sim_state(&self) -> Value {
        crate::processes::sim_state(&self.client, &self.sim).await
    }

    /// GET on a live replica; Err carries the status or the transport error.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        let url = self.services[0].url(path);
        let response = authed(&self.client, Method::GET, url)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == 200 {
            Ok(body)
        } else {
            Err(format!("GET {path} answered {status}: {body}"))
        }
    }
}
