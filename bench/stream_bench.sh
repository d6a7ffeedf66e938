#!/usr/bin/env bash
# Streaming benchmark: replay -> embedded broker -> stream, three processes on
# this machine, on the real sample shards (460,850 events).
#   1. throughput: replay --speed 0, events/s from the first produce to the
#      moment the stream has counted every event (end to end);
#   2. latency: replay at a fixed rate (--rate, default 50000 events/s), the
#      stream's produce -> counted percentiles over every event.
# Usage: bash bench/stream_bench.sh [build dir] [trace dir]
#   ROUNDS=3 RATE=50000 PARTITIONS=64
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
TRACE="${2:-../shared/data/clusterdata-2011-2-sample}"
BIN="$BUILD/src/borgscope"
ROUNDS="${ROUNDS:-3}"
RATE="${RATE:-50000}"
PARTITIONS="${PARTITIONS:-64}"
[ -x "$BIN" ] || { echo "no $BIN: build first (cmake --build $BUILD)"; exit 2; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# Starts a fresh broker and stream; sets BROKERS and URL.
start_pipeline() {
  local round="$1"
  rm -f "$WORK/bootstrap"
  "$BIN" broker --partitions "$PARTITIONS" --bootstrap-file "$WORK/bootstrap" \
    >"$WORK/broker-$round.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/bootstrap" ] && break; sleep 0.1; done
  BROKERS="$(cat "$WORK/bootstrap")"
  "$BIN" stream --brokers "$BROKERS" --group "bench-$round" --metrics-addr 127.0.0.1:0 \
    --session-timeout-ms 6000 >"$WORK/stream-$round.log" 2>&1 &
  PIDS+=($!)
  URL=""
  for _ in $(seq 100); do
    URL="$(grep -o 'dashboard http://[0-9.:]*/' "$WORK/stream-$round.log" | cut -d' ' -f2 || true)"
    [ -n "$URL" ] && break
    sleep 0.1
  done
  # Measure from a joined consumer, not from the group join (~3 s).
  for _ in $(seq 300); do
    [ "$(curl -s "${URL}api/counts" | json_field assigned)" = "True" ] && break
    sleep 0.1
  done
}

stop_pipeline() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

# Polls with curl and a bash regex only: a Python start per poll would take
# a good part of a core from the pipeline it measures.
wait_counted() {
  local total="$1" page counted=0
  for _ in $(seq 6000); do
    page="$(curl -s "${URL}api/counts")"
    [[ $page =~ \"events\":([0-9]+) ]] && counted="${BASH_REMATCH[1]}"
    [ "$counted" -ge "$total" ] && return 0
    sleep 0.02
  done
  echo "stream did not count $total events (got $counted)"; return 1
}

TOTAL=460850
echo "== throughput: replay --speed 0 -> broker ($PARTITIONS partitions) -> stream, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  start_pipeline "t$round"
  start="$(now)"
  "$BIN" replay --trace "$TRACE" --brokers "$BROKERS" --speed 0 -q >"$WORK/replay.log"
  replay_end="$(now)"
  wait_counted "$TOTAL"
  end="$(now)"
  python3 - "$start" "$replay_end" "$end" "$TOTAL" <<'PY'
import sys
start, replay_end, end, total = map(float, sys.argv[1:])
print(f"  end to end {total / (end - start):,.0f} events/s ({end - start:.2f} s); "
      f"replay alone {total / (replay_end - start):,.0f} events/s")
PY
  stop_pipeline
done

echo "== latency: replay --rate $RATE (produce -> counted, every event)"
start_pipeline latency
"$BIN" replay --trace "$TRACE" --brokers "$BROKERS" --speed 0 --rate "$RATE" -q >"$WORK/replay.log"
wait_counted "$TOTAL"
curl -s "${URL}api/counts" | python3 -c "
import json, sys
page = json.load(sys.stdin)
print(f\"  {page['latency_count']} events: p50 {page['latency_p50_seconds']:.3f} s, \"
      f\"p99 {page['latency_p99_seconds']:.3f} s (1 ms buckets)\")"
curl -s "${URL}metrics" | grep -E '^borgscope_event_latency_seconds_bucket\{le="(0.05|0.1|0.25|0.5|1|2)"\}' | sed 's/^/  /'
stop_pipeline
