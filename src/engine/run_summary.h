#pragma once
// What an `analyze` run was asked (AnalyzeOptions) and what it measured
// (AnalyzeSummary): written to metrics.json and report.html by report/.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/shared_scan.h"
#include "io/shards.h"

namespace borgscope {

struct AnalyzeOptions {
  std::string trace_dir;
  std::string out_dir;
  std::vector<std::string> only;  // analysis ids; empty: all
  ShardRange shards;
  ScanOptions scan;
  bool plots = true;           // draw each analysis's plots with gnuplot (report/plot.h)
  Cluster* cluster = nullptr;  // the MPI job this run is part of; null: one process
  // The --out the user named, shown in report.html, while out_dir is the
  // staging folder inside it that RunAnalyze writes to; empty: out_dir.
  std::string display_out_dir;
};

struct SkippedAnalysis {
  std::string id;
  std::string reason;  // "needs task_usage, which is not in the trace"
};

struct AnalysisRunMetrics {
  std::string id;
  AnalysisScanMetrics scan;
  double finish_seconds = 0;
  std::vector<std::string> files;
};

struct AnalyzeSummary {
  std::vector<AnalysisRunMetrics> analyses;
  // The inputs that ran (states several analyses read: their consume and
  // merge are their own, not their readers'); no files, no finish.
  std::vector<AnalysisRunMetrics> inputs;
  std::vector<SkippedAnalysis> skipped;
  std::vector<TableScanMetrics> tables;
  std::vector<std::string> notes;  // e.g. "task_events: 1 of 500 shards present"
  double seconds = 0;
  double plot_seconds = 0;             // part of `seconds`
  uint64_t peak_rss_bytes = 0;         // of rank 0
  uint64_t memory_limit_bytes = 0;     // --memory-limit; 0: none
  uint64_t memory_floor_bytes = 0;     // the least --memory-limit this run accepts
  SpillMetrics spill;                  // keyed states written to disk under the limit
  std::vector<RankScanMetrics> ranks;  // one per rank, in rank order
  bool wrote_outputs = false;          // false on MPI ranks other than 0
};

}  // namespace borgscope
