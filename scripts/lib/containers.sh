# Sourced by scripts/image.sh and scripts/kube-play.sh: containers on a machine whose image
# registries are unreachable and whose kernel refuses crun and podman's default limits.
#   ensure_container_tools   podman, buildah, runc, debootstrap from Debian when missing
#   ensure_base_image        $BASE_IMAGE, a debootstrap'ed bookworm minbase, made when missing
#   build_image TAG          deploy/Dockerfile -> TAG (host release binary, local runtime base)
#   podman_run ARGS…         `podman run` with runc, the accepted limits and the host network
#   free_port                a TCP port nobody listens on
# Needs $WORK (a scratch directory); sets BUILD_SECONDS after build_image.

BASE_IMAGE=${BASE_IMAGE:-localhost/bookworm-minbase:latest}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The only limits this machine's kernel lets a container set; crun is refused here too.
PODMAN_RUNTIME=(--runtime runc)
PODMAN_LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

ensure_container_tools() {
  local missing=()
  for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]} (Debian packages)" >&2
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y "${missing[@]}" >/dev/null 2>&1; } \
    || { echo "cannot install ${missing[*]}" >&2; exit 1; }
}

# The registry's bases cannot be pulled here: a Debian bookworm minbase stands in for the
# distroless cc-debian12 runtime (same glibc 2.36; it also carries a shell and apt, which
# distroless does not, so it is larger).
ensure_base_image() {
  podman image exists "$BASE_IMAGE" && return
  echo "making $BASE_IMAGE with debootstrap (about a minute)" >&2
  local rootfs=$WORK/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  tar -C "$rootfs" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# The release binary is built on the host, not in a builder container: the host is Debian
# bookworm (the runtime's glibc) and has the cargo caches, while a cold release build of every
# dependency inside a container takes far longer on two cores. deploy/Dockerfile takes it
# through BINARY_FROM, an image holding /out/alipass; the cargo-chef stages are skipped.
build_image() {
  local tag=$1
  cargo build --release --locked --quiet --bin alipass
  local newest_glibc
  newest_glibc=$(objdump -T target/release/alipass | grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -n1)
  if [ "$(printf '%s\n' "$newest_glibc" GLIBC_2.36 | sort -V | tail -n1)" != GLIBC_2.36 ]; then
    echo "target/release/alipass needs $newest_glibc; the bookworm runtime has 2.36" >&2
    exit 1
  fi
  mkdir -p "$WORK/binary/out"
  install -m 0755 target/release/alipass "$WORK/binary/out/alipass"
  local binary_image=localhost/alipass-binary:build
  tar -C "$WORK/binary" -c out | podman import --quiet - "$binary_image" >/dev/null
  local started=$SECONDS
  podman build "${PODMAN_RUNTIME[@]}" --quiet -f deploy/Dockerfile \
    --build-arg BINARY_FROM="$binary_image" --build-arg RUNTIME_IMAGE="$BASE_IMAGE" \
    -t "$tag" . >/dev/null
  BUILD_SECONDS=$((SECONDS - started))
  podman rmi "$binary_image" >/dev/null
}

podman_run() {
  podman "${PODMAN_RUNTIME[@]}" run "${PODMAN_LIMITS[@]}" --network host "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
