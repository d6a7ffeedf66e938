#!/usr/bin/env bash
# Installs what borgscope needs to build and test, from Debian's packages.
# Safe to run again: apt-get skips what is installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libisal-dev libtbb-dev libcli11-dev libfmt-dev nlohmann-json3-dev libfast-float-dev
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox python3 libcurl4-openssl-dev libssl-dev chromium
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
