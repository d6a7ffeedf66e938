#pragma once
// What q3, q4 and q5 need to know of each task, as an input analysis
// (Analysis::IsInput): one fixed-size value per task, so that a task_events
// row costs one lookup in one table for all three (issue 16), consumed,
// merged, exchanged and spilled once. Keyed by job, as their states are;
// kept in blocks of neighbouring tasks (engine/task_blocks.h), so that merging
// a shard's tasks costs a cache miss per block of them.
//
// Classes 0..3 and priorities 0..15 (the real trace has classes 0..3 and
// priorities 0..11) have bits in the task's value; any other class or
// priority, and the empty one, goes to a (task, group) table beside it.

#include <tbb/collaborative_call_once.h>

#include <cstdint>
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

// One task's rows, OR-ed: two words, each row's bits OR-ed into each at
// once. Eight bytes, no padding (sent as its bytes): a block of 32 tasks
// takes 260 bytes, against 388 when classes 4 and 5 had bits too.
struct TaskFacts {
  static constexpr int kClasses = 4;      // classes 0..3 have bits here
  static constexpr int kPriorities = 16;  // priorities 0..15 have bits here
  static constexpr int kOutcomeBits = 5;  // OutcomeBit
  // Where class_bits' parts start (below).
  static constexpr int kClassesShift = kClasses * kOutcomeBits;
  static constexpr int kOutcomesShift = kClassesShift + kClasses;
  static constexpr uint32_t kOutcomeMask = (1u << kOutcomeBits) - 1;

  // Bits 5c..5c+4: class c's rows' OutcomeBits; bit 20 + c: a row of class
  // c; bits 24..28: every row's OutcomeBits, whatever its class.
  uint32_t class_bits = 0;
  // Bit p: a row of priority p; bit 16 + p: an EVICT row of priority p.
  uint32_t priority_bits = 0;

  uint8_t outcomes() const {
    return static_cast<uint8_t>((class_bits >> kOutcomesShift) & kOutcomeMask);
  }
  uint32_t classes() const { return (class_bits >> kClassesShift) & ((1u << kClasses) - 1); }
  uint8_t OutcomesOfClass(int klass) const {
    return static_cast<uint8_t>((class_bits >> (kOutcomeBits * klass)) & kOutcomeMask);
  }
  uint32_t priorities() const { return priority_bits & 0xffff; }
  bool EvictedAt(int priority) const { return (priority_bits >> (16 + priority)) & 1; }

  void Combine(const TaskFacts& other) {
    class_bits |= other.class_bits;
    priority_bits |= other.priority_bits;
  }
};
static_assert(sizeof(TaskFacts) == 8);
static_assert(TaskFacts::kOutcomesShift + TaskFacts::kOutcomeBits <= 32);
static_assert(TaskFacts::kPriorities <= 16);

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
  mutable tbb::collaborative_once_flag tallied_;
  mutable Tallies tallies_;
};

}  // namespace borgscope
