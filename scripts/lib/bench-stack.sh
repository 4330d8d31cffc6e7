# Sourced by the bench scripts: a release build (or BIN=path as it is), the simulator in its
# own process and the service on a fresh database, both stopped and the database dropped on
# exit; then one template and the parameter values of its passes.
# Needs API_PORT, SIM_PORT, RUN_ID, DB, OUT_DIR; LOG_PREFIX names the log files.
# Sets KEY, BIN, SIM_PID, SERVE_PID, pids, api(), and exports TEMPLATE_ID, PARAMS_JSON, API_KEY.
# DB_URL_QUERY is appended to the service's database URL; BENCH_SQL runs once it is migrated.

KEY=alipass-dev-key-not-for-production
if [ -z "${BIN:-}" ]; then
  echo "building the release binary…" >&2
  cargo build --release --quiet --bin alipass
  BIN=target/release/alipass
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export APP_PROFILE=local APP__LOG__LEVEL=${APP__LOG__LEVEL:-warn}
APP__SIM__PORT=$SIM_PORT "$BIN" sim >"$OUT_DIR/${LOG_PREFIX:-}sim.log" 2>&1 &
SIM_PID=$!
pids+=($SIM_PID)
APP__SIM__ENABLED=false \
APP__ALIPAY__GATEWAY_URL="http://127.0.0.1:$SIM_PORT/gateway.do" \
APP__SERVER__PORT=$API_PORT \
APP__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB${DB_URL_QUERY:-}" \
APP__DATABASE__MAX_CONNECTIONS=32 \
APP__REDIS__KEY_PREFIX="bench:$RUN_ID:" \
APP__RECONCILER__ENABLED=false \
  "$BIN" serve >"$OUT_DIR/${LOG_PREFIX:-}serve.log" 2>&1 &
SERVE_PID=$!
pids+=($SERVE_PID)

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$API_PORT/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$API_PORT/readyz" >/dev/null || {
  echo "service did not start" >&2
  cat "$OUT_DIR/${LOG_PREFIX:-}serve.log" >&2
  exit 1
}
if [ -n "${BENCH_SQL:-}" ]; then psql -h 127.0.0.1 -U postgres -qc "$BENCH_SQL" "$DB"; fi

api() { curl -sf -H "Authorization: Bearer $KEY" -H 'content-type: application/json' "$@"; }

template=$(python3 -c 'import json,sys; print(json.dumps({"unique_id": sys.argv[1], "content": json.load(open("tests/fixtures/template_valid.json"))}))' "$RUN_ID")
created=$(api -d "$template" "http://127.0.0.1:$API_PORT/v1/templates")
TEMPLATE_ID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$created")
PARAMS_JSON=$(python3 "$(dirname "${BASH_SOURCE[0]}")/pass_params.py" "$created" bench)
export TEMPLATE_ID PARAMS_JSON API_KEY=$KEY
