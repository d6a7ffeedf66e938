#!/usr/bin/env bash
# The README's second command: install dependencies, check formatting, build
# with warnings as errors and run the whole test suite; then again with AddressSanitizer and
# UndefinedBehaviorSanitizer; and the fuzz targets for a short while each.
#   bash scripts/test.sh            (both builds and the fuzz targets)
#   BORGSCOPE_SANITIZE=0 bash scripts/test.sh   (skip the sanitizer build)
#   BORGSCOPE_FUZZ_SECONDS=0 bash scripts/test.sh   (skip fuzzing; default 40 s
#   per target, about 2 minutes with the clang build)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="$(nproc)"

bash scripts/setup.sh

echo "== Formatting (clang-format)"
bash scripts/check_format.sh
echo "== Layers (src/README.md)"
bash scripts/check_layers.sh

echo "== Release build, -Werror, tests"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DBORGSCOPE_WERROR=ON
cmake --build build-test -j"$JOBS"
ctest --test-dir build-test --output-on-failure -j"$JOBS"

if [ "${BORGSCOPE_FUZZ_SECONDS:-40}" != 0 ]; then
  bash scripts/fuzz.sh "${BORGSCOPE_FUZZ_SECONDS:-40}"
fi

if [ "${BORGSCOPE_SANITIZE:-1}" != 0 ]; then
  echo "== ASan + UBSan build, tests"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBORGSCOPE_WERROR=ON \
    -DBORGSCOPE_SANITIZE=ON -DBORGSCOPE_BENCH=OFF
  cmake --build build-asan -j"$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$JOBS"
fi
