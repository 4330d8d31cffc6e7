//! Examples for the schemas the handlers' types give none: real answers of the service
//! (a walkthrough against the simulator), kept as JSON under `openapi/examples/`, one file
//! per schema. A list of a schema with an example gets a one-item list as its example.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Content, OpenApi, RefOr};
use utoipa::Modify;

use super::operations_mut;

macro_rules! example {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/openapi/examples/",
                $name,
                ".json"
            )),
        )
    };
}

/// `(schema name, example JSON)`.
pub const SCHEMA_EXAMPLES: &[(&str, &str)] = &[
    example!("AttemptRow"),
    example!("CampaignView"),
    example!("CreateTemplate"),
    example!("DiagnosticsReport"),
    example!("EndpointView"),
    example!("Liveness"),
    example!("Page_CampaignView"),
    example!("Page_PassView"),
    example!("Page_TemplateView"),
    example!("Page_VoucherView"),
    example!("PassHistory"),
    example!("PassParams"),
    example!("PassView"),
    example!("Preview"),
    example!("PreviewParams"),
    example!("ReadinessReport"),
    example!("RetryRefused"),
    example!("TemplateContent"),
    example!("TemplateReport"),
    example!("TemplateView"),
    example!("UpdateTemplate"),
    example!("UploadReport"),
    example!("ValidateTemplate"),
    example!("VoucherView"),
];

/// The example of schema `name` kept under `openapi/examples/`.
pub(super) fn schema_example(name: &str) -> Option<serde_json::Value> {
    let (_, text) = SCHEMA_EXAMPLES.iter().find(|(n, _)| *n == name)?;
    serde_json::from_str(text).ok()
}

pub struct SchemaExamples;

impl Modify for SchemaExamples {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (name, text) in SCHEMA_EXAMPLES {
            let example = serde_json::from_str(text).ok();
            if let Some(RefOr::T(Schema::Object(schema))) = components.schemas.get_mut(*name) {
                if schema.example.is_none() && schema.examples.is_empty() {
                    #[allow(deprecated)] // 3.0 generators read `example`; the 3.1 form too.
                    {
                        schema.example = example;
                    }
                }
            }
        }
        let schema_example = |name: &str| -> Option<serde_json::Value> {
            match components.schemas.get(name) {
                Some(RefOr::T(Schema::Object(schema))) => schema.example.clone(),
                _ => None,
            }
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response
                            .content
                            .values_mut()
                            .for_each(|content| list_example(content, &schema_example));
                    }
                }
            }
        }
    }
}

/// A list of `$ref`s to a schema with an example: that example as a one-item list.
fn list_example(
    content: &mut Content,
    schema_example: &impl Fn(&str) -> Option<serde_json::Value>,
) {
    if content.example.is_some() {
        return;
    }
    let Some(RefOr::T(Schema::Array(array))) = &content.schema else {
        return;
    };
    let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &array.items else {
        return;
    };
    if let RefOr::Ref(reference) = items.as_ref() {
        let name = reference
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default();
        content.example = schema_example(name).map(|item| serde_json::Value::Array(vec![item]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PROBLEM_CONTENT_TYPE;
    use serde_json::Value;

    fn has_example(content: &Value, schemas: &Value) -> bool {
        if content.get("example").is_some() || content.get("examples").is_some() {
            return true;
        }
        let schema = &content["schema"];
        let named = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next());
        named.is_some_and(|name| schemas[name].get("example").is_some())
            || schema.get("example").is_some()
    }

    /// Every request body (of the operations and of the webhooks) and every 2xx and 4xx
    /// answer with a body comes with an example; every 4xx answer has a body (a problem).
    #[test]
    fn every_request_body_and_2xx_4xx_response_has_an_example() {
        let spec = serde_json::to_value(super::super::spec()).unwrap();
        let schemas = &spec["components"]["schemas"];
        let mut missing = Vec::new();
        let mut seen = 0;
        let paths = spec["paths"].as_object().unwrap().iter();
        let webhooks = spec["webhooks"].as_object().unwrap().iter();
        for (path, item) in paths.chain(webhooks) {
            for (method, operation) in item.as_object().unwrap() {
                let bodies = operation["requestBody"]["content"].as_object();
                for (media, content) in bodies.into_iter().flatten() {
                    seen += 1;
                    if !has_example(content, schemas) {
                        missing.push(format!("{method} {path} request {media}"));
                    }
                }
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if !(status.starts_with('2') || status.starts_with('4')) {
                        continue;
                    }
                    let contents = response["content"].as_object();
                    if status.starts_with('4') && contents.is_none_or(|c| c.is_empty()) {
                        missing.push(format!("{method} {path} {status}: no body"));
                    }
                    for (media, content) in contents.into_iter().flatten() {
                        seen += 1;
                        if !has_example(content, schemas) {
                            missing.push(format!("{method} {path} {status} {media}"));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no example: {missing:#?}");
        assert!(seen > 250, "only {seen} bodies looked at");
    }

    /// A problem answer's example is a problem of its own status, with a registered code.
    #[test]
    fn problem_examples_match_their_status() {
        let spec = serde_json::to_value(super::super::spec()).unwrap();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let example = &response["content"][PROBLEM_CONTENT_TYPE]["example"];
                    if example.is_null() {
                        continue;
                    }
                    let at = format!("{method} {path} {status}");
                    assert_eq!(example["status"].to_string(), *status, "{at}");
                    let code = example["code"].as_str().unwrap();
                    assert!(crate::error::codes::lookup(code).is_some(), "{at}: {code}");
                }
            }
        }
    }

    /// Each example file names a schema of the document and is valid JSON.
    #[test]
    fn every_example_file_belongs_to_a_schema() {
        let spec = super::super::spec();
        let schemas = &spec.components.as_ref().unwrap().schemas;
        for (name, text) in SCHEMA_EXAMPLES {
            assert!(schemas.contains_key(*name), "{name}.json names no schema");
            serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{name}.json: {e}"));
        }
    }
}
