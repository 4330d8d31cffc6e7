# Sourced by scripts/image.sh and scripts/kube-play.sh: containers on a machine whose image
# registries are unreachable and whose kernel refuses crun and podman's default limits.
#   ensure_container_tools   podman, buildah, runc, debootstrap from Debian when missing
#   ensure_base_image        $BASE_IMAGE, made when missing: RUNTIME_BASE=minbase (default) a
#                            debootstrap'ed bookworm minbase; RUNTIME_BASE=cc the Debian
#                            packages distroless cc-debian12 is made of, without apt or a shell
#   build_image TAG          deploy/Dockerfile -> TAG (host release binary, local runtime base)
#   podman_run ARGS…         `podman run` with runc, the accepted limits and the host network
#   free_port                a TCP port nobody listens on
#   process_ids CONTAINER    uid:gid of the container's main process, as the kernel sees them
# Needs $WORK (a scratch directory); sets BUILD_SECONDS after build_image.

RUNTIME_BASE=${RUNTIME_BASE:-minbase}
BASE_IMAGE=${BASE_IMAGE:-localhost/bookworm-$RUNTIME_BASE:latest}
# What gcr.io/distroless/cc-debian12 holds (its Bazel rules unpack these Debian packages).
CC_PACKAGES=(base-files netbase tzdata ca-certificates libc6 libgcc-s1 libgomp1 libstdc++6 libssl3)
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

# The registry's bases cannot be pulled here; either stands in for the distroless
# cc-debian12 runtime (same glibc 2.36). minbase is the recipe known to work on these
# machines but also carries a shell and apt; cc is distroless's own content, for its size.
ensure_base_image() {
  podman image exists "$BASE_IMAGE" && return
  local rootfs=$WORK/rootfs
  case $RUNTIME_BASE in
    minbase)
      echo "making $BASE_IMAGE with debootstrap (about a minute)" >&2
      debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; } ;;
    cc) make_cc_rootfs "$rootfs" ;;
    *) echo "RUNTIME_BASE is minbase or cc, not $RUNTIME_BASE" >&2; exit 1 ;;
  esac
  tar -C "$rootfs" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# distroless cc's content from this machine's Debian packages: unpacked, not installed (no
# dpkg database, no maintainer scripts), so the CA bundle and the users are written here.
make_cc_rootfs() {
  local rootfs=$1 debs=$WORK/debs
  echo "making $BASE_IMAGE from ${CC_PACKAGES[*]}" >&2
  mkdir -p "$debs" "$rootfs"
  (cd "$debs" && apt-get download "${CC_PACKAGES[@]}" >/dev/null 2>&1) \
    || { echo "apt-get download ${CC_PACKAGES[*]} failed" >&2; exit 1; }
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  rm -rf "$rootfs"/usr/share/{doc,man,info,lintian}
  mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/home/nonroot"
  chmod 1777 "$rootfs/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  chown 65532:65532 "$rootfs/home/nonroot"
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
  local started=$SECONDS previous
  previous=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  podman build "${PODMAN_RUNTIME[@]}" --quiet -f deploy/Dockerfile \
    --build-arg BINARY_FROM="$binary_image" --build-arg RUNTIME_IMAGE="$BASE_IMAGE" \
    -t "$tag" . >/dev/null
  BUILD_SECONDS=$((SECONDS - started))
  podman rmi "$binary_image" >/dev/null
  # The build this one replaces, unless a container still uses it.
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$tag")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

podman_run() {
  podman "${PODMAN_RUNTIME[@]}" run "${PODMAN_LIMITS[@]}" --network host "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

process_ids() {
  local pid
  pid=$(podman inspect --format '{{.State.Pid}}' "$1")
  awk '/^Uid:|^Gid:/ { printf "%s%s", sep, $2; sep = ":" }' "/proc/$pid/status"
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
