//! The 3.0.3 rendering of the 3.1 document, for generators that do not take 3.1
//! (progenitor, several Go and Java generators). Derived from the 3.1 JSON, so the two never
//! say different things: only the spelling of what 3.0 cannot say changes.

use serde_json::{Map, Value};

/// The 3.1 document `spec`, rewritten as OpenAPI 3.0.3.
pub fn to_openapi_30(mut spec: Value) -> Value {
    let Some(root) = spec.as_object_mut() else {
        return spec;
    };
    root.insert("openapi".to_owned(), Value::from("3.0.3"));
    // 3.1 only: top-level webhooks, the dialect, and the license's SPDX identifier.
    root.remove("webhooks");
    root.remove("jsonSchemaDialect");
    if let Some(license) = root
        .get_mut("info")
        .and_then(|info| info.get_mut("license"))
        .and_then(Value::as_object_mut)
    {
        license.remove("identifier");
    }
    if let Some(schemas) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        schemas.values_mut().for_each(convert_schema);
    }
    if let Some(paths) = root.get_mut("paths") {
        convert_schemas_under(paths);
    }
    spec
}

/// Converts every `schema` member below `value` (parameters, media types, headers).
fn convert_schemas_under(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, member) in object.iter_mut() {
                if key == "schema" {
                    convert_schema(member);
                } else {
                    convert_schemas_under(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(convert_schemas_under),
        _ => {}
    }
}

/// JSON Schema keywords 3.0's schema object does not have, dropped (each only narrows what
/// is valid, so the 3.0 form accepts a superset).
const UNSUPPORTED: [&str; 9] = [
    "$schema",
    "propertyNames",
    "prefixItems",
    "unevaluatedProperties",
    "dependentRequired",
    "contains",
    "if",
    "then",
    "else",
];

/// One 3.1 schema (a JSON Schema 2020-12 subset) as a 3.0 schema object.
fn convert_schema(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for keyword in UNSUPPORTED {
        object.remove(keyword);
    }
    convert_children(object);
    nullable_type(object);
    nullable_alternatives(object);
    if let Some(value) = object.remove("const") {
        object.insert("enum".to_owned(), Value::Array(vec![value]));
    }
    if let Some(Value::Array(mut examples)) = object.remove("examples") {
        if !examples.is_empty() && !object.contains_key("example") {
            object.insert("example".to_owned(), examples.swap_remove(0));
        }
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(limit) = object.get(exclusive).filter(|v| v.is_number()).cloned() {
            object.insert(bound.to_owned(), limit);
            object.insert(exclusive.to_owned(), Value::Bool(true));
        }
    }
    // 3.0 ignores a $ref's siblings: keep them by referring through allOf.
    if object.contains_key("$ref") && object.len() > 1 {
        let reference = object.remove("$ref").unwrap_or_default();
        let mut target = Map::new();
        target.insert("$ref".to_owned(), reference);
        object.insert(
            "allOf".to_owned(),
            Value::Array(vec![Value::Object(target)]),
        );
    }
}

/// Recurses into the subschemas of `object`.
fn convert_children(object: &mut Map<String, Value>) {
    for key in ["properties", "patternProperties", "$defs"] {
        if let Some(Value::Object(members)) = object.get_mut(key) {
            members.values_mut().for_each(convert_schema);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get_mut(key).filter(|c| c.is_object()) {
            convert_schema(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = object.get_mut(key) {
            members.iter_mut().for_each(convert_schema);
        }
    }
}

/// `type: [X, "null"]` → `type: X, nullable: true`; several types → a oneOf of each.
fn nullable_type(object: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = object.get("type") else {
        return;
    };
    let nullable = types.iter().any(|t| t == "null");
    let mut others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    if nullable {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
    match others.len() {
        0 => {
            object.remove("type");
        }
        1 => {
            object.insert("type".to_owned(), others.swap_remove(0));
        }
        _ => {
            object.remove("type");
            let alternatives = others
                .into_iter()
                .map(|t| Value::Object(Map::from_iter([("type".to_owned(), t)])))
                .collect();
            object.insert("oneOf".to_owned(), Value::Array(alternatives));
        }
    }
}

/// `oneOf`/`anyOf` with a `{"type": "null"}` member → the other members, `nullable: true`
/// (through `allOf` when one is left, as 3.0 ignores `nullable` beside a bare `$ref`).
fn nullable_alternatives(object: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(members)) = object.get_mut(key) else {
            continue;
        };
        let before = members.len();
        members.retain(|m| m.get("type") != Some(&Value::from("null")));
        if members.len() == before {
            continue;
        }
        object.insert("nullable".to_owned(), Value::Bool(true));
        if let Some(Value::Array(mut members)) = object.remove(key) {
            match members.len() {
                0 => {}
                1 => {
                    object.insert(
                        "allOf".to_owned(),
                        Value::Array(vec![members.swap_remove(0)]),
                    );
                }
                _ => {
                    object.insert(key.to_owned(), Value::Array(members));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_types_and_alternatives_become_nullable() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": ["string", "null"], "examples": ["x"]},
                "b": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/B"}]},
                "c": {"$ref": "#/components/schemas/C", "description": "why"},
                "d": {"const": 1, "exclusiveMinimum": 0},
                "e": {"type": ["integer", "string"]},
                "f": {"type": "object", "propertyNames": {"type": "string"}}
            }
        });
        convert_schema(&mut schema);
        let p = &schema["properties"];
        assert_eq!(
            p["a"],
            json!({"type": "string", "nullable": true, "example": "x"})
        );
        assert_eq!(
            p["b"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]})
        );
        assert_eq!(
            p["c"],
            json!({"description": "why", "allOf": [{"$ref": "#/components/schemas/C"}]})
        );
        assert_eq!(
            p["d"],
            json!({"enum": [1], "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            p["e"],
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
        assert_eq!(p["f"], json!({"type": "object"}));
    }

    #[test]
    fn media_type_examples_stay_and_the_version_is_3_0_3() {
        let spec = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "webhooks": {},
            "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {
                    "schema": {"type": ["integer", "null"]},
                    "examples": {"one": {"value": 1}}
                }
            }}}}}}
        });
        let converted = to_openapi_30(spec);
        assert_eq!(converted["openapi"], "3.0.3");
        assert!(converted.get("webhooks").is_none());
        assert_eq!(converted["info"]["license"], json!({"name": "MIT"}));
        let media =
            &converted["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(
            media["schema"],
            json!({"type": "integer", "nullable": true})
        );
        assert_eq!(media["examples"], json!({"one": {"value": 1}}));
    }
}
