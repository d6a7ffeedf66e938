#pragma once
// Trace order and entity keys. "Last" and "first" follow trace order:
// timestamp, then shard, then line (DESIGN.md section 2).

#include <absl/hash/hash.h>

#include <compare>
#include <cstdint>

#include "trace/row_batch.h"

namespace borgscope {

struct TraceOrder {
  int64_t time = INT64_MIN;  // INT64_MIN: before everything (nothing seen yet)
  uint32_t shard = 0;
  uint64_t line = 0;

  static TraceOrder Of(const RowBatch& batch, int time_column, size_t row) {
    return {batch.Value(time_column, row), batch.shard, batch.line[row]};
  }
  friend auto operator<=>(const TraceOrder&, const TraceOrder&) = default;
};

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
