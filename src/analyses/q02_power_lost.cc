// q2 power lost to maintenance: an offline period is a REMOVE of a machine
// followed later by an ADD of the same machine. Merge: holistic (each
// machine's ADD/REMOVE events, ordered in Finish), exact integer sums.

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/machine_capacity.h"
#include "states/machine_updown.h"

namespace borgscope {
namespace {

class Q2State : public StateOf<Q2State> {
 public:
  void Consume(const RowBatch& rows) override {
    capacities_.Consume(rows);
    updown_.Consume(rows);
  }
  static auto Parts(auto& self) { return std::tie(self.capacities_, self.updown_); }

  MachineCapacities capacities_;
  MachineUpDown updown_;
};

constexpr int64_t kMinuteUs = 60'000'000;
struct LengthBucket {
  const char* label;
  int64_t upper_us;  // exclusive
};
constexpr std::array<LengthBucket, 6> kLengthBuckets = {{
    {"<15m", 15 * kMinuteUs},
    {"15m-1h", 60 * kMinuteUs},
    {"1h-6h", 6 * 60 * kMinuteUs},
    {"6h-1d", 24 * 60 * kMinuteUs},
    {"1d-7d", 7 * 24 * 60 * kMinuteUs},
    {">=7d", INT64_MAX},
}};

size_t BucketOf(int64_t length_us) {
  size_t b = 0;
  while (length_us >= kLengthBuckets[b].upper_us) ++b;
  return b;
}

double Percent(__int128 part, __int128 whole) {
  if (whole == 0) return std::nan("");
  return 100.0 * static_cast<double>(static_cast<long double>(part) / whole);
}

class Q2PowerLost : public Question<Q2PowerLost, Q2State> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q2", "Computational power lost to maintenance",
        "What share of the cluster's CPU capacity is lost while machines are offline?",
        "An offline period is a REMOVE of a machine followed later by an ADD of the same "
        "machine (events in trace order; repeated REMOVEs keep the first, ADDs while up are "
        "ignored). trace_end is the largest timestamp in machine_events. capacity = sum over "
        "machines of cpus x (trace_end - first ADD); lost = sum over offline periods of length "
        "x cpus, cpus being the machine's last non-empty value. A machine whose last event is a "
        "REMOVE is removed for good; lost_percent_incl_removed counts it offline until "
        "trace_end. CPU-microseconds are exact sums."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    return {{Table::kMachineEvents, MachineCapacities::Columns() | MachineUpDown::Columns()}};
  }
  void Write(const Q2State& state, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    return {
        {.name = "lost_by_length",
         .title = "CPU capacity lost to offline periods, by their length",
         .x_label = "length of the offline period",
         .y_label = "lost CPU capacity (CPU-hours, largest machine = 1 CPU)",
         .series = {{.file = "offline_periods_by_length.csv",
                     .x = {"length_bucket"},
                     .y = "lost_cpu_us",
                     .scale = 1 / 3.6e9}}},
        {.name = "offline_periods_by_length",
         .title = "Offline periods (REMOVE to next ADD of a machine), by length",
         .x_label = "length of the offline period",
         .y_label = "offline periods",
         .series = {
             {.file = "offline_periods_by_length.csv", .x = {"length_bucket"}, .y = "periods"}}}};
  }
};

void Q2PowerLost::Write(const Q2State& state, ResultWriter& out) const {
  const int64_t trace_end = state.updown_.trace_end();
  uint64_t offline_periods = 0, machines_with_period = 0, removed_for_good = 0;
  __int128 lost = 0, capacity = 0, lost_removed = 0;
  std::array<uint64_t, kLengthBuckets.size()> bucket_periods{};
  std::array<__int128, kLengthBuckets.size()> bucket_lost{};

  for (const auto& [id, events] : state.updown_.ByMachine()) {
    int64_t cpus = state.capacities_.Cpus(id);
    if (cpus == kNull) cpus = 0;
    enum class Status { kUnknown, kUp, kDown } status = Status::kUnknown;
    bool seen_add = false, had_period = false;
    int64_t down_since = 0;
    for (const UpDownEvent& event : events) {
      if (event.add) {
        if (!seen_add) capacity += static_cast<__int128>(trace_end - event.order.time) * cpus;
        seen_add = true;
        if (status == Status::kDown) {
          int64_t length = event.order.time - down_since;
          __int128 cpu_us = static_cast<__int128>(length) * cpus;
          ++offline_periods;
          had_period = true;
          lost += cpu_us;
          size_t bucket = BucketOf(length);
          ++bucket_periods[bucket];
          bucket_lost[bucket] += cpu_us;
        }
        status = Status::kUp;
      } else if (status != Status::kDown) {
        down_since = event.order.time;
        status = Status::kDown;
      }
    }
    machines_with_period += had_period;
    if (status == Status::kDown) {
      ++removed_for_good;
      lost_removed += static_cast<__int128>(trace_end - down_since) * cpus;
    }
  }

  CsvTable summary({"offline_periods", "machines_with_offline_period", "lost_cpu_us",
                    "capacity_cpu_us", "lost_percent", "machines_removed_for_good",
                    "lost_percent_incl_removed"});
  summary.AddRow({std::to_string(offline_periods), std::to_string(machines_with_period),
                  FormatFixed(lost), FormatFixed(capacity), FormatRatio(Percent(lost, capacity)),
                  std::to_string(removed_for_good),
                  FormatRatio(Percent(lost + lost_removed, capacity))});
  out.WriteCsv("power_lost.csv", summary);

  CsvTable by_length({"length_bucket", "periods", "lost_cpu_us"});
  for (size_t b = 0; b < kLengthBuckets.size(); ++b) {
    by_length.AddRow(
        {kLengthBuckets[b].label, std::to_string(bucket_periods[b]), FormatFixed(bucket_lost[b])});
  }
  out.WriteCsv("offline_periods_by_length.csv", by_length);

  out.WriteFinding(fmt::format(
      "{} offline periods on {} machines cost {} of the cluster's CPU capacity over the "
      "trace; counting the {} machines removed for good as offline until the end, {}.",
      offline_periods, machines_with_period,
      FormatPercent(static_cast<double>(lost), static_cast<double>(capacity)), removed_for_good,
      FormatPercent(static_cast<double>(lost + lost_removed), static_cast<double>(capacity))));
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q2PowerLost);

}  // namespace borgscope
