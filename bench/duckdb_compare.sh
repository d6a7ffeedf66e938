#!/usr/bin/env bash
# End to end on the same .csv.gz files, same thread count, best of N runs
# interleaved (so that a noisy neighbour slows every contender alike):
#   (a) borgscope_ceiling: inflate only, and inflate + split (memchr and sse2),
#       of every table that `analyze` reads — the machine's limit (DESIGN.md
#       section 7) —, and inflate + split (memchr) of job_events + task_events;
#   (b) borgscope analyze of all analyses (--no-plots); for the same questions
#       as DuckDB, analyze --only q3,q4,q5; the task_events analyses,
#       analyze --only q3,q4,q5,q6; and analyze --only q7 (with task_usage);
#   (c) DuckDB computing q3, q4 and q5, and (with task_usage) the per-task
#       aggregation of task_usage that q7 needs (bench/duckdb_questions.mjs),
# and checks that every CSV DuckDB writes equals borgscope's byte for byte
# (exit 1, with a diff, if not). Prints each contender's best and the ratios
# of the bests, then the same ratios run by run and their median.
#
#   bench/duckdb_compare.sh [SCALE | TRACE_DIR] [--threads N] [--runs N]
#                           [--seed N] [--shards A-B] [--work DIR]
#
# SCALE (default 4, the real trace's mix of tables: DESIGN.md section 7) makes
# a trace with `borgscope gen` under WORK (default bench/work/, gitignored),
# reused by later runs with the same scale and seed; a TRACE_DIR is used as it
# is (e.g. the real sample).
# Binaries: $BORGSCOPE_BUILD_DIR/src/borgscope and
# $BORGSCOPE_BUILD_DIR/bench/borgscope_ceiling when that variable is set, else
# build-bench/ in the repo, configured (Release) and built here as needed.
# Needs node and npm: `npm install` runs inside bench/ (node_modules is gitignored).
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "${bench_dir}/.." && pwd)"

scale="4"
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
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 0 ;;
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
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }

# Each contender's best seconds (best), its seconds in each run, in run
# order (each: space-separated), best wall seconds including process start
# (wall) and, for analyze, its largest peak RSS over the runs (rss).
declare -A best=() each=() wall=() rss=()
keep_best() {  # keep_best NAME SECONDS [WALL_SECONDS]
  best[$1]=$(min "${best[$1]:-}" "$2")
  each[$1]+="$2 "
  [[ -z "${3:-}" ]] || wall[$1]=$(min "${wall[$1]:-}" "$3")
}
# run_ratios NUMERATOR DENOMINATOR UNIT: the ratio of two contenders' seconds
# in each run, and their median. The two sides of a ratio run one right
# after the other in each run: a drift of the host between runs does not
# pair one side's quiet run with the other's slow one, and the spread shows
# how far the host moved within the runs. UNIT: % (x 100) or x.
run_ratios() {
  local scale=1 ratios
  [[ "$3" == "%" ]] && scale=100
  ratios=$(paste -d' ' <(tr ' ' '\n' <<<"${each[$1]}" | sed '/^$/d') \
    <(tr ' ' '\n' <<<"${each[$2]}" | sed '/^$/d') |
    awk -v scale="${scale}" '{ printf "%.1f\n", scale * $1 / $2 }')
  printf '%6.1f %s  (median; runs: %s)\n' "$(sort -g <<<"${ratios}" | awk '{ v[NR] = $1 } END {
    printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" "$3" \
    "$(tr '\n' ' ' <<<"${ratios}" | sed 's/ $//')"
}
# run_analyze NAME OUT [--only LIST]: one `analyze`, timed by its metrics.json.
run_analyze() {
  local name="$1" out="$2" start
  shift 2
  rm -rf "${out}"
  start=$(now)
  "${borgscope}" analyze --trace "${trace}" --out "${out}" "$@" --no-plots --quiet \
    --threads "${threads}" "${shard_args[@]}"
  keep_best "${name}" "$(json_get "${out}/metrics.json" j.seconds)" "$(elapsed "${start}")"
  rss[${name}]=$(max "${rss[${name}]:-}" "$(json_get "${out}/metrics.json" j.peak_rss_bytes)")
}
# run_duckdb OUT QUESTIONS: DuckDB's SQL; its JSON is kept as OUT.json.
run_duckdb() {
  local out="$1" questions="$2" start
  rm -rf "${out}"
  start=$(now)
  node "${bench_dir}/duckdb_questions.mjs" --trace "${trace}" --out "${out}" \
    --threads "${threads}" --questions "${questions}" ${shards:+--shards "${shards}"} \
    >"${out}.json"
  wall_seconds=$(elapsed "${start}")
}
# run_ceiling NAME TABLES [ceiling options]: the ceiling's JSON is kept as
# work/ceiling_NAME.json.
run_ceiling() {
  local name="$1" tables="$2"
  shift 2
  "${ceiling}" --trace "${trace}" --table "${tables}" --threads "${threads}" \
    "${shard_args[@]}" "$@" --json >"${work}/ceiling_${name}.json"
  keep_best "${name}" "$(json_get "${work}/ceiling_${name}.json" j.total.seconds)"
}

