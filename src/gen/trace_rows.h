#pragma once
// Rows of the time-split tables as the cluster simulation produces them,
// before they are formatted: one SliceRows per shard index.

#include <cstdint>
#include <vector>

#include "gen/csv_text.h"
#include "gen/random.h"

namespace borgscope::gen {

inline constexpr uint64_t kNoMachine = 0;  // generated machine ids are >= 1
inline constexpr int8_t kEmptyField = -1;  // for small optional integer fields

struct JobEventRow {
  int64_t time = 0;
  uint64_t job_id = 0;
  uint32_t user = 0;
  uint32_t logical_name = 0;  // per user
  uint8_t event_type = 0;
  uint8_t scheduling_class = 0;
  int8_t missing_info = kEmptyField;
};

struct TaskEventRow {
  int64_t time = 0;
  uint64_t job_id = 0;
  uint64_t machine_id = kNoMachine;
  uint32_t task_index = 0;
  uint32_t user = 0;
  Decimal4 cpu_request;
  Decimal4 memory_request;
  Decimal4 disk_request;
  uint8_t event_type = 0;
  uint8_t scheduling_class = 0;
  uint8_t priority = 0;
  int8_t missing_info = kEmptyField;
  int8_t different_machines = kEmptyField;
};

struct ConstraintRow {
  int64_t time = 0;
  uint64_t job_id = 0;
  uint32_t task_index = 0;
  uint8_t comparison = 0;  // 0 equal, 1 less than, 2 greater than, 3 not equal
  uint16_t attribute = 0;
  int8_t value_kind = 0;  // AttributeValue::Kind
  uint32_t value = 0;
};

// A task running on a machine over [start, end), cut to one slice: the
// source of its task_usage rows in that slice.
struct UsageRun {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t job_id = 0;
  uint64_t machine_id = 0;
  uint32_t task_index = 0;
  Decimal4 cpu_request;
  Decimal4 memory_request;
  Decimal4 disk_request;
};

struct SliceRows {
  uint32_t index = 0;
  int64_t begin = 0;  // the slice's time range; slice 0 also holds time 0
  int64_t end = 0;
  std::vector<JobEventRow> job_events;     // in trace order
  std::vector<TaskEventRow> task_events;   // in trace order
  std::vector<ConstraintRow> constraints;  // in trace order
  std::vector<UsageRun> usage_runs;        // any order
};

// Hash keys of the string fields, shared by the simulation and the writers.
inline uint64_t UserKey(uint64_t seed, uint32_t user) { return HashKeys({seed, 0x75736572, user}); }
inline uint64_t JobNameKey(uint64_t seed, uint64_t job_id) {
  return HashKeys({seed, 0x6a6f626e616d65, job_id});
}
inline uint64_t LogicalNameKey(uint64_t seed, uint32_t user, uint32_t logical_name) {
  return HashKeys({seed, 0x6c6f676963616c, user, logical_name});
}

}  // namespace borgscope::gen
