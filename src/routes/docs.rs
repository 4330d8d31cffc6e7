//! The OpenAPI document, generated from the handlers' annotations.

use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Response, ResponseBuilder};

use crate::apps::{APP_AUTH_TOKEN_HEADER, MERCHANT_ID_HEADER};
use crate::auth::APP_HEADER;

use crate::domain::pass::PassStatus;
use crate::domain::status::{CampaignKind, CampaignStatus, RowState};
use crate::domain::template::{PassParams, TemplateContent};
use crate::error::{FieldProblem, Problem, PROBLEM_CONTENT_TYPE};
use crate::routes;
use crate::webhooks::events::{
    CampaignFinishedData, OperationSettledData, PassChangedData, PassSettledData,
    TemplateCreatedData, TemplateUpdatedData, VoucherSettledData, WebhookTestData,
};

mod examples;
mod headers;
mod problem_codes;
#[cfg(test)]
mod typed_examples;
pub mod v30;
mod webhooks;

pub use headers::IDEMPOTENT_REPLAYED_HEADER;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "alipass",
        description = "Issue and manage Alipay wallet passes (卡券) and marketing vouchers. \
            Every error is an RFC 9457 problem (application/problem+json). \
            Authenticate with `Authorization: Bearer <API key>`. \
            Several Alipay apps: choose one with `Alipay-App`; an ISV acts for a merchant \
            with `Alipay-App-Auth-Token`. Alipay content encryption (AES) and certificate \
            mode are settings of each app (alipay.encrypt_key, alipay.*_cert_file) and change \
            nothing in this API. \
            Problem `type` URIs are relative links to this service's own pages: \
            [/problems](/problems) lists every `code` with its status and meaning. \
            Events are pushed to your endpoints as Standard Webhooks: `webhooks` describes \
            each event type's payload and signature headers.",
    ),
    components(schemas(Problem, FieldProblem, PassStatus, RowState, CampaignStatus, CampaignKind,
        TemplateContent, PassParams, TemplateCreatedData, TemplateUpdatedData, PassSettledData,
        PassChangedData, VoucherSettledData, OperationSettledData, CampaignFinishedData,
        WebhookTestData)),
    tags(
        (name = "templates", description = "Pass templates (alipay.pass.template.add / update)"),
        (name = "passes", description = "Passes: issue, update, redeem, close (alipay.pass.instance.add / update)"),
        (name = "vouchers", description = "Marketing vouchers (alipay.marketing.voucher.send)"),
        (name = "webhooks", description = "Standard Webhooks: every settled change (and every unknown outcome once settled) pushed to your endpoints, signed"),
        (name = "campaigns", description = "Bulk voucher sends and pass issues from an uploaded file: paced, resumable, shared by every replica"),
        (name = "operations", description = "Health, readiness and metrics (no API key)"),
    )
)]
struct ApiDoc;

/// The whole document: the handlers' paths (see `routes::configure`) with the security
/// scheme and the standard problems added to every operation.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    spec.merge(routes::Paths::openapi());
    BearerAuth.modify(&mut spec);
    StandardProblems.modify(&mut spec);
    headers::ResponseHeaders.modify(&mut spec);
    problem_codes::ProblemCodes.modify(&mut spec);
    problem_codes::ProblemExamples.modify(&mut spec);
    examples::SchemaExamples.modify(&mut spec);
    webhooks::Webhooks.modify(&mut spec);
    spec
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("API key")
                    .build(),
            ),
        );
    }
}

