//! The document's `webhooks` (OpenAPI 3.1): one entry per event type the service delivers,
//! each with the Standard Webhooks envelope around its payload (`crate::webhooks::events`),
//! the signature headers the receiver gets, and an example built from the views' examples.
//! utoipa has no field for them, so they go in as the document's `webhooks` member; the 3.0
//! rendering drops them (`v30`), as 3.0 has no such member.

use serde_json::{json, Map, Value};
use utoipa::openapi::OpenApi;
use utoipa::Modify;

use super::examples::schema_example;
use crate::webhooks::EventType;

/// `(payload schema, what the event announces)`; a new event type does not compile until
/// it is described here.
fn describe(kind: EventType) -> (&'static str, &'static str) {
    match kind {
        EventType::TemplateCreated => ("TemplateCreatedData", "A template Alipay accepted (CREATED, or NEEDS_ALIPAY_ID when its answer named no id)."),
        EventType::TemplateUpdated => ("TemplateUpdatedData", "A template update Alipay applied: the content now in force."),
        EventType::PassIssued => ("PassSettledData", "A pass Alipay issued."),
        EventType::PassFailed => ("PassSettledData", "An issuance Alipay refused: `failure_code` is its business code (else ours)."),
        EventType::PassUpdated => ("PassChangedData", "A change of a pass's parameters Alipay applied."),
        EventType::PassRedeemed => ("PassChangedData", "A pass redeemed (USED)."),
        EventType::PassClosed => ("PassChangedData", "A pass closed."),
        EventType::VoucherSent => ("VoucherSettledData", "A voucher Alipay sent (the recipient masked unless it is a user id)."),
        EventType::VoucherFailed => ("VoucherSettledData", "A voucher send Alipay refused: `failure_code` is its business code (else ours)."),
        EventType::OperationSettled => ("OperationSettledData", "An operation whose outcome was unknown (a lost answer, a crash) is settled, by a retry, the reconciler or an operator; `outcome` names the event announced with it."),
        EventType::CampaignFinished => ("CampaignFinishedData", "Every row of a campaign is settled; its results are at GET /v1/campaigns/{id}/results."),
        EventType::WebhookTest => ("WebhookTestData", "Sent by POST /v1/webhook-endpoints/{id}/test to that endpoint only; no endpoint subscribes to it."),
    }
}

/// The example's `data`, from the examples of the views the payloads carry.
fn example_data(kind: EventType) -> Value {
    let template = schema_example("TemplateView").unwrap_or_default();
    let issued = schema_example("PassView").unwrap_or_default();
    let voucher = schema_example("VoucherView").unwrap_or_default();
    let changed = |status: &str, detail: Value| {
        json!({
            "pass": {"serial_number": issued["serial_number"], "channel_id": issued["channel_id"], "status": status},
            "operation_id": "0193a1f3-0d2e-7b41-a5c6-2f9e8d7c6b5a",
            "detail": detail,
        })
    };
    let refused = |mut view: Value, status: &str, failure: &str, id: &str| {
        view["status"] = json!(status);
        view["failure_code"] = json!(failure);
        view[id] = Value::Null;
        view
    };
    match kind {
        EventType::TemplateCreated => json!({"template": template}),
        EventType::TemplateUpdated => json!({"template": {
            "id": template["id"],
            "alipay_tpl_id": template["alipay_template_id"],
            "content": template["content"],
        }}),
        EventType::PassIssued => json!({"pass": issued}),
        EventType::PassFailed => {
            json!({"pass": refused(issued, "FAILED", "KP.AE_ALIPASS_USERID_NOSUPPORT", "alipay_pass_id")})
        }
        EventType::PassUpdated => changed("ISSUED", json!({"params": {"discountInfo": "8 折"}})),
        EventType::PassRedeemed => changed(
            "USED",
            json!({"verify_type": "wave", "verify_code": "8612231273"}),
        ),
        EventType::PassClosed => changed("CLOSED", json!({})),
        EventType::VoucherSent => json!({"voucher": voucher}),
        EventType::VoucherFailed => {
            json!({"voucher": refused(voucher, "FAILED", "TEMPLATE_EXPIRED", "voucher_id")})
        }
        EventType::OperationSettled => json!({
            "subject": {"kind": "pass", "serial_number": issued["serial_number"], "channel_id": issued["channel_id"]},
            "outcome": "pass.issued",
        }),
        EventType::CampaignFinished => json!({
            "campaign_id": "0193a1f4-5e6f-7a80-b1c2-d3e4f5a6b7c8",
            "campaign_key": "spring-2027",
            "finished_at": "2026-12-07T20:05:41.118Z",
        }),
        EventType::WebhookTest => json!({
            "endpoint_id": "0193a1f5-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
            "message": "a test event from alipass",
        }),
    }
}

fn header(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "header", "required": true, "schema": {"type": "string"},
           "description": description})
}

/// The headers every delivery carries (Standard Webhooks).
fn signature_headers() -> Value {
    json!([
        header("webhook-id", "The event's id: the same on every attempt of this event, so a receiver drops duplicates by it."),
        header("webhook-timestamp", "When this attempt was signed, in seconds since the Unix epoch; refuse one far from your clock (replays)."),
        header("webhook-signature", "`v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the endpoint's secret (the base64 after `whsec_`); space-separated when there are several. Any Standard Webhooks library verifies it."),
    ])
}

/// One event's entry: a POST to the receiver's endpoint.
fn webhook(kind: EventType) -> Value {
    let (payload, summary) = describe(kind);
    let envelope = json!({
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "enum": [kind.as_str()]},
            "timestamp": {"type": "string", "format": "date-time", "description": "When the event happened (its settlement committed)."},
            "data": {"$ref": format!("#/components/schemas/{payload}")},
        },
    });
    let example = json!({
        "type": kind.as_str(),
        "timestamp": "2026-12-07T19:35:09.882Z",
        "data": example_data(kind),
    });
    json!({"post": {
        "tags": ["webhooks"],
        "summary": summary,
        "description": "Posted to each enabled endpoint of the app that subscribes to this type, signed (see the headers). Deliveries run concurrently (up to `webhooks.endpoint_concurrency` per endpoint) and failed ones are retried, so events may arrive out of order: order them by `timestamp`, deduplicate by `webhook-id`.",
        "operationId": format!("webhook_{}", kind.as_str().replace('.', "_")),
        "parameters": signature_headers(),
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": envelope,
            "example": example,
        }}},
        "responses": {"2XX": {"description": "Received. Any other answer, or none within `webhooks.timeout_ms`, is retried on `webhooks.retry_schedule_secs` (about a day); an endpoint that fails every delivery for `webhooks.disable_after_hours` is disabled. Redirects are not followed."}},
    }})
}

pub struct Webhooks;

impl Modify for Webhooks {
    fn modify(&self, openapi: &mut OpenApi) {
        let hooks: Map<String, Value> = EventType::ALL
            .iter()
            .map(|kind| (kind.as_str().to_owned(), webhook(*kind)))
            .collect();
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert("webhooks".to_owned(), Value::Object(hooks));
    }
}
