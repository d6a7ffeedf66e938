#pragma once
// The state of the cluster simulation (cluster_simulator.cc, scheduling.cc):
// machines with their running tasks, jobs with their tasks, pending events.
// Internal to the generator.

#include <cstdint>
#include <vector>

#include "gen/csv_text.h"
#include "gen/workload_model.h"
#include "trace/schema.h"

namespace borgscope::gen::sim {

inline constexpr uint32_t kNone = UINT32_MAX;

enum class TaskStatus : uint8_t { kPending, kRunning, kDead };

// Whom a task about to be placed may evict when no machine has room.
enum class Preemption : uint8_t {
  kNone,
  kPriorityZero,  // only priority-0 tasks (any non-free task may)
  kFull,          // the free priorities 0 and 1 (production only)
};

struct TaskRef {
  uint32_t job;
  uint32_t task;
};

struct SimTask {
  uint64_t generation = 0;  // changes with every state change: stale events are ignored
  int64_t last_time = 0;    // time of its latest row; rows never go back in time
  int64_t run_start = 0;
  uint32_t machine = kNone;
  uint32_t position = 0;  // in the machine's running list
  Decimal4 cpu;
  Decimal4 memory;
  Decimal4 disk;
  TaskStatus status = TaskStatus::kPending;
  Outcome planned = Outcome::kFinish;
  uint16_t attempts = 0;
};

struct SimJob {
  uint64_t id = 0;
  JobSpec spec;
  std::vector<SimTask> tasks;
  uint32_t alive = 0;
  int64_t last_time = 0;
  bool active = false;
  bool scheduled = false;  // its job SCHEDULE row is written
  bool killed = false;
  EventType end_type = EventType::kFinish;
};

struct SimMachine {
  uint64_t id = 0;
  double cpu_capacity = 0;  // 0 while unknown (an ADD with empty capacity)
  double memory_capacity = 0;
  bool added = false;            // between an ADD and a REMOVE
  uint32_t up_position = kNone;  // in up_machines_ when schedulable
  double cpu_used = 0;           // sums of the running tasks' requests
  double memory_used = 0;
  std::vector<TaskRef> running;
};

enum class EventKind : uint8_t {
  kJobArrival,
  kJobSchedule,
  kTaskSchedule,
  kTaskEnd,
  kJobKill,
  kJobUpdate,
  kPendingSweep,
  kTaskGiveUp,  // the user kills a task that waited too long for a machine
};

struct Event {
  int64_t time;
  uint64_t sequence;  // ties break in push order
  uint64_t key;       // task generation, or job id for job events
  uint32_t job;
  uint32_t task;
  EventKind kind;
  bool operator>(const Event& other) const {
    return time != other.time ? time > other.time : sequence > other.sequence;
  }
};

struct PendingTask {
  uint32_t job;
  uint32_t task;
  uint64_t generation;
};

}  // namespace borgscope::gen::sim
