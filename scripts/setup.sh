#!/usr/bin/env bash
# Installs what borgscope needs to build and test, from Debian's packages and npm.
# Safe to run again: apt-get skips what is installed, npm ci runs only when needed.
#   bash scripts/setup.sh               everything: build, tests, benchmarks, CI
#   bash scripts/setup.sh --build-only  only what building the binary needs
#                                       (the image's build stage, deploy/Dockerfile)
set -euo pipefail

BUILD_ONLY=0
case "${1:-}" in
  "") ;;
  --build-only) BUILD_ONLY=1 ;;
  *) echo "usage: setup.sh [--build-only]" >&2; exit 2 ;;
esac

# What the binary needs to compile and link (the dashboard's chart library
# comes from npm, below).
BUILD_PACKAGES=(
  build-essential cmake pkg-config ca-certificates
  libisal-dev libtbb-dev libcli11-dev libfmt-dev nlohmann-json3-dev libfast-float-dev
  libabsl-dev libcurl4-openssl-dev libssl-dev
  librdkafka-dev libcpp-httplib-dev libopenmpi-dev openmpi-bin
)
# Tests, benchmarks and fuzzing.
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox python3 prometheus chromium kcat
  clang-14 libclang-rt-14-dev zlib1g-dev clang-format
)
PACKAGES=("${BUILD_PACKAGES[@]}")
if [ "$BUILD_ONLY" = 0 ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
# Node.js and npm for web/ (the dashboard's charting library): Debian's, unless
# a node that brings its own npm is already there.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# kubectl for the checks of deploy/k8s (`kubectl kustomize`): Debian's
# kubernetes-client, unless a kubectl is there already (a newer one from
# another package, whose /usr/bin/kubectl Debian's would collide with).
if [ "$BUILD_ONLY" = 0 ]; then
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# `npm ci` in a folder only when its node_modules is missing or older than its
# lock file.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in ${dir#"$root"/}/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
root="$(cd "$(dirname "$0")/.." && pwd)"
# The dashboard's charting library, which CMake embeds into the binary.
# Without the npm registry the build goes on: the batch commands do not need
# it, and the live dashboard then says that its charts are missing.
if ! npm_ci "$root/web"; then
  echo "setup: warning: npm ci in web/ failed (no npm registry?); building without the" \
       "dashboard's charting library: analyze is unaffected, the live dashboard shows no charts" >&2
fi
# The schema validators of the deploy/k8s checks (tests/deploy).
if [ "$BUILD_ONLY" = 0 ]; then npm_ci "$root/tests/deploy"; fi
