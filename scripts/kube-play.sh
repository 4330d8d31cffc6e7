#!/usr/bin/env bash
# Runs deploy/README.md's staging recipe as written and starts what it applies with
# `podman kube play`: the commands of its "Staging with the gateway simulator" block, then
# those of "Deploy order" with ENV=staging, read from the README at run time. `kubectl` stands
# for the cluster this machine does not have:
#   create secret ...       the real kubectl, --dry-run=client -o yaml (the Secret it would send)
#   apply -k DIR            kubectl kustomize DIR, adapted (scripts/lib/kube-adapt.py says how
#                           and why), then podman kube play (runc and the accepted limits)
#   wait ... job/NAME       the Job's pod exits 0 within the timeout
#   rollout status ...      the Deployment's pod answers its readinessProbe within the timeout
#   create namespace, delete job, logs: their podman equivalents
# The operator's own inputs, which the README leaves to them, are made here: database-url (a
# fresh database on the host's Postgres), redis-url (the host's Redis, database 11), and
# api-keys.toml with a new key. Then a pass goes template -> pass -> redeem through the
# started API and simulator pods. Needs root (podman), the host's Postgres and Redis; builds
# the image (scripts/image.sh's way) when the manifests' tag is not there. Not part of
# .ci/run: it takes minutes. Usage: bash scripts/kube-play.sh   (KEEP=1 leaves it running)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/containers.sh
. scripts/lib/smoke.sh

