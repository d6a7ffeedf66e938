// q11 daily usage cycle: per local hour of day of a task_usage row's
// start_time (the trace window starts at 19:00 local time), rows and the plain
// mean of non-empty cpu_rate and canonical_memory_usage. Merge: distributive
// (exact integer sums and counts per hour).

#include <fmt/core.h>

#include <array>
#include <cmath>
#include <tuple>

#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"

namespace borgscope {
namespace {

constexpr int kHours = 24;

struct HourSums {
  uint64_t rows = 0;
  __int128 cpu_sum = 0;
  uint64_t cpu_count = 0;
  __int128 memory_sum = 0;
  uint64_t memory_count = 0;

  void Add(const HourSums& other) {
    rows += other.rows;
    cpu_sum += other.cpu_sum;
    cpu_count += other.cpu_count;
    memory_sum += other.memory_sum;
    memory_count += other.memory_count;
  }
};

// floor((t/1e6 - 600)/3600), in integers: the hours since the trace
// window's start (negative before it).
int64_t HoursSinceWindowStart(int64_t start_time_us) {
  constexpr int64_t kWindowStartUs = 600'000'000, kHourUs = 3'600'000'000;
  int64_t offset = start_time_us - kWindowStartUs;
  return offset >= 0 ? offset / kHourUs : -((-offset + kHourUs - 1) / kHourUs);
}

// hour = floor(19 + (t/1e6 - 600)/3600) mod 24.
int LocalHour(int64_t hours_since_window_start) {
  return static_cast<int>(((19 + hours_since_window_start) % kHours + kHours) % kHours);
}

// The sums of every hour: a part of no key, merged by adding.
struct HourlySums : UnkeyedPart<HourlySums> {
  std::array<HourSums, kHours> hours{};

  void Merge(const HourlySums& other) {
    for (int h = 0; h < kHours; ++h) hours[h].Add(other.hours[h]);
  }
  void Serialize(WireWriter& out) const {
    for (const HourSums& hour : hours) {
      out.Put(hour.rows);
      out.Put(hour.cpu_sum);
      out.Put(hour.cpu_count);
      out.Put(hour.memory_sum);
      out.Put(hour.memory_count);
    }
  }
  void Deserialize(WireReader& in) {
    for (HourSums& hour : hours) {
      hour.rows += in.Get<uint64_t>();
      hour.cpu_sum += in.Get<__int128>();
      hour.cpu_count += in.Get<uint64_t>();
      hour.memory_sum += in.Get<__int128>();
      hour.memory_count += in.Get<uint64_t>();
    }
  }
};

class Q11State : public StateOf<Q11State> {
 public:
  void Consume(const RowBatch& rows) override {
    using namespace task_usage;
    // A shard's rows come mostly in start-time order: a run of rows of one
    // hour is summed in locals and added to the hour's sums once, rather
    // than each row storing into them and the next loading them back.
    for (size_t r = 0; r < rows.size;) {
      const int64_t hours = HoursSinceWindowStart(rows.Value(kStartTime, r));
      HourSums run;
      for (; r < rows.size && HoursSinceWindowStart(rows.Value(kStartTime, r)) == hours; ++r) {
        ++run.rows;
        if (int64_t cpu = rows.Value(kCpuRate, r); cpu != kNull) {
          run.cpu_sum += cpu;
          ++run.cpu_count;
        }
        if (int64_t memory = rows.Value(kCanonicalMemoryUsage, r); memory != kNull) {
          run.memory_sum += memory;
          ++run.memory_count;
        }
      }
      sums_.hours[LocalHour(hours)].Add(run);
    }
  }
  static auto Parts(auto& self) { return std::tie(self.sums_); }
  const std::array<HourSums, kHours>& hours() const { return sums_.hours; }

 private:
  HourlySums sums_;
};

double Mean(__int128 sum, uint64_t count) {
  if (count == 0) return std::nan("");
  return static_cast<double>(static_cast<long double>(sum) / count / kFixedOne);
}

class Q11DailyCycle : public Question<Q11DailyCycle, Q11State> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q11", "Daily usage cycle", "Does the cluster's load follow a daily cycle?",
        "Per local hour of day of a task_usage row's start_time, hour = floor(19 + (t/1e6 - "
        "600)/3600) mod 24 (the trace window starts at 19:00 local time): rows (samples), and "
        "the plain mean of the non-empty cpu_rate and canonical_memory_usage values. All 24 "
        "hours are written; an hour without values has empty means."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_usage;
    return {{Table::kTaskUsage,
             ColumnBit(kStartTime) | ColumnBit(kCpuRate) | ColumnBit(kCanonicalMemoryUsage)}};
  }
  void Write(const Q11State& state, ResultWriter& out) const {
    const auto& hours = state.hours();
    CsvTable table({"hour", "samples", "mean_cpu", "mean_memory"});
    int peak = -1, low = -1;
    for (int h = 0; h < kHours; ++h) {
      const HourSums& hour = hours[h];
      table.AddRow({std::to_string(h), std::to_string(hour.rows),
                    FormatRatio(Mean(hour.cpu_sum, hour.cpu_count)),
                    FormatRatio(Mean(hour.memory_sum, hour.memory_count))});
      if (hour.cpu_count == 0) continue;
      if (peak < 0 ||
          Mean(hour.cpu_sum, hour.cpu_count) > Mean(hours[peak].cpu_sum, hours[peak].cpu_count)) {
        peak = h;
      }
      if (low < 0 ||
          Mean(hour.cpu_sum, hour.cpu_count) < Mean(hours[low].cpu_sum, hours[low].cpu_count)) {
        low = h;
      }
    }
    out.WriteCsv("usage_by_hour.csv", table);
    if (peak < 0) {
      out.WriteFinding("task_usage has no cpu_rate values.");
      return;
    }
    double high_mean = Mean(hours[peak].cpu_sum, hours[peak].cpu_count);
    double low_mean = Mean(hours[low].cpu_sum, hours[low].cpu_count);
    out.WriteFinding(fmt::format(
        "Mean CPU rate per usage sample peaks at {}:00 local time ({}) and is lowest at "
        "{}:00 ({}): the peak hour is {} above the lowest.",
        peak, FormatRounded(high_mean, 3), low, FormatRounded(low_mean, 3),
        FormatPercent(high_mean - low_mean, low_mean)));
  }
  std::vector<PlotSpec> Plots() const override {
    PlotSpec spec{.name = "usage_by_hour",
                  .title = "Mean usage per sample by local hour of day",
                  .x_label = "local hour of day (the trace starts at 19:00)",
                  .y_label = "mean per task_usage row (normalized: largest machine = 1)",
                  .kind = PlotKind::kLines,
                  .categorical_x = false};
    spec.series.push_back(
        {.title = "cpu rate", .file = "usage_by_hour.csv", .x = {"hour"}, .y = "mean_cpu"});
    spec.series.push_back({.title = "canonical memory",
                           .file = "usage_by_hour.csv",
                           .x = {"hour"},
                           .y = "mean_memory"});
    return {spec};
  }
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q11DailyCycle);

}  // namespace borgscope
