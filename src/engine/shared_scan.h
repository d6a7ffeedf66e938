#pragma once
// The shared scan: each table that any selected analysis needs is read once,
// in kAllTables order, its shards spread over threads (oneTBB), every row
// handed to every analysis that needs the table. Each thread keeps its own
// partial states and merges them once, after the table (STYLE.md 6).

#include <memory>
#include <string>
#include <vector>

#include "engine/analysis.h"
#include "engine/shard_reader.h"
#include "io/shards.h"

namespace borgscope {

struct ScanOptions {
  int threads = 0;  // 0: all cores
  bool skip_bad_rows = false;
  bool show_progress = false;
};

struct TableScanMetrics {
  Table table = Table::kMachineEvents;
  size_t shards = 0;
  ShardCounters counters;
  double seconds = 0;
  std::vector<SkippedRow> skipped_rows;  // the first few, in (shard, line) order
};

struct AnalysisScanMetrics {
  double consume_seconds = 0;  // summed over threads
  double merge_seconds = 0;
};

class SharedScan {
 public:
  SharedScan(std::vector<const Analysis*> analyses, ScanOptions options);

  // Reads the given tables (each once) and returns their metrics in scan order.
  std::vector<TableScanMetrics> Run(const std::vector<TableShards>& tables);

  // The state of analyses[i] merged over everything read.
  const AnalysisState& merged(size_t i) const { return *merged_[i]; }
  const AnalysisScanMetrics& analysis_metrics(size_t i) const { return analysis_metrics_[i]; }

 private:
  TableScanMetrics ScanTable(const TableShards& table);

  std::vector<const Analysis*> analyses_;
  ScanOptions options_;
  std::vector<std::unique_ptr<AnalysisState>> merged_;
  std::vector<AnalysisScanMetrics> analysis_metrics_;
};

// The columns of `table` wanted by `analysis` (0 when it does not read it).
ColumnMask ColumnsWanted(const Analysis& analysis, Table table);

}  // namespace borgscope
