// q5 priority and eviction: per priority present in task_events, distinct
// tasks with rows of that priority, how many were evicted at least once (an
// EVICT row of that priority) and EVICT rows. Merge: holistic (per-task flags,
// the input task_outcomes'), EVICT row counts distributive.

#include <fmt/core.h>

#include <span>
#include <string>

#include "analyses/task_outcomes.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/outcome_flags.h"

namespace borgscope {
namespace {

class Q5State : public StateOf<Q5State> {
 public:
  void Consume(const RowBatch& rows) override {
    using namespace task_events;
    for (size_t r = 0; r < rows.size; ++r) {
      evict_rows_.Add(rows.Value(kPriority, r), rows.Value(kEventType, r));
    }
  }
  // Tasks' flags: the input task_outcomes.
  static auto Parts(auto& self) { return std::tie(self.evict_rows_); }

  EvictRows evict_rows_;  // per priority
};

class Q5PriorityEviction : public KeyedQuestion<Q5PriorityEviction, Q5State, OutcomeTally> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q5", "Priority and eviction",
        "Are tasks of low priority evicted more often than tasks of high priority?",
        "Per priority present in task_events: distinct tasks (job_id, task_index) with rows of "
        "that priority; evicted_tasks: those with at least one EVICT row of that priority; "
        "probability = evicted_tasks / tasks; evict_events: EVICT rows of that priority; "
        "evict_events_per_task = evict_events / tasks. A task whose priority changes counts "
        "under each priority it had."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kTaskEvents, ColumnBit(kEventType) | ColumnBit(kPriority)}};
  }
  std::vector<std::string_view> InputIds() const override { return {kTaskOutcomesInput}; }
  OutcomeTally Summarize(const Q5State& partition, InputStates inputs, Cluster&) const {
    OutcomeTally tally = InputOf<TaskOutcomesState>(inputs).PriorityEvictions();
    tally.evict_events = partition.evict_rows_.Sorted();
    return tally;
  }
  void Write(const OutcomeTally& tally, ResultWriter& out) const {
    CsvTable table({"priority", "tasks", "evicted_tasks", "probability", "evict_events",
                    "evict_events_per_task"});
    std::string lines;
    for (const auto& [priority, counts] : tally.by_group) {
      uint64_t evictions = tally.EvictEvents(priority);
      table.AddRow({std::to_string(priority), std::to_string(counts.entities),
                    std::to_string(counts.evicted), FormatShare(counts.evicted, counts.entities),
                    std::to_string(evictions), FormatShare(evictions, counts.entities)});
      lines += fmt::format("{}priority {}: {}", lines.empty() ? "" : ", ", priority,
                           FormatPercent(counts.evicted, counts.entities));
    }
    out.WriteCsv("eviction_by_priority.csv", table);
    out.WriteFinding(fmt::format("Share of tasks evicted at least once, by priority: {}.",
                                 lines.empty() ? "no tasks" : lines));
  }
  std::vector<PlotSpec> Plots() const override {
    return {{.name = "eviction_by_priority",
             .title = "Eviction probability by priority",
             .x_label = "priority (0: lowest, 11: highest)",
             .y_label = "tasks evicted at least once (% of the priority's tasks)",
             .series = {{.file = "eviction_by_priority.csv",
                         .x = {"priority"},
                         .y = "probability",
                         .scale = 100}}}};
  }
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q5PriorityEviction);

}  // namespace borgscope
