#pragma once
// The task event log (states/task_event_log.h) as an input analysis
// (Analysis::IsInput): q7 and q9 both read it, so the scan consumes, merges
// and exchanges the events once. Keyed by job, as q7's state is; q9 sends
// the runs it makes from them to the partitions of their machines.

#include <cstdint>
#include <string_view>
#include <tuple>

#include "engine/analysis.h"
#include "engine/state_parts.h"
#include "states/task_event_log.h"

namespace borgscope {

inline constexpr std::string_view kTaskEventRunsInput = "task_event_runs";

class TaskEventRunsState : public StateOf<TaskEventRunsState> {
 public:
  void Consume(const RowBatch& task_events) override;
  static auto Parts(auto& self) { return std::tie(self.events_, self.end_); }

  const TaskEventLog& events() const { return events_; }
  // The largest task_events timestamp other than "after the window" (0 if
  // none). A value of no key: in partition 0 only.
  int64_t end() const { return end_.value; }

 private:
  TaskEventLog events_;
  MaxOf<int64_t> end_;
};

}  // namespace borgscope
