#pragma once
// Stage 1 of the scan: one shard -> inflated bytes -> blocks of whole lines ->
// RowBatch, through one reused window (the partial last line is carried over),
// so memory per thread is bounded by kWindowSize whatever the shard's size.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/gzip_reader.h"
#include "io/shards.h"
#include "trace/block_parser.h"
#include "trace/row_batch.h"

namespace borgscope {

struct ShardCounters {
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
  uint64_t rows = 0;
  uint64_t bad_rows = 0;
};

// Live totals the progress display reads while shards are scanned.
struct LiveCounters {
  std::atomic<uint64_t> compressed_bytes{0};
  std::atomic<uint64_t> uncompressed_bytes{0};
  std::atomic<uint64_t> rows{0};
  std::atomic<uint64_t> shards_done{0};
  std::atomic<uint64_t> spilled_bytes{0};  // keyed states written to spill files so far
};

// A skipped bad row with its place, for the end-of-run report.
struct SkippedRow {
  uint32_t shard = 0;
  uint64_t line = 0;
  std::string description;  // "task_events part-00000-of-00500.csv.gz line 3, column ..."
};

class ShardReader {
 public:
  static constexpr size_t kWindowSize = 256 * 1024;
  static constexpr size_t kPadding = 64;

  ShardReader(Table table, ColumnMask wanted, bool skip_bad_rows);

  using BatchConsumer = std::function<void(const RowBatch&)>;

  // Reads the whole shard, handing each block's batch to `consume`. A bad row
  // throws DataError naming table, shard, line and column unless bad rows are
  // skipped; then they are counted and the first few kept in skipped_rows().
  ShardCounters Read(const ShardFile& shard, const BatchConsumer& consume, LiveCounters* live);

  const std::vector<SkippedRow>& skipped_rows() const { return skipped_rows_; }

 private:
  void ParseBlock(const ShardFile& shard, const char* begin, const char* end, uint64_t& line,
                  const BatchConsumer& consume, ShardCounters& counters);

  BlockParser parser_;
  GzipReader reader_;
  bool skip_bad_rows_;
  std::unique_ptr<char[]> window_;
  RowBatch batch_;
  std::vector<SkippedRow> skipped_rows_;
};

}  // namespace borgscope
