#!/usr/bin/env bash
# A long run of the parser fuzz harness (tests/fuzz): the campaign file reader, the template
# content parser and the gateway answer check, each with FUZZ_CASES mutations of the
# committed corpus (tests/fuzz/corpus/). CI runs the same targets with 256 cases.
#   bash scripts/fuzz-parsers.sh               # 20,000 cases per target
#   FUZZ_CASES=200000 bash scripts/fuzz-parsers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_CASES=${FUZZ_CASES:-20000}
started=$(date +%s)
cargo test --locked --release --test fuzz -- --nocapture
echo "fuzz-parsers: $FUZZ_CASES cases per target in $(( $(date +%s) - started )) s"
