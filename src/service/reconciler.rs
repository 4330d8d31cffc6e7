//! Settles records left open by a crash or a lost answer: ISSUING passes, PENDING templates
//! and vouchers, and pass changes whose outcome is unknown. It re-sends with the same
//! Alipay-side key, so a call that did reach Alipay is answered "already exists" (settled
//! as success) or repeated harmlessly. Safe on every replica at once: each record is
//! claimed with a conditional UPDATE (its lease) before anything is sent.

use std::time::Duration;

use crate::domain::template::TemplateContent;
use crate::service::Service;
use crate::startup::ShutdownSignal;
use crate::store::records;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    pub examined: usize,
    pub settled: usize,
}

impl Service {
    /// One pass over every open record older than `stale_after`.
    pub async fn reconcile_once(
        &self,
        stale_after: Duration,
        batch: i64,
    ) -> Result<ReconcileReport, sqlx::Error> {
        let mut report = ReconcileReport::default();
        let idem = &self.inner.idempotency;
        for id in records::stale_records(
            self.db(),
            "passes",
            "status = 'ISSUING'",
            stale_after,
            batch,
        )
        .await?
        {
            report.examined += 1;
            if idem.claim_for_reconcile("passes", id).await?
                && self.perform_pass_issue(id).await.is_ok()
            {
                report.settled += 1;
            }
        }
        for id in records::stale_records(
            self.db(),
            "templates",
            "status = 'PENDING'",
            stale_after,
            batch,
        )
        .await?
        {
            report.examined += 1;
            if !idem.claim_for_reconcile("templates", id).await? {
                continue;
            }
            let Some(row) = records::template(self.db(), self.app_id(), id).await? else {
                continue;
            };
            let Ok(content) = TemplateContent::parse(row.tpl_content, self.template_limits())
            else {
                continue;
            };
            if self.perform_template_add(id, &content).await.is_ok() {
                report.settled += 1;
            }
        }
        for id in records::stale_records(
            self.db(),
            "vouchers",
            "status = 'PENDING'",
            stale_after,
            batch,
        )
        .await?
        {
            report.examined += 1;
            if idem.claim_for_reconcile("vouchers", id).await?
                && self.perform_voucher_send(id).await.is_ok()
            {
                report.settled += 1;
            }
        }
        for id in records::stale_records(
            self.db(),
            "passes",
            "pending_change IS NOT NULL",
            stale_after,
            batch,
        )
        .await?
        {
            report.examined += 1;
            if let Ok(true) = self.reconcile_pass_change(id).await {
                report.settled += 1;
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
            match self.reconcile_once(stale_after, batch).await {
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
