#!/usr/bin/env bash
# The test command (README, .ci/run): starts what the tests need when it is missing —
# Postgres and Redis on their local ports, Debian's chromium and chromedriver for the
# console's browser tests — then runs the whole suite. Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# shellcheck source=lib/services.sh
source scripts/lib/services.sh
ensure_services

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
