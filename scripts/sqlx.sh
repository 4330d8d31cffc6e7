#!/usr/bin/env bash
# Compile-time checked SQL. Statements written with `sqlx::query!` and friends are checked
# by the compiler against the schema the migrations make. Ordinary builds read the committed
# offline data in `.sqlx/` and need no database (a build with DATABASE_URL in its environment
# checks against that database instead; SQLX_OFFLINE=true forces the offline data).
#
#   bash scripts/sqlx.sh prepare            rewrite .sqlx/ after a statement or a migration
#                                           changed (builds the library against a fresh,
#                                           migrated database)
#   bash scripts/sqlx.sh check [CMD...]     run CMD (default: cargo build --lib) with the
#                                           macros checking against a fresh, migrated
#                                           database, then fail if .sqlx/ is not what they
#                                           wrote (CI wraps its clippy run in this)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
shift || true
[ "$#" -gt 0 ] || set -- cargo build --lib --locked

# shellcheck source=lib/services.sh
source scripts/lib/services.sh
ensure_services

db="alipass_sqlx_$$"
out=$(mktemp -d)
psql_admin() { psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
cleanup() {
  psql_admin -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

psql_admin -d postgres -c "CREATE DATABASE $db" >/dev/null
for migration in migrations/*.sql; do
  psql_admin -d "$db" -f "$migration" >/dev/null
done

# Every query macro must expand again to write its data: touching the crate root recompiles
# the crate (dependencies are untouched).
touch src/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" \
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" "$@"

case "$mode" in
  prepare)
    rm -rf .sqlx
    mkdir -p .sqlx
    cp "$out"/query-*.json .sqlx/
    echo "wrote $(ls .sqlx | wc -l) statements to .sqlx/"
    ;;
  check)
    if ! diff -r -q .sqlx "$out" >/dev/null; then
      diff -r -q .sqlx "$out" || true
      echo "the offline data in .sqlx/ is stale: run bash scripts/sqlx.sh prepare and commit it"
      exit 1
    fi
    echo "all $(ls "$out" | wc -l) checked statements match .sqlx/"
    ;;
  *)
    echo "usage: scripts/sqlx.sh prepare | check [CMD...]" >&2
    exit 2
    ;;
esac
