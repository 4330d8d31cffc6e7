//! Settles records left open by a crash or a lost answer: ISSUING passes, PENDING templates
//! and vouchers, and pass changes whose outcome is unknown. It re-sends with the same
//! Alipay-side key, so a call that did reach Alipay is answered "already exists" (settled
//! as success) or repeated harmlessly. Safe on every replica at once: each record is
//! claimed with a conditional UPDATE (its lease) before anything is sent.

use std::time::Duration;

use crate::domain::template::TemplateContent;
use crate::error::ApiError;
use crate::service::Service;
use crate::startup::ShutdownSignal;
use crate::store::idempotency::Claim;
use crate::store::records;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    pub examined: usize,
    pub settled: usize,
}

impl ReconcileReport {
    /// One claimed record's attempt: settled unless its outcome is still unknown.
    fn count(&mut self, attempt: Result<(), ApiError>) {
        self.examined += 1;
        let open = matches!(&attempt, Err(e) if e.status().as_u16() == 503 || e.code() == "request_in_progress");
        self.settled += usize::from(!open);
    }
}

impl Service {
    /// One pass over every open record older than `stale_after`.
    pub async fn reconcile_once(
        &self,
        stale_after: Duration,
        batch: i64,
    ) -> Result<ReconcileReport, sqlx::Error> {
        let mut report = ReconcileReport::default();
        let stale = |table, condition| {
            records::stale_records(self.db(), table, condition, stale_after, batch)
        };
        for id in stale("passes", "status = 'ISSUING'").await? {
            let Some(claim) = self.claim_open("passes", "ISSUING", id).await? else {
                continue;
            };
            report.count(self.perform_pass_issue(&claim).await.map(drop));
        }
        for id in stale("templates", "status = 'PENDING'").await? {
            let Some(claim) = self.claim_open("templates", "PENDING", id).await? else {
                continue;
            };
            let content = records::template(self.db(), self.app_id(), id)
                .await?
                .and_then(|row| {
                    TemplateContent::parse(row.tpl_content, self.template_limits()).ok()
                });
            if let Some(content) = content {
                report.count(self.perform_template_add(&claim, &content).await.map(drop));
            }
        }
        for id in stale("vouchers", "status = 'PENDING'").await? {
            let Some(claim) = self.claim_open("vouchers", "PENDING", id).await? else {
                continue;
            };
            report.count(self.perform_voucher_send(&claim).await.map(drop));
        }
        for id in stale("passes", "pending_change IS NOT NULL").await? {
            report.examined += 1;
            report.settled += usize::from(matches!(self.reconcile_pass_change(id).await, Ok(true)));
        }
        for id in stale("templates", "pending_update IS NOT NULL").await? {
            report.examined += 1;
            report.settled +=
                usize::from(matches!(self.reconcile_template_update(id).await, Ok(true)));
        }
        Ok(report)
    }

    async fn claim_open(
        &self,
        table: &'static str,
        open_status: &'static str,
        id: uuid::Uuid,
    ) -> Result<Option<Claim>, sqlx::Error> {
        self.inner
            .idempotency
            .claim_for_reconcile(table, open_status, id)
            .await
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
