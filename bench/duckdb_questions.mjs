// DuckDB's answers to q3, q4 and q5 (DESIGN.md section 2) from the same
// .csv.gz shards that `borgscope analyze` reads, written as borgscope writes
// them (same file names, columns, row order and number text), so that
// duckdb_compare.sh can compare the files byte for byte; and, as
// `--questions usage`, the per-task aggregation over task_usage that
// `analyze --only q7` is measured against (DESIGN.md section 7):
//
//   q3/jobs_by_class.csv            scheduling_class,jobs,share
//   q3/tasks_by_class.csv           scheduling_class,tasks,share
//   q3/events_by_class_and_type.csv table,scheduling_class,event_type,events
//   q4/task_outcomes.csv            scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events
//   q4/job_outcomes.csv             scheduling_class,jobs,evicted,killed,failed,lost,finished
//   q4/eviction_by_class.csv        scheduling_class,tasks,evicted_tasks,probability
//   q5/eviction_by_priority.csv     priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task
//
//   node duckdb_questions.mjs --trace DIR --out DIR [--threads N] [--shards A-B]
//                             [--questions q3,q4,q5 | usage]
//
// `usage` is q7's per-task part as a DuckDB user would write it: per
// (job_id, task_index), over the task_usage rows with end_time > start_time,
// the (end_time - start_time)-weighted mean of cpu_rate and of
// canonical_memory_usage (rows with an empty value ignored) and the largest
// of each, into an in-memory table. It writes no CSV (nothing of borgscope's
// to compare it with); its JSON adds "usage_tasks", the tasks it holds.
//
// Each question is its own SQL (as a DuckDB user would ask them: no scan is
// shared between questions); q3 and q4 run one query on job_events and one on
// task_events, q5 one on task_events. Prints one JSON line:
// {"seconds": total, "questions": {"q3": s, ...}, "threads", "files",
//  "duckdb_version"}. The times cover the SQL only (instance start, Node start
// and writing the CSVs excluded), which favours DuckDB.
//
// Text as borgscope's src/results/format.cc: counts as integers, ratios as
// printf '%.10g' (0 as "0"), a ratio over zero as an empty field, an empty
// scheduling class as an empty field, listed after the numbered classes.

import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const kUsage = 'usage: node duckdb_questions.mjs --trace DIR --out DIR [--threads N] ' +
  '[--shards A-B] [--questions q3,q4,q5 | usage]';
const kQuestions = ['q3', 'q4', 'q5'];
const kAllQuestions = [...kQuestions, 'usage'];

function parseArguments(argv) {
  const args = { trace: null, out: null, threads: 0, shards: '', questions: kQuestions };
  for (let i = 0; i < argv.length; ++i) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${name} wants a value\n${kUsage}`);
    if (name === '--trace') args.trace = value;
    else if (name === '--out') args.out = value;
    else if (name === '--threads') args.threads = Number(value);
    else if (name === '--shards') args.shards = value;
    else if (name === '--questions') args.questions = value.split(',').filter((q) => q);
    else throw new Error(`unknown argument ${name}\n${kUsage}`);
    ++i;
  }
  if (!args.trace || !args.out) throw new Error(kUsage);
  for (const question of args.questions) {
    if (!kAllQuestions.includes(question)) throw new Error(`unknown question ${question}\n${kUsage}`);
  }
  return args;
}

// The shard files of a table within A-B (or all), as borgscope selects them.
function shardFiles(trace, table, shards) {
  let first = 0;
  let last = Infinity;
  if (shards) {
    const [a, b] = shards.split('-');
    first = Number(a);
    last = b === undefined ? first : Number(b);
  }
  const folder = path.join(trace, table);
  const files = fs
    .readdirSync(folder)
    .map((name) => [name, /^part-(\d{5})-of-(\d{5})\.csv\.gz$/.exec(name)])
    .filter(([, match]) => match && Number(match[1]) >= first && Number(match[1]) <= last)
    .map(([name]) => path.join(folder, name))
    .sort();
  if (files.length === 0) throw new Error(`no shards of ${table} in ${folder}`);
  return files;
}

// Google's schema (DESIGN.md section 1), typed for DuckDB. Class and priority
// are BIGINT because borgscope accepts any unsigned 64-bit-range integer there.
const kColumns = {
  job_events: {
    time: 'BIGINT', missing_info: 'INTEGER', job_id: 'BIGINT', event_type: 'INTEGER',
    user: 'VARCHAR', scheduling_class: 'BIGINT', job_name: 'VARCHAR',
    logical_job_name: 'VARCHAR',
  },
  task_events: {
    time: 'BIGINT', missing_info: 'INTEGER', job_id: 'BIGINT', task_index: 'BIGINT',
    machine_id: 'BIGINT', event_type: 'INTEGER', user: 'VARCHAR', scheduling_class: 'BIGINT',
    priority: 'BIGINT', cpu_request: 'DOUBLE', memory_request: 'DOUBLE',
    disk_request: 'DOUBLE', different_machines_restriction: 'INTEGER',
  },
  task_usage: {
    start_time: 'BIGINT', end_time: 'BIGINT', job_id: 'BIGINT', task_index: 'BIGINT',
    machine_id: 'BIGINT', cpu_rate: 'DOUBLE', canonical_memory_usage: 'DOUBLE',
    assigned_memory: 'DOUBLE', unmapped_page_cache: 'DOUBLE', total_page_cache: 'DOUBLE',
    max_memory: 'DOUBLE', disk_io_time: 'DOUBLE', local_disk_space: 'DOUBLE',
    max_cpu_rate: 'DOUBLE', max_disk_io_time: 'DOUBLE', cpi: 'DOUBLE', mai: 'DOUBLE',
    sample_portion: 'DOUBLE', aggregation_type: 'INTEGER', sampled_cpu_usage: 'DOUBLE',
  },
};
const kEntity = { job_events: 'job_id', task_events: 'job_id, task_index' };

const kEventTypes = ['SUBMIT', 'SCHEDULE', 'EVICT', 'FAIL', 'FINISH', 'KILL', 'LOST',
  'UPDATE_PENDING', 'UPDATE_RUNNING'];
const kEvict = 2;
// q4's outcomes and the event type of each, in the CSV's column order.
const kOutcomes = [['evicted', 2], ['killed', 5], ['failed', 3], ['lost', 6], ['finished', 4]];

function sqlString(text) {
  return `'${text.replaceAll("'", "''")}'`;
}

