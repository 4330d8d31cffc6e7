//! Webhooks, as the Standard Webhooks specification has them: callers register endpoints
//! (per API key and app) for event types; every settled change writes its events into an
//! outbox in the same transaction (so none is lost and none announced that did not
//! commit); [`delivery`] posts them signed (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`: HMAC-SHA256), retries with backoff for about a day, and disables an
//! endpoint that keeps failing. Outbound requests go only where [`guard`] allows.

pub mod delivery;
pub mod events;
pub mod guard;
pub mod readers;

use base64::Engine;
use serde_json::Value;
use uuid::Uuid;

use crate::sealing::columns::{webhook_secret, SEALED};
use crate::sealing::{SealError, Sealer};
use crate::store::records::OutboxEvent;
use events::OperationSettledData;

const PLAIN: &str = "plain:";

/// A new signing secret, `whsec_` and 32 random bytes in base64 (the Standard Webhooks
/// form).
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// How an endpoint's secret is kept: sealed with `pii.key` when there is one (production
/// requires it), else as it is (development).
pub fn keep_secret(
    sealer: Option<&Sealer>,
    endpoint: Uuid,
    secret: &str,
) -> Result<String, SealError> {
    Ok(match sealer {
        Some(sealer) => format!(
            "{SEALED}{}",
            sealer.seal(&webhook_secret(endpoint), secret)?
        ),
        None => format!("{PLAIN}{secret}"),
    })
}

pub fn open_secret(sealer: Option<&Sealer>, endpoint: Uuid, kept: &str) -> Result<String, String> {
    if let Some(plain) = kept.strip_prefix(PLAIN) {
        return Ok(plain.to_owned());
    }
    let sealed = kept.strip_prefix(SEALED).ok_or("an unreadable secret")?;
    let sealer = sealer.ok_or("a sealed secret, and no pii.key to open it")?;
    sealer
        .open(&webhook_secret(endpoint), sealed)
        .map(|secret| secret.to_string())
        .map_err(|e| e.to_string())
}

alipass_domain::text_enum! {
    /// An event type a caller may subscribe to.
    EventType {
        TemplateCreated = "template.created",
        TemplateUpdated = "template.updated",
        PassIssued = "pass.issued",
        PassUpdated = "pass.updated",
        PassRedeemed = "pass.redeemed",
        PassClosed = "pass.closed",
        PassFailed = "pass.failed",
        VoucherSent = "voucher.sent",
        VoucherFailed = "voucher.failed",
        /// An operation whose outcome was unknown (a lost answer, a crash) is settled.
        OperationSettled = "operation.settled",
        CampaignFinished = "campaign.finished",
        /// Sent by `POST /v1/webhook-endpoints/{id}/test` only.
        WebhookTest = "webhook.test",
    }
}

/// The events announcing one settlement: `event` when the change has one, and
/// `operation.settled` when an earlier attempt's outcome was unknown (`after_unknown`).
/// `subject` names the record in both.
pub fn announce(
    app_id: &str,
    event: Option<(EventType, Value)>,
    after_unknown: bool,
    subject: Value,
) -> Vec<OutboxEvent> {
    let mut events = Vec::new();
    let outcome = event.as_ref().map(|(kind, _)| kind.as_str());
    if let Some((kind, payload)) = event {
        events.push(outbox_event(app_id, kind, payload));
    }
    if after_unknown {
        let data = OperationSettledData {
            subject,
            outcome: outcome.map(str::to_owned),
        };
        let payload = serde_json::to_value(&data).unwrap_or_default();
        events.push(outbox_event(app_id, EventType::OperationSettled, payload));
    }
    events
}

pub fn outbox_event(app_id: &str, kind: EventType, payload: Value) -> OutboxEvent {
    OutboxEvent {
        id: Uuid::now_v7(),
        app_id: app_id.to_owned(),
        kind: kind.as_str(),
        payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_types_round_trip() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(EventType::parse("pass.deleted"), None);
    }

    #[test]
    fn an_unknown_outcome_settled_is_announced_too() {
        let subject = json!({"kind": "pass", "serial_number": "S1"});
        let payload = json!({"pass": {}});
        let events = announce("app", Some((EventType::PassIssued, payload)), true, subject);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec!["pass.issued", "operation.settled"]);
        assert_eq!(events[1].payload["outcome"], "pass.issued");
        let quiet = announce("app", None, false, json!({}));
        assert!(quiet.is_empty());
    }
}
