//! /v1/templates

use actix_web::{get, post, put, web, HttpResponse};
use uuid::Uuid;

use crate::auth::{Authorized, Operator, Read, TemplatesWrite};
use crate::domain::template::TemplateReport;
use crate::error::{ApiError, Problem};
use crate::routes::docs::KeyedByUniqueId;
use crate::routes::idempotency::IdempotencyKey;
use crate::routes::{reply_response, PageQuery};
use crate::service::preview::{Preview, PreviewParams, PreviewTemplate};
use crate::service::templates::TemplateService;
use crate::service::templates::{
    CreateTemplate, SetAlipayTemplateId, UpdateTemplate, ValidateTemplate,
};
use crate::service::uncertain::Resolution;
use crate::service::views::{Page, TemplateView};

/// Create a template (alipay.pass.template.add), idempotent on `unique_id`.
///
/// The content is checked against every rule of the vendor's template guide before anything
/// is sent; each problem names its JSON path and the Alipay code it avoids. The same
/// `unique_id` with the same content replays the first answer (`Idempotent-Replayed: true`);
/// with different content it is a 409.
#[utoipa::path(post, path = "/v1/templates", tag = "templates", request_body = CreateTemplate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Without a unique_id: a key of yours (1-255 visible ASCII) from which the unique_id is derived, so a retry meets the first request's template instead of making a second. Ignored when the body names a unique_id.")),
    responses(
        (status = 201, description = "Created at Alipay", body = TemplateView),
        (status = 422, description = "Template breaks a rule, or Alipay refused it", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Alipay refused our configuration", body = Problem, content_type = "application/problem+json"),
        KeyedByUniqueId,
    ))]
#[post("/v1/templates")]
pub async fn create(
    caller: Authorized<TemplatesWrite>,
    service: web::Data<TemplateService>,
    key: IdempotencyKey,
    body: web::Json<CreateTemplate>,
) -> Result<HttpResponse, ApiError> {
    let mut input = body.into_inner();
    input.unique_id = key.or_derived(input.unique_id, &caller.caller.name);
    Ok(reply_response(
        service.create_template(&caller.app, input).await?,
    ))
}

/// Lint a template: errors, warnings and the `$var$` parameter list. No gateway call.
#[utoipa::path(post, path = "/v1/templates/validate", tag = "templates", request_body = ValidateTemplate,
    responses(
        (status = 200, description = "The lint report (valid when `errors` is empty)", body = TemplateReport),
    ))]
#[post("/v1/templates/validate")]
pub async fn validate(
    _caller: Authorized<TemplatesWrite>,
    service: web::Data<TemplateService>,
    body: web::Json<ValidateTemplate>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service.lint_template(&body)))
}

/// Preview a pass: the template with every `$var$` substituted by `params` (the document
/// Alipay would render), the linter's findings for the template and the values, and the
/// card as a standalone HTML page. No gateway call, nothing stored.
#[utoipa::path(post, path = "/v1/templates/preview", tag = "templates", request_body = PreviewTemplate,
    responses(
        (status = 200, description = "The preview", body = Preview),
        (status = 422, description = "The body does not match the schema, or its substituted document would pass `limits.preview_max_bytes` (`preview_too_large`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/templates/preview")]
pub async fn preview(
    _caller: Authorized<Read>,
    service: web::Data<TemplateService>,
    body: web::Json<PreviewTemplate>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service.preview_template(&body)?))
}

/// Preview a pass of one of our templates (its current content) with `params`.
#[utoipa::path(post, path = "/v1/templates/{id}/preview", tag = "templates", request_body = PreviewParams,
    params(("id" = Uuid, Path, description = "Our template id")),
    responses(
        (status = 200, description = "The preview", body = Preview),
        (status = 422, description = "The body does not match the schema, or its substituted document would pass `limits.preview_max_bytes` (`preview_too_large`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/templates/{id}/preview")]
pub async fn preview_stored(
    caller: Authorized<Read>,
    service: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    body: web::Json<PreviewParams>,
) -> Result<HttpResponse, ApiError> {
    let shown = service
        .preview_stored(&caller.app, (*id).into(), body.into_inner().params)
        .await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// Update a template's content (alipay.pass.template.update).
#[utoipa::path(put, path = "/v1/templates/{id}", tag = "templates", request_body = UpdateTemplate,
    params(("id" = Uuid, Path, description = "Our template id")),
    responses(
        (status = 200, description = "Updated", body = TemplateView),
        (status = 409, description = "Not CREATED, or another update in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Template breaks a rule", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/v1/templates/{id}")]
pub async fn update(
    caller: Authorized<TemplatesWrite>,
    service: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateTemplate>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .update_template(&caller.app, (*id).into(), body.into_inner())
            .await?,
    ))
}

/// Resolve an update no answer could prove (`update_needs_confirmation`): after an unknown
/// outcome every resend met an answer that proves nothing. Check the template in Alipay's
/// console, then say whether the update applied; the decision is recorded (reason, who).
#[utoipa::path(post, path = "/v1/templates/{id}/pending-update/resolution", tag = "templates",
    request_body = Resolution,
    params(("id" = Uuid, Path, description = "Our template id")),
    responses(
        (status = 200, description = "Settled as the operator said", body = TemplateView),
        (status = 409, description = "No update of this template waits for confirmation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a reason over 500 characters", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/templates/{id}/pending-update/resolution")]
pub async fn resolve_update(
    caller: Authorized<Operator>,
    service: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    body: web::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .resolve_template_update(&caller.app, (*id).into(), &body, &caller.caller.name)
            .await?,
    ))
}

/// One template.
#[utoipa::path(put, path = "/v1/templates/{id}/alipay-template-id", tag = "templates",
    request_body = SetAlipayTemplateId,
    params(("id" = Uuid, Path, description = "Our template id")),
    responses(
        (status = 200, description = "The id is set; the template is CREATED", body = TemplateView),
        (status = 409, description = "The template is not NEEDS_ALIPAY_ID, or another template has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or too long", body = Problem, content_type = "application/problem+json"),
    ))]
/// For a template in NEEDS_ALIPAY_ID: Alipay created it (our earlier attempt's answer was
/// lost) but its "already exists" answer named no id. Set the tpl_id the Alipay console
/// shows for this template's unique_id.
#[put("/v1/templates/{id}/alipay-template-id")]
pub async fn set_alipay_id(
    caller: Authorized<TemplatesWrite>,
    service: web::Data<TemplateService>,
    id: web::Path<Uuid>,
    body: web::Json<SetAlipayTemplateId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .set_alipay_template_id(&caller.app, (*id).into(), body.into_inner())
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/templates/{id}", tag = "templates",
    params(("id" = Uuid, Path, description = "Our template id")),
    responses(
        (status = 200, description = "The template", body = TemplateView),
    ))]
#[get("/v1/templates/{id}")]
pub async fn get(
    caller: Authorized<Read>,
    service: web::Data<TemplateService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service.get_template(&caller.app, (*id).into()).await?))
}

/// Templates, oldest first, keyset-paginated.
#[utoipa::path(get, path = "/v1/templates", tag = "templates", params(PageQuery),
    responses(
        (status = 200, description = "A page of templates", body = Page<TemplateView>),
    ))]
#[get("/v1/templates")]
pub async fn list(
    caller: Authorized<Read>,
    service: web::Data<TemplateService>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        service
            .list_templates(&caller.app, query.after, query.limit)
            .await?,
    ))
}
