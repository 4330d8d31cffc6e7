//! Generates the client from the committed OpenAPI document's 3.0.3 rendering (progenitor
//! reads no 3.1) into `$OUT_DIR/generated.rs`, so a change of the document is a change of
//! the client at the next build.
//!
//! progenitor 0.11 cannot express three things of the document; each is adapted here, in
//! the generator's copy only, and checked so that a new case fails the build by name
//! instead of inside the generator (see README.md):
//! - problem answers are `application/problem+json` (RFC 9457); progenitor types only
//!   `application/json` answers and would hand problems over as raw bytes;
//! - `PUT /v1/campaigns/{id}/rows` takes `text/csv` or JSON lines, bodies progenitor cannot
//!   send: it is left out here and written by hand (`src/upload.rs`);
//! - an operation gets one error type, but `GET /v1/diagnostics` answers 503 with its
//!   report, not a problem: that answer is left out and arrives as
//!   `Error::UnexpectedResponse`, the response to read the report from.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

const DOCUMENT: &str = "../../openapi/openapi-3.0.json";
const PROBLEM_MEDIA_TYPE: &str = "application/problem+json";
/// Written by hand in `src/upload.rs`: `(path, method)`.
const HAND_WRITTEN: (&str, &str) = ("/v1/campaigns/{id}/rows", "put");
/// Error answers whose body differs from the operation's other error answers (a problem):
/// `(path, method, status)`.
const NOT_PROBLEMS: &[(&str, &str, &str)] = &[("/v1/diagnostics", "get", "503")];

fn main() {
    println!("cargo:rerun-if-changed={DOCUMENT}");
    let text = std::fs::read_to_string(DOCUMENT)
        .unwrap_or_else(|e| panic!("cannot read the OpenAPI document {DOCUMENT}: {e}"));
    let mut document: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{DOCUMENT} is not JSON: {e}"));
    adapt_for_progenitor(&mut document);
    let spec: openapiv3::OpenAPI = serde_json::from_value(document)
        .unwrap_or_else(|e| panic!("{DOCUMENT} is not an OpenAPI 3.0 document: {e}"));
    let mut settings = progenitor::GenerationSettings::default();
    // Named setters, not positional arguments: a parameter the document gains later does
    // not move the others (`client.passes_issue().body(…).send()`).
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate a client from {DOCUMENT}: {e}"));
    let file = syn::parse2(tokens).expect("progenitor writes Rust");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("generated.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

fn adapt_for_progenitor(document: &mut Value) {
    let paths = document["paths"]
        .as_object_mut()
        .expect("the document has paths");
    let (path, method) = HAND_WRITTEN;
    paths
        .get_mut(path)
        .and_then(|item| item.as_object_mut()?.remove(method))
        .unwrap_or_else(|| panic!("{method} {path} is gone: remove src/upload.rs"));
    for &(path, method, status) in NOT_PROBLEMS {
        paths
            .get_mut(path)
            .and_then(|item| item.get_mut(method)?.get_mut("responses")?.as_object_mut())
            .and_then(|responses| responses.remove(status))
            .unwrap_or_else(|| panic!("{method} {path} no longer answers {status}"));
    }
    for (path, item) in paths.iter_mut() {
        let operations = item.as_object_mut().expect("a path item is an object");
        for (method, operation) in operations.iter_mut() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                    rename_key(content, PROBLEM_MEDIA_TYPE, "application/json");
                }
            }
            let error_bodies: BTreeSet<String> = responses
                .iter()
                .filter(|(status, _)| !status.starts_with('2'))
                .map(|(_, response)| body_type(response))
                .collect();
            assert!(
                error_bodies.len() <= 1,
                "{method} {path}: its error answers have different bodies ({error_bodies:?}), \
                 progenitor takes one: list the odd one in NOT_PROBLEMS, or fix the document"
            );
        }
    }
}

/// What progenitor makes of an answer's body: a type for JSON, raw bytes for any other
/// media type, nothing without one.
fn body_type(response: &Value) -> String {
    let content = response["content"].as_object();
    match content.and_then(|content| content.get("application/json")) {
        Some(json) => json["schema"].to_string(),
        None if content.is_some_and(|content| !content.is_empty()) => "raw bytes".to_owned(),
        None => "no body".to_owned(),
    }
}

fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(value) = map.remove(from) {
        map.insert(to.to_owned(), value);
    }
}
