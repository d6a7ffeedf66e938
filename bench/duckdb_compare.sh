#!/usr/bin/env bash
# End to end on the same .csv.gz files, same thread count, best of N runs
# interleaved (so that a noisy neighbour slows every contender alike):
#   (a) borgscope_ceiling: inflate only, and inflate + split (memchr and sse2),
#       of job_events + task_events — the machine's limit (DESIGN.md section 7);
#   (b) borgscope analyze --only q3;
#   (c) DuckDB computing the same q3 answer (bench/duckdb_q3.mjs),
# and checks that DuckDB's numbers equal borgscope's q3 CSVs (exit 1 if not).
#
#   bench/duckdb_compare.sh [SCALE | TRACE_DIR] [--threads N] [--runs N]
#                           [--seed N] [--shards A-B] [--work DIR]
#
# SCALE (default 1.0, about 1 GB of CSV) makes a trace with `borgscope gen`
# under WORK (default bench/work/, gitignored), reused by later runs with the
# same scale and seed; a TRACE_DIR is used as it is (e.g. the real sample).
# Binaries: $BORGSCOPE_BUILD_DIR/src/borgscope and
# $BORGSCOPE_BUILD_DIR/bench/borgscope_ceiling when that variable is set, else
# build-bench/ in the repo, configured (Release) and built here as needed.
# Needs node and npm: `npm install` runs inside bench/ (node_modules is gitignored).
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "${bench_dir}/.." && pwd)"

scale="1.0"
trace=""
threads="$(nproc)"
runs=3
seed=1
shards=""
work="${bench_dir}/work"

die() { echo "duckdb_compare: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --trace) trace="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *)
      if [[ -d "$1" ]]; then trace="$(cd "$1" && pwd)";
      elif [[ "$1" =~ ^[0-9]*\.?[0-9]+$ ]]; then scale="$1";
      else die "'$1' is neither a trace folder nor a scale"; fi
      shift ;;
  esac
