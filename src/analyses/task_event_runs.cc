#include "analyses/task_event_runs.h"

#include <algorithm>
#include <vector>

#include "engine/question.h"
#include "engine/registry.h"

namespace borgscope {

void TaskEventRunsState::Consume(const RowBatch& rows) {
  using namespace task_events;
  for (size_t r = 0; r < rows.size; ++r) {
    const int64_t time = rows.Value(kTime, r);
    if (time != kTimeAfterWindow) end_.value = std::max(end_.value, time);
    const auto type = static_cast<uint8_t>(rows.Value(kEventType, r));
    const int64_t cpu = rows.Value(kCpuRequest, r), memory = rows.Value(kMemoryRequest, r);
    if (!IsLogged(type, cpu, memory)) continue;
    TaskEvent& event = events_.Add();
    event.job_id = rows.Value(kJobId, r);
    event.task_index = rows.Value(kTaskIndex, r);
    event.time = time;
    event.shard = rows.shard;
    event.line = rows.line[r];
    event.machine_id = rows.Value(kMachineId, r);
    event.request[0] = cpu;
    event.request[1] = memory;
    event.type = type;
  }
}

namespace {

class TaskEventRunsInput : public KeyedInput<TaskEventRunsInput, TaskEventRunsState> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        kTaskEventRunsInput, "Task event log (input of q7 and q9)",
        "What did the task_events rows that place, end or size a task say, in order?",
        "Per task, its task_events rows that are a SCHEDULE, an EVICT/FAIL/FINISH/KILL/LOST or "
        "carry a cpu or memory request, in trace order; and the largest task_events timestamp."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kTaskEvents,
             ColumnBit(kTime) | ColumnBit(kJobId) | ColumnBit(kTaskIndex) | ColumnBit(kMachineId) |
                 ColumnBit(kEventType) | ColumnBit(kCpuRequest) | ColumnBit(kMemoryRequest),
             /*optional=*/true}};
  }
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(TaskEventRunsInput);

}  // namespace borgscope
