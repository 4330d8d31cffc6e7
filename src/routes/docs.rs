//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldProblem, GatewayDetail, Problem};
use crate::routes::health;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "alipass",
        description = "Issue and manage Alipay wallet passes (卡券) and marketing vouchers. \
            Every error is an RFC 9457 problem (application/problem+json). \
            Authenticate with `Authorization: Bearer <API key>`.",
    ),
    paths(health::healthz, health::readyz, health::metrics),
    components(schemas(Problem, FieldProblem, GatewayDetail)),
    modifiers(&BearerAuth),
    tags(
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
