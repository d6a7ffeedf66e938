#pragma once
// Trace order and entity keys. "Last" and "first" follow trace order:
// timestamp, then shard, then line (DESIGN.md section 2).

#include <absl/hash/hash.h>

#include <compare>
#include <cstdint>
#include <type_traits>

#include "trace/row_batch.h"

namespace borgscope {

// Shard and line share 64 bits, so that an order is 16 bytes with no
// padding: one sits in every value that keeps a "last" value (two per task in
// q7). The shard reader stops at a shard beyond these bounds.
inline constexpr int kLineBits = 40;
inline constexpr uint64_t kMaxShardsPerTable = uint64_t{1} << (64 - kLineBits);
inline constexpr uint64_t kMaxLinesPerShard = (uint64_t{1} << kLineBits) - 1;

struct TraceOrder {
  int64_t time = INT64_MIN;  // INT64_MIN: before everything (nothing seen yet)
  uint64_t position = 0;     // shard << kLineBits | line: compares as (shard, line)

  TraceOrder() = default;
  TraceOrder(int64_t at, uint32_t shard, uint64_t line)
      : time(at), position(uint64_t{shard} << kLineBits | line) {}
  static TraceOrder Of(const RowBatch& batch, int time_column, size_t row) {
    return {batch.Value(time_column, row), batch.shard, batch.line[row]};
  }
  uint32_t shard() const { return static_cast<uint32_t>(position >> kLineBits); }
  uint64_t line() const { return position & kMaxLinesPerShard; }
  friend auto operator<=>(const TraceOrder&, const TraceOrder&) = default;
};
static_assert(sizeof(TraceOrder) == 16 && std::has_unique_object_representations_v<TraceOrder>);

// A task is the pair (job_id, task_index).
struct TaskKey {
  int64_t job_id = 0;
  int64_t task_index = 0;

  friend auto operator<=>(const TaskKey&, const TaskKey&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const TaskKey& key) {
    return H::combine(std::move(state), key.job_id, key.task_index);
  }
};

}  // namespace borgscope
