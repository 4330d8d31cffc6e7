#!/usr/bin/env bash
# API fuzzing with schemathesis against the served /openapi.json: every generated request
# must get a non-5xx answer that conforms to the spec. Bounded by MAX_EXAMPLES per operation.
#   bash scripts/fuzz.sh              # full run (MAX_EXAMPLES=400: > 5,000 requests)
#   MAX_EXAMPLES=25 bash scripts/fuzz.sh   # CI's short run
# Starts its own service (debug build, test profile, fresh database, in-process simulator).
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES=${MAX_EXAMPLES:-400}
PORT=${PORT:-18180}
KEY=alipass-dev-key-not-for-production
SCHEMATHESIS_VERSION=4.32.5

command -v st >/dev/null && st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" \
  || python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"

# shellcheck source=lib/test-service.sh
source scripts/lib/test-service.sh
start_test_service fuzz "$PORT" target/fuzz-serve.log

# not_a_server_error + response conformance (status codes, content types, schemas, headers).
st run "$SERVICE_URL/openapi.json" \
  --header "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --workers 1 \
  --request-timeout 15 \
  --generation-deterministic \
  --no-color 2>&1 | tee target/fuzz-report.txt | tail -40