RUN_ID=alipass-kube-$$
DB=${RUN_ID//-/_}
REDIS_DB=11
WORK=$(mktemp -d)
RECIPE=$WORK/recipe
CLUSTER=$WORK/cluster
mkdir -p "$RECIPE" "$CLUSTER/secrets" "$CLUSTER/files" "$CLUSTER/played"
API_PORT=$(free_port)
SIM_PORT=$(free_port)
# The API (base/) listens on 8080 and the simulator (overlays/staging/sim/) on 8090.
export PORTS="8080=$API_PORT,8090=$SIM_PORT"
export CONTAINERS_CONF=$WORK/containers.conf
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
EOF

cleanup() {
  [ -n "${KEEP:-}" ] && { echo "kept: pods of $CLUSTER/played, database $DB, $WORK" >&2; return; }
  for played in "$CLUSTER"/played/*.yaml; do
    [ -e "$played" ] && podman kube down "$played" >/dev/null 2>&1 || true
  done
  psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  # Redis database $REDIS_DB is this script's: the staging API writes its default prefix there.
  redis-cli -h 127.0.0.1 -n "$REDIS_DB" --scan --pattern 'alipass:*' 2>/dev/null \
    | xargs -r redis-cli -h 127.0.0.1 -n "$REDIS_DB" del >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

failed() {
  echo "FAIL  $*" >&2
  for container in $(played_containers); do
    echo "--- $container:" >&2
    podman logs --tail 20 "$container" >&2 || true
  done
  exit 1
}

# ---------------------------------------------------------------- kubectl, for this host
seconds_of() { # 10m, 90s, 1h -> seconds
  case $1 in *h) echo $((${1%h} * 3600)) ;; *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

kubectl_apply() { # DIR
  local dir=$1 slug rendered played
  slug=$(echo "${dir#"$ROOT"/}" | tr -c 'a-zA-Z0-9\n' '-')
  rendered=$CLUSTER/$slug.rendered.yaml
  played=$CLUSTER/played/$slug.yaml
  command kubectl kustomize "$dir" >"$rendered" || failed "kubectl kustomize $dir"
  python3 "$ROOT/scripts/lib/kube-adapt.py" "$rendered" "$CLUSTER/secrets" "$played" "$CLUSTER/files" \
    || failed "adapting $dir"
  ensure_images "$played"
  # apply replaces what an earlier apply of the same kustomization started.
  podman kube play --replace "$played" >"$CLUSTER/$slug.play.log" 2>&1 \
    || { cat "$CLUSTER/$slug.play.log" >&2; failed "podman kube play $dir"; }
  echo "  applied $dir: $(grep -c '^kind:' "$played") objects played"
}

# The image the manifests pin, built here when missing (no registry to pull it from).
ensure_images() {
  local image
  for image in $(grep -oE 'image: \S+' "$1" | cut -d' ' -f2 | sort -u); do
    podman image exists "$image" && continue
    echo "  building $image (not in local storage; no registry here)"
    build_image "$image"
  done
}

# kube play names a Deployment's containers POD-pod-N-CONTAINER and a Pod's POD-CONTAINER.
played_containers() {
  local names
  names=$(cat "$CLUSTER"/played/*.yaml 2>/dev/null | python3 -c 'import sys, yaml
names = []
for o in yaml.safe_load_all(sys.stdin):
    if o and o["kind"] in ("Deployment", "Pod"):
        spec = o["spec"]["template"]["spec"] if o["kind"] == "Deployment" else o["spec"]
        pod = o["metadata"]["name"] + ("-pod-[0-9]+" if o["kind"] == "Deployment" else "")
        names += [pod + "-" + c["name"] for c in spec["containers"]]
print("|".join(names))')
  [ -n "$names" ] && podman ps -a --format '{{.Names}}' | grep -E "^($names)\$"
}

pod_container() { # POD CONTAINER -> the container's name
  podman ps -a --format '{{.Names}}' | grep -E "^$1(-pod-[0-9]+)?-$2\$" | head -n1
}

kubectl_wait_job() { # NAME TIMEOUT
  local container code
  container=$(pod_container "$1" "$(job_container "$1")")
  [ -n "$container" ] || failed "no pod for job/$1"
  code=$(timeout "$(seconds_of "$2")" podman wait "$container") || { echo "job/$1 timed out" >&2; return 1; }
  [ "$code" = 0 ] || { echo "job/$1 failed (exit $code)" >&2; return 1; }
  echo "job.batch/$1 condition met"
}

job_container() { python3 -c 'import sys, yaml
for o in yaml.safe_load_all(open(sys.argv[1])):
    if o and o["kind"] == "Pod" and o["metadata"]["name"] == sys.argv[2]:
        print(o["spec"]["containers"][0]["name"])' "$CLUSTER"/played/*migrate*.yaml "$1"; }

readiness_url() { # DEPLOYMENT -> http://127.0.0.1:PORT/PATH of its readinessProbe
  python3 -c 'import glob, sys, yaml
for path in glob.glob(sys.argv[1]):
    for o in yaml.safe_load_all(open(path)):
        if o and o["kind"] == "Deployment" and o["metadata"]["name"] == sys.argv[2]:
            probe = o["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
            print("http://127.0.0.1:%s%s" % (probe["port"], probe["path"]))' "$CLUSTER/played/*.yaml" "$1"
}

kubectl_rollout_status() { # NAME TIMEOUT
  local url deadline container restarts
  url=$(readiness_url "$1")
  [ -n "$url" ] || failed "no deployment/$1 applied"
  deadline=$((SECONDS + $(seconds_of "$2")))
  container=$(pod_container "$1" "$1")
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || { echo "deployment/$1: $url not ready" >&2; return 1; }
    # A crash loop fails at once, as CrashLoopBackOff tells whoever watches the rollout.
    restarts=$(podman inspect --format '{{.RestartCount}}' "$container" 2>/dev/null || echo 0)
    [ "$restarts" -lt 3 ] || { echo "deployment/$1: $container restarted $restarts times" >&2; podman logs --tail 5 "$container" >&2; return 1; }
    sleep 0.2
  done
  echo "deployment \"$1\" successfully rolled out (readinessProbe $url answers 200)"
}

kubectl() {
  local args=() timeout=10m arg
  while [ $# -gt 0 ]; do
    case $1 in
      -n | --namespace) shift ;;
      --timeout=*) timeout=${1#--timeout=} ;;
      --for=* | --ignore-not-found) ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  set -- "${args[@]}"
  case "$1 $2" in
    "create namespace") echo "namespace/$3 (podman has no namespaces)" ;;
    "create secret")
      command kubectl -n alipass create secret "${@:3}" --dry-run=client -o yaml >"$CLUSTER/secrets/$4.yaml"
      echo "secret/$4 created" ;;
    "delete job")
      for played in "$CLUSTER"/played/*migrate*.yaml; do
        [ -e "$played" ] && podman kube down "$played" >/dev/null 2>&1
      done
      echo "job.batch/$3 deleted (if any)" ;;
    "apply -k") kubectl_apply "$(cd "$ROOT" && realpath "$3")" ;;
    "wait job/"*) kubectl_wait_job "${2#job/}" "$timeout" ;;
    "rollout status") kubectl_rollout_status "${3#deployment/}" "$timeout" ;;
    "logs job/"*) podman logs "$(pod_container "${2#job/}" "$(job_container "${2#job/}")")" ;;
    *) failed "kubectl $* is not something this host can stand in for" ;;
  esac
}

readme_block() { # HEADING -> the first ```sh block under `## HEADING` in deploy/README.md
  awk -v heading="## $1" '
    $0 == heading { inside = 1; next }
    inside && /^## / { exit }
    inside && /^```sh$/ { code = 1; next }
    code && /^```$/ { exit }
    code { print }
  ' "$ROOT/deploy/README.md"
}

# ---------------------------------------------------------------- the recipe
echo "== tools"
ensure_container_tools
ensure_base_image

echo "== the operator's inputs (deploy/README.md leaves them to the operator)"
psql -h 127.0.0.1 -U postgres -qAtc "CREATE DATABASE \"$DB\"" >/dev/null
API_KEY=$(openssl rand -hex 24)
(
  cd "$RECIPE"
  printf '%s' "postgres://postgres@127.0.0.1:5432/$DB" >database-url
  printf '%s' "redis://127.0.0.1:6379/$REDIS_DB" >redis-url
  printf '[[api_keys]]\nname = "kube-play"\nsha256 = "%s"\nscopes = ["templates:write", "passes:write", "read"]\n' \
    "$(printf '%s' "$API_KEY" | sha256sum | cut -d' ' -f1)" >api-keys.toml
)
echo "database-url: a fresh database $DB; redis-url: database $REDIS_DB; api-keys.toml: one new key"

staging=$(readme_block "Staging with the gateway simulator")
deploy=$(readme_block "Deploy order: migrations first, then the rollout")
[ -n "$staging" ] && [ -n "$deploy" ] || failed "deploy/README.md's staging or deploy-order block not found"
grep -q '^ENV=production' <<<"$deploy" || failed "the deploy-order block no longer starts with ENV=production"

echo "== deploy/README.md: Staging with the gateway simulator (run as written, in $RECIPE)"
sed 's/^/  $ /' <<<"$staging"
# openssl draws progress dots on stderr: kept in a log, shown when the block fails.
(cd "$RECIPE" && eval "$staging") 2>"$WORK/staging.stderr" \
  || { cat "$WORK/staging.stderr" >&2; failed "the staging block"; }
echo "== deploy/README.md: Deploy order, ENV=staging (run as written)"
deploy=${deploy/ENV=production/ENV=staging}
sed 's/^/  $ /' <<<"$deploy"
started=$(now_ms)
(eval "$deploy") || failed "the deploy-order block"
passed "staging recipe: migration Job completed, alipass and alipass-sim started, /readyz ready $(($(now_ms) - started)) ms after the first apply"

echo "== the started pods"
api_container=$(pod_container alipass alipass)
ro=$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$api_container")
ids=$(process_ids "$api_container")
[ "$ro" = true ] && [ "$ids" = 65532:65532 ] || failed "$api_container: read-only root $ro, uid:gid $ids"
passed "$api_container: read-only root filesystem, process uid:gid $ids, secrets from the recipe's Secret"
# What the kubelet would probe, probed: every startup, liveness and readiness probe of the
# started Deployments answers 200 (podman itself runs none of them).
probes=$(python3 -c 'import glob, sys, yaml
for path in glob.glob(sys.argv[1]):
    for o in yaml.safe_load_all(open(path)):
        if o and o["kind"] == "Deployment":
            for c in o["spec"]["template"]["spec"]["containers"]:
                for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                    http = (c.get(kind) or {}).get("httpGet")
                    if http:
                        print(o["metadata"]["name"], kind, "http://127.0.0.1:%s%s" % (http["port"], http["path"]))' \
  "$CLUSTER/played/*.yaml")
[ -n "$probes" ] || failed "no probes in the started Deployments"
while read -r deployment kind url; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  [ "$status" = 200 ] || failed "$deployment $kind $url answered $status"
done <<<"$probes"
passed "probes answer 200: $(awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }' <<<"$probes")"
API_URL=http://127.0.0.1:$API_PORT smoke_template_pass_redeem
simulator_saw "http://127.0.0.1:$SIM_PORT"

echo
echo "== kube-play.sh summary"
printf '%s\n' "${RESULTS[@]}"
