//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldProblem, GatewayDetail, Problem};
use crate::routes::{health, passes, templates, vouchers};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "alipass",
        description = "Issue and manage Alipay wallet passes (卡券) and marketing vouchers. \
            Every error is an RFC 9457 problem (application/problem+json). \
            Authenticate with `Authorization: Bearer <API key>`.",
    ),
    paths(
        templates::create, templates::validate, templates::update, templates::get, templates::list,
        passes::issue, passes::get, passes::list, passes::update, passes::redeem, passes::close,
        passes::events,
        vouchers::send, vouchers::get, vouchers::list,
        health::healthz, health::readyz, health::metrics,
    ),
    components(schemas(Problem, FieldProblem, GatewayDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "templates", description = "Pass templates (alipay.pass.template.add / update)"),
        (name = "passes", description = "Passes: issue, update, redeem, close (alipay.pass.instance.add / update)"),
        (name = "vouchers", description = "Marketing vouchers (alipay.marketing.voucher.send)"),
        (name = "operations", description = "Health, readiness and metrics (no API key)"),
    )
)]
pub struct ApiDoc;

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

/// The document as committed under `openapi/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed spec must be what the code generates. To refresh it:
    /// `UPDATE_OPENAPI=1 cargo test --lib openapi` (or `alipass openapi > openapi/openapi.json`).
    #[test]
    fn committed_openapi_matches_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
        let generated = openapi_json() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "openapi/openapi.json drifted from the code: run `UPDATE_OPENAPI=1 cargo test --lib openapi`"
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
