#include "engine/analyze.h"

#include <fmt/core.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "engine/process_usage.h"
#include "engine/registry.h"
#include "engine/wire.h"
#include "errors.h"
#include "report/metrics_json.h"
#include "report/output_folder.h"
#include "report/plot.h"
#include "report/report_html.h"
#include "report/result_writer.h"

namespace borgscope {

namespace {

std::vector<RankScanMetrics> GatherRankMetrics(Cluster& cluster, const RankScanMetrics& own) {
  WireWriter out;
  out.Put(own);  // trivially copyable; every rank runs the same binary
  std::vector<RankScanMetrics> ranks;
  for (const std::string& bytes : cluster.AllGather(out.Take())) {
    WireReader in(bytes);
    ranks.push_back(in.Get<RankScanMetrics>());
  }
  return ranks;
}

// A trace folder must exist and hold at least one table: a wrong path is an
// error, not a run in which every question is skipped.
void RequireSomeTable(const std::string& trace_dir) {
  if (!std::filesystem::is_directory(trace_dir)) {
    throw UsageError(fmt::format("trace folder {} does not exist", trace_dir));
  }
  std::string looked_for;
  for (Table table : kAllTables) {
    std::error_code ignored;
    if (std::filesystem::exists(std::filesystem::path(trace_dir) / TableName(table), ignored)) {
      return;
    }
    looked_for += fmt::format("{}{}/", looked_for.empty() ? "" : ", ", TableName(table));
  }
  throw DataError(
      fmt::format("no table in trace folder {} (looked for {})", trace_dir, looked_for));
}

// RunAnalyze once the trace and the output folder are checked.
AnalyzeSummary RunChecked(const AnalyzeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  AnalyzeSummary summary;
  std::vector<std::unique_ptr<Analysis>> candidates = CreateAnalyses(options.only);

  // Discover each table at most once.
  std::map<Table, std::optional<TableShards>> found;
  auto table_shards = [&](Table table) -> const std::optional<TableShards>& {
    auto it = found.find(table);
    if (it == found.end()) {
      it = found.emplace(table, DiscoverShards(options.trace_dir, table, options.shards)).first;
    }
    return it->second;
  };

  std::vector<std::unique_ptr<Analysis>> runnable;
  for (auto& analysis : candidates) {
    std::string missing;
    for (const TableColumns& need : analysis->Needs()) {
      if (!table_shards(need.table) && !need.optional) {
        missing += missing.empty() ? "" : ", ";
        missing += TableName(need.table);
      }
    }
    if (missing.empty()) {
      runnable.push_back(std::move(analysis));
      continue;
    }
    std::string id(analysis->Info().id);
    if (!options.only.empty()) {
      throw UsageError(
          fmt::format("{} needs table(s) {}, not found in {}", id, missing, options.trace_dir));
    }
    summary.skipped.push_back({id, fmt::format("needs {}, which is not in the trace", missing)});
  }

  std::vector<TableShards> tables;
  for (const auto& [table, shards] : found) {
    if (!shards) continue;
    bool needed = false;
    for (const auto& analysis : runnable) needed |= ColumnsWanted(*analysis, table) != 0;
    if (!needed) continue;
    tables.push_back(*shards);
    if (!shards->Complete()) {
      summary.notes.push_back(fmt::format(
          "{}: {} of {} shards present (shards {}-{})", TableName(table), shards->shards.size(),
          shards->declared_count, shards->shards.front().index, shards->shards.back().index));
    }
  }

  std::vector<const Analysis*> pointers;
  for (const auto& analysis : runnable) pointers.push_back(analysis.get());
  Cluster& cluster = options.cluster ? *options.cluster : SingleProcess();
  SharedScan scan(pointers, options.scan, cluster);
  summary.tables = scan.Run(tables);

  // Keyed analyses under MPI: every rank finishes its partition of the keys
  // and rank 0 writes from the summaries, one analysis at a time (they are
  // collective) so that rank 0 holds one analysis's summaries at most. Alone,
  // Finish runs both steps, and the analyses finish side by side on the
  // scan's threads. Only rank 0 writes.
  const bool writes = cluster.rank() == 0;
  if (writes) std::filesystem::create_directories(options.out_dir);
  RankScanMetrics own = scan.rank_metrics();
  // The merged state of a runnable input analysis, by id.
  auto input_state = [&](std::string_view id) -> const AnalysisState* {
    for (size_t j = 0; j < runnable.size(); ++j) {
      if (runnable[j]->Info().id == id) return &scan.merged(j);
    }
    throw InternalError(fmt::format("input {} of an analysis did not run", id));
  };
  // Finishes analysis i; returns its metrics when this rank writes them.
  auto finish = [&](size_t i) -> std::optional<AnalysisRunMetrics> {
    // Inputs write nothing: the analyses that read them finish from them.
    if (runnable[i]->IsInput()) return std::nullopt;
    const auto finish_start = std::chrono::steady_clock::now();
    const bool split = runnable[i]->SplitsByKey() && cluster.size() > 1;
    if (!split && !writes) return std::nullopt;
    std::optional<ResultWriter> writer;
    if (writes) writer.emplace(options.out_dir, runnable[i]->Info().id);
    std::vector<const AnalysisState*> inputs;
    for (std::string_view id : runnable[i]->InputIds()) inputs.push_back(input_state(id));
    if (split) {
      const auto& analysis = static_cast<const KeyedAnalysis&>(*runnable[i]);
      std::vector<std::string> summaries =
          cluster.GatherToFirst(analysis.FinishPartition(scan.merged(i), inputs, cluster));
      own.finish_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - finish_start).count();
      if (writes) analysis.FinishSummaries(std::move(summaries), *writer);
    } else {
      runnable[i]->Finish(scan.merged(i), inputs, *writer);
    }
    if (!writes) return std::nullopt;
    AnalysisRunMetrics metrics;
    metrics.id = runnable[i]->Info().id;
    metrics.scan = scan.analysis_metrics(i);
    metrics.finish_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - finish_start).count();
    metrics.files = writer->files_written();
    return metrics;
  };
  std::vector<std::optional<AnalysisRunMetrics>> finished(runnable.size());
  if (cluster.size() == 1) {
    tbb::task_arena arena(options.scan.threads > 0 ? options.scan.threads
                                                   : tbb::task_arena::automatic);
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<size_t>(0, runnable.size(), 1),
          [&](const tbb::blocked_range<size_t>& range) {
            for (size_t i = range.begin(); i != range.end(); ++i) finished[i] = finish(i);
          },
          tbb::simple_partitioner());
    });
  } else {
    for (size_t i = 0; i < runnable.size(); ++i) finished[i] = finish(i);
  }
  for (std::optional<AnalysisRunMetrics>& metrics : finished) {
    if (metrics) summary.analyses.push_back(std::move(*metrics));
  }
  own.bytes_sent = cluster.bytes_sent();
  own.bytes_received = cluster.bytes_received();
  own.peak_rss_bytes = PeakRssBytes();
  own.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  summary.ranks = GatherRankMetrics(cluster, own);
  if (!writes) {
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
  }
  if (options.plots) {
    summary.plot_seconds = RenderAnalysisPlots(runnable, options.out_dir, summary.analyses);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.peak_rss_bytes = PeakRssBytes();
  WriteMetricsJson(summary, options, std::filesystem::path(options.out_dir) / "metrics.json");
  WriteReportHtml(summary, options, std::filesystem::path(options.out_dir) / "report.html");
  summary.wrote_outputs = true;
  return summary;
}

}  // namespace

AnalyzeSummary RunAnalyze(const AnalyzeOptions& options) {
  RequireSomeTable(options.trace_dir);
  Cluster& cluster = options.cluster ? *options.cluster : SingleProcess();
  if (cluster.rank() != 0) return RunChecked(options);
  CreateAnalyses(options.only);  // an unknown --only id: a usage error before --out is made
  StagedOutput output(options.out_dir);
  AnalyzeOptions staged = options;
  staged.out_dir = output.staging().string();
  staged.display_out_dir = options.out_dir;
  AnalyzeSummary summary = RunChecked(staged);
  output.Commit();
  return summary;
}

}  // namespace borgscope
