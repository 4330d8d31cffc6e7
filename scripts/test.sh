#!/usr/bin/env bash
# The test command (README, .ci/run): starts what the tests need when it is missing —
# Postgres and Redis on their local ports, Debian's chromium and chromedriver for the
# console's browser tests — then runs the whole suite. Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

postgres_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! postgres_up; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! redis_up; then
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
for _ in $(seq 1 60); do
  if postgres_up && redis_up; then break; fi
  sleep 1
done
postgres_up || { echo "PostgreSQL did not come up"; exit 1; }
redis_up || { echo "Redis did not come up"; exit 1; }

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium and chromium-driver (the console's browser tests)"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver) >/dev/null 2>&1; then
    echo "chromium could not be installed: the console browser tests cannot run"
    exit 1
  fi
fi

log "cargo test"
cargo test --locked "$@"
