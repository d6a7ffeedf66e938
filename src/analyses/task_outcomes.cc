#include "analyses/task_outcomes.h"

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
    TaskFacts& facts = facts_[task];
    facts.outcomes |= outcome;
    if (klass >= 0 && klass < TaskFacts::kClasses) {
      facts.classes |= 1u << klass;
      facts.class_outcomes |= uint32_t{outcome} << (TaskFacts::kOutcomeBits * klass);
    } else {  // kNull is negative
      other_classes_[{task, klass}] |= outcome;
    }
    if (priority >= 0 && priority < TaskFacts::kPriorities) {
      facts.priorities |= 1u << priority;
      if (evicted != 0) facts.evicted_priorities |= 1u << priority;
    } else {
      other_priorities_[{task, priority}] |= evicted;
    }
  }
}

ClassTally TaskOutcomesState::Classes() const {
  std::array<uint64_t, TaskFacts::kClasses> per_class{};
  for (const auto& [task, facts] : facts_) {
    for (uint32_t rest = facts.classes; rest != 0; rest &= rest - 1) {
      ++per_class[std::countr_zero(rest)];
    }
  }
  ClassTally tally;
  tally.distinct = facts_.size();
  for (int klass = 0; klass < TaskFacts::kClasses; ++klass) {
    if (per_class[klass] != 0) tally.by_class[klass] = per_class[klass];
  }
  for (const auto& entry : other_classes_) ++tally.by_class[entry.key.group];
  return tally;
}

OutcomeTally TaskOutcomesState::ClassOutcomes() const {
  std::array<OutcomeCounts, TaskFacts::kClasses> per_class{};
  for (const auto& [task, facts] : facts_) {
    for (uint32_t rest = facts.classes; rest != 0; rest &= rest - 1) {
      const int klass = std::countr_zero(rest);
      per_class[klass].Add((facts.class_outcomes >> (TaskFacts::kOutcomeBits * klass)) & 0x1f);
    }
  }
  OutcomeTally tally;
  for (int klass = 0; klass < TaskFacts::kClasses; ++klass) {
    if (per_class[klass].entities != 0) tally.by_group[klass] = per_class[klass];
  }
  for (const auto& [key, flags] : other_classes_) tally.by_group[key.group].Add(flags);
  return tally;
}

OutcomeCounts TaskOutcomesState::Overall() const {
  OutcomeCounts counts;
  for (const auto& [task, facts] : facts_) counts.Add(static_cast<uint8_t>(facts.outcomes));
  return counts;
}

OutcomeTally TaskOutcomesState::PriorityEvictions() const {
  std::array<OutcomeCounts, TaskFacts::kPriorities> per_priority{};
  for (const auto& [task, facts] : facts_) {
    for (uint32_t rest = facts.priorities; rest != 0; rest &= rest - 1) {
      const int priority = std::countr_zero(rest);
      per_priority[priority].Add((facts.evicted_priorities >> priority) & 1 ? kOutcomeEvict : 0);
    }
  }
  OutcomeTally tally;
  for (int priority = 0; priority < TaskFacts::kPriorities; ++priority) {
    if (per_priority[priority].entities != 0) tally.by_group[priority] = per_priority[priority];
  }
  for (const auto& [key, flags] : other_priorities_) tally.by_group[key.group].Add(flags);
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
