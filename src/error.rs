//! One error type for the HTTP surface, rendered as RFC 9457 `application/problem+json`.
//! Services speak [`ServiceError`]; this is where its cases get their statuses.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::alipay::client::{GatewayError, Refusal};
use crate::alipay::codes::RefusalKind;
use crate::service::answers::AnswerEncoder;
use crate::service::error::{gateway_failure_words, ServiceError, VALIDATION_FAILED};

pub mod codes;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Where problem `type` URIs point: the service's own `/problems/{code}` pages. Relative
/// (RFC 9457 §3.1.1: resolved against the request's URL), so the link resolves on whatever
/// host and port the caller reached the service at.
pub const PROBLEM_TYPE_BASE: &str = "/problems/";

pub use crate::domain::FieldProblem;

/// What the gateway said, when a problem comes from an Alipay answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayDetail {
    pub gateway_code: String,
    pub gateway_msg: Option<String>,
    pub gateway_sub_code: Option<String>,
    pub gateway_sub_msg: Option<String>,
}

/// The RFC 9457 body. `type` is a stable URI per `code`, relative to the service, whose page
/// (`GET /problems/{code}`) says what the problem means and what to do.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/unauthorized",
    "title": "Unauthorized",
    "status": 401,
    "detail": "missing or unknown API key",
    "code": "unauthorized"
}))]
pub struct Problem {
    /// The problem's page on this service, `/problems/{code with hyphens}`.
    #[serde(rename = "type")]
    #[schema(format = "uri-reference", example = "/problems/unauthorized")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Our stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldProblem>,
    /// The gateway's code, when Alipay answered (e.g. 40004).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_msg: Option<String>,
    /// The gateway's business code (e.g. KP.AE_ALIPASS_NOTEXIST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_sub_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_sub_msg: Option<String>,
}

/// Boxed so `Result<_, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub struct ApiError(Box<ApiErrorInner>);

#[derive(Debug, Clone)]
struct ApiErrorInner {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    gateway: Option<GatewayDetail>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(ApiErrorInner {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            gateway: None,
            retry_after_secs: None,
        }))
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// Input that parsed as JSON but broke a rule; lists every offending path.
    pub fn validation(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, VALIDATION_FAILED, detail).with_errors(errors)
    }

    /// A dependency we cannot do without (Postgres) is down: retry later.
    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail).with_retry_after(2)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.0.errors = errors;
        self
    }

    pub fn with_gateway(mut self, gateway: GatewayDetail) -> Self {
        self.0.gateway = Some(gateway);
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.0.retry_after_secs = Some(secs);
        self
    }

    pub fn code(&self) -> &'static str {
        self.0.code
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    pub fn errors(&self) -> &[FieldProblem] {
        &self.0.errors
    }

    pub fn to_problem(&self, request_id: Option<String>) -> Problem {
        let gateway = self.0.gateway.as_ref();
        Problem {
            type_uri: format!("{PROBLEM_TYPE_BASE}{}", self.0.code.replace('_', "-")),
            title: self
                .0
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned(),
            status: self.0.status.as_u16(),
            detail: self.0.detail.clone(),
            code: self.0.code.to_owned(),
            request_id,
            errors: self.0.errors.clone(),
            gateway_code: gateway.map(|g| g.gateway_code.clone()),
            gateway_msg: gateway.and_then(|g| g.gateway_msg.clone()),
            gateway_sub_code: gateway.and_then(|g| g.gateway_sub_code.clone()),
            gateway_sub_msg: gateway.and_then(|g| g.gateway_sub_msg.clone()),
        }
    }

    pub fn to_response(&self, request_id: Option<String>) -> HttpResponse {
        let mut builder = HttpResponse::build(self.0.status);
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(secs) = self.0.retry_after_secs {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        let body = serde_json::to_vec(&self.to_problem(request_id)).unwrap_or_default();
        builder.body(body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.0.status.as_u16(),
            self.0.code,
            self.0.detail
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        // The request id is filled in by the observe middleware, which sees the request.
        self.to_response(None)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid { detail, problems } => ApiError::validation(detail, problems),
            ServiceError::Malformed { code, detail } => ApiError::bad_request(code, detail),
            ServiceError::NotFound(detail) => ApiError::not_found(detail),
            ServiceError::OverLimit {
                code,
                detail,
                content,
            } => {
                let status = if content {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                ApiError::new(status, code, detail)
            }
            ServiceError::TooMany {
                code,
                detail,
                retry_after,
            } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, detail)
                .with_retry_after(retry_after),
            ServiceError::TooSlow { code, detail } => {
                ApiError::new(StatusCode::REQUEST_TIMEOUT, code, detail)
            }
            ServiceError::Conflict {
                code,
                detail,
                retry_after,
            } => {
                let problem = ApiError::conflict(code, detail);
                match retry_after {
                    Some(secs) => problem.with_retry_after(secs),
                    None => problem,
                }
            }
            // A refusal that leaves the operation open (it says nothing of an earlier
            // attempt whose outcome is unknown): still unknown to the caller, with the codes.
            ServiceError::Gateway {
                failure: GatewayError::Refused(refusal),
                unknown: true,
            } => {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "gateway_outcome_unknown",
                    format!(
                        "an earlier attempt's outcome is unknown and Alipay's answer since does not prove it ({}); the request is recorded and will be settled: \
                         retry the same request",
                        refusal.failure_code()
                    ),
                )
                .with_gateway(gateway_detail(&refusal))
                .with_retry_after(2)
            }
            ServiceError::Gateway { failure, .. } => gateway_problem(&failure),
            ServiceError::Database(error) => error.into(),
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::internal(detail)
            }
        }
    }
}

