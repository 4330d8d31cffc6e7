# Sourced by scripts/image.sh and scripts/kube-play.sh: results, and one pass through a
# running service. The sourcing script defines failed() (print why, show logs, exit 1).
#   passed MESSAGE…                 records and prints one result (RESULTS holds them all)
#   smoke_template_pass_redeem      template -> pass -> redeem against $API_URL with $API_KEY
#                                   (templates:write, passes:write); serials carry $RUN_ID
#   simulator_saw SIM_URL           the simulator's requests by method: the three calls made it

RESULTS=()
passed() { RESULTS+=("ok    $*"); echo "ok    $*"; }

api() { # METHOD PATH [BODY] -> the answer's body; fails unless 2xx
  local out status
  out=$(mktemp)
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $API_KEY" \
    -H 'content-type: application/json' ${3:+-d "$3"} "$API_URL$2")
  case $status in
    2??) cat "$out"; rm -f "$out" ;;
    *) echo "$1 $2 answered $status: $(cat "$out")" >&2; rm -f "$out"; return 1 ;;
  esac
}

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

smoke_template_pass_redeem() {
  local template created template_id pass issued redeemed serial=$RUN_ID-pass
  template=$(python3 -c 'import json, sys; print(json.dumps({"unique_id": sys.argv[1], "content": json.load(open("tests/fixtures/template_valid.json"))}))' "$RUN_ID")
  created=$(api POST /v1/templates "$template") || failed "template"
  template_id=$(json_field id <<<"$created")
  passed "template $template_id $(json_field status <<<"$created"), Alipay template $(json_field alipay_template_id <<<"$created")"
  local params
  params=$(python3 "$(dirname "${BASH_SOURCE[0]}")/pass_params.py" "$created" smoke)
  pass=$(python3 -c 'import json, sys
print(json.dumps({"template_id": sys.argv[1], "serial_number": sys.argv[3], "params": json.loads(sys.argv[2]),
                  "recipient": {"partner_id": "2088102122069225", "out_trade_no": sys.argv[3]}}))' \
    "$template_id" "$params" "$serial")
  issued=$(api POST /v1/passes "$pass") || failed "pass"
  [ "$(json_field status <<<"$issued")" = ISSUED ] || failed "pass: $issued"
  passed "pass $serial ISSUED, Alipay pass id $(json_field alipay_pass_id <<<"$issued")"
  redeemed=$(api POST "/v1/passes/$serial/redeem" '{}') || failed "redeem"
  [ "$(json_field status <<<"$redeemed")" = USED ] || failed "redeem: $redeemed"
  passed "pass $serial redeemed: USED"
}

simulator_saw() {
  local seen
  seen=$(curl -sf "$1/__sim/state" | python3 -c '
import json, sys
requests = json.load(sys.stdin)["requests"]
wanted = ("alipay.pass.template.add", "alipay.pass.instance.add", "alipay.pass.instance.update")
print(" ".join(f"{m}={n}" for m, n in sorted(requests.items())) if all(requests.get(m) for m in wanted) else "")
') || failed "the simulator state at $1"
  [ -n "$seen" ] || failed "the simulator did not see template.add, instance.add and instance.update"
  passed "the simulator answered signed calls: $seen"
}
