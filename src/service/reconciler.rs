//! Settles records left open by a crash or a lost answer: ISSUING passes, PENDING templates
//! and vouchers, and pass changes whose outcome is unknown. It re-sends with the same
//! Alipay-side key, so a call that did reach Alipay is answered "already exists" (settled
//! as success) or repeated harmlessly. Safe on every replica at once: each record is
//! claimed with a conditional UPDATE (its lease) before anything is sent.

use std::sync::Arc;
use std::time::Duration;

use crate::service::pass_changes::PassChange;
use crate::service::passes::IssuingPass;
use crate::service::template_updates::TemplateChange;
use crate::service::templates::OpenTemplate;
use crate::service::vouchers::OpenVoucher;
use crate::service::{Core, ServiceError};
use crate::shutdown::ShutdownSignal;
use crate::store::answer::Settled;
use crate::store::idempotency::Claim;
use crate::store::records::{self, OpenWork, Pending, RecordKind};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    pub examined: usize,
    pub settled: usize,
}

impl ReconcileReport {
    /// One claimed record's attempt: settled unless its outcome is still open.
    fn count<T>(&mut self, attempt: &Result<T, ServiceError>) {
        self.examined += 1;
        let open = matches!(attempt, Err(e) if e.leaves_open());
        self.settled += usize::from(!open);
    }

    /// A pending operation's resend: Ok(true) when it settled.
    fn count_settled(&mut self, attempt: Result<bool, ServiceError>) {
        self.examined += 1;
        self.settled += usize::from(matches!(attempt, Ok(true)));
    }
}

/// The reconciler: the shared pipelines ([`Core`]) run on records found open, of every
/// resource.
#[derive(Clone)]
pub struct Reconciler {
    core: Arc<Core>,
}

impl Reconciler {
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    /// [`Core::perform`] for a claimed record of `kind`, read back; how it settled. Here,
    /// not beside the pipeline, so the generic pipeline knows no resource.
    async fn perform_add(&self, kind: RecordKind, claim: &Claim) -> Result<Settled, ServiceError> {
        let answer = match kind {
            RecordKind::Template => self.core.perform::<OpenTemplate>(claim, None).await,
            RecordKind::Pass => self.core.perform::<IssuingPass>(claim, None).await,
            RecordKind::Voucher => self.core.perform::<OpenVoucher>(claim, None).await,
        };
        answer.map(|saved| saved.outcome)
    }

    /// One pass over every open record older than `stale_after`.
    pub async fn reconcile_once(
        &self,
        stale_after: Duration,
        batch: i64,
    ) -> Result<ReconcileReport, sqlx::Error> {
        let mut report = ReconcileReport::default();
        for work in OpenWork::ALL {
            for id in records::stale_records(self.core.db(), work, stale_after, batch).await? {
                match work {
                    OpenWork::Add(kind) => {
                        let claim = self.core.idempotency.claim_for_reconcile(kind, id).await?;
                        if let Some(claim) = claim {
                            report.count(&self.perform_add(kind, &claim).await);
                        }
                    }
                    OpenWork::Pending(Pending::PassChange) => {
                        let settled = self.core.reconcile_change::<PassChange>(id).await;
                        report.count_settled(settled);
                    }
                    OpenWork::Pending(Pending::TemplateUpdate) => {
                        let settled = self.core.reconcile_change::<TemplateChange>(id).await;
                        report.count_settled(settled);
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs [`Self::reconcile_once`] every `interval` until shutdown.
    pub async fn run_reconciler(
        self,
        interval: Duration,
        stale_after: Duration,
        batch: i64,
        mut stop: ShutdownSignal,
    ) {
        loop {
            tokio::select! {
                _ = stop.wait() => return,
                _ = tokio::time::sleep(interval) => {}
            }
            let outcome = self.reconcile_once(stale_after, batch).await;
            let metrics = &self.core.metrics;
            let result = if outcome.is_ok() { "ok" } else { "error" };
            metrics.reconciler_runs.with_label_values(&[result]).inc();
            if let Ok(report) = &outcome {
                let records = &metrics.reconciler_records;
                let settled = u64::try_from(report.settled).unwrap_or(0);
                let open = u64::try_from(report.examined - report.settled).unwrap_or(0);
                records.with_label_values(&["settled"]).inc_by(settled);
                records.with_label_values(&["still_open"]).inc_by(open);
            }
            match outcome {
                Ok(report) if report.examined > 0 => {
                    tracing::info!(
                        examined = report.examined,
                        settled = report.settled,
                        "reconciler pass"
                    )
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "reconciler pass failed"),
            }
        }
    }
}
