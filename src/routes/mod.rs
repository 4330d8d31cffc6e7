//! HTTP handlers. Routes know the domain and the services, nothing below them.

pub mod deadline;
pub mod docs;
pub mod health;
pub mod idempotency;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::telemetry::current_request_id;

/// Extractor configuration: every malformed input becomes a problem+json response.
pub fn extractor_config(cfg: &mut web::ServiceConfig, body_limit: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(body_limit)
            .error_handler(json_error),
    )
    .app_data(web::PayloadConfig::default().limit(body_limit))
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error));
}

/// An extractor's failure answered as the API's problem.
pub(crate) fn problem(error: ApiError) -> actix_web::Error {
    let response = error.to_response(current_request_id());
    actix_web::error::InternalError::from_response(error, response).into()
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is {length} bytes; the limit is {limit}"),
        ),
        JsonPayloadError::Overflow { limit } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body exceeds the limit of {limit} bytes"),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(inner) if inner.is_data() => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("the JSON body does not match the schema: {inner}"),
        ),
        JsonPayloadError::Deserialize(inner) => ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {inner}"),
        ),
        other => ApiError::bad_request("malformed_body", format!("cannot read the body: {other}")),
    };
    problem(api_error)
}

fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
    problem(ApiError::bad_request("invalid_path", error.to_string()))
}

pub(crate) fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    problem(ApiError::bad_request("invalid_query", error.to_string()))
}

/// Unknown routes: 404 problem.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no route for {} {}", req.method(), req.path()))
        .to_response(current_request_id())
}

pub mod campaigns;
pub mod passes;
pub mod problems;
pub mod templates;
pub mod vouchers;
pub mod webhooks;

/// Every handler, named once: registered on the app in this order and listed in the OpenAPI
/// document. Literal paths come first: actix compares them as text, while every `{param}`
/// route tried before the match runs a regular expression (3 % of the service's CPU in a
/// replay profile when `POST /v1/passes` came after the templates' `{id}` routes; none now).
macro_rules! handlers {
    ($($handler:path),* $(,)?) => {
        /// Registers every handler.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.service($handler);)*
        }

        /// The handlers' OpenAPI paths.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($handler),*))]
        pub struct Paths;
    };
}

handlers!(
    // Literal paths.
    templates::validate,
    templates::preview,
    templates::create,
    templates::list,
    passes::issue,
    passes::list,
    vouchers::send,
    vouchers::list,
    campaigns::create,
    campaigns::list,
    webhooks::create,
    webhooks::list,
    health::healthz,
    health::readyz,
    health::metrics,
    health::diagnostics,
    problems::list,
    // Paths with parameters.
    templates::preview_stored,
    templates::get,
    templates::update,
    templates::set_alipay_id,
    templates::resolve_update,
    passes::get,
    passes::update,
    passes::redeem,
    passes::close,
    passes::resolve_change,
    passes::events,
    vouchers::get,
    campaigns::get,
    campaigns::upload,
    campaigns::pause,
    campaigns::resume,
    campaigns::cancel,
    campaigns::retry_refused,
    campaigns::results,
    webhooks::get,
    webhooks::remove,
    webhooks::enable,
    webhooks::test,
    webhooks::attempts,
    webhooks::redeliver,
    problems::show,
);

/// A use case's reply as HTTP: problem+json for failures, `Idempotent-Replayed: true` on
/// replays of an earlier answer.
pub fn reply_response(reply: crate::service::Reply) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(reply.answer.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if status.is_client_error() || status.is_server_error() {
        builder.content_type(crate::error::PROBLEM_CONTENT_TYPE);
    } else {
        builder.content_type("application/json");
    }
    if reply.replayed {
        builder.insert_header((docs::IDEMPOTENT_REPLAYED_HEADER, "true"));
    }
    builder.body(String::from(Box::<str>::from(reply.answer.body)))
}

/// `after` + `limit` of keyset-paginated lists.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub after: Option<uuid::Uuid>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}
