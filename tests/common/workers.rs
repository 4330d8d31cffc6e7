//! Workers driven by hand, for the fences that stop a worker whose lease ran out from
//! recording anything. No request can time that race: a lease outlives every timeout of the
//! work it covers, so through the API the first worker always gives up before another can
//! take over. These helpers lease and settle as a worker would, through the store's own
//! functions; they are the one place the tests import `alipass::store`, so a change of the
//! store's signatures is mended here and not in the tests.

use std::time::Duration;

use alipass::store::idempotency::Lease;
use alipass::store::records;
use alipass::store::webhooks::{self as store, AttemptRecord, Claim};
pub use alipass::store::webhooks::{DueDelivery, Settled};

use super::TestApp;

impl TestApp {
    /// Leases the due webhook deliveries for `lease`, as a deliverer does.
    pub async fn lease_due_deliveries(&self, lease: Duration) -> Vec<DueDelivery> {
        let claim = Claim {
            total: 10,
            per_endpoint: 4,
            lease,
        };
        store::claim_due(&self.db, claim).await.unwrap()
    }

    /// Records `due`'s attempt as a deliverer does: delivered (204) or to retry (503).
    pub async fn record_delivery_attempt(&self, due: &DueDelivery, delivered: bool) -> Settled {
        let attempt = AttemptRecord {
            status: Some(if delivered { 204 } else { 503 }),
            error: (!delivered).then_some("answered 503 Service Unavailable"),
            duration: Duration::from_millis(5),
            delivered,
            retry_after: (!delivered).then_some(Duration::from_secs(60)),
        };
        store::record_attempt(&self.db, due, &attempt)
            .await
            .unwrap()
    }

    /// Settles the issue of pass `serial` (already settled) once more, as a worker whose
    /// lease expired while another settled it, with an ISSUED event and a pass.issued
    /// announcement of its own: whether anything was written.
    pub async fn settle_issue_as_a_late_owner(&self, serial: &str) -> bool {
        let app_id = &self.settings.alipay.app_id;
        let row = records::passes_by_serial(&self.db, app_id, serial, None)
            .await
            .unwrap()
            .remove(0);
        let late = Lease::new(Duration::from_secs(30));
        let detail = serde_json::json!({});
        let event = records::NewEvent {
            kind: "ISSUED",
            detail: &detail,
            operation_id: Some(late.token),
            request_id: None,
        };
        let calls = records::CallLog {
            record: records::RecordRef {
                kind: records::RecordKind::Pass,
                id: row.id,
            },
            attempts: &[],
            request_id: None,
            resolution: None,
            events: &[alipass::webhooks::outbox_event(
                &row.app_id,
                alipass::webhooks::EventType::PassIssued,
                serde_json::json!({"late": true}),
            )],
        };
        let hot = alipass::store::hot::HotConnections::beside(&self.db, 1);
        records::settle_pass_issue(&hot, &row, late.token, None, &event, &calls)
            .await
            .unwrap()
    }
}
