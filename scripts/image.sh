#!/usr/bin/env bash
# Builds the alipass image from deploy/Dockerfile with podman and runs it on this machine, the
# way Kubernetes would: uid 65532, read-only root filesystem, all capabilities dropped, the
# production profile with secrets as mounted files, against the host's Postgres and Redis and
# the gateway simulator (`alipass sim`) in a second container of the same image. Prints the
# image's size, the build and start-up times and each smoke step's result; exits non-zero on
# the first failure. Registries are unreachable here: the runtime base is made locally (a
# debootstrap'ed bookworm minbase, or RUNTIME_BASE=cc distroless cc's Debian packages) and
# the binary is the host's release build (scripts/lib/containers.sh says why).
# Usage: bash scripts/image.sh   (RUNTIME_BASE=cc for the distroless-like base; IMAGE=name:tag
# to tag it otherwise; KEEP=1 keeps the containers and database for a look afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/containers.sh
. scripts/lib/smoke.sh

VERSION=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -n1)
IMAGE=${IMAGE:-ghcr.io/example/alipass:$VERSION}
RUN_ID=alipass-image-$$
DB=${RUN_ID//-/_}
APP_ID=2021000000000001
WORK=$(mktemp -d)
SECRETS=$WORK/secrets
API_PORT=$(free_port)
SIM_PORT=$(free_port)

cleanup() {
  [ -n "${KEEP:-}" ] && { echo "kept: containers $RUN_ID-*, database $DB, $WORK" >&2; return; }
  podman rm -f -i -t 5 "$RUN_ID-api" "$RUN_ID-sim" >/dev/null 2>&1 || true
  psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "$RUN_ID:*" 2>/dev/null | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

failed() {
  echo "FAIL  $*" >&2
  for name in "$RUN_ID-sim" "$RUN_ID-api"; do
    podman container exists "$name" && { echo "--- $name log:" >&2; podman logs --tail 30 "$name" >&2; }
  done
  exit 1
}

# The secrets a deployment mounts at /var/run/secrets/alipass, made as deploy/README.md says.
# World-readable: uid 65532 reads them (Kubernetes: mode 0440 with fsGroup 65532).
make_secrets() {
  mkdir -p "$SECRETS"
  chmod 0755 "$WORK" "$SECRETS"
  (
    cd "$SECRETS"
    for pair in app sim; do
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${pair}-private-key.pem" 2>/dev/null
      openssl pkey -in "${pair}-private-key.pem" -pubout -out "${pair}-public-key.pem"
    done
    printf '[[apps]]\napp_id = "%s"\npublic_key_file = "/var/run/secrets/alipass/app-public-key.pem"\n' \
      "$APP_ID" >apps.toml
    API_KEY=$(openssl rand -hex 24)
    printf '%s' "$API_KEY" >api-key
    printf '[[api_keys]]\nname = "image-smoke"\nsha256 = "%s"\nscopes = ["templates:write", "passes:write", "read"]\n' \
      "$(printf '%s' "$API_KEY" | sha256sum | cut -d' ' -f1)" >api-keys.toml
    openssl rand -base64 32 >pii-key
    openssl rand -base64 32 >console-session-key
    printf '%s' "postgres://postgres@127.0.0.1:5432/$DB" >database-url
    printf '%s' "redis://127.0.0.1:6379" >redis-url
    chmod 0644 ./*
  )
  cat >"$WORK/app.env" <<EOF
APP__SERVER__PORT=$API_PORT
APP__DATABASE__URL_FILE=/var/run/secrets/alipass/database-url
APP__REDIS__URL_FILE=/var/run/secrets/alipass/redis-url
APP__REDIS__KEY_PREFIX=$RUN_ID:
APP__AUTH__API_KEYS_FILE=/var/run/secrets/alipass/api-keys.toml
APP__PII__KEY_FILE=/var/run/secrets/alipass/pii-key
APP__CONSOLE__SESSION_KEY_FILE=/var/run/secrets/alipass/console-session-key
APP__ALIPAY__APP_ID=$APP_ID
APP__ALIPAY__GATEWAY_URL=http://127.0.0.1:$SIM_PORT/gateway.do
APP__ALIPAY__APP_PRIVATE_KEY_FILE=/var/run/secrets/alipass/app-private-key.pem
APP__ALIPAY__ALIPAY_PUBLIC_KEY_FILE=/var/run/secrets/alipass/sim-public-key.pem
EOF
}

# Every container as the pods run: non-root, read-only root (podman mounts a tmpfs on /tmp
# as the pods' emptyDir does), no capabilities, no privilege escalation, secrets read-only.
run_hardened() {
  podman_run --user 65532:65532 --read-only --cap-drop ALL --security-opt no-new-privileges \
    -v "$SECRETS:/var/run/secrets/alipass:ro" "$@"
}

wait_ready() { # URL, seconds -> 0 when it answers 200 in time
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    sleep 0.05
  done
  return 1
}


echo "== tools and base image"
ensure_container_tools
ensure_base_image
echo "podman $(podman version --format '{{.Client.Version}}'), runc $(runc --version | sed -n 's/^runc version //p'), base $BASE_IMAGE"

echo "== build $IMAGE"
build_image "$IMAGE"
size_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_bytes=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
IMAGE_MB=$(awk -v b="$size_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
OWN_MB=$(awk -v a="$size_bytes" -v b="$base_bytes" 'BEGIN { printf "%.1f", (a - b) / 1e6 }')
BINARY_MB=$(awk -v b="$(stat -c %s target/release/alipass)" 'BEGIN { printf "%.1f", b / 1e6 }')
passed "built in ${BUILD_SECONDS}s (podman build, host release binary): $IMAGE_MB MB, of which alipass's layers $OWN_MB MB (binary $BINARY_MB MB) on the $(awk -v b="$base_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB base"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
entry=$(podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{range .Config.Env}}{{.}} {{end}}' "$IMAGE")
[ "$user" = 65532:65532 ] || failed "image user is $user, want 65532:65532"
[[ $entry == '["/app/alipass"] ["serve"] '*APP_PROFILE=production* ]] || failed "entrypoint/cmd/env: $entry"
passed "image runs /app/alipass serve as $user with APP_PROFILE=production"

echo "== run (uid 65532, --read-only, host Postgres and Redis)"
make_secrets
psql -h 127.0.0.1 -U postgres -qAtc "CREATE DATABASE \"$DB\"" >/dev/null

run_hardened -d --name "$RUN_ID-sim" \
  -e APP__SIM__HOST=127.0.0.1 -e APP__SIM__PORT="$SIM_PORT" \
  -e APP__SIM__PRIVATE_KEY_FILE=/var/run/secrets/alipass/sim-private-key.pem \
  -e APP__SIM__APPS_FILE=/var/run/secrets/alipass/apps.toml \
  "$IMAGE" sim >/dev/null
wait_ready "http://127.0.0.1:$SIM_PORT/healthz" 20 || failed "the simulator container is not healthy"
passed "simulator container (alipass sim) healthy on :$SIM_PORT"

started=$(now_ms)
run_hardened --rm --env-file "$WORK/app.env" "$IMAGE" migrate >"$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log" >&2; failed "alipass migrate"; }
passed "alipass migrate in the container: exit 0 in $(($(now_ms) - started)) ms"

run_hardened --rm --env-file "$WORK/app.env" "$IMAGE" doctor >"$WORK/doctor.log" 2>&1 \
  || { cat "$WORK/doctor.log" >&2; failed "alipass doctor"; }
passed "alipass doctor in the container: exit 0, $(grep -c "✔" "$WORK/doctor.log") checks passed"
sed 's/^/        /' "$WORK/doctor.log"

started=$(now_ms)
run_hardened -d --name "$RUN_ID-api" --env-file "$WORK/app.env" "$IMAGE" >/dev/null
wait_ready "http://127.0.0.1:$API_PORT/readyz" 30 || failed "/readyz not ready within 30 s"
STARTUP_MS=$(($(now_ms) - started))
passed "/readyz 200 ${STARTUP_MS} ms after podman run (container created and started, pools open)"
read -r ro user <<<"$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}}' "$RUN_ID-api")"
ids=$(process_ids "$RUN_ID-api")
[ "$ro" = true ] && [ "$user" = 65532:65532 ] && [ "$ids" = 65532:65532 ] \
  || failed "read-only root $ro, user $user, process uid:gid $ids"
passed "API container: read-only root filesystem, process uid:gid $ids"

echo "== smoke: template -> pass -> redeem through the simulator container"
API_URL=http://127.0.0.1:$API_PORT API_KEY=$(cat "$SECRETS/api-key") smoke_template_pass_redeem
simulator_saw "http://127.0.0.1:$SIM_PORT"

echo
echo "== image.sh summary ($IMAGE)"
printf '%s\n' "${RESULTS[@]}"
echo "image size: $IMAGE_MB MB (alipass layers $OWN_MB MB); start-up to ready: $STARTUP_MS ms"
