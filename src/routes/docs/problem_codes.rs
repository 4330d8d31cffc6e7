//! The Problem schema's `code` as the enum of every code the service answers, each with its
//! status and meaning (the registry in `crate::error::codes`, also served at `/problems`).

use std::fmt::Write;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use super::operations_mut;
use crate::error::codes::{ProblemCode, PROBLEM_CODES};
use crate::error::{PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE};

pub struct ProblemCodes;

/// The `code` property: the enum, and a list of what each code means.
fn code_schema() -> Schema {
    let mut description = String::from(
        "Our stable machine-readable code; `type` links to its page (`/problems/{code}` with \
         hyphens). Every code, its status and meaning:\n",
    );
    for problem in PROBLEM_CODES {
        let _ = write!(
            description,
            "\n- `{}` ({}): {}",
            problem.code, problem.status, problem.meaning
        );
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(PROBLEM_CODES.iter().map(|p| p.code)))
        .description(Some(description))
        .into()
}

impl Modify for ProblemCodes {
    fn modify(&self, openapi: &mut OpenApi) {
        let problem = openapi
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut("Problem"));
        if let Some(RefOr::T(Schema::Object(problem))) = problem {
            problem
                .properties
                .insert("code".to_owned(), RefOr::T(code_schema()));
        }
    }
}

/// The code a problem response of `status` shows in its example: a code of that status the
/// description names in backticks, else the one the status most often carries.
fn example_code(status: &str, description: &str) -> Option<&'static ProblemCode> {
    let named = description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(crate::error::codes::lookup)
        .find(|code| code.status.to_string() == status);
    let usual = match status {
        "400" => "malformed_json",
        "401" => "unauthorized",
        "403" => "forbidden",
        "404" => "not_found",
        "408" => "upload_too_slow",
        "409" if description.contains("reused") => "idempotency_key_reused",
        "409" => "request_in_progress",
        "413" => "payload_too_large",
        "415" => "unsupported_media_type",
        "422" => "validation_failed",
        "429" => "rate_limited",
        "502" => "gateway_business_error",
        "503" if description.contains("Alipay") => "gateway_outcome_unknown",
        "503" => "database_unavailable",
        _ => "internal",
    };
    named.or_else(|| crate::error::codes::lookup(usual))
}

/// A problem as the service writes it for `problem`'s code.
fn problem_example(problem: &ProblemCode) -> serde_json::Value {
    let mut example = serde_json::json!({
        "type": format!("{PROBLEM_TYPE_BASE}{}", problem.slug()),
        "title": problem.title(),
        "status": problem.status,
        "detail": problem.meaning,
        "code": problem.code,
        "request_id": "0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56",
    });
    match problem.code {
        "validation_failed" => {
            example["errors"] = serde_json::json!([{
                "path": "$.content.evoucherInfo.startDate",
                "message": "'2016-13-30 15:44:11' is neither a yyyy-MM-dd HH:mm:ss date nor a single $var$",
                "alipay_code": "KP.AE_ALIPASS_DATE_ERROR",
            }]);
        }
        "gateway_business_error" => {
            example["gateway_code"] = "40004".into();
            example["gateway_msg"] = "Business Failed".into();
            example["gateway_sub_code"] = "KP.AE_ALIPASS_NEW_RULE".into();
            example["gateway_sub_msg"] = "a refusal this service does not know yet".into();
        }
        _ => {}
    }
    example
}

/// Gives every problem response an example of its own: its status's code, as sent.
pub struct ProblemExamples;

impl Modify for ProblemExamples {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let code = example_code(status, &response.description);
                    if let (Some(content), Some(code)) =
                        (response.content.get_mut(PROBLEM_CONTENT_TYPE), code)
                    {
                        content.example.get_or_insert_with(|| problem_example(code));
                    }
                }
            }
        }
    }
}
