#!/usr/bin/env bash
# Installs what borgscope needs to build and test, from Debian's packages.
# Safe to run again: apt-get skips what is installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libisal-dev libtbb-dev libcli11-dev libfmt-dev nlohmann-json3-dev libfast-float-dev
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox python3 libcurl4-openssl-dev libssl-dev
  librdkafka-dev libcpp-httplib-dev prometheus chromium kcat
  libopenmpi-dev openmpi-bin
  clang-14 libclang-rt-14-dev zlib1g-dev clang-format
)

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
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The dashboard's charting library, which CMake embeds into the binary:
# `npm ci` only when web/node_modules is missing or older than the lock file.
# Without the npm registry the build goes on: the batch commands do not need
# it, and the live dashboard then says that its charts are missing.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web/node_modules/.package-lock.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in web/"
  if ! (cd "$web" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "setup: warning: npm ci in web/ failed (no npm registry?); building without the" \
         "dashboard's charting library: analyze is unaffected, the live dashboard shows no charts" >&2
  fi
fi
