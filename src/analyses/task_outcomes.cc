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

namespace {

// Per group: the tasks whose `group_bits(facts)` has the group's bit, each
// added with `flags_of(facts, group)`, then the (task, group) entries of the
// groups without a bit.
template <int kGroups, typename Facts, typename Others, typename Bits, typename Flags>
OutcomeTally TallyByGroup(const Facts& facts_table, const Others& others, Bits group_bits,
                          Flags flags_of) {
  std::array<OutcomeCounts, kGroups> per_group{};
  for (const auto& [task, facts] : facts_table) {
    for (uint32_t rest = group_bits(facts); rest != 0; rest &= rest - 1) {
      const int group = std::countr_zero(rest);
      per_group[group].Add(flags_of(facts, group));
    }
  }
  OutcomeTally tally;
  for (int group = 0; group < kGroups; ++group) {
    if (per_group[group].entities != 0) tally.by_group[group] = per_group[group];
  }
  for (const auto& [key, flags] : others) tally.by_group[key.group].Add(flags);
  return tally;
}

}  // namespace

ClassTally TaskOutcomesState::Classes() const {
  ClassTally tally;
  tally.distinct = facts_.size();
  for (const auto& [klass, counts] : ClassOutcomes().by_group)
    tally.by_class[klass] = counts.entities;
  return tally;
}

OutcomeTally TaskOutcomesState::ClassOutcomes() const {
  return TallyByGroup<TaskFacts::kClasses>(
      facts_, other_classes_, [](const TaskFacts& facts) { return facts.classes; },
      [](const TaskFacts& facts, int klass) {
        return static_cast<uint8_t>((facts.class_outcomes >> (TaskFacts::kOutcomeBits * klass)) &
                                    ((1u << TaskFacts::kOutcomeBits) - 1));
      });
}

OutcomeCounts TaskOutcomesState::Overall() const {
  OutcomeCounts counts;
  for (const auto& [task, facts] : facts_) counts.Add(static_cast<uint8_t>(facts.outcomes));
  return counts;
}

OutcomeTally TaskOutcomesState::PriorityEvictions() const {
  return TallyByGroup<TaskFacts::kPriorities>(
      facts_, other_priorities_, [](const TaskFacts& facts) { return facts.priorities; },
      [](const TaskFacts& facts, int priority) {
        return static_cast<uint8_t>((facts.evicted_priorities >> priority) & 1 ? kOutcomeEvict : 0);
      });
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