/// A gateway failure as the caller sees it: our code and status, with the raw codes.
fn gateway_problem(error: &GatewayError) -> ApiError {
    let (code, detail) = gateway_failure_words(error);
    match error {
        GatewayError::Refused(refusal) => {
            let problem = ApiError::new(refusal_status(refusal.meaning.kind), code, detail)
                .with_gateway(gateway_detail(refusal));
            if refusal.meaning.retryable {
                problem.with_retry_after(2)
            } else {
                problem
            }
        }
        GatewayError::NoAnswer(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail).with_retry_after(2)
        }
        GatewayError::RateLimited(wait) => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, detail)
                .with_retry_after(wait.as_secs() + 1)
        }
        GatewayError::NotSent(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail),
    }
}

/// A refusal's raw codes, as problems carry them.
fn gateway_detail(refusal: &Refusal) -> GatewayDetail {
    GatewayDetail {
        gateway_code: refusal.code.clone(),
        gateway_msg: Some(refusal.msg.clone()).filter(|m| !m.is_empty()),
        gateway_sub_code: refusal.sub_code.clone(),
        gateway_sub_msg: refusal.sub_msg.clone(),
    }
}

/// How our API shows each kind of gateway refusal.
fn refusal_status(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Exists => StatusCode::CONFLICT,
        // Alipay refused our credentials or permissions: a bad gateway from the caller's view.
        RefusalKind::Configuration => StatusCode::BAD_GATEWAY,
        RefusalKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The HTTP form of a settled add's answer, saved with its record for every replay: the
/// service says what happened, this says which status and body tell it.
pub struct HttpAnswers;

impl AnswerEncoder for HttpAnswers {
    fn created(&self, view: Box<RawValue>) -> (u16, Box<RawValue>) {
        (StatusCode::CREATED.as_u16(), view)
    }

    fn refused(&self, failure: &GatewayError) -> (u16, Box<RawValue>) {
        let problem = gateway_problem(failure);
        let body = serde_json::value::to_raw_value(&problem.to_problem(None))
            .expect("a problem serializes: plain fields and string keys only");
        (problem.status().as_u16(), body)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            // NUL characters (text 22021, jsonb \u0000 22P05): caller input Postgres cannot
            // store, not a server fault.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021") | Some("22P05")) =>
            {
                ApiError::bad_request(
                    "unstorable_text",
                    "the request contains a character that cannot be stored (NUL)",
                )
            }
            // A deadline of the session (database.lock_timeout_ms, statement_timeout_ms):
            // the row or the server is busy; the same request may pass in a moment.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("55P03") | Some("57014")) =>
            {
                tracing::warn!(error = %error, "database deadline");
                ApiError::unavailable(
                    "database_busy",
                    "the database did not finish in time (a row held elsewhere, or a slow server): retry shortly with the same request",
                )
                .with_retry_after(1)
            }
            // A connection that broke or a server shutting down (class 08 connection
            // exception, 57P admin/crash shutdown): unavailable, not a bug.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) =>
            {
                tracing::warn!(error = %error, "database unavailable");
                ApiError::unavailable("database_unavailable", "the database is unavailable")
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => {
                tracing::warn!(error = %error, "database unavailable");
                ApiError::unavailable("database_unavailable", "the database is unavailable")
            }
            _ => {
                // The source chain names the failing statement's error as Postgres gave it.
                tracing::error!(error = %error, source = ?std::error::Error::source(&error), "database error");
                ApiError::internal("database error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_has_rfc9457_members_and_our_code() {
        let problem = ApiError::conflict("idempotency_key_reused", "different body")
            .to_problem(Some("req-1".into()));
        let json = serde_json::to_value(problem).unwrap();
        assert_eq!(json["type"], "/problems/idempotency-key-reused");
        assert_eq!(json["title"], "Conflict");
        assert_eq!(json["status"], 409);
        assert_eq!(json["code"], "idempotency_key_reused");
        assert_eq!(json["request_id"], "req-1");
        assert!(json.get("errors").is_none());
    }

    #[test]
    fn gateway_fields_sit_beside_the_problem_members() {
        let problem = ApiError::new(StatusCode::BAD_GATEWAY, "gateway_error", "x")
            .with_gateway(GatewayDetail {
                gateway_code: "40004".into(),
                gateway_sub_code: Some("KP.AE_ALIPASS_NOTEXIST".into()),
                ..Default::default()
            })
            .to_problem(None);
        let json = serde_json::to_value(problem).unwrap();
        assert_eq!(json["gateway_code"], "40004");
        assert_eq!(json["gateway_sub_code"], "KP.AE_ALIPASS_NOTEXIST");
    }

    #[test]
    fn the_edge_chooses_the_status_and_body_of_a_saved_answer() {
        let answers = HttpAnswers;
        let view = RawValue::from_string(r#"{"voucher_id":"2016xyz"}"#.into()).unwrap();
        let (status, body) = answers.created(view);
        assert_eq!((status, body.get()), (201, r#"{"voucher_id":"2016xyz"}"#));

        let refusal = Refusal::business("TEMPLATE_EXPIRED", "expired", false);
        let (status, body) = answers.refused(&GatewayError::Refused(Box::new(refusal)));
        assert_eq!(status, 422);
        let problem: serde_json::Value = serde_json::from_str(body.get()).unwrap();
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["gateway_sub_code"], "TEMPLATE_EXPIRED");
        assert_eq!(problem["detail"], "Alipay refused the call: expired");
    }
}
