// The live dashboard: polls /api/counts every second, draws events per
// event-time window (uPlot, embedded in the binary) and tables of the totals.
"use strict";

const kPollMs = 1000;
const kClassColors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"];
const kTypeColors = ["#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#f28e2b", "#9c755f",
                     "#edc948", "#bab0ac"];
const kEventTypes = ["SUBMIT", "SCHEDULE", "EVICT", "FAIL", "FINISH", "KILL", "LOST",
                     "UPDATE_PENDING", "UPDATE_RUNNING"];

const charts = {};
// Fewer windows than this: the note suggests a shorter --window.
const kFewWindows = 6;
let lastPage = null;  // the last /api/counts answer, drawn again when the scale changes

function formatNumber(n) { return Math.round(n).toLocaleString("en-US"); }

function formatTraceTime(seconds) {
  const days = Math.floor(seconds / 86400);
  const pad = (n) => String(n).padStart(2, "0");
  return `${days}d ${pad(Math.floor(seconds / 3600) % 24)}:${pad(Math.floor(seconds / 60) % 60)}`;
}

// "1 h", "5 min", "90 s": a window length for people.
function formatDuration(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

// What a point of the charts is, and a hint when there are too few to see a shape.
function windowNote(page) {
  const length = formatDuration(page.window_seconds);
  let note = `Each point is one event-time window of ${length} of trace time ` +
             `(--window); ${page.windows.length} window${page.windows.length === 1 ? "" : "s"} so far.`;
  if (page.windows.length < kFewWindows) {
    note += " With so few, the lines are straight: a shorter --window (e.g. 5m) shows more.";
  }
  return note;
}

function logScale() { return document.getElementById("log-scale").checked; }

// Without the cursor on a chart, the legend shows the newest window's values
// (uPlot would show "--").
function legendValue(format) {
  return (u, v, seriesIndex, index) => {
    const values = u.data[seriesIndex];
    const shown = index == null ? values[values.length - 1] : v;
    return shown == null ? "–" : format(shown);
  };
}

// One chart per grouping; rebuilt when the set of series or the scale changes.
function drawChart(id, windows, field, names, colors) {
  const element = document.getElementById(id);
  if (typeof uPlot === "undefined") {
    element.textContent = "(chart library not built into this binary)";
    return;
  }
  const log = logScale();
  const x = windows.map((w) => w.start_seconds);
  // A log scale has no 0: an empty window draws no point.
  const value = (n) => (log && !n ? null : n || 0);
  const data = [x, ...names.map((name) => windows.map((w) => value(w[field][name])))];
  const key = `${names.join(",")}|${log}`;
  const chart = charts[id];
  if (chart && chart.key === key) {
    chart.plot.setData(data);
    return;
  }
  if (chart) chart.plot.destroy();
  const options = {
    width: 560, height: 280,
    scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
    axes: [{ label: "trace time", values: (u, ticks) => ticks.map(formatTraceTime) },
           { label: log ? "events (log scale)" : "events", size: 70 }],
    series: [{ label: "window", value: legendValue(formatTraceTime) },
             ...names.map((name, i) => ({ label: name, stroke: colors[i % colors.length],
                                          width: 2, points: { show: false },
                                          value: legendValue(formatNumber) }))],
  };
  charts[id] = { key, plot: new uPlot(options, data, element) };
}

function fillTable(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.innerHTML = "";
  for (const [name, job, task] of rows) {
    const tr = document.createElement("tr");
    for (const [i, text] of [name, formatNumber(job), formatNumber(task)].entries()) {
      const td = document.createElement("td");
      td.textContent = text;
      if (i > 0) td.className = "count";
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

function render(page) {
  lastPage = page;
  document.getElementById("window-note").textContent = windowNote(page);
  document.getElementById("events").textContent = formatNumber(page.events);
  document.getElementById("rate").textContent = formatNumber(page.events_per_second);
  document.getElementById("trace-time").textContent = formatTraceTime(page.trace_time_seconds);
  document.getElementById("lag").textContent = formatNumber(page.consumer_lag);
  document.getElementById("duplicates").textContent = formatNumber(page.duplicates_dropped);
  document.getElementById("latency").textContent =
      `${page.latency_p50_seconds.toFixed(3)} / ${page.latency_p99_seconds.toFixed(3)}`;

  const byClass = new Map(), byType = new Map();
  for (const row of page.totals) {
    const klass = row.scheduling_class === "" ? "none" : row.scheduling_class;
    const column = row.table === "job_events" ? 0 : 1;
    for (const [map, name] of [[byClass, klass], [byType, row.event_type]]) {
      if (!map.has(name)) map.set(name, [0, 0]);
      map.get(name)[column] += row.events;
    }
  }
  const classes = [...byClass.keys()].sort();
  const types = kEventTypes.filter((t) => byType.has(t));
  fillTable("by-class", classes.map((c) => [c, ...byClass.get(c)]));
  fillTable("by-type", types.map((t) => [t, ...byType.get(t)]));
  drawChart("chart-class", page.windows, "by_class", classes, kClassColors);
  drawChart("chart-type", page.windows, "by_event_type", types, kTypeColors);
}

async function poll() {
  try {
    const response = await fetch("/api/counts", { cache: "no-store" });
    render(await response.json());
    document.getElementById("status").textContent = "";
  } catch (error) {
    document.getElementById("status").textContent = `cannot reach the stream: ${error}`;
  }
  setTimeout(poll, kPollMs);
}

document.getElementById("log-scale").addEventListener("change", () => {
  if (lastPage) render(lastPage);
});

poll();
