#!/usr/bin/env bash
# Campaign pacing under load: ROWS voucher rows at RATE rows/s (default 100,000 at 500/s)
# through a release build and the simulator in its own process, while a light stream of
# ordinary API calls (pass issues, PROBE_RATE a second) measures the API's own latency.
# Prints the campaign's duration against ROWS / RATE and the API's p50/p99; writes the
# figures to target/bench/campaign.txt.
#   bash scripts/bench-campaign.sh
#   ROWS=20000 RATE=400 bash scripts/bench-campaign.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-100000}
RATE=${RATE:-500}
PROBE_RATE=${PROBE_RATE:-20}
API_PORT=${API_PORT:-18180}
SIM_PORT=${SIM_PORT:-18190}
RUN_ID="cb$(date +%s)"
DB="alipass_bench_${RUN_ID}"
OUT_DIR=target/bench
mkdir -p "$OUT_DIR"

LOG_PREFIX=campaign- source scripts/lib/bench-stack.sh
base="http://127.0.0.1:$API_PORT"

python3 - "$ROWS" >"$OUT_DIR/campaign.csv" <<'PY'
import sys
print("user_id")
for n in range(int(sys.argv[1])):
    print(f"20883{n:07d}1234")
PY
campaign=$(api -d "{\"campaign_key\": \"$RUN_ID\", \"kind\": \"VOUCHER_SEND\", \"template_id\": \"20140601000730010040000000EB\", \"rate_per_sec\": $RATE}" "$base/v1/campaigns")
CAMPAIGN_ID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$campaign")
echo "uploading $ROWS rows…" >&2
upload_started=$(date +%s.%N)
curl -sf -X PUT -H "Authorization: Bearer $KEY" -H 'content-type: text/csv' \
  --data-binary @"$OUT_DIR/campaign.csv" "$base/v1/campaigns/$CAMPAIGN_ID/rows" >/dev/null
upload_s=$(python3 -c "import time,sys; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$upload_started")

# The probe: ordinary pass issues at PROBE_RATE a second until the campaign ends.
python3 - "$base" "$KEY" "$PROBE_RATE" "$CAMPAIGN_ID" "$RUN_ID" >"$OUT_DIR/campaign-probe.txt" <<'PY' &
import json, os, sys, time, urllib.request
base, key, rate, campaign, run = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
params = json.loads(os.environ["PARAMS_JSON"])
headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
latencies, errors, n = [], 0, 0
next_at = time.time()
while True:
    if n % 20 == 0:
        view = json.load(urllib.request.urlopen(urllib.request.Request(f"{base}/v1/campaigns/{campaign}", headers=headers)))
        if view["status"] in ("FINISHED", "CANCELLED"):
            break
    n += 1
    body = json.dumps({"template_id": os.environ["TEMPLATE_ID"], "serial_number": f"{run[-6:]}p{n}", "params": params,
                       "recipient": {"partner_id": "2088102122069225", "out_trade_no": f"p{n}"}}).encode()
    started = time.time()
    try:
        urllib.request.urlopen(urllib.request.Request(f"{base}/v1/passes", data=body, headers=headers))
        latencies.append((time.time() - started) * 1000)
    except Exception:
        errors += 1
    next_at += 1 / rate
    time.sleep(max(0, next_at - time.time()))
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
print(f"PROBE requests={len(latencies)} errors={errors} p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f}")
PY
probe=$!
wait "$probe"
view=$(api "$base/v1/campaigns/$CAMPAIGN_ID")
read -r duration sent refused target_s <<<"$(python3 - "$view" "$ROWS" "$RATE" <<'PY'
import json, sys
from datetime import datetime
v = json.loads(sys.argv[1]); rows, rate = int(sys.argv[2]), float(sys.argv[3])
ts = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
d = (ts(v["finished_at"]) - ts(v["started_at"])).total_seconds()
print(f"{d:.1f} {v['rows']['sent']} {v['rows']['refused']} {rows / rate:.1f}")
PY
)"
probe_line=$(cat "$OUT_DIR/campaign-probe.txt")
{
  echo "alipass campaign benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)   commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "machine: $(nproc) cores; the service, the simulator, Postgres and Redis on the same cores"
  echo "rows: $ROWS at $RATE/s   upload: ${upload_s} s   sent: $sent   refused: $refused"
  echo "campaign: ${duration} s   target ${target_s} s   off by $(python3 -c "import sys; print(f'{(float(sys.argv[1]) / float(sys.argv[2]) - 1) * 100:+.1f} %')" "$duration" "$target_s") (limit ±3 %)"
  echo "API meanwhile (pass issues at $PROBE_RATE/s): $probe_line (limit p99 < 50 ms)"
} | tee "$OUT_DIR/campaign.txt"
