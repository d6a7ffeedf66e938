// q1 machines by CPU capacity: each distinct machine once, with its last
// non-empty cpus and memory. Merge: distributive per machine (last by trace
// order), holistic over machines.

#include <fmt/core.h>

#include <map>
#include <tuple>

#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/machine_capacity.h"

namespace borgscope {
namespace {

class Q1State : public StateOf<Q1State> {
 public:
  void Consume(const RowBatch& rows) override { capacities_.Consume(rows); }
  static auto Parts(auto& self) { return std::tie(self.capacities_); }

  MachineCapacities capacities_;
};

std::string CapacityText(int64_t value) { return value == kNull ? "" : FormatFixed(value); }

class Q1MachinesByCpu : public Question<Q1MachinesByCpu, Q1State> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q1", "Machines by CPU capacity",
        "How many machines are there of each CPU capacity and of each (CPU, memory) "
        "configuration?",
        "Each distinct machine_id of machine_events is counted once, with its last non-empty "
        "cpus and memory in trace order (time, then shard, then line). Capacities are "
        "normalized to the largest machine (1.0). Machines whose capacity is never given are "
        "listed with an empty value. share = machines / all machines."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    return {{Table::kMachineEvents, MachineCapacities::Columns()}};
  }
  void Write(const Q1State& state, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    return {
        {.name = "machines_by_cpu",
         .title = "Machines by CPU capacity",
         .x_label = "CPU capacity (normalized: largest machine = 1)",
         .y_label = "machines",
         .series = {{.file = "machines_by_cpu.csv", .x = {"cpus"}, .y = "machines"}}},
        {.name = "machines_by_config",
         .title = "Machines by configuration",
         .x_label = "CPU / memory capacity (normalized: largest machine = 1)",
         .y_label = "machines",
         .series = {{.file = "machines_by_config.csv", .x = {"cpus", "memory"}, .y = "machines"}}}};
  }
};

// Known capacities ascending, unknown (kNull) last.
bool KnownFirstLess(int64_t a, int64_t b) {
  if ((a == kNull) != (b == kNull)) return b == kNull;
  return a < b;
}

void Q1MachinesByCpu::Write(const Q1State& state, ResultWriter& out) const {
  const auto& machines = state.capacities_.machines();
  auto less = [](int64_t a, int64_t b) { return KnownFirstLess(a, b); };
  auto pair_less = [](const std::pair<int64_t, int64_t>& a, const std::pair<int64_t, int64_t>& b) {
    if (a.first != b.first) return KnownFirstLess(a.first, b.first);
    return KnownFirstLess(a.second, b.second);
  };
  std::map<int64_t, uint64_t, decltype(less)> by_cpu(less);
  std::map<std::pair<int64_t, int64_t>, uint64_t, decltype(pair_less)> by_config(pair_less);
  for (const auto& [id, capacity] : machines) {
    ++by_cpu[capacity.cpus.value];
    ++by_config[{capacity.cpus.value, capacity.memory.value}];
  }
  const double total = static_cast<double>(machines.size());

  CsvTable cpu_table({"cpus", "machines", "share"});
  std::pair<int64_t, uint64_t> top_cpu{kNull, 0};
  for (const auto& [cpus, count] : by_cpu) {
    cpu_table.AddRow({CapacityText(cpus), std::to_string(count), FormatShare(count, total)});
    if (count > top_cpu.second) top_cpu = {cpus, count};
  }
  out.WriteCsv("machines_by_cpu.csv", cpu_table);

  CsvTable config_table({"cpus", "memory", "machines", "share"});
  std::pair<std::pair<int64_t, int64_t>, uint64_t> top_config{{kNull, kNull}, 0};
  for (const auto& [config, count] : by_config) {
    config_table.AddRow({CapacityText(config.first), CapacityText(config.second),
                         std::to_string(count), FormatShare(count, total)});
    if (count > top_config.second) top_config = {config, count};
  }
  out.WriteCsv("machines_by_config.csv", config_table);

  if (machines.empty()) {
    out.WriteFinding("machine_events holds no machine.");
    return;
  }
  out.WriteFinding(
      fmt::format("The trace has {} distinct machines in {} CPU capacities and {} (CPU, memory) "
                  "configurations. The most common CPU capacity is {} ({} machines, {}); the most "
                  "common configuration is {} CPU with {} memory ({} machines, {}).",
                  machines.size(), by_cpu.size(), by_config.size(), CapacityText(top_cpu.first),
                  top_cpu.second, FormatPercent(top_cpu.second, total),
                  CapacityText(top_config.first.first), CapacityText(top_config.first.second),
                  top_config.second, FormatPercent(top_config.second, total)));
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q1MachinesByCpu);

}  // namespace borgscope