function readCsv(files, table) {
  const columns = Object.entries(kColumns[table])
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ');
  return `read_csv([${files.map(sqlString).join(', ')}], columns = {${columns}}, ` +
    `header = false, compression = 'gzip', delim = ',', auto_detect = false)`;
}

// q3 and q4 need per class the distinct entities of that class and, for the
// `all` line / the shares, the distinct entities over all classes. One scan,
// one hash aggregation with two grouping sets: (class, entity) and (entity);
// `overall` (GROUPING(scheduling_class)) tells them apart, since a row of the
// second set has a NULL class just as the empty class has. The outer query
// sums the per-entity rows per (overall, class).

// q3 on one table: per (overall, class): entities, rows, rows per event type.
function q3Sql(files, table) {
  const types = kEventTypes.map((_, type) => type);
  return `
    WITH per_entity AS (
      SELECT GROUPING(scheduling_class) AS overall, scheduling_class, count(*) AS total,
             ${types.map((t) => `count(*) FILTER (event_type = ${t}) AS e${t}`).join(', ')}
      FROM ${readCsv(files, table)}
      GROUP BY GROUPING SETS ((scheduling_class, ${kEntity[table]}), (${kEntity[table]})))
    SELECT overall, scheduling_class, count(*)::BIGINT AS entities, sum(total)::BIGINT AS total,
           ${types.map((t) => `sum(e${t})::BIGINT AS e${t}`).join(', ')}
    FROM per_entity GROUP BY overall, scheduling_class`;
}

// q4 on one table: per (overall, class): entities, entities with at least one
// row of each outcome, EVICT rows.
function q4Sql(files, table) {
  return `
    WITH per_entity AS (
      SELECT GROUPING(scheduling_class) AS overall, scheduling_class,
             ${kOutcomes.map(([name, t]) => `bool_or(event_type = ${t}) AS ${name}`).join(', ')},
             count(*) FILTER (event_type = ${kEvict}) AS evict_events
      FROM ${readCsv(files, table)}
      GROUP BY GROUPING SETS ((scheduling_class, ${kEntity[table]}), (${kEntity[table]})))
    SELECT overall, scheduling_class, count(*)::BIGINT AS entities,
           ${kOutcomes.map(([name]) => `count(*) FILTER (${name})::BIGINT AS ${name}`).join(', ')},
           sum(evict_events)::BIGINT AS evict_events
    FROM per_entity GROUP BY overall, scheduling_class`;
}

// q5: per priority: tasks with rows of that priority, those with an EVICT row
// of that priority, EVICT rows.
function q5Sql(files) {
  return `
    WITH per_task AS (
      SELECT priority, bool_or(event_type = ${kEvict}) AS evicted,
             count(*) FILTER (event_type = ${kEvict}) AS evict_events
      FROM ${readCsv(files, 'task_events')}
      GROUP BY priority, job_id, task_index)
    SELECT priority, count(*)::BIGINT AS tasks, count(*) FILTER (evicted)::BIGINT AS evicted_tasks,
           sum(evict_events)::BIGINT AS evict_events
    FROM per_task GROUP BY priority`;
}

