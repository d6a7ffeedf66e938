#include "analyses/task_outcomes.h"

#include <tbb/blocked_range.h>
#include <tbb/collaborative_call_once.h>
#include <tbb/parallel_reduce.h>

#include <array>
#include <bit>

#include "engine/question.h"
#include "engine/registry.h"

namespace borgscope {

void TaskOutcomesState::Consume(const RowBatch& rows) {
  using namespace task_events;
  for (size_t r = 0; r < rows.size; ++r) {
    const TaskKey task{rows.Value(kJobId, r), rows.Value(kTaskIndex, r)};
    const int64_t klass = rows.Value(kSchedulingClass, r);
    const int64_t priority = rows.Value(kPriority, r);
    const uint8_t outcome = OutcomeBitOf(rows.Value(kEventType, r));
    const uint8_t evicted = outcome & kOutcomeEvict;
    uint32_t class_bits = uint32_t{outcome} << TaskFacts::kOutcomesShift;
    if (klass >= 0 && klass < TaskFacts::kClasses) {
      class_bits |= (1u << (TaskFacts::kClassesShift + klass)) |
                    (uint32_t{outcome} << (TaskFacts::kOutcomeBits * klass));
    } else {  // kNull is negative
      other_classes_[{task, klass}] |= outcome;
    }
    uint32_t priority_bits = 0;
    if (priority >= 0 && priority < TaskFacts::kPriorities) {
      priority_bits = (1u << priority) | (uint32_t{evicted != 0} << (16 + priority));
    } else {
      other_priorities_[{task, priority}] |= evicted;
    }
    TaskFacts& facts = facts_[task];
    facts.class_bits |= class_bits;
    facts.priority_bits |= priority_bits;
  }
}

namespace {

// The tally of the groups with a bit (`per_group`, each group's tasks) and
// of the (task, group) entries of the groups without one.
template <size_t kGroups, typename Others>
OutcomeTally TallyOf(const std::array<OutcomeCounts, kGroups>& per_group, const Others& others) {
  OutcomeTally tally;
  for (size_t group = 0; group < kGroups; ++group) {
    if (per_group[group].entities != 0)
      tally.by_group[static_cast<int64_t>(group)] = per_group[group];
  }
  for (const auto& [key, flags] : others) tally.by_group[key.group].Add(flags);
  return tally;
}

// Tasks counted by the values of their bits (an increment per value a task
// has, not six per count); the counts are made from these after.
struct TasksByBits {
  static constexpr size_t kFlagValues = size_t{1} << TaskFacts::kOutcomeBits;
  std::array<uint64_t, kFlagValues> by_outcomes{};
  std::array<std::array<uint64_t, kFlagValues>, TaskFacts::kClasses> by_class{};
  std::array<std::array<uint64_t, 2>, TaskFacts::kPriorities> by_priority{};  // [evicted]

  void Add(const TaskFacts& facts) {
    ++by_outcomes[facts.outcomes()];
    for (uint32_t rest = facts.classes(); rest != 0; rest &= rest - 1) {
      const int klass = std::countr_zero(rest);
      ++by_class[klass][facts.OutcomesOfClass(klass)];
    }
    for (uint32_t rest = facts.priorities(); rest != 0; rest &= rest - 1) {
      const int priority = std::countr_zero(rest);
      ++by_priority[priority][facts.EvictedAt(priority)];
    }
  }
  void Add(const TasksByBits& other) {
    for (size_t v = 0; v < kFlagValues; ++v) {
      by_outcomes[v] += other.by_outcomes[v];
      for (int klass = 0; klass < TaskFacts::kClasses; ++klass)
        by_class[klass][v] += other.by_class[klass][v];
    }
    for (int priority = 0; priority < TaskFacts::kPriorities; ++priority) {
      for (int evicted = 0; evicted < 2; ++evicted)
        by_priority[priority][evicted] += other.by_priority[priority][evicted];
    }
  }
};

}  // namespace

const TaskOutcomesState::Tallies& TaskOutcomesState::TasksTallied() const {
  // The first reader tallies the blocks in ranges side by side; the others
  // (q3, q4 and q5 finish at once) help with those ranges instead of waiting.
  tbb::collaborative_call_once(tallied_, [&] {
    constexpr size_t kBlocksPerRange = 4096;
    const TasksByBits counted = tbb::parallel_reduce(
        tbb::blocked_range<size_t>(0, facts_.blocks(), kBlocksPerRange), TasksByBits{},
        [&](const tbb::blocked_range<size_t>& range, TasksByBits partial) {
          facts_.ForEachInBlocks(
              range.begin(), range.end(),
              [&](const TaskKey&, const TaskFacts& facts) { partial.Add(facts); });
          return partial;
        },
        [](TasksByBits a, const TasksByBits& b) {
          a.Add(b);
          return a;
        });
    constexpr size_t kFlagValues = TasksByBits::kFlagValues;
    const auto& [by_outcomes, by_class, by_priority] = counted;
    std::array<OutcomeCounts, TaskFacts::kClasses> per_class{};
    std::array<OutcomeCounts, TaskFacts::kPriorities> per_priority{};
    for (uint8_t flags = 0; flags < kFlagValues; ++flags) {
      if (by_outcomes[flags] != 0) tallies_.overall.Add(flags, by_outcomes[flags]);
      for (int klass = 0; klass < TaskFacts::kClasses; ++klass) {
        if (by_class[klass][flags] != 0) per_class[klass].Add(flags, by_class[klass][flags]);
      }
    }
    for (int priority = 0; priority < TaskFacts::kPriorities; ++priority) {
      for (const bool evicted : {false, true}) {
        const uint64_t tasks = by_priority[priority][evicted];
        if (tasks != 0) per_priority[priority].Add(evicted ? kOutcomeEvict : 0, tasks);
      }
    }
    tallies_.class_outcomes = TallyOf(per_class, other_classes_);
    tallies_.priority_evictions = TallyOf(per_priority, other_priorities_);
  });
  return tallies_;
}

ClassTally TaskOutcomesState::Classes() const {
  ClassTally tally;
  tally.distinct = Overall().entities;  // each task once (no pass over the blocks)
  for (const auto& [klass, counts] : ClassOutcomes().by_group)
    tally.by_class[klass] = counts.entities;
  return tally;
}

namespace {

class TaskOutcomesInput : public KeyedInput<TaskOutcomesInput, TaskOutcomesState> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        kTaskOutcomesInput, "Task classes, priorities and outcomes (input of q3, q4 and q5)",
        "Which classes and priorities did each task's rows carry, and which terminal events "
        "did it have under each?",
        "Per task (job_id, task_index) of task_events: the scheduling classes and priorities "
        "written on its rows, its EVICT / KILL / FAIL / LOST / FINISH rows per class and over "
        "all classes, and whether it had an EVICT row of each priority."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kTaskEvents,
             ColumnBit(kJobId) | ColumnBit(kTaskIndex) | ColumnBit(kEventType) |
                 ColumnBit(kSchedulingClass) | ColumnBit(kPriority),
             /*optional=*/true}};
  }
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(TaskOutcomesInput);

}  // namespace borgscope
