//! The Problem schema's `code` as the enum of every code the service answers, each with its
//! status and meaning (the registry in `crate::error::codes`, also served at `/problems`).

use std::fmt::Write;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use crate::error::codes::PROBLEM_CODES;

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
