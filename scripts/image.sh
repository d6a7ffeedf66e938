#!/usr/bin/env bash
# Builds deploy/Dockerfile into localhost/borgscope:<version> and :latest with
# podman, and with --smoke tests the image: `borgscope analyze` on the real
# sample inside it gives the host build's CSVs byte for byte, alone and under
# `mpirun -np 2`; `--version` answers; the runtime stage holds no compiler.
#   bash scripts/image.sh [--smoke]
# Installs podman, buildah and debootstrap (Debian's) when missing. No registry
# is needed: when the Dockerfile's base image is not in local storage it is made
# from Debian's packages (debootstrap --variant=minbase) and imported under the
# name the Dockerfile uses. Containers run through buildah (`buildah run
# --isolation chroot`): `podman run` cannot set rlimits in these VMs.
# Slow: the build stage compiles borgscope (about
# 20 minutes on 2 cores; see docs/deploy.md). Environment:
#   BORGSCOPE_TRACE  trace for --smoke (default: the shared real sample)
#   BORGSCOPE_HOST_BIN  host binary to compare with (default: build/src/borgscope)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

SMOKE=0
case "${1:-}" in
  "") ;;
  --smoke) SMOKE=1 ;;
  *) echo "usage: scripts/image.sh [--smoke]" >&2; exit 2 ;;
esac

VERSION="$(sed -n 's/^project(borgscope .*VERSION \([0-9][0-9.]*\)).*/\1/p' CMakeLists.txt)"
[ -n "$VERSION" ] || { echo "image: no VERSION in CMakeLists.txt's project()" >&2; exit 1; }
IMAGE="localhost/borgscope"
BASE="$(awk '$1 == "FROM" { print $2; exit }' deploy/Dockerfile)"   # e.g. debian:12
case "$BASE" in
  */*) BASE_REF="$BASE" ;;
  *) BASE_REF="docker.io/library/$BASE" ;;   # what podman resolves a short name to
esac

# --- tools
need=()
command -v podman >/dev/null || need+=(podman)
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "image: installing ${need[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${need[@]}" uidmap
fi
PODMAN=(podman --cgroup-manager=cgroupfs)
BUILDAH=(buildah --cgroup-manager=cgroupfs)

# --- base image, from Debian's packages when it is not in local storage
if ! "${PODMAN[@]}" image exists "$BASE_REF"; then
  case "$BASE" in
    debian:12 | debian:bookworm) suite=bookworm ;;
    *) echo "image: base $BASE is not in local storage and only debian:12 can be made here" >&2
       exit 1 ;;
  esac
  mirror="$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  rootfs="$(mktemp -d /var/tmp/borgscope-base.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "image: making $BASE_REF with debootstrap --variant=minbase $suite ($mirror)"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  # Updates and security fixes, as the official image has them.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$BASE_REF" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

# --- build
echo "image: building $IMAGE:$VERSION from deploy/Dockerfile (compiles borgscope: slow)"
start=$(date +%s)
# The build stage's npm must trust what this host trusts (behind a
# TLS-intercepting proxy, a CA of its own): the host's bundle is mounted for
# the RUN steps only and named by NODE_EXTRA_CA_CERTS, a build argument of
# the discarded build stage; nothing of it reaches the image.
host_ca=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  host_ca=(--volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca-certificates.crt:ro
           --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca-certificates.crt)
fi
"${PODMAN[@]}" build --isolation=chroot --pull=never "${host_ca[@]}" -f deploy/Dockerfile \
  -t "$IMAGE:$VERSION" -t "$IMAGE:latest" .
size_bytes="$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE:$VERSION")"
echo "image: built $IMAGE:$VERSION and :latest in $(($(date +%s) - start)) s," \
  "$((size_bytes / 1000000)) MB"

[ "$SMOKE" = 1 ] || exit 0

# --- smoke test
TRACE="${BORGSCOPE_TRACE:-/work/shared/data/clusterdata-2011-2-sample}"
HOST_BIN="${BORGSCOPE_HOST_BIN:-$root/build/src/borgscope}"
[ -d "$TRACE" ] || { echo "image: no trace at $TRACE (set BORGSCOPE_TRACE)" >&2; exit 1; }
if [ ! -x "$HOST_BIN" ]; then
  echo "image: building the host binary to compare with"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$(nproc)" --target borgscope
fi
work="$(mktemp -d /var/tmp/borgscope-smoke.XXXXXX)"
ctr=""
cleanup() {
  [ -z "$ctr" ] || "${BUILDAH[@]}" rm "$ctr" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ctr="$("${BUILDAH[@]}" from --pull=false "$IMAGE:$VERSION")"
in_image() {
  "${BUILDAH[@]}" run --isolation chroot -v "$TRACE:/trace:ro" -v "$work:/work" "$ctr" -- "$@"
}
fail() { echo "image: smoke FAILED: $*" >&2; exit 1; }

# The CSVs of two output folders: same files, same bytes.
same_csvs() {
  local a="$1" b="$2" what="$3"
  (cd "$a" && find . -name '*.csv' | sort) >"$work/a.list"
  (cd "$b" && find . -name '*.csv' | sort) >"$work/b.list"
  [ -s "$work/a.list" ] || fail "$what: no CSV files"
  diff -u "$work/a.list" "$work/b.list" || fail "$what: different CSV files"
  while read -r f; do cmp "$a/$f" "$b/$f" || fail "$what: $f differs"; done <"$work/a.list"
  echo "image: smoke: $what: $(wc -l <"$work/a.list") CSV files identical to the host build's"
}

version_out="$(in_image borgscope --version)"
[ "$version_out" = "borgscope $VERSION" ] || fail "--version said '$version_out'"
echo "image: smoke: --version: $version_out"

"$HOST_BIN" analyze --trace "$TRACE" --out "$work/host" --quiet
in_image borgscope analyze --trace /trace --out /work/image --quiet
same_csvs "$work/host" "$work/image" "analyze"

in_image mpirun --allow-run-as-root --oversubscribe -np 2 \
  borgscope analyze --trace /trace --out /work/mpi --quiet
same_csvs "$work/host" "$work/mpi" "mpirun -np 2 analyze"

# No compiler in the runtime stage (the build stage's toolchain stayed behind).
compilers="$(in_image sh -c 'for c in cc c++ gcc g++ clang clang++ cmake make ld; do
  command -v "$c" || true; done')"
[ -z "$compilers" ] || fail "the runtime stage holds build tools: $compilers"
echo "image: smoke: no compiler, linker or build tool in the image"
echo "image: smoke passed ($IMAGE:$VERSION, $((size_bytes / 1000000)) MB)"
