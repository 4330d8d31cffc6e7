//! Prometheus collectors: the HTTP surface, gateway calls, and what an on-call engineer is
//! paged for (open records and their age, the reconciler, replays and conflicts, the fast
//! path, Redis, the database pool, rate-limit waits). Names are listed once in
//! [`Metrics::names`], which the alert rules and the dashboard are checked against.

use std::future::Future;

use prometheus::core::Collector;
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

use crate::store::hot::HotConnections;

/// The build's version and commit (`ALIPASS_COMMIT` at build time, else "unknown").
const COMMIT: &str = match option_env!("ALIPASS_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub gateway_calls: IntCounterVec,
    pub gateway_duration: HistogramVec,
    /// Calls that waited for a rate-limit slot, or were refused for want of one.
    pub gateway_rate_limited: IntCounterVec,
    /// Open records by work, state (in_flight: a lease holds it; awaiting_settlement: its
    /// outcome is unknown and the reconciler will settle it; needs_confirmation: no answer
    /// proved it, an operator must) and age bucket.
    pub open_records: IntGaugeVec,
    pub open_oldest_age: GaugeVec,
    pub reconciler_runs: IntCounterVec,
    pub reconciler_records: IntCounterVec,
    pub replays: IntCounterVec,
    pub key_conflicts: IntCounterVec,
    /// The fast path's answer before each claim: answer (a cached replay), locked, busy,
    /// unavailable (Redis down or off).
    pub fast_path: IntCounterVec,
    pub redis_up: IntGauge,
    /// 1 when this instance would answer /readyz 200 (Postgres answers, not draining).
    pub ready: IntGauge,
    pub db_pool: IntGaugeVec,
    pub db_hot: IntGaugeVec,
    /// Campaign rows settled, by campaign and state.
    pub campaign_rows: IntCounterVec,
    /// Rows whose worker spent its attempts while their record is still open, and the
    /// campaigns they keep from finishing.
    pub campaign_rows_unsettled: IntGaugeVec,
    /// Templates in NEEDS_ALIPAY_ID, waiting for an operator to set Alipay's id.
    pub templates_needing_alipay_id: IntGauge,
    /// When each configured certificate (certificate mode) expires, by app and which.
    pub certificate_expiry: IntGaugeVec,
    /// Webhook attempts by result, and endpoints disabled.
    pub webhook_deliveries: IntCounterVec,
    /// Statements that found no free connection within `database.acquire_timeout_ms`: the
    /// pool's waiters that gave up (sqlx does not expose how many wait).
    pub db_pool_timeouts: prometheus::IntCounter,
    /// Log lines dropped because stdout did not keep up (see `telemetry::init`).
    pub log_lines_dropped: prometheus::IntCounter,
    /// Background jobs (and single campaigns' batches) that panicked and were restarted.
    pub background_panics: IntCounterVec,
    /// Open operations kept on a row that could not be read back (by kind).
    pub pending_unreadable: IntCounterVec,
    pub build_info: IntGaugeVec,
}

/// A query's answer if it comes within a second (a scrape never waits on a stuck database).
async fn within_a_second<T>(query: impl Future<Output = Result<T, sqlx::Error>>) -> Option<T> {
    match tokio::time::timeout(std::time::Duration::from_secs(1), query).await {
        Ok(Ok(answer)) => Some(answer),
        _ => None,
    }
}

/// Brings a counter up to a total counted elsewhere.
fn catch_up(counter: &prometheus::IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn counter(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("static metric definition")
}

fn gauge(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help), labels).expect("static metric definition")
}

fn histogram(name: &str, help: &str, labels: &[&str], buckets: Vec<f64>) -> HistogramVec {
    HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
        .expect("static metric definition")
}

/// Gateway call attempts, their latency, and the outbound rate limit.
fn gateway_metrics() -> (IntCounterVec, HistogramVec, IntCounterVec) {
    let buckets = vec![
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ];
    (
        counter(
            "alipay_gateway_calls_total",
            "Alipay gateway call attempts by app, method and outcome code",
            &["app_id", "method", "code"],
        ),
        histogram(
            "alipay_gateway_call_duration_seconds",
            "Alipay gateway call attempt latency in seconds",
            &["app_id", "method"],
            buckets,
        ),
        counter(
            "alipay_gateway_rate_limited_total",
            "Gateway calls that waited for a rate-limit slot (waited) or got none (refused)",
            &["app_id", "method", "result"],
        ),
    )
}