# q7 and DuckDB's per-task aggregation run when the trace has task_usage.
usage=0
[[ -d "${trace}/task_usage" ]] && usage=1
out_all="${work}/out-analyze"           # borgscope analyze, all analyses
out_q345="${work}/out-analyze-q345"     # borgscope analyze --only q3,q4,q5
out_q3456="${work}/out-analyze-q3456"   # borgscope analyze --only q3,q4,q5,q6
out_q7="${work}/out-analyze-q7"         # borgscope analyze --only q7
out_duckdb="${work}/out-duckdb"
out_duckdb_usage="${work}/out-duckdb-usage"
tables=""  # the tables `analyze` of all analyses reads (its metrics.json, run 1)
for ((run = 1; run <= runs; ++run)); do
  echo "run ${run}/${runs} on ${threads} thread(s) ..." >&2

  # Each ratio's two sides one right after the other: analyze of all and the
  # ceiling, q3-q6 and the ceiling of their tables, q7 and DuckDB's per-task
  # aggregation.
  run_analyze all "${out_all}"
  # The ceiling covers exactly the tables analyze read (the analyses whose
  # tables are missing are skipped; machine_attributes and task_constraints are
  # read by none).
  [[ -n "${tables}" ]] ||
    tables=$(json_get "${out_all}/metrics.json" "Object.keys(j.tables).join(',')")
  run_ceiling memchr "${tables}"
  run_analyze q3456 "${out_q3456}" --only q3,q4,q5,q6
  run_ceiling memchr_jt job_events,task_events
  run_analyze q345 "${out_q345}" --only q3,q4,q5
  if [[ ${usage} -eq 1 ]]; then
    run_analyze q7 "${out_q7}" --only q7
    run_duckdb "${out_duckdb_usage}" usage
    keep_best duckdb_usage "$(json_get "${out_duckdb_usage}.json" j.seconds)" "${wall_seconds}"
  fi

  run_duckdb "${out_duckdb}" q3,q4,q5
  keep_best duckdb "$(json_get "${out_duckdb}.json" j.seconds)" "${wall_seconds}"
  for question in q3 q4 q5; do
    keep_best "duckdb_${question}" "$(json_get "${out_duckdb}.json" "j.questions.${question}")"
  done
  run_ceiling inflate "${tables}" --inflate-only
  run_ceiling sse2 "${tables}" --split sse2

  if [[ ${run} -eq 1 ]]; then
    # Correctness: every CSV of q3, q4 and q5, DuckDB's against borgscope's (of
    # all three runs that answer them), byte for byte; either side missing a
    # file is a mismatch.
    status=0
    files=$(cd "${out_all}" && find q3 q4 q5 -name '*.csv' 2>/dev/null || true)
    files=$(printf '%s\n%s\n' "${files}" "$(cd "${out_duckdb}" && find . -name '*.csv' | sed 's|^\./||')" |
      sed '/^$/d' | sort -u)
    [[ -n "${files}" ]] || die "neither borgscope nor DuckDB wrote a CSV of q3, q4, q5"
    for file in ${files}; do
      for reference in "${out_all}" "${out_q345}" "${out_q3456}"; do
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
    ceiling_rows=$(json_get "${work}/ceiling_memchr.json" j.total.rows)
    all_rows=$(json_get "${out_all}/metrics.json" \
      "Object.values(j.tables).reduce((sum, t) => sum + t.rows, 0)")
    if [[ "${ceiling_rows}" != "${all_rows}" ]]; then
      echo "MISMATCH: the ceiling split ${ceiling_rows} rows of ${tables}, analyze read ${all_rows}" >&2
      status=1
    fi
    ceiling_jt_rows=$(json_get "${work}/ceiling_memchr_jt.json" j.total.rows)
    for out in "${out_q345}" "${out_q3456}"; do
      jt_rows=$(json_get "${out}/metrics.json" \
        "j.tables.job_events.rows + j.tables.task_events.rows")
      if [[ "${ceiling_jt_rows}" != "${jt_rows}" ]]; then
        echo "MISMATCH: the ceiling split ${ceiling_jt_rows} rows of job_events + task_events," \
          "analyze in ${out#"${work}/"} read ${jt_rows}" >&2
        status=1
      fi
    done
    [[ ${status} -eq 0 ]] ||
      die "borgscope and DuckDB disagree on q3, q4, q5: not a valid comparison"
    echo "check: DuckDB's $(wc -w <<<"${files}") CSVs of q3, q4, q5 equal borgscope's byte for" \
      "byte ($(tr '\n' ' ' <<<"${files}" | sed 's/ $//')); ${all_rows} rows read by analyze and" \
      "split by the ceiling" >&2
  fi
