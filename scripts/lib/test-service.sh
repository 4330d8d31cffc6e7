# The service as the API's outside callers meet it, for scripts/fuzz.sh and scripts/clients.sh:
# the binary `cargo test` builds (same features, so after the tests this builds nothing again),
# test profile, a fresh database, the in-process simulator. Sourced, then:
#   start_test_service NAME PORT LOG   # sets SERVICE_URL; an EXIT trap stops it, drops its database
start_test_service() {
  local name=$1 port=$2 log=$3
  SERVICE_DB="alipass_${name}_$$"
  SERVICE_URL="http://127.0.0.1:$port"
  SERVICE_PID=""
  cargo test --quiet --locked --no-run --test api
  trap stop_test_service EXIT
  APP_PROFILE=test \
  APP__SERVER__PORT=$port \
  APP__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$SERVICE_DB" \
  APP__DATABASE__CREATE_IF_MISSING=true \
  APP__DATABASE__AUTO_MIGRATE=true \
  APP__REDIS__KEY_PREFIX="$name:$$:" \
  APP__LOG__LEVEL=error \
    target/debug/alipass serve >"$log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "$SERVICE_URL/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "the service on port $port did not become ready (log: $log)" >&2
  return 1
}

stop_test_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true   # its exit status is not the script's
  fi
  psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$SERVICE_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
