//! The response headers the service really sends, added to every response they can come
//! with: `X-Request-Id` (the observe middleware, on every answer), `Retry-After` (problems
//! built `with_retry_after`: 429, 503, transient 409s and the gateway refusals Alipay
//! advises retrying) and `Idempotent-Replayed` (the keyed adds' `reply_response`). No handler
//! sets `Location` and the service sends no rate-limit headers besides `Retry-After`.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use super::operations_mut;

use crate::error::PROBLEM_CONTENT_TYPE;

/// The header `reply_response` sets on the saved answer of an earlier request.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// Operations answered through `reply_response`, which replays a keyed add's first answer.
const REPLAYING_OPERATIONS: [&str; 3] = ["templates_create", "passes_issue", "vouchers_send"];

/// Statuses whose problems may carry `Retry-After` on any operation.
const RETRY_AFTER_STATUSES: [&str; 3] = ["409", "429", "503"];

/// Statuses of a gateway refusal Alipay advises retrying (`pass_rejected` 422,
/// `pass_update_failed` 502), on the operations that call Alipay.
const RETRYABLE_REFUSAL_STATUSES: [&str; 2] = ["422", "502"];

fn string_header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn request_id_header() -> Header {
    string_header(
        "Sent on every answer: the caller's X-Request-Id when it is sane (1-128 visible \
         ASCII), else a new UUID. Problems carry the same value as `request_id`; quote it when \
         asking about a request.",
    )
}

fn retry_after_header(status: &str) -> Header {
    let when = match status {
        "429" | "503" => "Always sent with this status",
        "409" => "Sent when the conflict passes by itself (`request_in_progress`, `change_pending`, `template_changed`, `database_busy`)",
        _ => "Sent when Alipay advises retrying the refused call",
    };
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(format!(
            "{when}: seconds after which the same request (with the same key) may succeed."
        )))
        .build()
}

fn replayed_header() -> Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true"])),
        )
        .description(Some(
            "`true` when this is the saved answer of an earlier request with the same key \
             (natural key or Idempotency-Key), replayed instead of acting again; absent on a \
             first answer.",
        ))
        .build()
}

/// Adds the headers above to every documented response they can come with.
pub struct ResponseHeaders;

impl Modify for ResponseHeaders {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                let id = operation.operation_id.as_deref().unwrap_or_default();
                let replays = REPLAYING_OPERATIONS.contains(&id);
                let calls_alipay = operation.responses.responses.contains_key("429");
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let headers = &mut response.headers;
                    headers.insert("X-Request-Id".to_owned(), request_id_header());
                    // Only problems carry it (`/readyz`'s 503 report does not).
                    let is_problem = response.content.contains_key(PROBLEM_CONTENT_TYPE);
                    let status_retries = RETRY_AFTER_STATUSES.contains(&status.as_str())
                        || calls_alipay && RETRYABLE_REFUSAL_STATUSES.contains(&status.as_str());
                    let retries = is_problem && status_retries;
                    if retries {
                        headers.insert("Retry-After".to_owned(), retry_after_header(status));
                    }
                    if replays {
                        headers.insert(IDEMPOTENT_REPLAYED_HEADER.to_owned(), replayed_header());
                    }
                }
            }
        }
    }
}