done

bytes=$(json_get "${work}/ceiling_memchr.json" j.total.uncompressed_bytes)
gzip_bytes=$(json_get "${work}/ceiling_memchr.json" j.total.compressed_bytes)
rows=$(json_get "${work}/ceiling_memchr.json" j.total.rows)
jt_bytes=$(json_get "${work}/ceiling_memchr_jt.json" j.total.uncompressed_bytes)
jt_rows=$(json_get "${work}/ceiling_memchr_jt.json" j.total.rows)
analyses=$(json_get "${out_all}/metrics.json" "Object.keys(j.analyses).join(',')")
duckdb_version=$(json_get "${out_duckdb}.json" j.duckdb_version)
usage_bytes=0 usage_rows=0 usage_tasks=0
if [[ ${usage} -eq 1 ]]; then
  usage_bytes=$(json_get "${work}/ceiling_memchr.json" \
    "j.tables.find((t) => t.table === 'task_usage').uncompressed_bytes")
  usage_rows=$(json_get "${out_q7}/metrics.json" j.tables.task_usage.rows)
  usage_tasks=$(json_get "${out_duckdb_usage}.json" j.usage_tasks)
fi

{
  echo "trace: ${trace}${shards:+ (shards ${shards})}"
  echo "tables analyze reads (${tables//,/, }): ${rows} rows, ${bytes} bytes of CSV, ${gzip_bytes} bytes gzip"
  echo "of which job_events + task_events (what q3-q6 read): ${jt_rows} rows, ${jt_bytes} bytes of CSV"
  [[ ${usage} -eq 0 ]] || echo "of which task_usage: ${usage_rows} rows, ${usage_bytes} bytes of" \
    "CSV; ${usage_tasks} tasks in DuckDB's per-task table"
  echo "analyze of all analyses ran ${analyses//,/, }"
  echo "threads: ${threads}, best of ${runs} interleaved runs; $(nproc) cores; $(uname -srm)"
  echo "DuckDB ${duckdb_version} (@duckdb/node-api); in-process seconds (wall incl. process start in brackets)"
  echo
  awk -v bytes="${bytes}" -v jt_bytes="${jt_bytes}" -v jt_rows="${jt_rows}" \
      -v usage="${usage}" -v usage_bytes="${usage_bytes}" \
      -v inflate="${best[inflate]}" -v memchr="${best[memchr]}" -v sse2="${best[sse2]}" \
      -v memchr_jt="${best[memchr_jt]}" \
      -v all="${best[all]}" -v all_wall="${wall[all]}" -v all_rss="${rss[all]}" \
      -v q345="${best[q345]}" -v q345_wall="${wall[q345]}" -v q345_rss="${rss[q345]}" \
      -v q3456="${best[q3456]}" -v q3456_wall="${wall[q3456]}" -v q3456_rss="${rss[q3456]}" \
      -v q7="${best[q7]:-0}" -v q7_wall="${wall[q7]:-0}" -v q7_rss="${rss[q7]:-0}" \
      -v duckdb="${best[duckdb]}" -v duckdb_wall="${wall[duckdb]}" \
      -v dq3="${best[duckdb_q3]}" -v dq4="${best[duckdb_q4]}" -v dq5="${best[duckdb_q5]}" \
      -v duckdb_usage="${best[duckdb_usage]:-0}" -v duckdb_usage_wall="${wall[duckdb_usage]:-0}" \
      'BEGIN {
    fmt = "%-44s %9.3f %11.1f   %s\n"
    mib = 1024 * 1024
    printf "%-44s %9s %11s   %s\n", "contender", "seconds", "MB/s CSV", "note"
    printf fmt, "ceiling: inflate only", inflate, bytes / inflate / 1e6, "tables analyze reads"
    printf fmt, "ceiling: inflate + split (memchr)", memchr, bytes / memchr / 1e6, \
      "the ceiling, tables analyze reads"
    printf fmt, "ceiling: inflate + split (sse2)", sse2, bytes / sse2 / 1e6, "tables analyze reads"
    printf fmt, "ceiling: memchr, job_events + task_events", memchr_jt, jt_bytes / memchr_jt / 1e6, \
      "a run of its own"
    printf fmt, "borgscope analyze (all analyses)", all, bytes / all / 1e6, \
      sprintf("[%.3f s wall]; peak RSS %.0f MiB", all_wall, all_rss / mib)
    printf fmt, "borgscope analyze --only q3,q4,q5", q345, jt_bytes / q345 / 1e6, \
      sprintf("[%.3f s wall]; peak RSS %.0f MiB", q345_wall, q345_rss / mib)
    printf fmt, "borgscope analyze --only q3,q4,q5,q6", q3456, jt_bytes / q3456 / 1e6, \
      sprintf("[%.3f s wall]; peak RSS %.0f MiB; %.1f ns per row", q3456_wall, \
        q3456_rss / mib, 1e9 * q3456 / jt_rows)
    if (usage) printf fmt, "borgscope analyze --only q7", q7, usage_bytes / q7 / 1e6, \
      sprintf("[%.3f s wall]; peak RSS %.0f MiB; MB/s of task_usage", q7_wall, q7_rss / mib)
    printf fmt, "DuckDB q3 + q4 + q5", duckdb, jt_bytes / duckdb / 1e6, \
      sprintf("[%.3f s wall]; best q3 %.3f, q4 %.3f, q5 %.3f s", duckdb_wall, dq3, dq4, dq5)
    if (usage) printf fmt, "DuckDB per-task aggregation of task_usage", duckdb_usage, \
      usage_bytes / duckdb_usage / 1e6, sprintf("[%.3f s wall]; MB/s of task_usage", duckdb_usage_wall)
    print ""
    printf "analyze / ceiling throughput:                 %6.1f %%  (target >= 80 %%)\n", \
      100 * memchr / all
    printf "analyze / sse2-ceiling throughput:            %6.1f %%\n", 100 * sse2 / all
    printf "analyze / inflate-only throughput:            %6.1f %%\n", 100 * inflate / all
    printf "analyze --only q3,q4,q5,q6 / ceiling:         %6.1f %%  (target >= 60 %% at scale 8; job_events + task_events)\n", \
      100 * memchr_jt / q3456
    printf "analyze --only q3,q4,q5 / ceiling throughput: %6.1f %%  (job_events + task_events)\n", \
      100 * memchr_jt / q345
    if (usage) printf "DuckDB per-task usage / analyze --only q7:    %6.1f x  (target >= 3 x)\n", \
      duckdb_usage / q7
    printf "DuckDB time / borgscope time:                 %6.1f x  (target >= 5 x; q3, q4, q5 on both sides)\n", \
      duckdb / q345
    printf "DuckDB q3-q5 time / analyze (all) time:       %6.1f x  (borgscope answering every analysis)\n", \
      duckdb / all
  }'
  echo
  echo "the same ratios run by run (each run's two sides back to back):"
  echo "analyze / ceiling throughput:                 $(run_ratios memchr all %)"
  echo "analyze --only q3,q4,q5,q6 / ceiling:         $(run_ratios memchr_jt q3456 %)"
  [[ ${usage} -eq 0 ]] ||
    echo "DuckDB per-task usage / analyze --only q7:    $(run_ratios duckdb_usage q7 x)"
} | tee "${work}/results-${threads}threads.txt"
