#pragma once
// The trace in trace-time order: a k-way merge over pull-based shard cursors.
//
// Order is (time, table, shard, line): DESIGN.md's trace order, with job_events
// before task_events at equal times (the Table enum's order). Each cursor
// reads one shard through a reused window as ShardReader does (GzipReader ->
// BlockParser), but hands out one row at a time so that many shards can be
// interleaved; a bad row throws DataError naming table, shard, line, column.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "io/gzip_reader.h"
#include "io/shards.h"
#include "trace/block_parser.h"

namespace borgscope {

// One row under a cursor. `text` (the line without its end) stays valid until
// the cursor moves to the next row.
struct TraceRow {
  Table table = Table::kTaskEvents;
  uint32_t shard = 0;
  uint64_t line = 0;
  int64_t time = 0;
  int64_t job_id = 0;
  std::string_view text;
};

class ShardCursor {
 public:
  static constexpr size_t kWindowSize = 256 * 1024;

  // Opens the shard and reads its first row. Only job_events and task_events.
  ShardCursor(Table table, const ShardFile& shard);
  ShardCursor(const ShardCursor&) = delete;
  ShardCursor& operator=(const ShardCursor&) = delete;

  bool HasRow() const { return has_row_; }
  const TraceRow& row() const { return row_; }
  // Moves to the next row; false at the end of the shard.
  bool Advance();

 private:
  bool ReadBlock();

  ShardFile shard_;
  GzipReader reader_;
  BlockParser parser_;
  RowBatch batch_;
  std::unique_ptr<char[]> window_;
  size_t block_end_ = 0;             // window bytes [0, block_end_) are the parsed block
  size_t filled_ = 0;                // window bytes [block_end_, filled_) are carried over
  std::vector<uint32_t> row_begin_;  // per batch row: offset of its line
  std::vector<uint32_t> row_end_;    // per batch row: offset of its end ('\r' and '\n' cut)
  size_t next_row_ = 0;
  uint64_t next_line_ = 1;
  bool input_done_ = false;
  bool has_row_ = false;
  TraceRow row_;
};

class TraceMerger {
 public:
  // Opens every shard of `tables` in `range` under `trace_dir` (tables with no
  // folder are skipped; UsageError when none is found).
  TraceMerger(const std::string& trace_dir, const std::vector<Table>& tables,
              const ShardRange& range);

  // The next row in trace order, or nullptr at the end. The row stays valid
  // until the next call.
  const TraceRow* Next();

  size_t shard_count() const { return cursors_.size(); }

 private:
  std::vector<std::unique_ptr<ShardCursor>> cursors_;
  std::vector<ShardCursor*> heap_;  // min-heap by trace order
  ShardCursor* current_ = nullptr;  // handed out last; advanced on the next call
};

// Strict trace order of two rows: (time, table, shard, line).
inline bool TraceRowBefore(const TraceRow& a, const TraceRow& b) {
  if (a.time != b.time) return a.time < b.time;
  if (a.table != b.table) return a.table < b.table;
  if (a.shard != b.shard) return a.shard < b.shard;
  return a.line < b.line;
}

}  // namespace borgscope
