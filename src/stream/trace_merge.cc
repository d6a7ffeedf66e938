#include "stream/trace_merge.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "errors.h"

namespace borgscope {
namespace {

struct KeyColumns {
  int time, job_id;
};
KeyColumns KeyColumnsOf(Table table) {
  if (table == Table::kJobEvents) return {job_events::kTime, job_events::kJobId};
  if (table == Table::kTaskEvents) return {task_events::kTime, task_events::kJobId};
  throw InternalError("replay streams only job_events and task_events");
}

// The mandatory columns the stream and the order depend on are decoded (and
// so validated); the rest travels as text.
ColumnMask WantedColumns(Table table) {
  if (table == Table::kJobEvents) {
    using namespace job_events;
    return ColumnBit(kTime) | ColumnBit(kJobId) | ColumnBit(kEventType) |
           ColumnBit(kSchedulingClass);
  }
  using namespace task_events;
  return ColumnBit(kTime) | ColumnBit(kJobId) | ColumnBit(kEventType) | ColumnBit(kSchedulingClass);
}

// Heap order: std::push_heap keeps the largest first, so "greater" on top = min.
bool CursorAfter(const ShardCursor* a, const ShardCursor* b) {
  return TraceRowBefore(b->row(), a->row());
}

}  // namespace

ShardCursor::ShardCursor(Table table, const ShardFile& shard)
    : shard_(shard),
      reader_(shard.path),
      parser_(table, WantedColumns(table)),
      window_(std::make_unique<char[]>(kWindowSize)) {
  row_.table = table;
  row_.shard = shard.index;
  Advance();
}

bool ShardCursor::ReadBlock() {
  // Keep only the carried-over partial line, then refill behind it.
  const size_t carried = filled_ - block_end_;
  std::memmove(window_.get(), window_.get() + block_end_, carried);
  filled_ = carried;
  block_end_ = 0;
  for (;;) {
    size_t end = 0;
    if (!input_done_) {
      size_t read = reader_.Read(window_.get() + filled_, kWindowSize - filled_);
      if (read == 0) input_done_ = true;
      filled_ += read;
    }
    if (input_done_) {
      if (filled_ == 0) return false;
      end = filled_;  // a last line without '\n'
    } else {
      const void* last_newline = memrchr(window_.get(), '\n', filled_);
      if (last_newline == nullptr) {
        if (filled_ == kWindowSize) {
          throw DataError(fmt::format(
              "bad row in {} {}: line {} is longer than {} bytes", TableName(row_.table),
              std::filesystem::path(shard_.path).filename().string(), next_line_, kWindowSize));
        }
        continue;
      }
      end = static_cast<size_t>(static_cast<const char*>(last_newline) - window_.get()) + 1;
    }
    ClearBatch(batch_, row_.table, shard_.index);
    BadRowPolicy policy;
    const char* begin = window_.get();
    parser_.Parse(begin, begin + end, next_line_, batch_, policy);
    if (policy.fatal) {
      throw DataError(fmt::format("bad row in {} {}: {}", TableName(row_.table),
                                  std::filesystem::path(shard_.path).filename().string(),
                                  policy.fatal->Describe(parser_.spec())));
    }
    // Every line is a row (the parser skips none without a fatal error), so
    // row r is the r-th line of the block.
    row_begin_.resize(batch_.size);
    row_end_.resize(batch_.size);
    size_t position = 0;
    for (size_t r = 0; r < batch_.size; ++r) {
      const char* newline =
          static_cast<const char*>(std::memchr(begin + position, '\n', end - position));
      size_t line_end = newline != nullptr ? static_cast<size_t>(newline - begin) : end;
      size_t row_end = line_end > position && begin[line_end - 1] == '\r' ? line_end - 1 : line_end;
      row_begin_[r] = static_cast<uint32_t>(position);
      row_end_[r] = static_cast<uint32_t>(row_end);
      position = line_end + 1;
    }
    next_line_ += batch_.size;
    block_end_ = end;
    next_row_ = 0;
    if (input_done_) filled_ = end;
    if (batch_.size > 0) return true;
    if (input_done_) return false;
  }
}

bool ShardCursor::Advance() {
  if (next_row_ >= batch_.size && !ReadBlock()) {
    has_row_ = false;
    return false;
  }
  const KeyColumns columns = KeyColumnsOf(row_.table);
  const size_t r = next_row_++;
  row_.line = batch_.line[r];
  row_.time = batch_.Value(columns.time, r);
  row_.job_id = batch_.Value(columns.job_id, r);
  row_.text = std::string_view(window_.get() + row_begin_[r], row_end_[r] - row_begin_[r]);
  has_row_ = true;
  return true;
}

TraceMerger::TraceMerger(const std::string& trace_dir, const std::vector<Table>& tables,
                         const ShardRange& range) {
  for (Table table : tables) {
    std::optional<TableShards> shards = DiscoverShards(trace_dir, table, range);
    if (!shards) continue;
    for (const ShardFile& shard : shards->shards) {
      auto cursor = std::make_unique<ShardCursor>(table, shard);
      if (cursor->HasRow()) heap_.push_back(cursor.get());
      cursors_.push_back(std::move(cursor));
    }
  }
  if (cursors_.empty()) {
    throw UsageError(fmt::format("no job_events or task_events shards under {}", trace_dir));
  }
  std::make_heap(heap_.begin(), heap_.end(), CursorAfter);
}

const TraceRow* TraceMerger::Next() {
  if (current_ != nullptr && current_->Advance()) {
    heap_.push_back(current_);
    std::push_heap(heap_.begin(), heap_.end(), CursorAfter);
  }
  current_ = nullptr;
  if (heap_.empty()) return nullptr;
  std::pop_heap(heap_.begin(), heap_.end(), CursorAfter);
  current_ = heap_.back();
  heap_.pop_back();
  return &current_->row();
}

}  // namespace borgscope