/// The operations of a path, whatever their method.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// `Alipay-App`: which configured Alipay app a request acts for.
fn app_header() -> Parameter {
    ParameterBuilder::new()
        .name(APP_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The Alipay app to act for, by its configured name (alipay.name or \
             alipay.apps[].name); the default app when absent. Records, idempotency keys and \
             lists are per app; an API key may be limited to some apps (403 otherwise); an \
             unknown name is a 400 `unknown_app`.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// `Alipay-App-Auth-Token`: a merchant's authority for an ISV call.
fn token_header() -> Parameter {
    ParameterBuilder::new()
        .name(APP_AUTH_TOKEN_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "A merchant's app_auth_token (an ISV calling on its behalf), sent as the call's \
             app_auth_token instead of the app's configured one. Kept with the record, sealed \
             with alipay.token_sealing_key (422 when none is set), so later changes and the \
             reconciler act with the same authority; a change request may bring a renewed one. \
             Given with Alipay-Merchant-Id, never alone (400 `merchant_id_required`).",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// `Alipay-Merchant-Id`: the merchant an ISV call acts for, with its token.
fn merchant_header() -> Parameter {
    ParameterBuilder::new()
        .name(MERCHANT_ID_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The merchant (its pid 2088… or appid, 1-32 letters and digits) whose \
             Alipay-App-Auth-Token comes with the request: tokens are opaque, so the caller \
             names whose it is. A record remembers it; a change of a record made for another \
             merchant (or for the app itself) is refused 409 `merchant_mismatch`, and a change \
             without a token uses the stored one. A pass issued for a merchant defaults its \
             channel_id to this id, as instance.update's page asks.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// A problem+json answer.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// What every operation keyed by the caller's idempotency key answers besides its own
/// outcomes, named by that key: the key reused for another request or still in flight (409),
/// and an outcome not known yet (503), which only a retry with the same key may settle.
fn keyed_refusals(key: &str) -> BTreeMap<String, RefOr<Response>> {
    BTreeMap::from([
        (
            "409".to_owned(),
            problem(&format!(
                "{key} reused with a different request, or in progress"
            ))
            .into(),
        ),
        (
            "503".to_owned(),
            problem(&format!(
                "Alipay unavailable or outcome unknown: retry with the same {key}"
            ))
            .into(),
        ),
    ])
}

/// [`keyed_refusals`] of an operation keyed by `unique_id` (templates).
pub struct KeyedByUniqueId;
/// [`keyed_refusals`] of an operation keyed by `serial_number` (passes).
pub struct KeyedBySerialNumber;
/// [`keyed_refusals`] of an operation keyed by `out_biz_no` (vouchers).
pub struct KeyedByOutBizNo;

impl IntoResponses for KeyedByUniqueId {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        keyed_refusals("unique_id")
    }
}

impl IntoResponses for KeyedBySerialNumber {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        keyed_refusals("serial_number")
    }
}

impl IntoResponses for KeyedByOutBizNo {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        keyed_refusals("out_biz_no")
    }
}

/// The API key, and the problems every /v1 operation can answer whatever its own logic: malformed input (400),
/// no key (401), missing scope (403), unknown ids (404), body limits and media type
/// (413, 415), schema mismatch (422), Postgres down (503). Added once here rather than on
/// every handler.
struct StandardProblems;

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            let has_params = path.contains('{');
            for operation in operations_mut(item) {
                // Every /v1 operation takes the API key, and acts for one Alipay app.
                operation.security = Some(vec![SecurityRequirement::new(
                    "api_key",
                    Vec::<String>::new(),
                )]);
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                parameters.push(app_header());
                // The operations that call Alipay on a request's behalf (campaigns act with
                // the app's own authority, from the worker).
                let calls_alipay = match operation.operation_id.as_deref() {
                    Some("validate" | "set_alipay_id") => false,
                    _ if path.starts_with("/v1/campaigns") => false,
                    Some("close") => true,
                    _ => operation.request_body.is_some(),
                };
                if calls_alipay {
                    parameters.push(token_header());
                    parameters.push(merchant_header());
                    operation.responses.responses.entry("429".to_owned()).or_insert_with(|| {
                        problem("The app's outbound rate limit: nothing was sent; retry after Retry-After").into()
                    });
                }
                let has_body = operation.request_body.is_some();
                let mut standard = vec![
                    ("400", "Malformed JSON, path or query"),
                    ("401", "No or unknown API key"),
                    ("403", "The API key lacks the scope"),
                    ("503", "Postgres unavailable, or Alipay unavailable or its answer unknown: retry the same request after Retry-After"),
                ];
                if has_params {
                    standard.push(("404", "No such resource"));
                }
                let named_by_tag = operation.tags.as_ref().and_then(|t| t.first()).cloned();
                if let (Some(tag), Some(id)) = (named_by_tag, operation.operation_id.as_mut()) {
                    // Handler names repeat across resources (create, get, list): ids must not.
                    *id = format!("{tag}_{id}");
                }
                if has_body {
                    standard.push(("413", "Body over the configured limit"));
                    standard.push(("415", "Content-Type is not application/json"));
                    standard.push(("422", "The body does not match the schema or breaks a rule"));
                }
                for (status, description) in standard {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

/// The document as committed under `openapi/openapi.json`.
pub fn openapi_json() -> String {
    spec().to_pretty_json().unwrap_or_else(|_| "{}".to_owned())
}

/// The 3.0.3 rendering of [`spec`], served at `/openapi-3.0.json`.
pub fn spec_30() -> serde_json::Value {
    let spec = serde_json::to_value(spec()).unwrap_or_default();
    v30::to_openapi_30(spec)
}

/// The documents the server answers with, serialized once at start-up and shared by every
/// worker: the document tree is several megabytes, so neither a copy per worker (as
/// `SwaggerUi::url` keeps) nor a serialization per request.
pub struct Documents {
    v31: actix_web::web::Bytes,
    v30: actix_web::web::Bytes,
}

impl Documents {
    pub fn build() -> anyhow::Result<Self> {
        let v31 = serde_json::to_value(spec())?;
        let v30 = serde_json::to_vec(&v30::to_openapi_30(v31.clone()))?;
        Ok(Self {
            v31: serde_json::to_vec(&v31)?.into(),
            v30: v30.into(),
        })
    }
}

/// `GET /openapi.json`: the document (OpenAPI 3.1).
#[actix_web::get("/openapi.json")]
pub async fn serve(documents: actix_web::web::Data<Documents>) -> actix_web::HttpResponse {
    json_bytes(documents.v31.clone())
}

/// `GET /openapi-3.0.json`: the 3.0.3 rendering.
#[actix_web::get("/openapi-3.0.json")]
pub async fn serve_30(documents: actix_web::web::Data<Documents>) -> actix_web::HttpResponse {
    json_bytes(documents.v30.clone())
}

fn json_bytes(body: actix_web::web::Bytes) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

/// The 3.0.3 rendering as committed under `openapi/openapi-3.0.json`.
pub fn openapi_30_json() -> String {
    serde_json::to_string_pretty(&spec_30()).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openapi/{file}` must be `generated`; `UPDATE_OPENAPI=1` rewrites it instead.
    fn assert_committed(file: &str, generated: String) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("openapi")
            .join(file);
        let generated = generated + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "openapi/{file} drifted from the code: run `UPDATE_OPENAPI=1 cargo test --lib openapi`"
        );
    }

    /// The committed spec must be what the code generates. To refresh it:
    /// `UPDATE_OPENAPI=1 cargo test --lib openapi` (or `alipass openapi > openapi/openapi.json`).
    #[test]
    fn committed_openapi_matches_the_code() {
        assert_committed("openapi.json", openapi_json());
    }

    /// The 3.0.3 rendering, likewise (`alipass openapi --v3-0`).
    #[test]
    fn committed_openapi_30_matches_the_code() {
        assert_committed("openapi-3.0.json", openapi_30_json());
    }

    /// Every operation's every answer names its X-Request-Id; every 429 and 503 problem its
    /// Retry-After; the keyed adds' answers Idempotent-Replayed.
    #[test]
    fn response_headers_are_documented_where_they_are_sent() {
        let spec: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        let mut replaying = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let headers = &response["headers"];
                    let at = format!("{method} {path} {status}");
                    assert!(
                        headers.get("X-Request-Id").is_some(),
                        "{at} lacks X-Request-Id"
                    );
                    let problem = response["content"].get(PROBLEM_CONTENT_TYPE).is_some();
                    if problem && (status == "429" || status == "503") {
                        assert!(
                            headers.get("Retry-After").is_some(),
                            "{at} lacks Retry-After"
                        );
                    }
                    if headers.get(IDEMPOTENT_REPLAYED_HEADER).is_some() {
                        replaying.push(operation["operationId"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
        replaying.dedup();
        assert_eq!(
            replaying,
            ["passes_issue", "templates_create", "vouchers_send"],
            "Idempotent-Replayed belongs to the operations answered by reply_response"
        );
    }

    /// The Problem's `code` is the enum of every registered code.
    #[test]
    fn problem_code_is_the_enum_of_every_code() {
        let spec: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        let codes = &spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"];
        let codes: Vec<&str> = codes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let registered: Vec<&str> = crate::error::codes::PROBLEM_CODES
            .iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(codes, registered);
    }

    /// Nothing only 3.1 can say is left in the 3.0 rendering.
    #[test]
    fn the_30_rendering_has_no_31_keywords() {
        let text = openapi_30_json();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["openapi"], "3.0.3");
        assert!(!text.contains("\"null\""), "a null type is left");
        assert!(!text.contains("propertyNames"));
        assert_eq!(
            spec["paths"].as_object().unwrap().len(),
            serde_json::to_value(super::spec()).unwrap()["paths"]
                .as_object()
                .unwrap()
                .len()
        );
    }

    #[test]
    fn every_v1_operation_documents_401_and_the_bearer_scheme() {
        let spec: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        for (path, item) in spec["paths"].as_object().unwrap() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for (method, operation) in item.as_object().unwrap() {
                assert!(
                    operation["responses"].get("401").is_some(),
                    "{method} {path} lacks 401"
                );
                assert!(
                    operation.get("security").is_some(),
                    "{method} {path} lacks security"
                );
            }
        }
    }
}
