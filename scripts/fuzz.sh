#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang, ASan and UBSan in
# build-fuzz/ and runs each for SECONDS (default 60) from a seed corpus made
# of the real shards' lines (tests/fuzz/make_corpus.py) plus what earlier runs
# found (build-fuzz/corpus/, kept between runs).
#   bash scripts/fuzz.sh [SECONDS]          e.g. 3600 for a long run
# A crash, a sanitizer report or a disagreement stops the run with exit 1;
# the input is saved as build-fuzz/artifacts/<target>-crash-*: reproduce with
# build-fuzz/<target> FILE, fix, and turn it into a regression test in tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
SAMPLE="${BORGSCOPE_SAMPLE_DIR:-$(cd .. && pwd)/shared/data/clusterdata-2011-2-sample}"
BUILD=build-fuzz
TARGETS=(block_parser_fuzz gzip_shard_fuzz)

echo "== fuzz targets: clang build in $BUILD"
cmake -S tests/fuzz -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=None >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
rm -rf "$BUILD/seeds"
python3 tests/fuzz/make_corpus.py "$SAMPLE" "$BUILD/seeds"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$BUILD/artifacts"
for target in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$target"
  mkdir -p "$corpus"
  echo "== $target for $SECONDS_EACH s"
  # New inputs go to the first folder; the seeds are read only. The gzip
  # target writes its input to a file under TMPDIR: one folder per run.
  TMPDIR="$scratch" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$BUILD/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
    -dict=tests/fuzz/trace.dict -artifact_prefix="$BUILD/artifacts/$target-" \
    "$corpus" "$BUILD/seeds/$target" 2>"$BUILD/$target.log" ||
    { tail -n 40 "$BUILD/$target.log"; echo "fuzz: $target failed (log: $BUILD/$target.log)"; exit 1; }
  grep -E "DONE" "$BUILD/$target.log" || tail -n 3 "$BUILD/$target.log"
done
echo "fuzz: no crash and no disagreement"
