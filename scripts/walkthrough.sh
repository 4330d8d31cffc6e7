#!/usr/bin/env bash
# Runs the README's walkthrough as the README has it — its code block after "walkthrough.sh
# runs the same" — against a running service (URL, default localhost:8080, which the block
# names), and checks what it answered: the template CREATED, the pass ISSUED then USED, and
# its history with the redemption. CI runs it (scripts/clients.sh) on a fresh database; the
# keys are fixed, so a second run against the same database replays the first answers.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${URL:-localhost:8080}
block=$(awk '/scripts\/walkthrough.sh` runs the same/ {found = 1}
             found && /^```sh$/ {inside = 1; next}
             inside && /^```$/ {exit}
             inside' README.md)
[ -n "$block" ] || { echo "README.md: the walkthrough's code block is not where this looks" >&2; exit 1; }
answers=$(bash -euo pipefail -c "${block//localhost:8080/$URL}")
echo "$answers"
for wanted in '"status":"CREATED"' '"status":"ISSUED"' '"status":"USED"' '"kind":"REDEEMED"'; do
  grep -q "$wanted" <<<"$answers" || { echo "walkthrough: no $wanted in its answers" >&2; exit 1; }
done
echo "walkthrough: the README's requests answered as it says"
