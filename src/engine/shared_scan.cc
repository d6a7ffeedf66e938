#include "engine/shared_scan.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "engine/progress.h"

namespace borgscope {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

ColumnMask ColumnsWanted(const Analysis& analysis, Table table) {
  ColumnMask mask = 0;
  for (const TableColumns& need : analysis.Needs()) {
    if (need.table == table) mask |= need.columns;
  }
  return mask;
}

SharedScan::SharedScan(std::vector<const Analysis*> analyses, ScanOptions options)
    : analyses_(std::move(analyses)), options_(options) {
  for (const Analysis* analysis : analyses_) merged_.push_back(analysis->NewState(nullptr));
  analysis_metrics_.resize(analyses_.size());
}

std::vector<TableScanMetrics> SharedScan::Run(const std::vector<TableShards>& tables) {
  std::vector<TableScanMetrics> metrics;
  for (Table table : kAllTables) {
    for (const TableShards& shards : tables) {
      if (shards.table == table) metrics.push_back(ScanTable(shards));
    }
  }
  return metrics;
}

TableScanMetrics SharedScan::ScanTable(const TableShards& table) {
  const Clock::time_point start = Clock::now();
  // The analyses that read this table, and the union of their columns.
  std::vector<size_t> readers;
  ColumnMask wanted = 0;
  for (size_t i = 0; i < analyses_.size(); ++i) {
    ColumnMask mask = ColumnsWanted(*analyses_[i], table.table);
    if (mask != 0) {
      readers.push_back(i);
      wanted |= mask;
    }
  }

  struct ThreadState {
    std::unique_ptr<ShardReader> reader;  // not movable: it owns the inflate state
    std::vector<std::unique_ptr<AnalysisState>> states;  // parallel to readers
    std::vector<double> consume_seconds;
    ShardCounters counters;
  };
  tbb::enumerable_thread_specific<ThreadState> thread_states([&] {
    ThreadState state{std::make_unique<ShardReader>(table.table, wanted, options_.skip_bad_rows),
                      {}, {}, {}};
    for (size_t i : readers) state.states.push_back(analyses_[i]->NewState(merged_[i].get()));
    state.consume_seconds.assign(readers.size(), 0.0);
    return state;
  });

  // Largest shards first, so that the last ones to finish are short.
  std::vector<const ShardFile*> order;
  for (const ShardFile& shard : table.shards) order.push_back(&shard);
  std::stable_sort(order.begin(), order.end(), [](const ShardFile* a, const ShardFile* b) {
    return a->compressed_bytes > b->compressed_bytes;
  });
  uint64_t compressed_total = 0;
  for (const ShardFile& shard : table.shards) compressed_total += shard.compressed_bytes;

  LiveCounters live;
  {
    ProgressDisplay progress(options_.show_progress, std::string(TableName(table.table)),
                             table.shards.size(), compressed_total, live);
    int threads = options_.threads > 0 ? options_.threads : tbb::info::default_concurrency();
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for_each(order.begin(), order.end(), [&](const ShardFile* shard) {
        ThreadState& state = thread_states.local();
        ShardCounters counters = state.reader->Read(
            *shard,
            [&](const RowBatch& batch) {
              for (size_t r = 0; r < state.states.size(); ++r) {
                Clock::time_point consume_start = Clock::now();
                state.states[r]->Consume(batch);
                state.consume_seconds[r] += SecondsSince(consume_start);
              }
            },
            &live);
        state.counters.compressed_bytes += counters.compressed_bytes;
        state.counters.uncompressed_bytes += counters.uncompressed_bytes;
        state.counters.rows += counters.rows;
        state.counters.bad_rows += counters.bad_rows;
      });
    });
  }

  TableScanMetrics metrics;
  metrics.table = table.table;
  metrics.shards = table.shards.size();
  for (ThreadState& state : thread_states) {
    metrics.counters.compressed_bytes += state.counters.compressed_bytes;
    metrics.counters.uncompressed_bytes += state.counters.uncompressed_bytes;
    metrics.counters.rows += state.counters.rows;
    metrics.counters.bad_rows += state.counters.bad_rows;
    const auto& skipped = state.reader->skipped_rows();
    metrics.skipped_rows.insert(metrics.skipped_rows.end(), skipped.begin(), skipped.end());
    for (size_t r = 0; r < readers.size(); ++r) {
      Clock::time_point merge_start = Clock::now();
      merged_[readers[r]]->Absorb(std::move(*state.states[r]));
      analysis_metrics_[readers[r]].merge_seconds += SecondsSince(merge_start);
      analysis_metrics_[readers[r]].consume_seconds += state.consume_seconds[r];
    }
  }
  std::sort(metrics.skipped_rows.begin(), metrics.skipped_rows.end(),
            [](const SkippedRow& a, const SkippedRow& b) {
              return std::tie(a.shard, a.line) < std::tie(b.shard, b.line);
            });
  if (metrics.skipped_rows.size() > BadRowPolicy::kExamplesKept) {
    metrics.skipped_rows.resize(BadRowPolicy::kExamplesKept);
  }
  metrics.seconds = SecondsSince(start);
  return metrics;
}

}  // namespace borgscope
