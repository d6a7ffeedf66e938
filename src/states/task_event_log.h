#pragma once
// The task_events rows that start or end a run (SCHEDULE; EVICT, FAIL,
// FINISH, KILL, LOST) or carry a request, with their task, kept by task and
// trace order in delta-encoded runs (engine/delta_runs.h). q7 takes each
// task's last requests from them, q9 each task's runs on machines.

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "engine/delta_runs.h"
#include "engine/varint.h"
#include "errors.h"
#include "trace/schema.h"
#include "trace/trace_order.h"

namespace borgscope {

// A task_events row that starts or ends a run, or carries a request, with
// its task.
struct TaskEvent {
  int64_t job_id = 0;
  int64_t task_index = 0;
  int64_t time = 0;
  uint64_t line = 0;
  int64_t machine_id = kNull;
  int64_t request[2] = {kNull, kNull};  // cpu, memory
  uint32_t shard = 0;
  uint8_t type = 0;

  TaskKey task() const { return {job_id, task_index}; }
  TraceOrder order() const { return {time, shard, line}; }
};

// Events are kept in runs sorted by task and trace order, each event
// written against the one before it (engine/delta_runs.h): a byte of
// type and flags, then only what differs, as varint deltas. Within a task
// most fields repeat or grow a little: ~15 bytes an event instead of 64.
struct TaskEventCodec {
  enum Flags : uint8_t {
    kNewTask = 0x10,
    kNewShard = 0x20,
    kNewCpuRequest = 0x40,
    kNewMemoryRequest = 0x80,
  };
  static constexpr uint8_t kTypeBits = 0x0f;  // event types are 0..8

  static bool Less(const TaskEvent& a, const TaskEvent& b) {
    return std::pair(a.task(), a.order()) < std::pair(b.task(), b.order());
  }
  static TaskKey GroupOf(const TaskEvent& event) { return event.task(); }
  static std::array<int64_t, 2> GroupParts(const TaskKey& task) {
    return {task.job_id, task.task_index};
  }
  static int64_t IdOf(const TaskEvent& event) { return event.job_id; }
  // SCHEDULEs onto a machine: q9 sizes its runs by their number.
  static bool Counted(const TaskEvent& event) {
    return event.type == static_cast<uint8_t>(EventType::kSchedule) && event.machine_id != kNull;
  }
  static void Put(ByteWriter& out, const TaskEvent& previous, const TaskEvent& event) {
    const bool new_task = event.task() != previous.task();
    const bool new_shard = event.shard != previous.shard;
    const bool new_cpu = event.request[0] != previous.request[0];
    const bool new_memory = event.request[1] != previous.request[1];
    PutByte(out, static_cast<uint8_t>((event.type & kTypeBits) | (new_task ? kNewTask : 0) |
                                      (new_shard ? kNewShard : 0) | (new_cpu ? kNewCpuRequest : 0) |
                                      (new_memory ? kNewMemoryRequest : 0)));
    if (new_task) {
      PutDelta(out, event.job_id, previous.job_id);
      PutDelta(out, event.task_index, previous.task_index);
    }
    if (new_shard) PutVarint(out, event.shard);
    PutDelta(out, event.time, previous.time);
    PutDelta(out, static_cast<int64_t>(event.line), static_cast<int64_t>(previous.line));
    PutDelta(out, event.machine_id, previous.machine_id);
    if (new_cpu) PutDelta(out, event.request[0], previous.request[0]);
    if (new_memory) PutDelta(out, event.request[1], previous.request[1]);
  }
  static TaskEvent Get(const char*& at, const char* end, const TaskEvent& previous) {
    if (at == end) throw InternalError("partial state: truncated task event");
    const auto flags = static_cast<uint8_t>(*at++);
    TaskEvent event = previous;
    event.type = flags & kTypeBits;
    if (flags & kNewTask) {
      event.job_id = GetDelta(at, end, previous.job_id);
      event.task_index = GetDelta(at, end, previous.task_index);
    }
    if (flags & kNewShard) event.shard = static_cast<uint32_t>(GetVarint(at, end));
    event.time = GetDelta(at, end, previous.time);
    event.line = static_cast<uint64_t>(GetDelta(at, end, static_cast<int64_t>(previous.line)));
    event.machine_id = GetDelta(at, end, previous.machine_id);
    if (flags & kNewCpuRequest) event.request[0] = GetDelta(at, end, previous.request[0]);
    if (flags & kNewMemoryRequest) event.request[1] = GetDelta(at, end, previous.request[1]);
    return event;
  }
};

inline bool EndsRun(uint8_t type) {
  switch (static_cast<EventType>(type)) {
    case EventType::kEvict:
    case EventType::kFail:
    case EventType::kFinish:
    case EventType::kKill:
    case EventType::kLost:
      return true;
    default:
      return false;
  }
}

// The events, split by job.
using TaskEventLog = DeltaRuns<TaskEvent, TaskEventCodec>;

// Whether a task_events row goes into the log.
inline bool IsLogged(uint8_t type, int64_t cpu_request, int64_t memory_request) {
  return type == static_cast<uint8_t>(EventType::kSchedule) || EndsRun(type) ||
         cpu_request != kNull || memory_request != kNull;
}

// The first event a task can have: a bound between tasks for the log's
// ranges (TaskEventLog::SplitPoints, ForEachInOrder).
inline TaskEvent TaskStart(const TaskEvent& event) {
  TaskEvent start;
  start.job_id = event.job_id;
  start.task_index = event.task_index;
  start.time = INT64_MIN;
  return start;
}

// fn(task, request) for every task with an event, in task order: its last
// non-empty request per resource (cpu, memory) in trace order, kNull when it
// has none. With bounds (TaskStart of a task), only the tasks in
// [from, until).
template <typename Fn>
void ForEachTaskLastRequest(const TaskEventLog& log, Fn fn, const TaskEvent* from = nullptr,
                            const TaskEvent* until = nullptr) {
  bool any = false;
  TaskKey task{};
  int64_t request[2] = {kNull, kNull};
  log.ForEachInOrder(
      [&](const TaskEvent& event) {
        if (any && event.task() != task) fn(task, std::as_const(request));
        if (!any || event.task() != task) {
          any = true;
          task = event.task();
          request[0] = request[1] = kNull;
        }
        for (int r = 0; r < 2; ++r) {
          if (event.request[r] != kNull) request[r] = event.request[r];
        }
      },
      from, until);
  if (any) fn(task, std::as_const(request));
}

}  // namespace borgscope
