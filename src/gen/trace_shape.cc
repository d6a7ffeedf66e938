#include "gen/trace_shape.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "errors.h"

namespace borgscope::gen {
namespace {

// Calibrated on generated traces: machine-days of the real cell's density
// (about 11 running tasks per machine) that make 1 GB of CSV, and the part of
// those bytes that is task_usage.
constexpr double kMachineDaysPerScale = 1800;
constexpr double kUsageBytesPerScale = 0.91e9;
constexpr double kUsageBytesPerShard = 25e6;
constexpr double kMinDays = 1.0 / 24;
constexpr double kMaxScale = 1000;

}  // namespace

TraceShape ShapeForScale(double scale, uint64_t seed) {
  if (!(scale > 0 && scale <= kMaxScale)) {
    throw UsageError("--scale must be in (0, 1000], got " + std::to_string(scale));
  }
  TraceShape shape;
  shape.seed = seed;
  shape.scale = scale;
  const double days = std::clamp(std::sqrt(scale / 0.1), kMinDays, kMaxDays);
  const int64_t periods = std::llround(days * kDay / kUsagePeriod);
  shape.end_time = kWindowStart + periods * kUsagePeriod;
  shape.machine_count = static_cast<uint32_t>(
      std::max<int64_t>(8, std::llround(kMachineDaysPerScale * scale / days)));

  const int64_t wanted_shards =
      std::max<int64_t>(2, std::llround(scale * kUsageBytesPerScale / kUsageBytesPerShard));
  // Slices are whole usage periods so that no 5-minute window straddles two shards.
  const int64_t periods_per_slice =
      std::max<int64_t>(1, (periods + wanted_shards - 1) / wanted_shards);
  shape.slice_length = periods_per_slice * kUsagePeriod;
  shape.shard_count = static_cast<uint32_t>((periods + periods_per_slice - 1) / periods_per_slice);
  return shape;
}

uint32_t TraceShape::SliceOf(int64_t time) const {
  if (time < kWindowStart) return 0;
  const int64_t slice = (time - kWindowStart) / slice_length;
  return static_cast<uint32_t>(std::min<int64_t>(slice, shard_count - 1));
}

int64_t TraceShape::SliceBegin(uint32_t slice) const {
  return kWindowStart + static_cast<int64_t>(slice) * slice_length;
}

int64_t TraceShape::SliceEnd(uint32_t slice) const {
  return std::min(end_time, SliceBegin(slice + 1));
}

}  // namespace borgscope::gen
