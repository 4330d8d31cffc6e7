#!/usr/bin/env bash
# The supply-chain check: cargo deny (advisories, licences, bans, sources; see deny.toml).
# Advisories come from an offline copy of the RustSec database, since the advisory
# repository cannot be fetched from our build machines:
#   ADVISORY_DB=/path/to/advisory-db bash scripts/deny.sh
# (a checkout or snapshot of github.com/rustsec/advisory-db). Installs cargo-deny if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ADVISORY_DB:?set ADVISORY_DB to a copy of the RustSec advisory database}"
[ -d "$ADVISORY_DB/crates" ] || { echo "ADVISORY_DB=$ADVISORY_DB holds no crates/ directory" >&2; exit 1; }
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny

# cargo deny reads its database from a git checkout named after the advisory repository's
# URL, and dates it by its HEAD commit: make that checkout from the copy, dated as the copy
# says it was taken (SNAPSHOT.md's date, else the newest advisory file's), never as today.
db=target/advisory-dbs/advisory-db-3157b0e258782691
rm -rf "$db"
mkdir -p "$db"
cp -R "$ADVISORY_DB"/. "$db"/
chmod -R u+w "$db"
taken=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$ADVISORY_DB/SNAPSHOT.md" 2>/dev/null | head -1 || true)
[ -n "$taken" ] || taken=$(find "$ADVISORY_DB/crates" -type f -printf '%TY-%Tm-%Td\n' | sort | tail -1)
(
  cd "$db"
  git init -q
  git add -A
  GIT_AUTHOR_DATE="${taken}T00:00:00Z" GIT_COMMITTER_DATE="${taken}T00:00:00Z" \
    git -c user.name=alipass-ci -c user.email=ci@alipass.invalid commit -qm "advisory-db snapshot of $taken"
)
echo "advisory database: snapshot of $taken ($(find "$db/crates" -name '*.md' | wc -l) advisories)"
# cargo deny reads the metadata of every platform's crates, which a build here never
# downloads (wasm-bindgen, android_system_properties…): fetch them from the registry first.
cargo fetch --locked
cargo deny --offline --locked check
