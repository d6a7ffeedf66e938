#!/usr/bin/env bash
# The README's first command: install dependencies, build borgscope (Release),
# generate a synthetic trace and analyze it.
#   bash scripts/demo.sh [SCALE]      (default scale 0.1: ~100 MB of CSV)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-0.1}"
BUILD="${BORGSCOPE_BUILD_DIR:-build}"

bash scripts/setup.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBORGSCOPE_TESTS=OFF -DBORGSCOPE_BENCH=OFF
cmake --build "$BUILD" -j"$(nproc)" --target borgscope

rm -rf demo/trace demo/out
"$BUILD/src/borgscope" gen --out demo/trace --seed 1 --scale "$SCALE"
"$BUILD/src/borgscope" analyze --trace demo/trace --out demo/out
BINARY="$(cd "$BUILD/src" && pwd)/borgscope"
echo
echo "results: $(pwd)/demo/out  (one folder per question; open report.html in a browser)"
echo "binary:  $BINARY  (to run it as borgscope: export PATH=\"$(dirname "$BINARY"):\$PATH\")"