/// Open records and the reconciler.
fn record_metrics() -> (IntGaugeVec, GaugeVec, IntCounterVec, IntCounterVec) {
    let open_records = gauge(
        "alipass_open_records",
        "Records whose gateway operation is not settled, by work, state and age",
        &["work", "state", "age"],
    );
    let oldest = Opts::new(
        "alipass_open_record_oldest_age_seconds",
        "Age of the oldest open record awaiting settlement, by work (0: none)",
    );
    let open_oldest_age = GaugeVec::new(oldest, &["work"]).expect("static metric definition");
    let reconciler_runs = counter(
        "alipass_reconciler_runs_total",
        "Reconciler passes by result (ok, error)",
        &["result"],
    );
    let reconciler_records = counter(
        "alipass_reconciler_records_total",
        "Records the reconciler took up, by result (settled, still_open)",
        &["result"],
    );
    (
        open_records,
        open_oldest_age,
        reconciler_runs,
        reconciler_records,
    )
}

impl Metrics {
    pub fn new() -> Self {
        let (open_records, open_oldest_age, reconciler_runs, reconciler_records) = record_metrics();
        let http_buckets = vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let (gateway_calls, gateway_duration, gateway_rate_limited) = gateway_metrics();
        let metrics = Self {
            registry: Registry::new(),
            http_requests: counter(
                "http_requests_total",
                "HTTP requests served",
                &["method", "route", "status"],
            ),
            http_duration: histogram(
                "http_request_duration_seconds",
                "HTTP request latency in seconds",
                &["method", "route", "status"],
                http_buckets,
            ),
            gateway_calls,
            gateway_duration,
            gateway_rate_limited,
            open_records,
            open_oldest_age,
            reconciler_runs,
            reconciler_records,
            replays: counter(
                "alipass_idempotent_replays_total",
                "Requests answered with the saved answer of an earlier one, by record kind",
                &["kind"],
            ),
            key_conflicts: counter(
                "alipass_idempotency_conflicts_total",
                "Requests refused because their key was used with another request (reused) or is in progress",
                &["kind", "reason"],
            ),
            fast_path: counter(
                "alipass_fast_path_total",
                "The fast path's answer before each claim (kept: a replayed answer from this process's memory)",
                &["result"],
            ),
            redis_up: IntGauge::new("alipass_redis_up", "1 when Redis answers, 0 when degraded")
                .expect("static metric definition"),
            ready: IntGauge::new(
                "alipass_ready",
                "1 when ready (Postgres answers and not draining), else 0",
            )
            .expect("static metric definition"),
            db_pool: gauge(
                "alipass_db_pool_connections",
                "Database pool connections by state (in_use, idle, max)",
                &["state"],
            ),
            db_hot: gauge(
                "alipass_db_hot_connections",
                "Connections beside the pool for pass issuance, by state (in_use, idle, max)",
                &["state"],
            ),
            campaign_rows: counter(
                "alipass_campaign_rows_total",
                "Campaign rows settled by this replica, by campaign and state (SENT, REFUSED, INVALID, UNKNOWN, PENDING)",
                &["campaign", "state"],
            ),
            campaign_rows_unsettled: gauge(
                "alipass_campaign_rows_unsettled",
                "Campaign rows left to the reconciler (attempts spent, record still open), by what is counted (rows, campaigns)",
                &["count"],
            ),
            certificate_expiry: gauge(
                "alipass_certificate_expiry_timestamp_seconds",
                "When a configured certificate expires (Unix time), by app and which (app, alipay, root)",
                &["app", "which"],
            ),
            templates_needing_alipay_id: IntGauge::new(
                "alipass_templates_needing_alipay_id",
                "Templates Alipay created without naming their id (NEEDS_ALIPAY_ID): each waits for an operator",
            )
            .expect("static metric definition"),
            webhook_deliveries: counter(
                "alipass_webhook_deliveries_total",
                "Webhook attempts by result (delivered, retrying, failed), attempts not recorded because their lease was taken over (lease_lost) and endpoints disabled (endpoint_disabled)",
                &["result"],
            ),
            db_pool_timeouts: prometheus::IntCounter::new(
                "alipass_db_pool_timeouts_total",
                "Statements that waited longer than the acquire timeout for a connection",
            )
            .expect("static metric definition"),
            log_lines_dropped: prometheus::IntCounter::new(
                "alipass_log_lines_dropped_total",
                "Log lines dropped because stdout did not keep up",
            )
            .expect("static metric definition"),
            background_panics: counter(
                "alipass_background_panics_total",
                "Panics in background work, by task (reconciler, campaigns, campaign, webhooks, retention); each was restarted after a backoff",
                &["task"],
            ),
            pending_unreadable: counter(
                "alipass_pending_operations_unreadable_total",
                "Open operations kept on a row (template_update, pass_change) that could not be read back: each is left for an operator",
                &["kind"],
            ),
            build_info: gauge(
                "alipass_build_info",
                "Always 1: the running version and commit",
                &["version", "commit"],
            ),
        };
        metrics.register();
        metrics
    }

