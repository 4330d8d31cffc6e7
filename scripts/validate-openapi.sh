#!/usr/bin/env bash
# Validates the committed OpenAPI documents with openapi-spec-validator (PyPI), each against
# its own version's schema: openapi/openapi.json as 3.1, openapi/openapi-3.0.json as 3.0.
# Seconds; run by .ci/run. The validator is installed (pinned) when missing, and the script
# fails if it still cannot be imported: a missing tool is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

VALIDATOR_VERSION=0.9.0

python3 -c "import openapi_spec_validator" 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check "openapi-spec-validator==$VALIDATOR_VERSION" \
  || true

python3 - <<'PY'
import json
import sys

try:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
except ImportError as error:
    sys.exit(f"openapi-spec-validator is not installed ({error}): cannot validate the documents")

failed = False
for path, validator, version in [
    ("openapi/openapi.json", OpenAPIV31SpecValidator, "3.1"),
    ("openapi/openapi-3.0.json", OpenAPIV30SpecValidator, "3.0"),
]:
    with open(path, encoding="utf-8") as file:
        spec = json.load(file)
    if not spec.get("openapi", "").startswith(version + "."):
        print(f"{path}: openapi is {spec.get('openapi')!r}, expected {version}.x")
        failed = True
        continue
    errors = list(validator(spec).iter_errors())
    for error in errors[:20]:
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: {where}: {error.message[:300]}")
    print(f"{path}: {len(errors)} error(s) as OpenAPI {version}")
    failed = failed or bool(errors)

# Every example of the 3.1 document (operations and webhooks) must be valid for its schema
# (JSON Schema 2020-12).
from jsonschema import Draft202012Validator

with open("openapi/openapi.json", encoding="utf-8") as file:
    spec = json.load(file)
components = spec["components"]


def check(where, schema, example):
    global failed
    root = dict(schema, components=components)
    for error in Draft202012Validator(root).iter_errors(example):
        print(f"example {where}: {'/'.join(map(str, error.absolute_path))}: {error.message[:200]}")
        failed = True


examples = 0
for name, schema in components["schemas"].items():
    if "example" in schema:
        check(f"of schema {name}", schema, schema["example"])
        examples += 1
for path, item in list(spec["paths"].items()) + list(spec.get("webhooks", {}).items()):
    for method, operation in item.items():
        contents = list(operation.get("requestBody", {}).get("content", {}).items())
        for status, response in operation["responses"].items():
            contents += list(response.get("content", {}).items())
        for media, content in contents:
            if "example" in content and "schema" in content:
                check(f"of {method} {path} {media}", content["schema"], content["example"])
                examples += 1
print(f"openapi/openapi.json: {examples} example(s) checked against their schemas")

# The TemplateContent schema never refuses a template the domain's checker takes: the valid
# fixture, and each rule case whose finding is only a warning (tests/fixtures: JSON pointer
# edits of the valid template, as the domain's own tests apply them).
import copy

template_schema = Draft202012Validator(
    {"$ref": "#/components/schemas/TemplateContent", "components": components}
)
with open("tests/fixtures/template_valid.json", encoding="utf-8") as file:
    valid = json.load(file)
with open("tests/fixtures/template_rule_cases.json", encoding="utf-8") as file:
    cases = json.load(file)


def edited(case):
    if case["pointer"] == "":
        return case.get("value")
    document = copy.deepcopy(valid)
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in case["pointer"].split("/")[1:]]
    target = document
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key = int(last) if isinstance(target, list) else last
    if case["op"] == "remove":
        del target[key]
    else:
        target[key] = case["value"]
    return document


taken = [("template_valid.json", valid)] + [
    (case["name"], edited(case)) for case in cases if case["severity"] != "error"
]
for name, template in taken:
    for error in template_schema.iter_errors(template):
        print(f"TemplateContent refuses {name}, which the checker takes: {error.message[:200]}")
        failed = True
print(f"TemplateContent: {len(taken)} template(s) the checker takes, checked against the schema")
sys.exit(1 if failed else 0)
PY
