#pragma once
// How big a synthetic trace is: its time span, machine count and shards,
// all derived from --scale, and the time slices that map rows to shards.
//
// Scale 1.0 is about 1 GB of CSV. The span grows with the square root of the
// scale (1 day at 0.1, the real 29 days from scale ~84) and the machine count
// with the rest, so the per-machine density of tasks and usage rows stays
// that of the real cell whatever the scale.

#include <cstdint>

namespace borgscope::gen {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kWindowStart = 600 * kMicrosPerSecond;  // the trace window opens at 600 s
inline constexpr int64_t kUsagePeriod = 300 * kMicrosPerSecond;  // task_usage windows: 5 minutes
inline constexpr int64_t kDay = 86'400 * kMicrosPerSecond;
inline constexpr double kMaxDays = 29;

struct TraceShape {
  uint64_t seed = 1;
  double scale = 0.1;
  int64_t end_time = 0;  // exclusive end of the window, µs
  uint32_t machine_count = 0;
  // job_events, task_events, task_constraints and task_usage have shard_count
  // shards each; shard i holds the rows of time slice i.
  uint32_t shard_count = 0;
  int64_t slice_length = 0;  // µs, a multiple of kUsagePeriod

  // Slice i is [kWindowStart + i·L, kWindowStart + (i+1)·L), the last one cut
  // at end_time; times before the window (0) belong to slice 0.
  uint32_t SliceOf(int64_t time) const;
  int64_t SliceBegin(uint32_t slice) const;
  int64_t SliceEnd(uint32_t slice) const;
  double days() const { return static_cast<double>(end_time - kWindowStart) / kDay; }
};

// Throws UsageError when scale is not in (0, 1000].
TraceShape ShapeForScale(double scale, uint64_t seed);

}  // namespace borgscope::gen
