#!/usr/bin/env bash
# The README's walkthrough against a running service (`cargo run -- serve`, or URL=host:port):
# a template, a pass issued from it, redeemed, and its history. The keys are fixed: a second
# run replays the first answers, and its redeem answers 409 pass_final (already USED).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${URL:-localhost:8080}
KEY=alipass-dev-key-not-for-production   # the documented development key (local/test only)
auth=(-H "Authorization: Bearer $KEY" -H 'content-type: application/json')
curl -sf "$URL/readyz"
echo

printf '{"unique_id": "walkthrough-1", "content": %s}' "$(cat tests/fixtures/template_valid.json)" |
  curl -s "${auth[@]}" -d @- "$URL/v1/templates" > "${TMPDIR:-/tmp}/walkthrough-template.json"
TEMPLATE=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "${TMPDIR:-/tmp}/walkthrough-template.json")
echo "template $TEMPLATE"

curl -s "${auth[@]}" "$URL/v1/passes" -d '{"template_id": "'"$TEMPLATE"'",
  "serial_number": "walk-1",
  "params": {"validStartDate": "2026-12-01 00:00:00", "validEndDate": "2027-12-31 23:59:59",
             "discountInfo": "9 折", "logoText": "Walkthrough", "useStateDesc": "可使用",
             "ackCode": "0001"},
  "recipient": {"partner_id": "2088102122069225", "out_trade_no": "order-1"}}'
echo
curl -s "${auth[@]}" "$URL/v1/passes/walk-1/redeem" -d '{}'
echo
curl -s "${auth[@]}" "$URL/v1/passes/walk-1/events"
echo
