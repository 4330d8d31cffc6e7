//! /v1/passes

use actix_web::dev::Payload;
use actix_web::{get, patch, post, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Authorized, Operator, PassesWrite, Read};
use crate::domain::pass::{PassStatus, RedeemPass};
use crate::error::{ApiError, Problem};
use crate::routes::docs::KeyedBySerialNumber;
use crate::routes::idempotency::IdempotencyKey;
use crate::routes::reply_response;
use crate::service::passes::PassService;
use crate::service::passes::{IssuePass, UpdatePass};
use crate::service::uncertain::Resolution;
use crate::service::views::{Page, PassHistory, PassView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelQuery {
    /// Needed only when several channels use the same serial number.
    pub channel_id: Option<String>,
}

/// A pass named by the path's `{serial_number}` and, when several channels use that serial
/// number, the `channel_id` query parameter.
pub struct PassRef {
    serial: String,
    channel: Option<String>,
}

impl PassRef {
    fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }
}

impl FromRequest for PassRef {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let serial = req.match_info().get("serial_number").unwrap_or_default();
        let pass = web::Query::<ChannelQuery>::from_query(req.query_string())
            .map(|query| PassRef {
                serial: serial.to_owned(),
                channel: query.into_inner().channel_id,
            })
            .map_err(|error| crate::routes::query_error(error, req));
        std::future::ready(pass)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    pub channel_id: Option<String>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// Page size for events and for gateway calls, 1–200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PassListQuery {
    pub template_id: Option<Uuid>,
    pub status: Option<PassStatus>,
    /// The `next_cursor` of the previous page.
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// Issue a pass (alipay.pass.instance.add), idempotent on channel + serial_number.
///
/// Every template parameter is checked locally first (present, dates valid, wave messages
/// valid, GBK-encodable). The record is written (ISSUING) before the gateway call; a lost
/// answer is settled by a retry with the same serial number or by the reconciler.
#[utoipa::path(post, path = "/v1/passes", tag = "passes", request_body = IssuePass,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Without a serial_number: a key of yours (1-255 visible ASCII) from which the serial number is derived, so a retry meets the first request's pass instead of making a second. Ignored when the body names a serial_number.")),
    responses(
        (status = 201, description = "Issued", body = PassView),
        (status = 422, description = "Parameters break the template's rules, or Alipay refused them", body = Problem, content_type = "application/problem+json"),
        KeyedBySerialNumber,
        // After the keyed refusals: a pass has one 409 more.
        (status = 409, description = "serial_number reused with a different request, in progress, or template not CREATED", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/passes")]
pub async fn issue(
    caller: Authorized<PassesWrite>,
    service: web::Data<PassService>,
    key: IdempotencyKey,
    body: web::Json<IssuePass>,
) -> Result<HttpResponse, ApiError> {
    let mut input = body.into_inner();
    input.serial_number = key.or_derived(input.serial_number, &caller.caller.name);
    Ok(reply_response(
        service.issue_pass(&caller.app, input).await?,
    ))
}

/// One pass.
#[utoipa::path(get, path = "/v1/passes/{serial_number}", tag = "passes",
    params(("serial_number" = String, Path), ChannelQuery),
    responses(
        (status = 200, description = "The pass", body = PassView),
        (status = 409, description = "Several channels use this serial number", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/passes/{serial_number}")]
pub async fn get(
    caller: Authorized<Read>,
    service: web::Data<PassService>,
    pass: PassRef,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .get_pass(&caller.app, &pass.serial, pass.channel())
            .await?,
    ))
}

/// Passes, filtered by template and status, keyset-paginated.
#[utoipa::path(get, path = "/v1/passes", tag = "passes", params(PassListQuery),
    responses(
        (status = 200, description = "A page of passes", body = Page<PassView>),
    ))]
#[get("/v1/passes")]
pub async fn list(
    caller: Authorized<Read>,
    service: web::Data<PassService>,
    query: web::Query<PassListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    Ok(HttpResponse::Ok().json(
        service
            .list_passes(&caller.app, q.template_id, q.status, q.after, q.limit)
            .await?,
    ))
}

/// Update a pass's parameters (alipay.pass.instance.update with tpl_params).
#[utoipa::path(patch, path = "/v1/passes/{serial_number}", tag = "passes", request_body = UpdatePass,
    params(("serial_number" = String, Path), ChannelQuery),
    responses(
        (status = 200, description = "Updated", body = PassView),
        (status = 409, description = "The pass is USED or CLOSED (final), not issued, or a change is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Parameters break the template's rules", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/v1/passes/{serial_number}")]
pub async fn update(
    caller: Authorized<PassesWrite>,
    service: web::Data<PassService>,
    pass: PassRef,
    body: web::Json<UpdatePass>,
) -> Result<HttpResponse, ApiError> {
    let view = service
        .update_pass(&caller.app, &pass.serial, pass.channel(), body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Redeem a pass: status USED, with the verification (type and code together).
#[utoipa::path(post, path = "/v1/passes/{serial_number}/redeem", tag = "passes", request_body = RedeemPass,
    params(("serial_number" = String, Path), ChannelQuery),
    responses(
        (status = 200, description = "Redeemed (USED)", body = PassView),
        (status = 409, description = "Already USED or CLOSED, not issued, or a change in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "verify_type without verify_code (or the reverse), or code too long", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/passes/{serial_number}/redeem")]
pub async fn redeem(
    caller: Authorized<PassesWrite>,
    service: web::Data<PassService>,
    pass: PassRef,
    body: web::Json<RedeemPass>,
) -> Result<HttpResponse, ApiError> {
    let view = service
        .redeem_pass(&caller.app, &pass.serial, pass.channel(), body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Close a pass: status CLOSED (it disappears from the user's wallet).
#[utoipa::path(post, path = "/v1/passes/{serial_number}/close", tag = "passes",
    params(("serial_number" = String, Path), ChannelQuery),
    responses(
        (status = 200, description = "Closed", body = PassView),
        (status = 409, description = "Already USED or CLOSED, not issued, or a change in progress", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/passes/{serial_number}/close")]
pub async fn close(
    caller: Authorized<PassesWrite>,
    service: web::Data<PassService>,
    pass: PassRef,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .close_pass(&caller.app, &pass.serial, pass.channel())
            .await?,
    ))
}

/// Resolve a change no answer could prove (`change_needs_confirmation`): after an unknown
/// outcome every resend met an answer that proves nothing (such as
/// KP.AE_ALIPASS_UPDATE_ERROR). Check the pass in Alipay's merchant console, then say
/// whether the change applied; the pass settles so, and the decision is recorded with its
/// event (reason, who).
#[utoipa::path(post, path = "/v1/passes/{serial_number}/pending-change/resolution", tag = "passes",
    request_body = Resolution,
    params(("serial_number" = String, Path), ChannelQuery),
    responses(
        (status = 200, description = "Settled as the operator said", body = PassView),
        (status = 409, description = "No change of this pass waits for confirmation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a reason over 500 characters", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/passes/{serial_number}/pending-change/resolution")]
pub async fn resolve_change(
    caller: Authorized<Operator>,
    service: web::Data<PassService>,
    pass: PassRef,
    body: web::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    let at = (pass.serial.as_str(), pass.channel());
    let view = service
        .resolve_pass_change(&caller.app, at, &body, &caller.caller.name)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// What happened to a pass: its events and every gateway call made for it.
#[utoipa::path(get, path = "/v1/passes/{serial_number}/events", tag = "passes",
    params(("serial_number" = String, Path), HistoryQuery),
    responses(
        (status = 200, description = "History: a page of events and of gateway calls", body = PassHistory),
        (status = 400, description = "Not a next_cursor value", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/passes/{serial_number}/events")]
pub async fn events(
    caller: Authorized<Read>,
    service: web::Data<PassService>,
    serial: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    Ok(HttpResponse::Ok().json(
        service
            .pass_history(
                &caller.app,
                &serial,
                q.channel_id.as_deref(),
                q.after.as_deref(),
                q.limit,
            )
            .await?,
    ))
}
