//! /v1/vouchers

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Authorized, Read, Scope, VouchersWrite};
use crate::domain::voucher::SendVoucher;
use crate::error::{ApiError, Problem};
use crate::routes::docs::KeyedByOutBizNo;
use crate::routes::reply_response;
use crate::service::views::{Page, VoucherView};
use crate::service::vouchers::VoucherService;

#[derive(Debug, Deserialize, IntoParams)]
pub struct VoucherListQuery {
    pub template_id: Option<String>,
    /// The `next_cursor` of the previous page.
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// Send a marketing voucher (alipay.marketing.voucher.send), idempotent on
/// template_id + out_biz_no.
#[utoipa::path(post, path = "/v1/vouchers", tag = "vouchers", request_body = SendVoucher,
    responses(
        (status = 201, description = "Sent", body = VoucherView),
        (status = 404, description = "Alipay: TEMPLATE_NOT_EXIST", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or Alipay refused (TEMPLATE_EXPIRED, USER_NOT_EXIST, …)", body = Problem, content_type = "application/problem+json"),
        KeyedByOutBizNo,
    ))]
#[post("/v1/vouchers")]
pub async fn send(
    caller: Authorized<VouchersWrite>,
    service: web::Data<VoucherService>,
    body: web::Json<SendVoucher>,
) -> Result<HttpResponse, ApiError> {
    Ok(reply_response(
        service.send_voucher(&caller.app, body.into_inner()).await?,
    ))
}

/// One voucher send. A login_id or taobao_nick recipient is masked unless the key has the
/// `pii:read` scope.
#[utoipa::path(get, path = "/v1/vouchers/{template_id}/{out_biz_no}", tag = "vouchers",
    params(("template_id" = String, Path), ("out_biz_no" = String, Path)),
    responses(
        (status = 200, description = "The voucher", body = VoucherView),
    ))]
#[get("/v1/vouchers/{template_id}/{out_biz_no}")]
pub async fn get(
    caller: Authorized<Read>,
    service: web::Data<VoucherService>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let reveal = caller.caller.has(Scope::PiiRead);
    let voucher = service
        .get_voucher(&caller.app, (&path.0, &path.1), reveal)
        .await?;
    Ok(HttpResponse::Ok().json(voucher))
}

/// Voucher sends, filtered by template, keyset-paginated.
#[utoipa::path(get, path = "/v1/vouchers", tag = "vouchers", params(VoucherListQuery),
    responses(
        (status = 200, description = "A page of vouchers", body = Page<VoucherView>),
    ))]
#[get("/v1/vouchers")]
pub async fn list(
    caller: Authorized<Read>,
    service: web::Data<VoucherService>,
    query: web::Query<VoucherListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    Ok(HttpResponse::Ok().json(
        service
            .list_vouchers(
                &caller.app,
                q.template_id.as_deref(),
                (q.after, q.limit),
                caller.caller.has(Scope::PiiRead),
            )
            .await?,
    ))
}
