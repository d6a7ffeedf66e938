#!/usr/bin/env bash
# MPI scale-out benchmark: `analyze` (all analyses, no plots) under
# mpirun -np 1, 2, 3 on one generated trace, each rank with --threads 1, and
# the per-rank figures of metrics.json: shards, bytes, scan seconds, wait
# (for slower ranks, after each table), merge (serialize + exchange + merge)
# seconds and their CPU (the process's, MPI's busy waiting included: ranks
# that share cores get less than a core each, so CPU is what the merge cost),
# finish (keyed analyses' partitions) seconds, bytes sent and
# received, peak RSS. Prints the share of the run spent merging, and the
# per-core scan rate the whole-trace estimate in docs/performance.md uses.
# Usage: bash bench/mpi_bench.sh [build dir] [scale]      (default build, 0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
SCALE="${2:-0.5}"
BIN="$BUILD/src/borgscope"
[ -x "$BIN" ] || { echo "no $BIN: build first (cmake --build $BUILD)"; exit 2; }
WORK="bench/work/mpi"
TRACE="$WORK/trace-$SCALE"
mkdir -p "$WORK"
[ -d "$TRACE/task_usage" ] || "$BIN" gen --out "$TRACE" --scale "$SCALE" --quiet
echo "trace: $TRACE ($(du -sh "$TRACE" | cut -f1) of gzip)"

for ranks in 1 2 3; do
  out="$WORK/out-$ranks"
  rm -rf "$out"
  start=$(date +%s.%N)
  mpirun --allow-run-as-root --oversubscribe -np "$ranks" \
    "$BIN" analyze --trace "$TRACE" --out "$out" --threads 1 --no-plots --quiet
  end=$(date +%s.%N)
  python3 - "$out/metrics.json" "$ranks" "$start" "$end" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))
ranks, wall = int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3])
csv = sum(t["uncompressed_bytes"] for t in metrics["tables"].values())
print(f"-np {ranks}: wall {wall:.2f} s (mpirun included), analyze {metrics['seconds']:.2f} s, "
      f"{csv / 1e9:.3f} GB of CSV")
for r in metrics["ranks"]:
    total = r["scan_seconds"] + r["merge_seconds"]
    share = 100 * r["merge_seconds"] / total if total else 0
    print(f"  rank {r['rank']}: {r['shards']:3d} shards {r['compressed_bytes'] / 1e6:8.1f} MB gzip  "
          f"scan {r['scan_seconds']:6.2f} s  wait {r['wait_seconds']:5.2f} s  "
          f"merge {r['merge_seconds']:5.2f} s ({share:4.1f} %: split {r['exchange_split_seconds']:.3f} "
          f"transfer {r['exchange_transfer_seconds']:.3f} absorb {r['exchange_absorb_seconds']:.3f})  "
          f"merge CPU {r['merge_cpu_seconds']:5.3f} s ({100 * r['merge_cpu_seconds'] / r['cpu_seconds']:4.1f} % of the rank's "
          f"{r['cpu_seconds']:.2f} s)  finish {r['finish_seconds']:5.2f} s  "
          f"sent {r['bytes_sent'] / 1e6:7.2f} MB  received {r['bytes_received'] / 1e6:7.2f} MB  "
          f"peak RSS {r['peak_rss_bytes'] / 1e6:6.0f} MB")
worst = max(r["merge_seconds"] for r in metrics["ranks"])
print(f"  merge + exchange: {100 * worst / metrics['seconds']:.1f} % of the analyze run (slowest rank)")
cpu_share = max(r["merge_cpu_seconds"] / r["cpu_seconds"] for r in metrics["ranks"])
print(f"  merge + exchange CPU: {100 * cpu_share:.1f} % of a rank's CPU in the run (largest rank; MPI's busy waiting included)")
if ranks == 1:
    r = metrics["ranks"][0]
    print(f"  per-core scan rate: {csv / r['scan_seconds'] / 1e6:.0f} MB/s of CSV, "
          f"{r['compressed_bytes'] / r['scan_seconds'] / 1e6:.0f} MB/s of gzip")
PY
done
