#!/usr/bin/env bash
# Long model-based fault runs (tests/resilience/model.rs): RUNS times (default 3) with a fresh random
# seed each, or the given MODEL_SEED every time, MODEL_OPS ops each (default 1500).
#
#   bash scripts/model-test.sh                       # 3 runs x 1500 ops, random seeds
#   RUNS=10 MODEL_OPS=500 bash scripts/model-test.sh
#   MODEL_SEED=1234 MODEL_OPS=150 RUNS=1 bash scripts/model-test.sh   # replay one run
#   MODEL_TEST=model_based_fault_run_kinder bash scripts/model-test.sh  # one mode only
#
# Needs Postgres and Redis as for `cargo test`. Each run's every answer is kept as JSON lines
# in the target's tmp dir (the path is printed at the end of each run).
set -uo pipefail

cd "$(dirname "$0")/.."
export MODEL_OPS="${MODEL_OPS:-1500}"
RUNS="${RUNS:-3}"
FILTER="${MODEL_TEST:-model::}"
LOG_DIR="$(mktemp -d -t model-test.XXXXXX)"

# Build once, so the first run's time is the run's.
cargo test --test resilience --no-run --quiet || exit 2

passed=0
failed=0
summary=()
for run in $(seq 1 "$RUNS"); do
  seed="${MODEL_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}"
  log="$LOG_DIR/run-$run-seed-$seed.log"
  echo "=== run $run/$RUNS: MODEL_SEED=$seed MODEL_OPS=$MODEL_OPS ($FILTER)"
  start=$(date +%s)
  if MODEL_SEED="$seed" cargo test --quiet --test resilience "$FILTER" -- --nocapture --test-threads 1 \
    >"$log" 2>&1; then
    result=PASS
    passed=$((passed + 1))
  else
    result=FAIL
    failed=$((failed + 1))
  fi
  took=$(($(date +%s) - start))
  grep -E '^model summary|^  (duration|kill|503 answers|every answer)' "$log" || true
  if [ "$result" = FAIL ]; then
    # The findings: the indented lines after the panic header, up to the replay line.
    sed -n '/finding(s) —/,/^replay with/p' "$log" | head -80
  fi
  echo "=== run $run: $result in ${took}s (MODEL_SEED=$seed; log $log)"
  summary+=("$result seed=$seed ${took}s")
done

echo
echo "model runs: $passed passed, $failed failed (MODEL_OPS=$MODEL_OPS, logs in $LOG_DIR)"
printf '  %s\n' "${summary[@]}"
[ "$failed" -eq 0 ]
