#include "run/analyze.h"

#include <fmt/core.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "engine/memory_budget.h"
#include "engine/process_usage.h"
#include "engine/progress.h"
#include "engine/registry.h"
#include "engine/wire.h"
#include "errors.h"
#include "report/metrics_json.h"
#include "report/output_folder.h"
#include "report/plot.h"
#include "report/report_html.h"
#include "results/result_writer.h"

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

// The position among `runnable` of the input analysis `id`.
size_t IndexOfInput(const std::vector<std::unique_ptr<Analysis>>& runnable, std::string_view id) {
  for (size_t j = 0; j < runnable.size(); ++j) {
    if (runnable[j]->Info().id == id) return j;
  }
  throw InternalError(fmt::format("input {} of an analysis did not run", id));
}

// The summary of a keyed analysis whose state spilled: its state (and its
// inputs') read back a partition at a time, each partition summarized and
// merged into the summary, or collected (KeyedAnalysis::CollectPartition)
// and summarized at the end. One analysis at a time, so that one analysis's
// collected points are in memory at once. Under MPI, over this rank's
// partitions (part % ranks == rank); SummarizeCollected is collective.
std::unique_ptr<AnalysisSummary> SummarizeSpilled(
    const KeyedAnalysis& analysis, size_t index,
    const std::vector<std::unique_ptr<Analysis>>& runnable, SharedScan& scan,
    const CollectBudget& budget, Cluster& cluster, bool show_progress) {
  std::vector<size_t> inputs;
  for (std::string_view id : analysis.InputIds()) inputs.push_back(IndexOfInput(runnable, id));
  std::vector<bool> wanted(runnable.size(), false);
  wanted[index] = true;
  for (size_t j : inputs) wanted[j] = true;

  const size_t parts = scan.spill_partitions();
  std::atomic<size_t> done{0};
  PeriodicRedraw progress(show_progress, [&](bool final_line) {
    fmt::print(stderr, "\r\033[K{:<16} {}/{} spilled partitions read back{}", analysis.Info().id,
               done.load(), parts, final_line ? "\n" : "");
    std::fflush(stderr);
  });
  std::unique_ptr<CollectedState> collected = analysis.NewCollected(budget);
  std::unique_ptr<AnalysisSummary> summary = analysis.NewSummary();
  const size_t ranks = static_cast<size_t>(cluster.size());
  for (size_t part = static_cast<size_t>(cluster.rank()); part < parts; part += ranks) {
    std::vector<std::unique_ptr<AnalysisState>> states = scan.ReadSpilledPartition(part, wanted);
    std::vector<const AnalysisState*> input_states;
    for (size_t j : inputs) input_states.push_back(states[j].get());
    if (collected) {
      analysis.CollectPartition(*states[index], input_states, *collected);
    } else {
      summary->Merge(*analysis.SummarizePartition(*states[index], input_states, SingleProcess()));
    }
    done = part + 1;
  }
  if (collected) summary = analysis.SummarizeCollected(*collected, cluster);
  return summary;
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
  const SpillOptions& spill = options.scan.spill;
  if (spill.memory_limit > 0) {
    const int threads =
        options.scan.threads > 0 ? options.scan.threads : tbb::info::default_concurrency();
    summary.memory_floor_bytes = MemoryFloorBytes(threads);
    if (spill.memory_limit < summary.memory_floor_bytes) {
      throw UsageError(fmt::format(
          "--memory-limit {} MiB ({} bytes) is below this run's floor of {} MiB ({} bytes: "
          "the process, {} scan threads' buffers and room for the keyed states between spills)",
          spill.memory_limit >> 20, spill.memory_limit, summary.memory_floor_bytes >> 20,
          summary.memory_floor_bytes, threads));
    }
  }
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
  auto input_index = [&](std::string_view id) { return IndexOfInput(runnable, id); };
  auto input_state = [&](std::string_view id) { return &scan.merged(input_index(id)); };
  // Readers of each input not finished yet: the input is freed after the last.
  std::vector<std::atomic<size_t>> readers_left(runnable.size());
  for (const auto& analysis : runnable) {
    for (std::string_view id : analysis->InputIds()) ++readers_left[input_index(id)];
  }
  // Frees analysis i's state and each input it was the last to read, once:
  // when its finish reads them no more (a keyed question that collects says
  // so before finishing what it collected: its points' sorts then run beside
  // less memory), else after its finish.
  std::vector<std::atomic<bool>> reads_freed(runnable.size());
  auto free_reads = [&](size_t i) {
    if (reads_freed[i].exchange(true)) return;
    scan.ReleaseMerged(i);
    for (std::string_view id : runnable[i]->InputIds()) {
      const size_t input = input_index(id);
      if (--readers_left[input] == 0) scan.ReleaseMerged(input);
    }
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
    if (split || (runnable[i]->SplitsByKey() && scan.spilled())) {
      // This rank's summary: of the spilled partitions it owns, or of its
      // partition in memory (ranks may differ). Rank 0 merges them all.
      const auto& analysis = static_cast<const KeyedAnalysis&>(*runnable[i]);
      std::unique_ptr<AnalysisSummary> summary =
          scan.spilled()
              ? SummarizeSpilled(analysis, i, runnable, scan, scan.collect_budget(), cluster,
                                 options.scan.show_progress && cluster.rank() == 0)
              : analysis.SummarizePartition(scan.merged(i), inputs, cluster,
                                            [&] { free_reads(i); });
      summary = GatherSummaries(std::move(summary), cluster);
      own.finish_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - finish_start).count();
      if (writes) analysis.WriteSummary(*summary, *writer);
    } else if (runnable[i]->SplitsByKey()) {
      static_cast<const KeyedAnalysis&>(*runnable[i]).Finish(scan.merged(i), inputs, *writer, [&] {
        free_reads(i);
      });
    } else {
      runnable[i]->Finish(scan.merged(i), inputs, *writer);
    }
    free_reads(i);
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
  // Side by side, unless under a memory limit that made states spill.
  if (cluster.size() == 1 && !scan.spilled()) {
    tbb::task_arena arena(options.scan.threads > 0 ? options.scan.threads
                                                   : tbb::task_arena::automatic);
    // In registry order, each thread taking the next: the finishes that
    // need memory of their own (q7's, q8's and q9's points and runs) start
    // once the early ones have freed their states.
    std::atomic<size_t> next{0};
    arena.execute([&] {
      tbb::parallel_for(0, arena.max_concurrency(), [&](int) {
        for (size_t i; (i = next++) < runnable.size();) finished[i] = finish(i);
      });
    });
  } else {
    for (size_t i = 0; i < runnable.size(); ++i) finished[i] = finish(i);
  }
  for (std::optional<AnalysisRunMetrics>& metrics : finished) {
    if (metrics) summary.analyses.push_back(std::move(*metrics));
  }
  for (size_t i = 0; i < runnable.size(); ++i) {
    if (!runnable[i]->IsInput()) continue;
    AnalysisRunMetrics input;
    input.id = runnable[i]->Info().id;
    input.scan = scan.analysis_metrics(i);
    summary.inputs.push_back(std::move(input));
  }
  own.bytes_sent = cluster.bytes_sent();
  own.bytes_received = cluster.bytes_received();
  own.peak_rss_bytes = PeakRssBytes();
  own.spilled_bytes = scan.spill_metrics().spilled_bytes;
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
  summary.memory_limit_bytes = spill.memory_limit;
  summary.spill = scan.spill_metrics();
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
