// q10 capacity vs evictions: every machine with a known capacity, with its
// EVICT rows over the whole trace (0 included), per distinct capacity value,
// and the correlation of capacity and evictions over machines. Merge:
// capacities by trace order, eviction counts summed per machine.

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/keyed_parts.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/machine_capacity.h"
#include "stats/correlation.h"

namespace borgscope {
namespace {

int64_t MachineOf(int64_t machine_id) { return machine_id; }

class Q10State : public StateOf<Q10State> {
 public:
  void Consume(const RowBatch& rows) override {
    if (rows.table == Table::kMachineEvents) {
      capacities_.Consume(rows);
      return;
    }
    using namespace task_events;
    for (size_t r = 0; r < rows.size; ++r) {
      if (rows.Value(kEventType, r) != static_cast<int64_t>(EventType::kEvict)) continue;
      int64_t machine = rows.Value(kMachineId, r);
      if (machine != kNull) evictions_.Add(machine);
    }
  }
  static auto Parts(auto& self) { return std::tie(self.capacities_, self.evictions_); }

  MachineCapacities capacities_;
  KeyedCounts<int64_t, &MachineOf> evictions_;  // EVICT rows per machine
};

class Q10CapacityEvictions : public Question<Q10CapacityEvictions, Q10State> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q10", "Machine capacity and evictions",
        "Are machines of larger capacity more (or less) prone to evict tasks?",
        "Every machine of machine_events with a known capacity (its last non-empty cpus, "
        "resp. memory, as in q1) with the number of EVICT rows of task_events on it over the "
        "whole trace (0 included); per distinct capacity value: machines, evictions, "
        "evictions per machine. Pearson and Spearman (average ranks) of capacity vs evictions "
        "over machines. EVICT rows without a machine, or on machines not in machine_events, "
        "are not counted."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kMachineEvents, MachineCapacities::Columns()},
            {Table::kTaskEvents, ColumnBit(kMachineId) | ColumnBit(kEventType)}};
  }
  void Write(const Q10State& state, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    PlotSpec spec{.name = "evictions_by_capacity",
                  .title = "Evictions per machine by machine capacity",
                  .x_label = "machine capacity (normalized: largest machine = 1)",
                  .y_label = "EVICT events per machine (whole trace)",
                  .kind = PlotKind::kPoints,
                  .categorical_x = false};
    for (const char* resource : {"cpu", "memory"}) {
      spec.series.push_back({.title = resource,
                             .file = "evictions_by_capacity.csv",
                             .x = {"capacity"},
                             .y = "evictions_per_machine",
                             .where = {"resource", resource}});
    }
    return {spec};
  }
};

void Q10CapacityEvictions::Write(const Q10State& state, ResultWriter& out) const {
  // Machines in id order: the canonical order for the correlations.
  std::vector<std::pair<int64_t, MachineCapacity>> machines;
  for (const auto& [id, capacity] : state.capacities_.machines())
    machines.emplace_back(id, capacity);
  std::sort(machines.begin(), machines.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  CsvTable by_capacity({"resource", "capacity", "machines", "evictions", "evictions_per_machine"});
  CsvTable correlation({"resource", "machines", "pearson", "spearman"});
  std::string finding;
  for (const char* resource : {"cpu", "memory"}) {
    bool cpu = resource == std::string_view("cpu");
    std::map<int64_t, std::pair<uint64_t, uint64_t>> per_value;  // machines, evictions
    std::vector<double> capacity_values, eviction_values;
    for (const auto& [id, capacity] : machines) {
      int64_t value = cpu ? capacity.cpus.value : capacity.memory.value;
      if (value == kNull) continue;
      const uint64_t evictions = state.evictions_.CountOf(id);
      auto& entry = per_value[value];
      ++entry.first;
      entry.second += evictions;
      capacity_values.push_back(static_cast<double>(value) / kFixedOne);
      eviction_values.push_back(static_cast<double>(evictions));
    }
    for (const auto& [value, entry] : per_value) {
      by_capacity.AddRow({resource, FormatFixed(value), std::to_string(entry.first),
                          std::to_string(entry.second), FormatShare(entry.second, entry.first)});
    }
    double pearson = Pearson(capacity_values, eviction_values);
    double spearman = Spearman(capacity_values, eviction_values);
    correlation.AddRow({resource, std::to_string(capacity_values.size()), FormatRatio(pearson),
                        FormatRatio(spearman)});
    finding += fmt::format("{}{}: Pearson {} and Spearman {} over {} machines",
                           finding.empty() ? "" : "; ", resource, FormatRounded(pearson, 2),
                           FormatRounded(spearman, 2), capacity_values.size());
  }
  out.WriteCsv("evictions_by_capacity.csv", by_capacity);
  out.WriteCsv("correlation.csv", correlation);
  out.WriteFinding("Correlation of a machine's capacity with the EVICT events on it: " + finding +
                   ". Values near 0 mean capacity does not explain evictions.");
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q10CapacityEvictions);

}  // namespace borgscope
