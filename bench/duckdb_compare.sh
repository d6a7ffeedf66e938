#!/usr/bin/env bash
# End to end on the same .csv.gz files, same thread count, best of N runs
# interleaved (so that a noisy neighbour slows every contender alike):
#   (a) borgscope_ceiling: inflate only, and inflate + split (memchr and sse2),
#       of every table that `analyze` reads — the machine's limit (DESIGN.md
#       section 7);
#   (b) borgscope analyze of all analyses (--no-plots), and, for the same
#       questions as DuckDB, borgscope analyze --only q3,q4,q5;
#   (c) DuckDB computing q3, q4 and q5 (bench/duckdb_questions.mjs),
# and checks that every CSV DuckDB writes equals borgscope's byte for byte
# (exit 1, with a diff, if not).
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
cat "${trace}"/*/*.csv.gz >/dev/null

json_get() {  # json_get FILE EXPRESSION  (a JS expression on `j`)
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); \
console.log(${2})" "$1"
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.6f", e - s }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
# Seconds (or rows, ...) of job_events + task_events in a ceiling JSON: the
# ceiling reads tables one after the other, so their times add up.
job_task() {  # job_task FILE FIELD
  json_get "$1" "j.tables.filter((t) => ['job_events', 'task_events'].includes(t.table))\
.reduce((sum, t) => sum + t.$2, 0)"
}

out_all="${work}/out-analyze"         # borgscope analyze, all analyses
out_q345="${work}/out-analyze-q345"   # borgscope analyze --only q3,q4,q5
out_duckdb="${work}/out-duckdb"
tables=""  # the tables `analyze` of all analyses reads (its metrics.json, run 1)
best_inflate="" best_split="" best_sse2="" best_split_jt=""
best_all="" best_all_wall="" best_q345="" best_q345_wall=""
best_duckdb="" best_duckdb_wall="" best_duckdb_q3="" best_duckdb_q4="" best_duckdb_q5=""
for ((run = 1; run <= runs; ++run)); do
  echo "run ${run}/${runs} on ${threads} thread(s) ..." >&2

  rm -rf "${out_all}"
  start=$(now)
  "${borgscope}" analyze --trace "${trace}" --out "${out_all}" --no-plots --quiet \
    --threads "${threads}" "${shard_args[@]}"
  best_all_wall=$(min "${best_all_wall}" "$(elapsed "${start}")")
  best_all=$(min "${best_all}" "$(json_get "${out_all}/metrics.json" j.seconds)")

  rm -rf "${out_q345}"
  start=$(now)
  "${borgscope}" analyze --trace "${trace}" --out "${out_q345}" --only q3,q4,q5 --no-plots \
    --quiet --threads "${threads}" "${shard_args[@]}"
  best_q345_wall=$(min "${best_q345_wall}" "$(elapsed "${start}")")
  best_q345=$(min "${best_q345}" "$(json_get "${out_q345}/metrics.json" j.seconds)")

  rm -rf "${out_duckdb}"
  start=$(now)
  node "${bench_dir}/duckdb_questions.mjs" --trace "${trace}" --out "${out_duckdb}" \
    --threads "${threads}" ${shards:+--shards "${shards}"} >"${work}/duckdb.json"
  best_duckdb_wall=$(min "${best_duckdb_wall}" "$(elapsed "${start}")")
  best_duckdb=$(min "${best_duckdb}" "$(json_get "${work}/duckdb.json" j.seconds)")
  best_duckdb_q3=$(min "${best_duckdb_q3}" "$(json_get "${work}/duckdb.json" j.questions.q3)")
  best_duckdb_q4=$(min "${best_duckdb_q4}" "$(json_get "${work}/duckdb.json" j.questions.q4)")
  best_duckdb_q5=$(min "${best_duckdb_q5}" "$(json_get "${work}/duckdb.json" j.questions.q5)")

  # The ceiling covers exactly the tables analyze read (the analyses whose
  # tables are missing are skipped; machine_attributes and task_constraints are
  # read by none).
  [[ -n "${tables}" ]] ||
    tables=$(json_get "${out_all}/metrics.json" "Object.keys(j.tables).join(',')")
  "${ceiling}" --trace "${trace}" --table "${tables}" --threads "${threads}" \
    "${shard_args[@]}" --inflate-only --json >"${work}/ceiling_inflate.json"
  best_inflate=$(min "${best_inflate}" "$(json_get "${work}/ceiling_inflate.json" j.total.seconds)")

  "${ceiling}" --trace "${trace}" --table "${tables}" --threads "${threads}" \
    "${shard_args[@]}" --json >"${work}/ceiling_split.json"
  best_split=$(min "${best_split}" "$(json_get "${work}/ceiling_split.json" j.total.seconds)")
  best_split_jt=$(min "${best_split_jt}" "$(job_task "${work}/ceiling_split.json" seconds)")

  "${ceiling}" --trace "${trace}" --table "${tables}" --threads "${threads}" \
    "${shard_args[@]}" --split sse2 --json >"${work}/ceiling_sse2.json"
  best_sse2=$(min "${best_sse2}" "$(json_get "${work}/ceiling_sse2.json" j.total.seconds)")

  if [[ ${run} -eq 1 ]]; then
    # Correctness: every CSV of q3, q4 and q5, DuckDB's against borgscope's (of
    # both runs), byte for byte; either side missing a file is a mismatch.
    status=0
    files=$(cd "${out_all}" && find q3 q4 q5 -name '*.csv' 2>/dev/null || true)
    files=$(printf '%s\n%s\n' "${files}" "$(cd "${out_duckdb}" && find . -name '*.csv' | sed 's|^\./||')" |
      sed '/^$/d' | sort -u)
    [[ -n "${files}" ]] || die "neither borgscope nor DuckDB wrote a CSV of q3, q4, q5"
    for file in ${files}; do
      for reference in "${out_all}" "${out_q345}"; do
        if [[ ! -f "${reference}/${file}" || ! -f "${out_duckdb}/${file}" ]]; then
          echo "MISMATCH: ${file} is in only one of ${reference} and ${out_duckdb}" >&2
          status=1
        elif ! cmp -s "${reference}/${file}" "${out_duckdb}/${file}"; then
          diff_file="${work}/$(basename "${reference}")-${file//\//_}.diff"
          diff -u --label "borgscope ${reference#"${work}/"}/${file}" \
            --label "DuckDB ${file}" "${reference}/${file}" "${out_duckdb}/${file}" \
            >"${diff_file}" || true
          echo "MISMATCH: ${reference#"${work}/"}/${file} differs from DuckDB's (${diff_file}):" >&2
          head -30 "${diff_file}" >&2
          status=1
        fi
      done
    done
    ceiling_rows=$(json_get "${work}/ceiling_split.json" j.total.rows)
    all_rows=$(json_get "${out_all}/metrics.json" \
      "Object.values(j.tables).reduce((sum, t) => sum + t.rows, 0)")
    if [[ "${ceiling_rows}" != "${all_rows}" ]]; then
      echo "MISMATCH: the ceiling split ${ceiling_rows} rows of ${tables}, analyze read ${all_rows}" >&2
      status=1
    fi
    ceiling_jt_rows=$(job_task "${work}/ceiling_split.json" rows)
    q345_rows=$(json_get "${out_q345}/metrics.json" \
      "j.tables.job_events.rows + j.tables.task_events.rows")
    if [[ "${ceiling_jt_rows}" != "${q345_rows}" ]]; then
      echo "MISMATCH: the ceiling split ${ceiling_jt_rows} rows of job_events + task_events," \
        "analyze --only q3,q4,q5 read ${q345_rows}" >&2
      status=1
    fi
    [[ ${status} -eq 0 ]] ||
      die "borgscope and DuckDB disagree on q3, q4, q5: not a valid comparison"
    echo "check: DuckDB's $(wc -w <<<"${files}") CSVs of q3, q4, q5 equal borgscope's byte for" \
      "byte ($(tr '\n' ' ' <<<"${files}" | sed 's/ $//')); ${all_rows} rows read by analyze and" \
      "split by the ceiling" >&2
  fi
done

bytes=$(json_get "${work}/ceiling_split.json" j.total.uncompressed_bytes)
gzip_bytes=$(json_get "${work}/ceiling_split.json" j.total.compressed_bytes)
rows=$(json_get "${work}/ceiling_split.json" j.total.rows)
jt_bytes=$(job_task "${work}/ceiling_split.json" uncompressed_bytes)
jt_rows=$(job_task "${work}/ceiling_split.json" rows)
analyses=$(json_get "${out_all}/metrics.json" "Object.keys(j.analyses).join(',')")
duckdb_version=$(json_get "${work}/duckdb.json" j.duckdb_version)

{
  echo "trace: ${trace}${shards:+ (shards ${shards})}"
  echo "tables analyze reads (${tables//,/, }): ${rows} rows, ${bytes} bytes of CSV, ${gzip_bytes} bytes gzip"
  echo "of which job_events + task_events (what q3, q4, q5 read): ${jt_rows} rows, ${jt_bytes} bytes of CSV"
  echo "analyze of all analyses ran ${analyses//,/, }"
  echo "threads: ${threads}, best of ${runs} interleaved runs; $(nproc) cores; $(uname -srm)"
  echo "DuckDB ${duckdb_version} (@duckdb/node-api); in-process seconds (wall incl. process start in brackets)"
  echo
  awk -v bytes="${bytes}" -v jt_bytes="${jt_bytes}" -v inflate="${best_inflate}" \
      -v memchr="${best_split}" -v memchr_jt="${best_split_jt}" -v sse2="${best_sse2}" \
      -v all="${best_all}" -v all_wall="${best_all_wall}" \
      -v q345="${best_q345}" -v q345_wall="${best_q345_wall}" \
      -v duckdb="${best_duckdb}" -v duckdb_wall="${best_duckdb_wall}" \
      -v dq3="${best_duckdb_q3}" -v dq4="${best_duckdb_q4}" -v dq5="${best_duckdb_q5}" 'BEGIN {
    fmt = "%-44s %9.3f %11.1f   %s\n"
    printf "%-44s %9s %11s   %s\n", "contender", "seconds", "MB/s CSV", "note"
    printf fmt, "ceiling: inflate only", inflate, bytes / inflate / 1e6, "tables analyze reads"
    printf fmt, "ceiling: inflate + split (memchr)", memchr, bytes / memchr / 1e6, \
      "the ceiling, tables analyze reads"
    printf fmt, "ceiling: inflate + split (sse2)", sse2, bytes / sse2 / 1e6, "tables analyze reads"
    printf fmt, "ceiling: memchr, job_events + task_events", memchr_jt, jt_bytes / memchr_jt / 1e6, \
      "the part of the ceiling run above"
    printf fmt, "borgscope analyze (all analyses)", all, bytes / all / 1e6, \
      sprintf("[%.3f s wall]", all_wall)
    printf fmt, "borgscope analyze --only q3,q4,q5", q345, jt_bytes / q345 / 1e6, \
      sprintf("[%.3f s wall]", q345_wall)
    printf fmt, "DuckDB q3 + q4 + q5", duckdb, jt_bytes / duckdb / 1e6, \
      sprintf("[%.3f s wall]; best q3 %.3f, q4 %.3f, q5 %.3f s", duckdb_wall, dq3, dq4, dq5)
    print ""
    printf "analyze / ceiling throughput:                 %6.1f %%  (target >= 80 %%)\n", \
      100 * memchr / all
    printf "analyze / sse2-ceiling throughput:            %6.1f %%\n", 100 * sse2 / all
    printf "analyze / inflate-only throughput:            %6.1f %%\n", 100 * inflate / all
    printf "analyze --only q3,q4,q5 / ceiling throughput: %6.1f %%  (job_events + task_events)\n", \
      100 * memchr_jt / q345
    printf "DuckDB time / borgscope time:                 %6.1f x  (target >= 5 x; q3, q4, q5 on both sides)\n", \
      duckdb / q345
    printf "DuckDB q3-q5 time / analyze (all) time:       %6.1f x  (borgscope answering every analysis)\n", \
      duckdb / all
  }'
} | tee "${work}/results-${threads}threads.txt"