    fn register(&self) {
        for collector in self.collectors() {
            self.registry
                .register(collector)
                .expect("metric names are unique");
        }
        self.build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), COMMIT])
            .set(1);
    }

    fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![
            Box::new(self.http_requests.clone()),
            Box::new(self.http_duration.clone()),
            Box::new(self.gateway_calls.clone()),
            Box::new(self.gateway_duration.clone()),
            Box::new(self.gateway_rate_limited.clone()),
            Box::new(self.open_records.clone()),
            Box::new(self.campaign_rows_unsettled.clone()),
            Box::new(self.templates_needing_alipay_id.clone()),
            Box::new(self.certificate_expiry.clone()),
            Box::new(self.open_oldest_age.clone()),
            Box::new(self.reconciler_runs.clone()),
            Box::new(self.reconciler_records.clone()),
            Box::new(self.replays.clone()),
            Box::new(self.key_conflicts.clone()),
            Box::new(self.fast_path.clone()),
            Box::new(self.redis_up.clone()),
            Box::new(self.ready.clone()),
            Box::new(self.db_pool.clone()),
            Box::new(self.db_hot.clone()),
            Box::new(self.db_pool_timeouts.clone()),
            Box::new(self.log_lines_dropped.clone()),
            Box::new(self.campaign_rows.clone()),
            Box::new(self.webhook_deliveries.clone()),
            Box::new(self.background_panics.clone()),
            Box::new(self.pending_unreadable.clone()),
            Box::new(self.build_info.clone()),
        ]
    }

    /// Every series name this service can export (histograms with their `_bucket`, `_sum`
    /// and `_count` series), whether or not it has samples yet.
    pub fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for collector in self.collectors() {
            for desc in collector.desc() {
                let name = desc.fq_name.clone();
                if name.ends_with("_seconds") && !name.contains("oldest") {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        names.push(format!("{name}{suffix}"));
                    }
                }
                names.push(name);
            }
        }
        names
    }

    /// Sets the gauges read at scrape time: open records (from Postgres; left as they were
    /// when it does not answer), Redis, the database pool and the connections beside it, and
    /// the log lines the writer dropped (counted by `telemetry`, which the caller asks).
    pub async fn refresh(
        &self,
        db: &sqlx::PgPool,
        hot: &HotConnections,
        (redis_up, draining): (bool, bool),
        log_lines_dropped: u64,
    ) {
        use crate::store::records::{open_counts, OpenWork};
        self.redis_up.set(i64::from(redis_up));
        let idle = i64::try_from(db.num_idle()).unwrap_or(i64::MAX);
        let size = i64::from(db.size());
        let max = i64::from(db.options().get_max_connections());
        set_connection_states(&self.db_pool, size - idle, idle, max);
        let hot = hot.counts();
        let (in_use, idle, max) = (hot.in_use.into(), hot.idle.into(), hot.max.into());
        set_connection_states(&self.db_hot, in_use, idle, max);
        catch_up(&self.db_pool_timeouts, crate::store::pool_timeouts());
        catch_up(&self.log_lines_dropped, log_lines_dropped);
        let mut counts = Vec::new();
        for work in OpenWork::ALL {
            match within_a_second(open_counts(db, work)).await {
                Some(rows) => counts.push((work, rows)),
                None => {
                    self.ready.set(0);
                    return;
                }
            }
        }
        let needing_id = crate::store::records::templates_needing_alipay_id(db);
        if let Some(count) = within_a_second(needing_id).await {
            self.templates_needing_alipay_id.set(count);
        }
        let unsettled = crate::store::campaigns::unsettled(db);
        if let Some((rows, campaigns)) = within_a_second(unsettled).await {
            let gauge = &self.campaign_rows_unsettled;
            gauge.with_label_values(&["rows"]).set(rows);
            gauge.with_label_values(&["campaigns"]).set(campaigns);
        }
        self.ready.set(i64::from(!draining));
        self.open_records.reset();
        for (work, rows) in counts {
            let mut oldest: f64 = 0.0;
            for row in rows {
                let state = if row.in_flight {
                    "in_flight"
                } else if row.needs_confirmation {
                    "needs_confirmation"
                } else {
                    "awaiting_settlement"
                };
                self.open_records
                    .with_label_values(&[work.name(), state, &row.age])
                    .set(row.count);
                if !row.in_flight && !row.needs_confirmation {
                    oldest = oldest.max(row.oldest_secs);
                }
            }
            self.open_oldest_age
                .with_label_values(&[work.name()])
                .set(oldest);
        }
    }

    /// Sets when each certificate file of `alipay` (certificate mode) expires; a file that
    /// cannot be read was refused at start-up already, so it is simply left out here.
    pub fn certificate_expiries(&self, alipay: &crate::config::AlipaySettings) {
        let key = &alipay.alipay_key;
        let files = [
            ("app", &key.app_cert_file),
            ("alipay", &key.alipay_cert_file),
            ("root", &key.alipay_root_cert_file),
        ];
        for (which, path) in files {
            let Some(path) = path else { continue };
            let end = std::fs::read_to_string(path)
                .ok()
                .and_then(|pem| crate::alipay::cert::not_after(&pem).ok())
                .and_then(|end| end.duration_since(std::time::UNIX_EPOCH).ok());
            if let Some(end) = end {
                let secs = i64::try_from(end.as_secs()).unwrap_or(i64::MAX);
                let labels = [alipay.app_id.as_str(), which];
                self.certificate_expiry.with_label_values(&labels).set(secs);
            }
        }
    }

    pub fn render(&self) -> String {
        let encoder = prometheus::TextEncoder::new();
        encoder
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A gauge of connections by state (`in_use`, `idle`, `max`).
fn set_connection_states(gauge: &IntGaugeVec, in_use: i64, idle: i64, max: i64) {
    for (state, count) in [("in_use", in_use), ("idle", idle), ("max", max)] {
        gauge.with_label_values(&[state]).set(count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every metric-looking name in `expr` (ours start with alipass_, alipay_ or http_).
    fn metric_names(expr: &str) -> Vec<&str> {
        expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .filter(|t| {
                ["alipass_", "alipay_", "http_"]
                    .iter()
                    .any(|p| t.starts_with(p))
            })
            .collect()
    }

    fn check(source: &str, exprs: &[String], known: &[String]) {
        assert!(!exprs.is_empty(), "{source}: no expressions found");
        for expr in exprs {
            let names = metric_names(expr);
            assert!(
                !names.is_empty(),
                "{source}: `{expr}` names no metric of ours"
            );
            for name in names {
                assert!(
                    known.iter().any(|k| k == name),
                    "{source}: `{expr}` uses {name}, which alipass does not export"
                );
            }
        }
    }

    #[test]
    fn the_alert_rules_and_the_dashboard_use_only_exported_metrics() {
        let known = Metrics::new().names();
        let root = env!("CARGO_MANIFEST_DIR");
        let rules = std::fs::read_to_string(format!(
            "{root}/deploy/k8s/components/servicemonitor/prometheusrule.yaml"
        ))
        .unwrap();
        let rule_exprs: Vec<String> = rules
            .lines()
            .filter_map(|line| line.trim().strip_prefix("expr:"))
            .map(|e| e.trim().to_owned())
            .collect();
        check("prometheusrule.yaml", &rule_exprs, &known);
        // Every alert links its runbook section as runbook_url (the overlay makes it absolute;
        // .ci/validate-deploy.sh checks the rendered links), none as a repository path.
        let links = rules.matches("runbook_url: docs/runbook.md#").count();
        assert_eq!(links, rule_exprs.len(), "an alert without its runbook_url");
        assert!(
            !rules.contains("runbook: "),
            "a `runbook:` path left in the rules"
        );

        let dashboard: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{root}/deploy/grafana/alipass-dashboard.json"))
                .unwrap(),
        )
        .unwrap();
        let panel_exprs: Vec<String> = dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t["expr"].as_str().map(str::to_owned))
            .collect();
        check("alipass-dashboard.json", &panel_exprs, &known);
        // Every panel is scoped by the dashboard's namespace variable.
        for expr in &panel_exprs {
            assert!(
                expr.contains("$namespace"),
                "not scoped by namespace: {expr}"
            );
        }

        // Every metric the runbook names is on the dashboard, as its opening promises.
        let runbook = std::fs::read_to_string(format!("{root}/docs/runbook.md")).unwrap();
        let on_dashboard = panel_exprs.join(" ");
        for name in metric_names(&runbook) {
            let name = name.trim_end_matches('_');
            assert!(
                on_dashboard.contains(name),
                "docs/runbook.md names {name}, which no dashboard panel shows"
            );
        }

        // Every runbook anchor the rules name exists.
        for anchor in rules.split("docs/runbook.md#").skip(1) {
            let anchor = anchor.lines().next().unwrap().trim();
            let heading = runbook
                .lines()
                .filter_map(|l| l.strip_prefix("## "))
                .any(|h| h.to_lowercase().replace(' ', "-") == anchor);
            assert!(heading, "runbook section #{anchor} is missing");
        }
    }

    #[test]
    fn a_misspelt_metric_is_caught() {
        let known = Metrics::new().names();
        let result = std::panic::catch_unwind(|| {
            check("x", &["rate(alipass_open_recordz[5m])".to_owned()], &known)
        });
        assert!(result.is_err());
    }
}
