#pragma once
// What q3, q4 and q5 need to know of each task, as an input analysis
// (Analysis::IsInput): one fixed-size value per task, so that a task_events
// row costs one lookup in one table for all three (issue 16), consumed,
// merged, exchanged and spilled once. Keyed by job, as their states are;
// kept in blocks of neighbouring tasks (engine/task_blocks.h), so that merging
// a shard's tasks costs a cache miss per block of them.
//
// Classes 0..5 and priorities 0..15 (the real trace has classes 0..3 and
// priorities 0..11) have bits in the task's value; any other class or
// priority, and the empty one, goes to a (task, group) table beside it.

#include <cstdint>
#include <mutex>
#include <string_view>
#include <tuple>

#include "engine/keyed_table.h"
#include "engine/state_parts.h"
#include "engine/task_blocks.h"
#include "states/class_sets.h"
#include "states/entity_wire.h"
#include "states/outcome_flags.h"
#include "trace/trace_order.h"

namespace borgscope {

inline constexpr std::string_view kTaskOutcomesInput = "task_outcomes";

// One task's rows, OR-ed. Twelve bytes, no padding (sent as its bytes).
struct TaskFacts {
  static constexpr int kClasses = 6;      // classes 0..5 have bits here
  static constexpr int kPriorities = 16;  // priorities 0..15 have bits here
  static constexpr int kOutcomeBits = 5;  // OutcomeBit

  uint32_t class_outcomes = 0;      // class c's rows' OutcomeBits at bits 5c..5c+4
  uint16_t priorities = 0;          // bit p: a row of priority p
  uint16_t evicted_priorities = 0;  // bit p: an EVICT row of priority p
  uint16_t classes = 0;             // bit c: a row of class c
  uint16_t outcomes = 0;            // every row's OutcomeBits, whatever its class

  void Combine(const TaskFacts& other) {
    class_outcomes |= other.class_outcomes;
    priorities |= other.priorities;
    evicted_priorities |= other.evicted_priorities;
    classes |= other.classes;
    outcomes |= other.outcomes;
  }
};
static_assert(sizeof(TaskFacts) == 12);

class TaskOutcomesState : public StateOf<TaskOutcomesState> {
 public:
  void Consume(const RowBatch& task_events) override;
  static auto Parts(auto& self) {
    return std::tie(self.facts_, self.other_classes_, self.other_priorities_);
  }

  // What q3, q4 and q5 tally of the tasks, in one pass over them, made by
  // the first of them to ask (they finish side by side from this state,
  // once it is complete).
  struct Tallies {
    // Per class, the tasks with rows of that class and their outcomes there
    // (no EVICT row counts: q4 counts those).
    OutcomeTally class_outcomes;
    // Over all classes, each task once.
    OutcomeCounts overall;
    // Per priority, the tasks with rows of that priority and how many had an
    // EVICT row of it (entities and evicted only; no EVICT row counts).
    OutcomeTally priority_evictions;
  };
  const Tallies& TasksTallied() const;

  // q3: distinct tasks, and per class the tasks with rows of that class.
  ClassTally Classes() const;
  // q4: Tallies::class_outcomes and overall; q5: priority_evictions.
  const OutcomeTally& ClassOutcomes() const { return TasksTallied().class_outcomes; }
  const OutcomeCounts& Overall() const { return TasksTallied().overall; }
  const OutcomeTally& PriorityEvictions() const { return TasksTallied().priority_evictions; }

 private:
  struct FactsSpec {
    static void Combine(TaskFacts& mine, const TaskFacts& theirs) { mine.Combine(theirs); }
  };
  struct GroupFlagsSpec {
    static int64_t IdOf(const EntityGroup<TaskKey>& key) { return key.entity.job_id; }
    static void Combine(uint8_t& mine, uint8_t theirs) { mine |= theirs; }
  };
  using GroupFlags = KeyedTable<EntityGroup<TaskKey>, uint8_t, GroupFlagsSpec>;

  TaskBlocks<TaskFacts, FactsSpec> facts_;  // every task with a row
  GroupFlags other_classes_;                // (task, class) -> OutcomeBits, classes without a bit
  GroupFlags other_priorities_;             // (task, priority) -> kOutcomeEvict or 0, likewise
  mutable std::once_flag tallied_;
  mutable Tallies tallies_;
};

}  // namespace borgscope
