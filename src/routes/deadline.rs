//! Every request within `server.request_deadline_ms`: past it the request's work is
//! dropped and the caller gets 503 `deadline_exceeded`. Dropping is safe at any point: a
//! keyed operation cut after its claim is left as a crash would leave it (its lease ends
//! and the reconciler, or the caller's retry with the same key, settles it).

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::config::Settings;
use crate::error::ApiError;
use crate::telemetry::{current_request_id, REQUEST_ID_HEADER};

pub async fn within_deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let deadline = req
        .app_data::<web::Data<Settings>>()
        .map(|s| Duration::from_millis(s.server.request_deadline_ms))
        .filter(|deadline| !deadline.is_zero() && !is_campaign_upload(&req));
    let Some(deadline) = deadline else {
        return next.call(req).await;
    };
    // The request cannot be kept for the answer (actix routes it only while it has one
    // owner): past the deadline the answer travels as an error holding its response.
    match tokio::time::timeout(deadline, next.call(req)).await {
        Ok(response) => response,
        Err(_) => Err(deadline_passed(deadline)),
    }
}

fn deadline_passed(deadline: Duration) -> Error {
    tracing::warn!(
        deadline_ms = deadline.as_millis() as u64,
        "request deadline passed"
    );
    let problem = ApiError::unavailable(
        "deadline_exceeded",
        format!(
            "the request did not finish within {} ms (server.request_deadline_ms): a dependency is slow or unreachable. Retry the same request (with the same key: an operation that reached Alipay is settled, never sent twice)",
            deadline.as_millis()
        ),
    );
    let request_id = current_request_id();
    let mut response = problem.to_response(request_id.clone());
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        let name = HeaderName::from_static(REQUEST_ID_HEADER);
        response.headers_mut().insert(name, value);
    }
    InternalError::from_response(problem, response).into()
}

/// A campaign file streams for as long as `campaigns.upload_timeout_secs` allows.
fn is_campaign_upload(req: &ServiceRequest) -> bool {
    req.method() == actix_web::http::Method::PUT && req.path().ends_with("/rows")
}
