//! Every example in the document of a value typed `TemplateContent` or `PassParams` is one
//! the domain crate takes: found by walking each example alongside its schema (schemas'
//! own examples, request and response bodies, webhooks), then parsed as the service would.

use serde_json::{json, Map, Value};

use crate::domain::template::{TemplateContent, TemplateLimits};

/// The values of `example` that `schema` types as one of `wanted`, with that name.
fn typed_values<'v>(
    schema: &Value,
    example: &'v Value,
    schemas: &Value,
    wanted: &[&str],
    found: &mut Vec<(String, &'v Value)>,
) {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        if wanted.contains(&name) {
            found.push((name.to_owned(), example));
        } else {
            typed_values(&schemas[name], example, schemas, wanted, found);
        }
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            typed_values(member, example, schemas, wanted, found);
        }
    }
    if let (Some(properties), Some(object)) =
        (schema["properties"].as_object(), example.as_object())
    {
        for (name, property) in properties {
            if let Some(value) = object.get(name) {
                typed_values(property, value, schemas, wanted, found);
            }
        }
    }
    if let Some(items) = example.as_array() {
        for item in items {
            typed_values(&schema["items"], item, schemas, wanted, found);
        }
    }
}

/// `(schema, example)` of every example in `spec`; a component's own example is typed by a
/// reference to the component.
fn examples(spec: &Value) -> Vec<(Value, &Value)> {
    let mut all = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if let Some(example) = schema.get("example") {
            let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
            all.push((reference, example));
        }
    }
    let paths = spec["paths"].as_object().unwrap().values();
    let webhooks = spec["webhooks"].as_object().unwrap().values();
    for operation in paths
        .chain(webhooks)
        .flat_map(|item| item.as_object().unwrap().values())
    {
        let requests = operation["requestBody"]["content"].as_object().into_iter();
        let responses = operation["responses"].as_object().unwrap().values();
        let contents = requests.chain(responses.filter_map(|r| r["content"].as_object()));
        for content in contents.flat_map(|c| c.values()) {
            if let Some(example) = content.get("example") {
                all.push((content["schema"].clone(), example));
            }
        }
    }
    all
}

fn object(value: &Value) -> &Map<String, Value> {
    value.as_object().expect("params are an object")
}

#[test]
fn every_template_content_and_pass_params_example_parses_with_the_domain() {
    let spec = serde_json::to_value(super::spec()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let limits = TemplateLimits::default();
    let wanted = ["TemplateContent", "PassParams"];
    let mut found = Vec::new();
    for (schema, example) in examples(&spec) {
        typed_values(&schema, example, schemas, &wanted, &mut found);
    }
    let reference = TemplateContent::parse(schemas["TemplateContent"]["example"].clone(), &limits)
        .expect("the TemplateContent example is a valid template");
    let (mut contents, mut params) = (0, 0);
    for (name, value) in &found {
        if name == "TemplateContent" {
            contents += 1;
            if let Err(report) = TemplateContent::parse((*value).clone(), &limits) {
                panic!(
                    "a TemplateContent example breaks rules: {:#?}",
                    report.errors
                );
            }
        } else {
            params += 1;
            if let Err(findings) = reference.check_update_params(object(value)) {
                panic!("a PassParams example does not fit the template: {findings:#?}");
            }
        }
    }
    // TemplateContent, CreateTemplate, UpdateTemplate, TemplateView (and lists of it), the
    // template webhooks; PassParams, IssuePass, UpdatePass.
    assert!(
        contents >= 7,
        "only {contents} TemplateContent examples found"
    );
    assert!(params >= 3, "only {params} PassParams examples found");
}

/// The examples of an issuance fill every parameter of the example template (the service
/// fills serialNumber and channelID).
#[test]
fn the_issue_examples_fill_every_parameter() {
    let spec = serde_json::to_value(super::spec()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let limits = TemplateLimits::default();
    let template = TemplateContent::parse(schemas["TemplateContent"]["example"].clone(), &limits)
        .expect("the TemplateContent example is a valid template");
    for example in [
        &schemas["PassParams"]["example"],
        &schemas["IssuePass"]["example"]["params"],
    ] {
        let mut params = object(example).clone();
        params.insert("serialNumber".into(), "4333673662446155".into());
        params.insert("channelID".into(), "2088102122069225".into());
        if let Err(findings) = template.check_pass_params(&params) {
            panic!("{example}: {findings:#?}");
        }
    }
}
