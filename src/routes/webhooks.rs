//! /v1/webhook-endpoints: where this API key's events go.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Authorized, Caller, Read, Scope, WebhooksWrite};
use crate::error::{ApiError, Problem};
use crate::service::webhooks::WebhookService;
use crate::service::webhooks::{CreateEndpoint, EndpointView};
use crate::store::webhooks::AttemptRow;

/// 403 unless the key may read what its endpoints would receive: events carry what the
/// API shows to `read` (pass parameters, templates, vouchers).
fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Scope::Read).map_err(|_| {
        ApiError::forbidden(format!(
            "API key `{}` lacks the `read` scope: an endpoint receives what `read` shows \
             through the API, so a key needs both `webhooks:write` and `read` for one",
            caller.name
        ))
    })
}

/// Register an endpoint for some event types. The answer carries its signing secret, once:
/// every delivery is signed as Standard Webhooks specifies (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so any Standard
/// Webhooks library verifies it. Only hosts the operator allows (`webhooks.allow`) can be
/// registered.
///
/// Events go only to keys that may read them: registering needs `read` as well as
/// `webhooks:write` (events carry what `read` shows, pass parameters included), for the
/// app the request acts for. Every delivery checks the registering key as configured
/// then: once it lacks `read` or the app, nothing more is sent and the endpoint is
/// disabled, saying why.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", request_body = CreateEndpoint,
    responses(
        (status = 201, description = "Registered; keep the secret", body = EndpointView),
        (status = 403, description = "The key lacks `webhooks:write` or `read`, or may not act for the app", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an allowed URL, or an unknown event type", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/webhook-endpoints")]
pub async fn create(
    caller: Authorized<WebhooksWrite>,
    service: web::Data<WebhookService>,
    body: web::Json<CreateEndpoint>,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller.caller)?;
    let view = service
        .create_endpoint(&caller.app, &caller.caller.name, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// This API key's endpoints for the app.
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = Vec<EndpointView>)))]
#[get("/v1/webhook-endpoints")]
pub async fn list(
    caller: Authorized<Read>,
    service: web::Data<WebhookService>,
) -> Result<HttpResponse, ApiError> {
    let views = service
        .list_endpoints(&caller.app, &caller.caller.name)
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// One endpoint: whether it is enabled, and since when it fails if it does.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The endpoint", body = EndpointView)))]
#[get("/v1/webhook-endpoints/{id}")]
pub async fn get(
    caller: Authorized<Read>,
    service: web::Data<WebhookService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service
        .get_endpoint(&caller.app, &caller.caller.name, *id)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Remove an endpoint and its pending deliveries.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed")))]
#[delete("/v1/webhook-endpoints/{id}")]
pub async fn remove(
    caller: Authorized<WebhooksWrite>,
    service: web::Data<WebhookService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service
        .delete_endpoint(&caller.app, &caller.caller.name, *id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enable an endpoint that was disabled (for failing, or because its key could no longer
/// read its events); redeliver what it missed. Needs `read` too, as registering does.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/enable", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "Enabled", body = EndpointView),
        (status = 403, description = "The key lacks `webhooks:write` or `read`", body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhook-endpoints/{id}/enable")]
pub async fn enable(
    caller: Authorized<WebhooksWrite>,
    service: web::Data<WebhookService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller.caller)?;
    let view = service
        .enable_endpoint(&caller.app, &caller.caller.name, *id)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Send a `webhook.test` event to this endpoint (delivered like any other; see its
/// attempts).
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/test", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 202, description = "Queued", body = QueuedTestEvent),
        (status = 409, description = "`endpoint_disabled`: enable the endpoint first", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`test_send_rate_limited`: 5 test sends a minute per endpoint; `Retry-After` says when", body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhook-endpoints/{id}/test")]
pub async fn test(
    caller: Authorized<WebhooksWrite>,
    service: web::Data<WebhookService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let event_id = service
        .test_endpoint(&caller.app, &caller.caller.name, *id)
        .await?;
    Ok(HttpResponse::Accepted().json(QueuedTestEvent { event_id }))
}

/// The test event queued for the endpoint: its deliveries appear among the attempts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "0193a1f2-9b3d-7c55-8e21-6f0a4d2c1b93"}))]
pub struct QueuedTestEvent {
    pub event_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AttemptsQuery {
    /// The `id` of the last attempt of the previous page.
    pub before: Option<i64>,
}

/// Every delivery attempt to this endpoint, newest first (100 a page): the event, the
/// endpoint's status or the error, the duration, and the delivery's state now.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/attempts", tag = "webhooks",
    params(("id" = Uuid, Path), AttemptsQuery),
    responses((status = 200, description = "Attempts", body = Vec<AttemptRow>)))]
#[get("/v1/webhook-endpoints/{id}/attempts")]
pub async fn attempts(
    caller: Authorized<Read>,
    service: web::Data<WebhookService>,
    id: web::Path<Uuid>,
    query: web::Query<AttemptsQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service
        .endpoint_attempts(&caller.app, &caller.caller.name, *id, query.before)
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Deliver one event to this endpoint again, now.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/deliveries/{event_id}/redeliver", tag = "webhooks",
    params(("id" = Uuid, Path), ("event_id" = Uuid, Path)),
    responses((status = 202, description = "Queued"),
        (status = 409, description = "`endpoint_disabled`: enable the endpoint first", body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhook-endpoints/{id}/deliveries/{event_id}/redeliver")]
pub async fn redeliver(
    caller: Authorized<WebhooksWrite>,
    service: web::Data<WebhookService>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    service
        .redeliver(&caller.app, &caller.caller.name, *path)
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