// q7's per-task usage (DESIGN.md section 2, q7): duration-weighted means and
// maxima of cpu_rate and canonical_memory_usage per task, kept as a table.
function usageSql(files) {
  const weighted = (column) =>
    `sum(${column} * duration) / sum(duration) FILTER (${column} IS NOT NULL)`;
  return `
    CREATE OR REPLACE TEMP TABLE per_task_usage AS
    SELECT job_id, task_index,
           ${weighted('cpu_rate')} AS mean_cpu_rate, max(cpu_rate) AS max_cpu_rate,
           ${weighted('canonical_memory_usage')} AS mean_memory_usage,
           max(canonical_memory_usage) AS max_memory_usage
    FROM (SELECT job_id, task_index, cpu_rate, canonical_memory_usage,
                 end_time - start_time AS duration
          FROM ${readCsv(files, 'task_usage')}
          WHERE end_time > start_time)
    GROUP BY job_id, task_index`;
}

// --- borgscope's text ------------------------------------------------------------

// printf("%.10g", value), which is what fmt's "{:.10g}" prints (checked
// against fmt 9 and glibc on 200,000 ratios): 10 significant digits of the
// double's exact decimal value rounded half to even, trailing zeros dropped,
// exponent form when the decimal exponent is < -4 or >= 10 (at least two
// exponent digits). JS's toPrecision/toExponential round exact ties up
// (16094332.125 -> ...13 where printf prints ...12), hence the exact digits.
function formatG10(value) {
  if (Number.isNaN(value)) return '';
  if (value === 0) return '0';  // no "-0"
  const sign = value < 0 ? '-' : '';
  // |value| = mantissa * 2^exponent exactly; as an integer D times 10^shift.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const mantissa = biased === 0 ? bits & ((1n << 52n) - 1n) : (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  const exact = exponent >= 0 ? (mantissa << BigInt(exponent)).toString()
    : (mantissa * 5n ** BigInt(-exponent)).toString();
  let decimalExponent = exact.length - 1 + Math.min(exponent, 0);
  let digits = exact.slice(0, 10);
  const rest = exact.slice(10);
  const roundUp = rest.length > 0 && (rest[0] > '5' ||
    (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(digits.at(-1)) % 2 === 1)));
  if (roundUp) {
    digits = (BigInt(digits) + 1n).toString();
    if (digits.length > 10) {  // 9999999999 -> 10000000000
      digits = digits.slice(0, 10);
      ++decimalExponent;
    }
  }
  digits = digits.replace(/0+$/, '');
  if (decimalExponent < -4 || decimalExponent >= 10) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(decimalExponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${decimalExponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (decimalExponent < 0) return `${sign}0.${'0'.repeat(-decimalExponent - 1)}${digits}`;
  const integer = digits.slice(0, decimalExponent + 1).padEnd(decimalExponent + 1, '0');
  const fraction = digits.slice(decimalExponent + 1);
  return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
}

// FormatShare: numerator / denominator in double, empty when the denominator is 0.
function formatShare(numerator, denominator) {
  if (Number(denominator) === 0) return '';
  return formatG10(Number(numerator) / Number(denominator));
}

// Classes ascending, an empty class (NULL) last.
function compareClass(a, b) {
  if ((a === null) !== (b === null)) return a === null ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
const classText = (klass) => (klass === null ? '' : String(klass));
const csv = (header, rows) => [header, ...rows.map((row) => row.join(','))].join('\n') + '\n';

// Result rows -> {overall: row | undefined, classes: [rows sorted by class]}.
// BIGINT values come as BigInt.
function splitOverall(rows) {
  const overall = rows.find((row) => Number(row.overall) !== 0);
  const classes = rows.filter((row) => Number(row.overall) === 0).sort(
    (a, b) => compareClass(a.scheduling_class, b.scheduling_class));
  return { overall, classes };
}

function q3Files(results) {
  const files = {};
  for (const [table, name, column] of [['job_events', 'jobs_by_class.csv', 'jobs'],
    ['task_events', 'tasks_by_class.csv', 'tasks']]) {
    const { overall, classes } = results[table];
    const distinct = overall ? overall.entities : 0n;
    files[name] = csv(`scheduling_class,${column},share`, classes.map((row) =>
      [classText(row.scheduling_class), row.entities, formatShare(row.entities, distinct)]));
  }
  const events = [];
  for (const table of ['job_events', 'task_events']) {
    for (const row of results[table].classes) {
      const typed = kEventTypes.reduce((sum, _, type) => sum + row[`e${type}`], 0n);
      if (typed !== row.total) {
        throw new Error(`${table}: ${row.total - typed} rows have an event type outside 0-8`);
      }
      kEventTypes.forEach((name, type) => {
        const count = row[`e${type}`];
        if (count > 0n) events.push([table, classText(row.scheduling_class), name, count]);
      });
    }
  }
  files['events_by_class_and_type.csv'] = csv('table,scheduling_class,event_type,events', events);
  return files;
}

function q4Files(results) {
  // Classes 0-3 always (zeros when absent), then any other class present, then
  // the empty class, then `all`.
  const lines = (table) => {
    const { overall, classes } = results[table];
    const byClass = new Map(classes.map((row) => [row.scheduling_class, row]));
    const zero = (klass) => ({ scheduling_class: klass, entities: 0n, evict_events: 0n,
      ...Object.fromEntries(kOutcomes.map(([name]) => [name, 0n])) });
    const listed = [0n, 1n, 2n, 3n].map((klass) => byClass.get(klass) ?? zero(klass));
    listed.push(...classes.filter((row) => row.scheduling_class === null ||
      row.scheduling_class < 0n || row.scheduling_class > 3n));
    const all = { ...(overall ?? zero(null)), label: 'all' };
    return [...listed, all].map((row) => ({ ...row,
      label: row.label ?? classText(row.scheduling_class) }));
  };
  const outcomes = (row) => [row.label, row.entities, ...kOutcomes.map(([name]) => row[name])];
  const tasks = lines('task_events');
  return {
    'task_outcomes.csv': csv(
      'scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events',
      tasks.map((row) => [...outcomes(row), row.evict_events])),
    'job_outcomes.csv': csv('scheduling_class,jobs,evicted,killed,failed,lost,finished',
      lines('job_events').map(outcomes)),
    'eviction_by_class.csv': csv('scheduling_class,tasks,evicted_tasks,probability',
      tasks.map((row) => [row.label, row.entities, row.evicted,
        formatShare(row.evicted, row.entities)])),
  };
}

function q5Files(rows) {
  rows.sort((a, b) => compareClass(a.priority, b.priority));
  return {
    'eviction_by_priority.csv': csv(
      'priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task',
      rows.map((row) => [row.priority, row.tasks, row.evicted_tasks,
        formatShare(row.evicted_tasks, row.tasks), row.evict_events,
        formatShare(row.evict_events, row.tasks)])),
  };
}

async function main() {
  const args = parseArguments(process.argv.slice(2));
  const options = args.threads > 0 ? { threads: String(args.threads) } : {};
  const instance = await DuckDBInstance.create(':memory:', options);
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
  const threads = (await connection.runAndReadAll("SELECT current_setting('threads')"))
    .getRowsJS()[0][0];

  const tables = args.questions.includes('usage') ? ['task_usage'] : [];
  if (args.questions.some((question) => kQuestions.includes(question))) {
    tables.push('job_events', 'task_events');
  }
  const shards = Object.fromEntries(
    tables.map((table) => [table, shardFiles(args.trace, table, args.shards)]));
  const run = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS();

  const seconds = {};
  const written = {};
  const extra = {};
  for (const question of args.questions) {
    const start = performance.now();
    let files;
    if (question === 'usage') {
      await run(usageSql(shards.task_usage));
      seconds[question] = (performance.now() - start) / 1000;
      const [counts] = await run('SELECT count(*)::BIGINT AS tasks FROM per_task_usage');
      extra.usage_tasks = Number(counts.tasks);
      continue;
    } else if (question === 'q5') {
      const rows = await run(q5Sql(shards.task_events));
      seconds[question] = (performance.now() - start) / 1000;
      files = q5Files(rows);
    } else {
      const sql = question === 'q3' ? q3Sql : q4Sql;
      const results = {};
      for (const table of tables) results[table] = await run(sql(shards[table], table));
      seconds[question] = (performance.now() - start) / 1000;
      for (const table of tables) results[table] = splitOverall(results[table]);
      files = question === 'q3' ? q3Files(results) : q4Files(results);
    }
    written[question] = files;
  }

  for (const [question, files] of Object.entries(written)) {
    fs.mkdirSync(path.join(args.out, question), { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(args.out, question, name), text);
    }
  }
  const total = Object.values(seconds).reduce((sum, s) => sum + s, 0);
  console.log(JSON.stringify({
    seconds: total, questions: seconds, threads: Number(threads),
    files: tables.reduce((sum, table) => sum + shards[table].length, 0),
    duckdb_version: version, ...extra,
  }));
}

main().catch((error) => {
  console.error(`duckdb_questions: ${error.message}`);
  process.exit(1);
});
