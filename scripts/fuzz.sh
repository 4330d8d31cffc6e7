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
DB="alipass_fuzz_$$"
SCHEMATHESIS_VERSION=4.32.5

command -v st >/dev/null && st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" \
  || python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"

# The binary as `cargo test` builds it (same features), so after the tests this builds
# nothing again.
cargo test --quiet --locked --no-run --test api
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

APP_PROFILE=test \
APP__SERVER__PORT=$PORT \
APP__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" \
APP__DATABASE__CREATE_IF_MISSING=true \
APP__DATABASE__AUTO_MIGRATE=true \
APP__REDIS__KEY_PREFIX="fuzz:$$:" \
APP__LOG__LEVEL=error \
  target/debug/alipass serve >target/fuzz-serve.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done

# not_a_server_error + response conformance (status codes, content types, schemas, headers).
st run "http://127.0.0.1:$PORT/openapi.json" \
  --header "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --workers 1 \
  --request-timeout 15 \
  --generation-deterministic \
  --no-color 2>&1 | tee target/fuzz-report.txt | tail -40
