//! Seeded, replayable, model-based fault run: random operations against two service replicas
//! (and one kill -9) while the simulator injects faults; then, after settling, what the
//! service records must equal what the gateway holds.
//!
//! Replay a run with `MODEL_SEED=<seed> MODEL_OPS=<ops>`; `scripts/model-test.sh` runs long
//! ones. Every decision (op, target, fault plan, kill point) comes from one seeded RNG, and
//! the simulator's fault dice get the same seed. The driver picks targets from what earlier
//! answers told it, so a replay makes the same choices as long as the answers are the same;
//! concurrent requests and the kill can shift timing, and with it later choices.
//!
//! The strict run is in certificate mode, with one rotation of Alipay's signing certificate
//! mid-run; the kinder run in public-key mode.
//!
//! Layout: `driver` (processes, steps, faults, kill, rotation), `ops` (requests and the model
//! of what exists), `faults` (random fault plans), `certs` (the PKI and configuration of
//! certificate mode), `settle` (waiting until nothing is open, the operator's part),
//! `oracle` (the comparison with the simulator's state).

mod certs;
mod driver;
mod faults;
mod ops;
mod oracle;
mod settle;

use std::fmt;
use std::time::{Duration, Instant};

use driver::Driver;

const DEFAULT_OPS: usize = 150;
/// At most this many findings are printed in the failure message (all are counted).
const SHOWN_FINDINGS: usize = 200;

#[derive(Clone, Copy, Debug)]
pub struct ModelConfig {
    pub seed: u64,
    pub ops: usize,
    /// The simulator's kinder mode (existing ids named in "already exists" refusals).
    pub kinder: bool,
}

impl ModelConfig {
    fn from_env(kinder: bool) -> Self {
        let seed = match std::env::var("MODEL_SEED") {
            Ok(text) => text.trim().parse().expect("MODEL_SEED must be a u64"),
            Err(_) => rand::random(),
        };
        let ops = std::env::var("MODEL_OPS")
            .map(|text| text.trim().parse().expect("MODEL_OPS must be a number"))
            .unwrap_or(DEFAULT_OPS)
            .max(10);
        Self { seed, ops, kinder }
    }

    pub fn replay(&self) -> String {
        let test = if self.kinder { "kinder" } else { "strict" };
        format!(
            "replay with MODEL_SEED={} MODEL_OPS={} cargo test --test resilience model_based_fault_run_{test}",
            self.seed, self.ops
        )
    }
}

impl fmt::Display for ModelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.kinder { "kinder" } else { "strict" };
        write!(f, "seed={} ops={} simulator={mode}", self.seed, self.ops)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_based_fault_run_strict() {
    run(ModelConfig::from_env(false)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_based_fault_run_kinder() {
    run(ModelConfig::from_env(true)).await;
}

async fn run(config: ModelConfig) {
    println!("model: {config} ({})", config.replay());
    let started = Instant::now();
    let mut driver = Driver::start(config).await;
    driver.drive().await;
    let (records, mut findings) = settle::settle(&mut driver).await;
    if let Some(records) = &records {
        findings.extend(oracle::check(&driver, records).await);
    }
    // 8. and what the simulator did not accept: breaches seen while driving.
    findings.extend(driver.violations.iter().cloned());
    println!("{}", summary(&driver, started.elapsed(), findings.len()));
    println!("  every answer: {}", driver.dump_answers());
    if !findings.is_empty() {
        println!("model: answers for the keys named in findings:");
        for line in driver.trails(&findings) {
            println!("  {line}");
        }
        let shown: Vec<&String> = findings.iter().take(SHOWN_FINDINGS).collect();
        let more = findings.len().saturating_sub(SHOWN_FINDINGS);
        panic!(
            "model run {config}: {} finding(s) — {}\n  {}{}\n{}",
            findings.len(),
            config.replay(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n  "),
            if more > 0 {
                format!("\n  … and {more} more")
            } else {
                String::new()
            },
            config.replay(),
        );
    }
}

fn summary(driver: &Driver, elapsed: Duration, findings: usize) -> String {
    let stats = &driver.stats;
    let lines = [
        format!(
            "model summary: {} ({})",
            driver.config,
            driver.config.replay()
        ),
        format!("  ops by kind: {:?}", stats.ops_by_kind),
        format!(
            "  retries {}, duplicate pairs {}, concurrent batches {}",
            stats.retries, stats.duplicate_pairs, stats.concurrent_batches
        ),
        format!("  ops under fault kind: {:?}", stats.ops_under_fault),
        format!("  fault plans holding kind: {:?}", stats.plans_with_fault),
        format!("  answers by status: {:?}", stats.statuses),
        format!(
            "  503 answers {}, keys with an unknown outcome {}",
            stats.answers_503,
            stats.unknown_outcomes.len()
        ),
        format!(
            "  changes confirmed by the operator: {} applied, {} not applied",
            stats.confirmations.iter().filter(|a| **a).count(),
            stats.confirmations.iter().filter(|a| !**a).count()
        ),
        format!(
            "  certificate rotation: {}",
            stats.rotated.as_deref().unwrap_or("none (public-key mode)")
        ),
        format!(
            "  kill: {}",
            stats.killed.as_deref().unwrap_or("did not happen")
        ),
        format!(
            "  duration {:.1} s, findings {findings}",
            elapsed.as_secs_f64()
        ),
    ];
    lines.join("\n")
}
