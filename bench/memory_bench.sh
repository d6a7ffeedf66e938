#!/usr/bin/env bash
# Memory of `analyze` (DESIGN.md section 8): peak RSS and time of all
# analyses without a limit and under --memory-limit, interleaved, best of
# RUNS; then each keyed analysis alone (peak RSS above a run of q1 alone,
# per distinct task), and the whole-trace estimate from them.
#   bash bench/memory_bench.sh BUILD_DIR [SCALE] [RUNS] [LIMITS]
#   e.g. bash bench/memory_bench.sh build 8 3 "512M 256M"
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?build dir}"
scale="${2:-2}"
runs="${3:-2}"
limits="${4:-512M 256M 128M}"
threads=2
bin="$build/src/borgscope"
work="bench/work/memory"
trace="$work/trace-$scale"
mkdir -p "$work"
[ -d "$trace/task_usage" ] || "$bin" gen --quiet --seed 7 --scale "$scale" --out "$trace"

# Prints "seconds peak_kb" of one run.
run() {
  local out="$work/out"
  rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" \
    "$bin" analyze --quiet --no-plots --threads "$threads" --trace "$trace" --out "$out" "$@"
  cat "$work/time.txt"
}

tasks=$("$bin" analyze --quiet --no-plots --only q3 --trace "$trace" --out "$work/q3" &&
  awk -F, 'NR > 1 { n += $2 } END { print n }' "$work/q3/q3/tasks_by_class.csv")
echo "gen --scale $scale: $(du -shL "$trace" | cut -f1) of gzip, $tasks distinct tasks; $threads threads, best of $runs"
echo
echo "| run | seconds | peak RSS | bytes per task | spilled |"
echo "|---|---|---|---|---|"
declare -A best_seconds best_kb spilled
for _ in $(seq "$runs"); do
  for limit in none $limits; do
    flags=()
    [ "$limit" != none ] && flags=(--memory-limit "$limit")
    read -r seconds kb < <(run "${flags[@]}")
    if [ -z "${best_seconds[$limit]:-}" ] || awk "BEGIN { exit !($seconds < ${best_seconds[$limit]}) }"; then
      best_seconds[$limit]=$seconds
    fi
    if [ -z "${best_kb[$limit]:-}" ] || [ "$kb" -lt "${best_kb[$limit]}" ]; then best_kb[$limit]=$kb; fi
    spilled[$limit]=$(python3 -c "import json; print(round(json.load(open('$work/out/metrics.json'))['spill']['spilled_bytes'] / 2**20))")
  done
done
for limit in none $limits; do
  echo "| ${limit/none/no limit} | ${best_seconds[$limit]} | $((best_kb[$limit] / 1024)) MiB | $((best_kb[$limit] * 1024 / tasks)) | ${spilled[$limit]} MiB |"
done

echo
read -r _ base_kb < <(run --only q1 --memory-limit 100%)
echo "Each analysis alone, no spilling (peak RSS above q1 alone: $((base_kb / 1024)) MiB):"
echo
echo "| analysis | peak RSS | bytes per task above the base |"
echo "|---|---|---|"
for id in q3 q4 q5 q6 q7 q8 q9; do
  read -r _ kb < <(run --only "$id" --memory-limit 100%)
  echo "| $id | $((kb / 1024)) MiB | $(((kb - base_kb) * 1024 / tasks)) |"
done