done
[[ "${threads}" =~ ^[1-9][0-9]*$ ]] || die "--threads wants a positive number"
[[ "${runs}" =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive number"
command -v node >/dev/null || die "node is needed (Debian: apt-get install nodejs npm)"
mkdir -p "${work}"
work="$(cd "${work}" && pwd)"

# --- binaries ------------------------------------------------------------------
if [[ -n "${BORGSCOPE_BUILD_DIR:-}" ]]; then
  build_dir="$(cd "${BORGSCOPE_BUILD_DIR}" && pwd)"
else
  build_dir="${repo_dir}/build-bench"
  if [[ ! -f "${build_dir}/CMakeCache.txt" ]]; then
    cmake -S "${repo_dir}" -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release -DBORGSCOPE_TESTS=OFF >/dev/null
  fi
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "${build_dir}/CMakeCache.txt" ||
    die "${build_dir} is not a Release build"
  echo "building borgscope and borgscope_ceiling in ${build_dir} ..." >&2
  cmake --build "${build_dir}" -j "$(nproc)" --target borgscope borgscope_ceiling >/dev/null
fi
borgscope="${build_dir}/src/borgscope"
ceiling="${build_dir}/bench/borgscope_ceiling"
[[ -x "${borgscope}" ]] || die "missing ${borgscope}"
[[ -x "${ceiling}" ]] || die "missing ${ceiling}"

# --- DuckDB for node -------------------------------------------------------------
if [[ ! -d "${bench_dir}/node_modules/@duckdb/node-api" ||
      "${bench_dir}/package-lock.json" -nt "${bench_dir}/node_modules/.package-lock.json" ]]; then
  echo "installing @duckdb/node-api into bench/node_modules ..." >&2
  # `npm ci` rejects this lock file (npm 11 wants every platform's optional
  # binding listed); `install --no-save` follows the lock and leaves it alone.
  (cd "${bench_dir}" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- the trace -------------------------------------------------------------------
if [[ -z "${trace}" ]]; then
  trace="${work}/trace-scale${scale}-seed${seed}"
  if [[ ! -f "${trace}/.complete" ]]; then
    rm -rf "${trace}"
    echo "generating a trace: borgscope gen --scale ${scale} --seed ${seed} ..." >&2
    start=$(date +%s.%N)
    "${borgscope}" gen --out "${trace}" --seed "${seed}" --scale "${scale}" --threads "${threads}"
    echo "generated in $(awk -v s="${start}" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s" >&2
    touch "${trace}/.complete"
  fi
fi
for table in job_events task_events; do
  [[ -d "${trace}/${table}" ]] || die "${trace} has no ${table}/"
done
shard_args=()
[[ -n "${shards}" ]] && shard_args=(--shards "${shards}")

# Warm the page cache so that every contender reads the files from memory.
cat "${trace}"/job_events/*.csv.gz "${trace}"/task_events/*.csv.gz >/dev/null

json_get() {  # json_get FILE EXPRESSION  (a JS expression on `j`)
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); \
console.log(${2})" "$1"
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.6f", e - s }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

out_analyze="${work}/out-analyze"
out_duckdb="${work}/out-duckdb"
best_inflate="" best_split="" best_sse2="" best_analyze="" best_analyze_wall="" best_duckdb=""
best_duckdb_wall=""
for ((run = 1; run <= runs; ++run)); do
  echo "run ${run}/${runs} on ${threads} thread(s) ..." >&2
  "${ceiling}" --trace "${trace}" --table job_events,task_events --threads "${threads}" \
    "${shard_args[@]}" --inflate-only --json >"${work}/ceiling_inflate.json"
  best_inflate=$(min "${best_inflate}" "$(json_get "${work}/ceiling_inflate.json" j.total.seconds)")

  "${ceiling}" --trace "${trace}" --table job_events,task_events --threads "${threads}" \
    "${shard_args[@]}" --json >"${work}/ceiling_split.json"
  best_split=$(min "${best_split}" "$(json_get "${work}/ceiling_split.json" j.total.seconds)")

  "${ceiling}" --trace "${trace}" --table job_events,task_events --threads "${threads}" \
    "${shard_args[@]}" --split sse2 --json >"${work}/ceiling_sse2.json"
  best_sse2=$(min "${best_sse2}" "$(json_get "${work}/ceiling_sse2.json" j.total.seconds)")

  rm -rf "${out_analyze}"
  start=$(now)
  "${borgscope}" analyze --trace "${trace}" --out "${out_analyze}" --only q3 --quiet \
    --threads "${threads}" "${shard_args[@]}"
  best_analyze_wall=$(min "${best_analyze_wall}" "$(elapsed "${start}")")
  best_analyze=$(min "${best_analyze}" "$(json_get "${out_analyze}/metrics.json" j.seconds)")

  rm -rf "${out_duckdb}"
  start=$(now)
  node "${bench_dir}/duckdb_q3.mjs" --trace "${trace}" --out "${out_duckdb}" \
    --threads "${threads}" ${shards:+--shards "${shards}"} >"${work}/duckdb.json"
  best_duckdb_wall=$(min "${best_duckdb_wall}" "$(elapsed "${start}")")
  best_duckdb=$(min "${best_duckdb}" "$(json_get "${work}/duckdb.json" j.seconds)")

  if [[ ${run} -eq 1 ]]; then
    # Correctness: DuckDB's numbers must be borgscope's, row for row.
    status=0
    for file in jobs_by_class tasks_by_class; do
      if ! diff <(cut -d, -f1,2 "${out_analyze}/q3/${file}.csv") "${out_duckdb}/${file}.csv" \
          >"${work}/${file}.diff"; then
        echo "MISMATCH: q3/${file}.csv differs from DuckDB (see ${work}/${file}.diff)" >&2
        head -20 "${work}/${file}.diff" >&2
        status=1
      fi
    done
    if ! diff "${out_analyze}/q3/events_by_class_and_type.csv" \
        "${out_duckdb}/events_by_class_and_type.csv" >"${work}/events.diff"; then
      echo "MISMATCH: q3/events_by_class_and_type.csv differs from DuckDB (see ${work}/events.diff)" >&2
      head -20 "${work}/events.diff" >&2
      status=1
    fi
    ceiling_rows=$(json_get "${work}/ceiling_split.json" j.total.rows)
    analyze_rows=$(json_get "${out_analyze}/metrics.json" \
      "j.tables.job_events.rows + j.tables.task_events.rows")
    if [[ "${ceiling_rows}" != "${analyze_rows}" ]]; then
      echo "MISMATCH: the ceiling split ${ceiling_rows} rows, analyze read ${analyze_rows}" >&2
      status=1
    fi
    [[ ${status} -eq 0 ]] || die "borgscope and DuckDB disagree on q3: not a valid comparison"
    echo "check: DuckDB's q3 equals borgscope's q3 ($(($(wc -l <"${out_duckdb}/events_by_class_and_type.csv") - 1)) event rows, ${analyze_rows} rows read)" >&2
  fi
done

bytes=$(json_get "${work}/ceiling_split.json" j.total.uncompressed_bytes)
gzip_bytes=$(json_get "${work}/ceiling_split.json" j.total.compressed_bytes)
rows=$(json_get "${work}/ceiling_split.json" j.total.rows)
duckdb_version=$(json_get "${work}/duckdb.json" j.duckdb_version)

{
  echo "trace: ${trace}${shards:+ (shards ${shards})}"
  echo "job_events + task_events: ${rows} rows, ${bytes} bytes of CSV, ${gzip_bytes} bytes gzip"
  echo "threads: ${threads}, best of ${runs} interleaved runs; $(nproc) cores; $(uname -srm)"
  echo "DuckDB ${duckdb_version} (@duckdb/node-api); in-process seconds (wall incl. process start in brackets)"
  echo
  awk -v bytes="${bytes}" -v inflate="${best_inflate}" -v memchr="${best_split}" \
      -v sse2="${best_sse2}" -v analyze="${best_analyze}" -v analyze_wall="${best_analyze_wall}" \
      -v duckdb="${best_duckdb}" -v duckdb_wall="${best_duckdb_wall}" 'BEGIN {
    fmt = "%-34s %9.3f %11.1f   %s\n"
    printf "%-34s %9s %11s   %s\n", "contender", "seconds", "MB/s CSV", "note"
    printf fmt, "ceiling: inflate only", inflate, bytes / inflate / 1e6, ""
    printf fmt, "ceiling: inflate + split (memchr)", memchr, bytes / memchr / 1e6, "the ceiling"
    printf fmt, "ceiling: inflate + split (sse2)", sse2, bytes / sse2 / 1e6, ""
    printf fmt, "borgscope analyze --only q3", analyze, bytes / analyze / 1e6, \
      sprintf("[%.3f s wall]", analyze_wall)
    printf fmt, "DuckDB q3", duckdb, bytes / duckdb / 1e6, sprintf("[%.3f s wall]", duckdb_wall)
    print ""
    printf "analyze / ceiling throughput:        %5.1f %%  (target >= 80 %%)\n", 100 * memchr / analyze
    printf "analyze / sse2-ceiling throughput:   %5.1f %%\n", 100 * sse2 / analyze
    printf "analyze / inflate-only throughput:   %5.1f %%\n", 100 * inflate / analyze
    printf "DuckDB time / borgscope time:        %5.1f x  (target >= 5 x)\n", duckdb / analyze
  }'
} | tee "${work}/results-${threads}threads.txt"
