#include "gen/cluster_simulator.h"

#include <algorithm>
#include <deque>
#include <queue>
#include <vector>

#include "gen/random.h"
#include "gen/workload_model.h"
#include "trace/schema.h"

namespace borgscope::gen {
namespace {

constexpr uint64_t kSimulationTag = 0x636c7573746572;  // "cluster"
constexpr uint32_t kNone = UINT32_MAX;
// Machines the scheduler looks at per try; when none has room, the one
// where preemption hurts least is used.
constexpr int kCandidates = 8;
constexpr int kFillTries = 4;  // pending tasks tried on a machine that freed room
constexpr int64_t kSweepPeriod = 60 * kMicrosPerSecond;  // retry of pending tasks
// Share of a machine's capacity that requests may fill, by band. The real
// cell's CPU requests are ~113 % of its capacity at time 0 (memory ~93 %).
// (A higher limit for free tasks, which run on reclaimed resources, made
// batch tasks preempt them all the time: the real trace does not show that.)
constexpr double kCpuLimit[] = {1.2, 1.2, 1.2};
constexpr double kMemoryLimit = 1.0;
// Tasks per machine at time 0: the real cell runs ~11, mostly services.
constexpr uint64_t kInitialServiceTasksPerMachine = 7;
constexpr uint64_t kInitialBatchTasksPerMachine = 3;
// Share of the time-0 SUBMIT rows of running tasks that name their machine
// (in the real trace the others are SUBMITs without machine, then SCHEDULE).
constexpr double kInitialSubmitWithMachine = 0.65;

enum class TaskStatus : uint8_t { kPending, kRunning, kDead };

// Whom a task about to be placed may evict when no machine has room.
enum class Preemption : uint8_t {
  kNone,
  kPriorityZero,  // only priority-0 tasks (any non-free task may)
  kFull,          // the free priorities 0 and 1 (production only)
};
// Production tasks that find no room evict beyond priority 0 only now and
// then; otherwise they wait, as in the real trace where priority 0 takes
// almost all evictions.
constexpr double kFullPreemptionShare = 0.2;

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

EventType EventTypeOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFinish:
      return EventType::kFinish;
    case Outcome::kFail:
      return EventType::kFail;
    case Outcome::kKill:
      return EventType::kKill;
    case Outcome::kEvict:
      return EventType::kEvict;
  }
  return EventType::kFinish;
}

// Which end of its tasks a job's end reports: the worst one.
int EndSeverity(EventType type) {
  switch (type) {
    case EventType::kFail:
      return 4;
    case EventType::kLost:
      return 3;
    case EventType::kEvict:
      return 2;
    case EventType::kKill:
      return 1;
    default:
      return 0;
  }
}

template <typename Row>
void TakeRowsBefore(std::vector<Row>& buffer, int64_t end, std::vector<Row>& out) {
  std::stable_sort(buffer.begin(), buffer.end(),
                   [](const Row& a, const Row& b) { return a.time < b.time; });
  const auto split = std::partition_point(buffer.begin(), buffer.end(),
                                          [end](const Row& row) { return row.time < end; });
  out.assign(buffer.begin(), split);
  buffer.erase(buffer.begin(), split);
}

}  // namespace

class ClusterSimulator::Impl {
 public:
  Impl(const TraceShape& shape, const MachinePopulation& machines)
      : shape_(shape),
        machine_rows_(machines.events),
        model_(shape),
        rng_(HashKeys({shape.seed, kSimulationTag})) {
    machines_.resize(machines.ids.size());
    for (size_t i = 0; i < machines.ids.size(); ++i) machines_[i].id = machines.ids[i];
  }

  SliceRows NextSlice() {
    if (!started_) Start();
    SliceRows slice;
    slice.index = current_slice_;
    slice.begin = shape_.SliceBegin(current_slice_);
    slice.end = shape_.SliceEnd(current_slice_);
    slice_begin_ = slice.begin;
    usage_runs_.clear();
    while (true) {
      const int64_t machine_time =
          machine_cursor_ < machine_rows_.size() ? machine_rows_[machine_cursor_].time : INT64_MAX;
      const int64_t event_time = events_.empty() ? INT64_MAX : events_.top().time;
      const int64_t next = std::min(machine_time, event_time);
      if (next >= slice.end) break;
      if (machine_time <= event_time) {
        ApplyMachineRow(machine_rows_[machine_cursor_++]);
      } else {
        const Event event = events_.top();
        events_.pop();
        Handle(event);
      }
    }
    // Runs still going at the end of the slice contribute up to its end.
    for (const SimMachine& machine : machines_) {
      for (const TaskRef& ref : machine.running) AddUsageRun(ref, slice.end);
    }
    TakeRowsBefore(job_rows_, slice.end, slice.job_events);
    TakeRowsBefore(task_rows_, slice.end, slice.task_events);
    TakeRowsBefore(constraint_rows_, slice.end, slice.constraints);
    slice.usage_runs = std::move(usage_runs_);
    usage_runs_ = {};
    ++current_slice_;
    return slice;
  }

  uint64_t jobs() const { return jobs_created_; }
  uint64_t tasks() const { return tasks_created_; }

 private:
  // ---- Setup -------------------------------------------------------------

  void Start() {
    started_ = true;
    while (machine_cursor_ < machine_rows_.size() && machine_rows_[machine_cursor_].time == 0) {
      ApplyMachineRow(machine_rows_[machine_cursor_++]);
    }
    CreateInitialJobs();
    next_job_id_ = 6'250'000'000ULL;
    PushArrival(kWindowStart);
    Push(kWindowStart + kSweepPeriod, EventKind::kPendingSweep, 0, 0, 0);
  }

  // The jobs that exist at time 0: about 11 tasks per machine as in the real
  // cell, most of them long-running services (older jobs, so lower ids).
  // Placed by priority (production first, as the real cell's history would
  // have it), written in job id order as in the real trace.
  void CreateInitialJobs() {
    std::vector<JobSpec> specs;
    uint64_t tasks = 0;
    while (tasks < kInitialServiceTasksPerMachine * up_machines_.size()) {
      specs.push_back(model_.DrawJob(rng_, WorkloadModel::Origin::kInitialService));
      tasks += specs.back().task_count;
    }
    tasks = 0;
    while (tasks < kInitialBatchTasksPerMachine * up_machines_.size()) {
      specs.push_back(model_.DrawJob(rng_, WorkloadModel::Origin::kInitialBatch));
      tasks += specs.back().task_count;
    }
    std::vector<uint64_t> ids;
    while (ids.size() < specs.size()) {
      while (ids.size() < specs.size()) {
        ids.push_back(static_cast<uint64_t>(rng_.LogUniform(3e6, 6.2e9)));
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    std::vector<uint32_t> slots;
    for (size_t i = 0; i < specs.size(); ++i) slots.push_back(NewJob(std::move(specs[i]), ids[i]));

    std::vector<uint32_t> by_priority = slots;
    std::stable_sort(by_priority.begin(), by_priority.end(), [this](uint32_t a, uint32_t b) {
      return jobs_[a].spec.priority > jobs_[b].spec.priority;
    });
    for (uint32_t slot : by_priority) {
      for (uint32_t task = 0; task < jobs_[slot].tasks.size(); ++task) {
        const uint32_t machine = ChooseMachine(slot, task, 0, Preemption::kNone);
        if (machine != kNone) StartRun(slot, task, machine, 0, /*initial=*/true);
      }
    }
    for (uint32_t slot : slots) {
      SimJob& job = jobs_[slot];
      EmitJob(job, 0, EventType::kSubmit);
      for (uint32_t task = 0; task < job.tasks.size(); ++task) {
        SimTask& state = job.tasks[task];
        const uint64_t machine =
            state.status == TaskStatus::kRunning && rng_.Chance(kInitialSubmitWithMachine)
                ? machines_[state.machine].id
                : kNoMachine;
        TaskEventRow& row = EmitTask(job, task, 0, EventType::kSubmit, machine);
        // Tasks that existed before the trace, their creation unrecorded.
        if (rng_.Chance(0.002)) {
          row.missing_info = 2;
          row.cpu_request = row.memory_request = row.disk_request = Decimal4::Empty();
          row.different_machines = kEmptyField;
        }
        EmitConstraints(job, task, 0);
      }
      for (uint32_t task = 0; task < job.tasks.size(); ++task) {
        SimTask& state = job.tasks[task];
        if (state.status == TaskStatus::kRunning) {
          if (!job.scheduled) {
            job.scheduled = true;
            EmitJob(job, 0, EventType::kSchedule);
          }
          EmitTask(job, task, 0, EventType::kSchedule, machines_[state.machine].id);
        } else {
          pending_.push_back({slot, task, state.generation});
        }
      }
      ScheduleJobEvents(slot, 0);
    }
  }

  uint32_t NewJob(JobSpec spec, uint64_t id) {
    uint32_t slot;
    if (free_jobs_.empty()) {
      slot = static_cast<uint32_t>(jobs_.size());
      jobs_.emplace_back();
    } else {
      slot = free_jobs_.back();
      free_jobs_.pop_back();
    }
    SimJob& job = jobs_[slot];
    job = SimJob{};
    job.id = id;
    job.active = true;
    job.tasks.resize(spec.task_count);
    job.alive = spec.task_count;
    for (SimTask& task : job.tasks) {
      task.cpu = spec.cpu_request;
      task.memory = spec.memory_request;
      task.disk = spec.disk_request;
      task.generation = ++generation_;
    }
    job.spec = std::move(spec);
    ++jobs_created_;
    tasks_created_ += job.tasks.size();
    return slot;
  }

  void ScheduleJobEvents(uint32_t slot, int64_t submit_time) {
    const SimJob& job = jobs_[slot];
    if (job.spec.kill_after_s >= 0) {
      Push(std::max(submit_time, kWindowStart) +
               static_cast<int64_t>(job.spec.kill_after_s * kMicrosPerSecond),
           EventKind::kJobKill, job.id, slot, 0);
    }
    if (job.spec.update_after_s >= 0) {
      Push(std::max(submit_time, kWindowStart) +
               static_cast<int64_t>(job.spec.update_after_s * kMicrosPerSecond),
           EventKind::kJobUpdate, job.id, slot, 0);
    }
  }

  // ---- Events ------------------------------------------------------------

  void Push(int64_t time, EventKind kind, uint64_t key, uint32_t job, uint32_t task) {
    if (time >= shape_.end_time) return;  // never happens within the trace
    events_.push(Event{time, ++sequence_, key, job, task, kind});
  }

  void PushArrival(int64_t after) {
    // A Poisson process with a daily cycle, by thinning.
    int64_t time = after;
    do {
      time += 1 + static_cast<int64_t>(rng_.Exponential(1.0 / model_.MaxArrivalRate()));
    } while (!rng_.Chance(model_.ArrivalRate(time) / model_.MaxArrivalRate()));
    Push(time, EventKind::kJobArrival, 0, 0, 0);
  }

  bool ValidJob(const Event& event) const {
    return event.job < jobs_.size() && jobs_[event.job].active && jobs_[event.job].id == event.key;
  }
  bool ValidTask(uint32_t job, uint32_t task, uint64_t generation) const {
    return job < jobs_.size() && jobs_[job].active && task < jobs_[job].tasks.size() &&
           jobs_[job].tasks[task].generation == generation;
  }

  void Handle(const Event& event) {
    switch (event.kind) {
      case EventKind::kJobArrival:
        ArriveJob(event.time);
        PushArrival(event.time);
        break;
      case EventKind::kJobSchedule:
        if (ValidJob(event)) ScheduleJob(event.job, event.time);
        break;
      case EventKind::kTaskSchedule:
        if (ValidTask(event.job, event.task, event.key) &&
            !Schedule(event.job, event.task, event.time, PreemptionFor(event.job))) {
          pending_.push_back({event.job, event.task, event.key});
        }
        break;
      case EventKind::kTaskEnd:
        if (ValidTask(event.job, event.task, event.key)) EndPlannedRun(event);
        break;
      case EventKind::kJobKill:
        if (ValidJob(event)) KillJob(event.job, event.time);
        break;
      case EventKind::kJobUpdate:
        if (ValidJob(event)) UpdateJob(event.job, event.time);
        break;
      case EventKind::kPendingSweep:
        SweepPending(event.time);
        Push(event.time + kSweepPeriod, EventKind::kPendingSweep, 0, 0, 0);
        break;
    }
  }

  void ArriveJob(int64_t time) {
    next_job_id_ += static_cast<uint64_t>(rng_.Between(20, 600));
    const uint32_t slot =
        NewJob(model_.DrawJob(rng_, WorkloadModel::Origin::kArrival), next_job_id_);
    SimJob& job = jobs_[slot];
    EmitJob(job, time, EventType::kSubmit);
    for (uint32_t task = 0; task < job.tasks.size(); ++task) {
      const int64_t task_time = time + 2 + 2 * static_cast<int64_t>(task);
      EmitTask(job, task, task_time, EventType::kSubmit, kNoMachine);
      EmitConstraints(job, task, task_time);
    }
    Push(time + model_.ScheduleDelay(rng_), EventKind::kJobSchedule, job.id, slot, 0);
    ScheduleJobEvents(slot, time);
  }

  void ScheduleJob(uint32_t slot, int64_t time) {
    for (uint32_t task = 0; task < jobs_[slot].tasks.size(); ++task) {
      SimTask& state = jobs_[slot].tasks[task];
      if (state.status != TaskStatus::kPending || state.attempts > 0) continue;
      const int64_t task_time = time + 3 + 20 * static_cast<int64_t>(task);
      if (!Schedule(slot, task, task_time, PreemptionFor(slot))) {
        pending_.push_back({slot, task, state.generation});
      }
    }
  }

  void EndPlannedRun(const Event& event) {
    const SimTask& task = jobs_[event.job].tasks[event.task];
    const uint32_t machine = task.machine;
    const Outcome outcome = task.planned;
    const int64_t end = EndRun(event.job, event.task, event.time, EventTypeOf(outcome));
    AfterRun(event.job, event.task, end, outcome);
    FillMachine(machine, end);
  }

  void KillJob(uint32_t slot, int64_t time) {
    SimJob& job = jobs_[slot];
    job.killed = true;
    const int64_t kill_time = std::max(time, job.last_time);
    EmitJob(job, kill_time, EventType::kKill);
    std::vector<uint32_t> freed;
    for (uint32_t task = 0; task < job.tasks.size(); ++task) {
      SimTask& state = job.tasks[task];
      const int64_t task_time = kill_time + 3 + 2 * static_cast<int64_t>(task);
      if (state.status == TaskStatus::kRunning) {
        freed.push_back(state.machine);
        EndRun(slot, task, task_time, EventType::kKill);
      } else if (state.status == TaskStatus::kPending) {
        EmitTask(job, task, task_time, EventType::kKill, kNoMachine);  // never ran: no machine
        state.generation = ++generation_;
      } else {
        continue;
      }
      state.status = TaskStatus::kDead;
    }
    job.alive = 0;
    FinishJob(slot, kill_time);
    for (uint32_t machine : freed) FillMachine(machine, kill_time);
  }

  void UpdateJob(uint32_t slot, int64_t time) {
    SimJob& job = jobs_[slot];
    Decimal4 cpu = job.spec.cpu_request;
    Decimal4 memory = job.spec.memory_request;
    model_.UpdateRequests(rng_, cpu, memory);
    job.spec.cpu_request = cpu;
    job.spec.memory_request = memory;
    for (uint32_t task = 0; task < job.tasks.size(); ++task) {
      SimTask& state = job.tasks[task];
      if (state.status == TaskStatus::kDead) continue;
      const int64_t task_time = time + 2 * static_cast<int64_t>(task);
      if (state.status == TaskStatus::kRunning) {
        SimMachine& machine = machines_[state.machine];
        machine.cpu_used += cpu.ToDouble() - state.cpu.ToDouble();
        machine.memory_used += memory.ToDouble() - state.memory.ToDouble();
        state.cpu = cpu;
        state.memory = memory;
        EmitTask(job, task, task_time, EventType::kUpdateRunning, machine.id);
      } else {
        state.cpu = cpu;
        state.memory = memory;
        EmitTask(job, task, task_time, EventType::kUpdatePending, kNoMachine);
      }
    }
  }

  void SweepPending(int64_t time) {
    size_t budget = std::min(pending_.size(), 16 + pending_.size() / 32);
    for (; budget > 0; --budget) {
      const PendingTask entry = pending_.front();
      pending_.pop_front();
      if (!ValidTask(entry.job, entry.task, entry.generation)) continue;
      if (!Schedule(entry.job, entry.task, time, Preemption::kPriorityZero)) {
        pending_.push_back(entry);
      }
    }
  }

  // A machine has room again: try a few pending tasks on it.
  void FillMachine(uint32_t machine, int64_t time) {
    if (machine == kNone || machines_[machine].up_position == kNone) return;
    for (int tries = 0; tries < kFillTries && !pending_.empty(); ++tries) {
      const PendingTask entry = pending_.front();
      pending_.pop_front();
      if (!ValidTask(entry.job, entry.task, entry.generation)) continue;
      if (CanPlace(entry.job, entry.task, machine)) {
        StartRunAndEmit(entry.job, entry.task, machine, time);
      } else {
        pending_.push_back(entry);
      }
    }
  }

  // ---- Machines ----------------------------------------------------------

  void ApplyMachineRow(const MachineEventRow& row) {
    SimMachine& machine = machines_[row.machine];
    if (!row.cpus.empty()) {
      machine.cpu_capacity = row.cpus.ToDouble();
      machine.memory_capacity = row.memory.ToDouble();
    }
    switch (static_cast<MachineEventType>(row.event_type)) {
      case MachineEventType::kAdd:
        machine.added = true;
        break;
      case MachineEventType::kRemove:
        machine.added = false;
        RemoveMachine(row.machine, row.time);
        break;
      case MachineEventType::kUpdate:
        break;
    }
    const bool schedulable = machine.added && machine.cpu_capacity > 0;
    if (schedulable && machine.up_position == kNone) {
      machine.up_position = static_cast<uint32_t>(up_machines_.size());
      up_machines_.push_back(row.machine);
      if (row.time > 0) FillMachine(row.machine, row.time);
    } else if (!schedulable && machine.up_position != kNone) {
      const uint32_t last = up_machines_.back();
      up_machines_[machine.up_position] = last;
      machines_[last].up_position = machine.up_position;
      up_machines_.pop_back();
      machine.up_position = kNone;
    }
  }

  // The tasks of a machine that goes away are evicted, or now and then lost.
  void RemoveMachine(uint32_t machine, int64_t time) {
    const bool lost = rng_.Chance(0.03);
    const std::vector<TaskRef> running = machines_[machine].running;
    for (const TaskRef& ref : running) {
      const int64_t end = EndRun(ref.job, ref.task, time + 1 + rng_.Between(0, 2000),
                                 lost ? EventType::kLost : EventType::kEvict);
      if (lost) {
        AfterLost(ref.job, ref.task, end);
      } else {
        AfterRun(ref.job, ref.task, end, Outcome::kEvict);
      }
    }
  }

  // ---- Placement ---------------------------------------------------------

  bool SharesMachineWithJob(uint32_t machine, uint32_t slot) const {
    for (const TaskRef& ref : machines_[machine].running) {
      if (ref.job == slot) return true;
    }
    return false;
  }

  bool Fits(uint32_t machine, double cpu, double memory, Band band) const {
    const SimMachine& m = machines_[machine];
    return m.cpu_used + cpu <= m.cpu_capacity * kCpuLimit[static_cast<int>(band)] &&
           m.memory_used + memory <= m.memory_capacity * kMemoryLimit;
  }

  bool CanPlace(uint32_t slot, uint32_t task, uint32_t machine) const {
    const SimJob& job = jobs_[slot];
    const SimTask& state = job.tasks[task];
    return Fits(machine, state.cpu.ToDouble(), state.memory.ToDouble(),
                BandOf(job.spec.priority)) &&
           !(job.spec.different_machines && SharesMachineWithJob(machine, slot));
  }

  // Picks a machine with room among a few random up machines; failing that,
  // and when allowed, one where evicting lower-band tasks makes room (and
  // evicts them). kNone when the task must wait.
  uint32_t ChooseMachine(uint32_t slot, uint32_t task, int64_t time, Preemption preemption) {
    if (up_machines_.empty()) return kNone;
    uint32_t candidates[kCandidates];
    for (uint32_t& candidate : candidates) {
      candidate = up_machines_[rng_.Below(up_machines_.size())];
      if (CanPlace(slot, task, candidate)) return candidate;
    }
    const Band band = BandOf(jobs_[slot].spec.priority);
    if (preemption == Preemption::kNone || band == Band::kFree) return kNone;

    // Least harm: fewest victims above priority 0, then fewest victims.
    uint32_t best = kNone;
    uint64_t best_cost = UINT64_MAX;
    std::vector<TaskRef> best_victims;
    std::vector<TaskRef> victims;
    for (uint32_t candidate : candidates) {
      if (jobs_[slot].spec.different_machines && SharesMachineWithJob(candidate, slot)) continue;
      if (!FindVictims(slot, task, candidate, band, preemption, victims)) continue;
      uint64_t cost = victims.size();
      for (const TaskRef& victim : victims) {
        if (jobs_[victim.job].spec.priority > 0) cost += 1000;
      }
      if (cost < best_cost) {
        best = candidate;
        best_cost = cost;
        best_victims = victims;
      }
    }
    for (const TaskRef& victim : best_victims) {
      const int64_t end = EndRun(victim.job, victim.task, time, EventType::kEvict);
      AfterRun(victim.job, victim.task, end, Outcome::kEvict);
    }
    return best;
  }

  Preemption PreemptionFor(uint32_t slot) {
    const Band band = BandOf(jobs_[slot].spec.priority);
    if (band == Band::kFree) return Preemption::kNone;
    if (band == Band::kProduction && rng_.Chance(kFullPreemptionShare)) return Preemption::kFull;
    return Preemption::kPriorityZero;
  }

  // Who may evict whom: anything above the free band evicts priority 0;
  // production, with kFull, also priority 1. (In the real trace priority 0 is
  // evicted thirty times more often than 1, and batch priorities hardly ever.)
  static bool Preempts(uint8_t priority, uint8_t victim, Preemption preemption) {
    const Band band = BandOf(priority);
    if (band == Band::kFree || preemption == Preemption::kNone) return false;
    return victim == 0 || (preemption == Preemption::kFull && band == Band::kProduction &&
                           BandOf(victim) == Band::kFree);
  }

  // Lower-band tasks whose eviction makes room on `machine`, lowest priority
  // and most recently started first; false if even all of them are not enough.
  bool FindVictims(uint32_t slot, uint32_t task, uint32_t machine, Band band, Preemption preemption,
                   std::vector<TaskRef>& victims) const {
    victims.clear();
    const SimMachine& m = machines_[machine];
    std::vector<TaskRef> lower;
    for (const TaskRef& ref : m.running) {
      if (Preempts(jobs_[slot].spec.priority, jobs_[ref.job].spec.priority, preemption)) {
        lower.push_back(ref);
      }
    }
    std::stable_sort(lower.begin(), lower.end(), [this](const TaskRef& a, const TaskRef& b) {
      const uint8_t pa = jobs_[a.job].spec.priority, pb = jobs_[b.job].spec.priority;
      if (pa != pb) return pa < pb;
      return jobs_[a.job].tasks[a.task].run_start > jobs_[b.job].tasks[b.task].run_start;
    });
    const SimTask& state = jobs_[slot].tasks[task];
    double cpu_need =
        m.cpu_used + state.cpu.ToDouble() - m.cpu_capacity * kCpuLimit[static_cast<int>(band)];
    double memory_need = m.memory_used + state.memory.ToDouble() - m.memory_capacity * kMemoryLimit;
    for (const TaskRef& ref : lower) {
      if (cpu_need <= 0 && memory_need <= 0) break;
      const SimTask& victim = jobs_[ref.job].tasks[ref.task];
      cpu_need -= victim.cpu.ToDouble();
      memory_need -= victim.memory.ToDouble();
      victims.push_back(ref);
    }
    return cpu_need <= 0 && memory_need <= 0;
  }

  // Places a pending task now if it can; writes its SCHEDULE row.
  bool Schedule(uint32_t slot, uint32_t task, int64_t time, Preemption preemption) {
    const uint32_t machine = ChooseMachine(slot, task, time, preemption);
    if (machine == kNone) return false;
    StartRunAndEmit(slot, task, machine, time);
    return true;
  }

  void StartRunAndEmit(uint32_t slot, uint32_t task, uint32_t machine, int64_t time) {
    const int64_t start = StartRun(slot, task, machine, time, /*initial=*/false);
    SimJob& job = jobs_[slot];
    if (!job.scheduled) {
      job.scheduled = true;
      EmitJob(job, start, EventType::kSchedule);
    }
    EmitTask(job, task, start, EventType::kSchedule, machines_[machine].id);
  }

  // Puts the task on the machine and plans how its run ends; returns the start.
  int64_t StartRun(uint32_t slot, uint32_t task, uint32_t machine, int64_t time, bool initial) {
    SimJob& job = jobs_[slot];
    SimTask& state = job.tasks[task];
    SimMachine& m = machines_[machine];
    state.status = TaskStatus::kRunning;
    state.machine = machine;
    state.position = static_cast<uint32_t>(m.running.size());
    m.running.push_back({slot, task});
    m.cpu_used += state.cpu.ToDouble();
    m.memory_used += state.memory.ToDouble();
    ++state.attempts;
    state.run_start = std::max(time, state.last_time);
    const AttemptPlan plan =
        model_.DrawAttempt(rng_, job.spec, m.cpu_used / m.cpu_capacity, initial);
    state.planned = plan.outcome;
    state.generation = ++generation_;
    Push(std::max(state.run_start, kWindowStart) + plan.duration, EventKind::kTaskEnd,
         state.generation, slot, task);
    return state.run_start;
  }

  // Ends the task's run with a row of `type` on its machine; returns the row's time.
  int64_t EndRun(uint32_t slot, uint32_t task, int64_t time, EventType type) {
    SimJob& job = jobs_[slot];
    SimTask& state = job.tasks[task];
    SimMachine& m = machines_[state.machine];
    const TaskRef moved = m.running.back();
    m.running[state.position] = moved;
    jobs_[moved.job].tasks[moved.task].position = state.position;
    m.running.pop_back();
    m.cpu_used -= state.cpu.ToDouble();
    m.memory_used -= state.memory.ToDouble();
    if (m.running.empty()) m.cpu_used = m.memory_used = 0;  // no drift from rounding
    const int64_t end = std::max(time, state.last_time);
    AddUsageRun({slot, task}, end);
    EmitTask(job, task, end, type, m.id);
    state.machine = kNone;
    state.status = TaskStatus::kPending;
    state.generation = ++generation_;
    return end;
  }

  // After a run ended: the task is submitted again, or it is done.
  void AfterRun(uint32_t slot, uint32_t task, int64_t end, Outcome outcome) {
    SimJob& job = jobs_[slot];
    SimTask& state = job.tasks[task];
    if (model_.Resubmits(rng_, job.spec, outcome, state.attempts)) {
      const int64_t submit = end + model_.ResubmitDelay(rng_, outcome);
      EmitTask(job, task, submit, EventType::kSubmit, kNoMachine);
      Push(submit + model_.ScheduleDelay(rng_), EventKind::kTaskSchedule, state.generation, slot,
           task);
      return;
    }
    TaskDone(slot, task, end, EventTypeOf(outcome));
  }

  void AfterLost(uint32_t slot, uint32_t task, int64_t end) {
    SimJob& job = jobs_[slot];
    SimTask& state = job.tasks[task];
    if (rng_.Chance(0.9)) {
      const int64_t submit = end + model_.ResubmitDelay(rng_, Outcome::kFail);
      EmitTask(job, task, submit, EventType::kSubmit, kNoMachine);
      Push(submit + model_.ScheduleDelay(rng_), EventKind::kTaskSchedule, state.generation, slot,
           task);
      return;
    }
    TaskDone(slot, task, end, EventType::kLost);
  }

  void TaskDone(uint32_t slot, uint32_t task, int64_t end, EventType type) {
    SimJob& job = jobs_[slot];
    job.tasks[task].status = TaskStatus::kDead;
    if (EndSeverity(type) > EndSeverity(job.end_type)) job.end_type = type;
    if (--job.alive == 0) FinishJob(slot, end);
  }

  void FinishJob(uint32_t slot, int64_t time) {
    SimJob& job = jobs_[slot];
    if (!job.killed) {
      JobEventRow& row =
          EmitJob(job, std::max(time, job.last_time) + rng_.Between(1, 20), job.end_type);
      if (rng_.Chance(0.002)) row.missing_info = 1;
    }
    job.active = false;
    job.tasks = {};
    free_jobs_.push_back(slot);
  }

  // ---- Rows --------------------------------------------------------------

  JobEventRow& EmitJob(SimJob& job, int64_t time, EventType type) {
    job.last_time = std::max(job.last_time, time);
    JobEventRow& row = job_rows_.emplace_back();
    row.time = time;
    row.job_id = job.id;
    row.user = job.spec.user;
    row.logical_name = job.spec.logical_name;
    row.event_type = static_cast<uint8_t>(type);
    row.scheduling_class = job.spec.scheduling_class;
    return row;
  }

  TaskEventRow& EmitTask(SimJob& job, uint32_t task, int64_t time, EventType type,
                         uint64_t machine_id) {
    SimTask& state = job.tasks[task];
    state.last_time = std::max(state.last_time, time);
    job.last_time = std::max(job.last_time, state.last_time);
    TaskEventRow& row = task_rows_.emplace_back();
    row.time = state.last_time;
    row.job_id = job.id;
    row.machine_id = machine_id;
    row.task_index = task;
    row.user = job.spec.user;
    row.cpu_request = state.cpu;
    row.memory_request = state.memory;
    row.disk_request = state.disk;
    row.event_type = static_cast<uint8_t>(type);
    row.scheduling_class = job.spec.scheduling_class;
    row.priority = job.spec.priority;
    row.different_machines = job.spec.different_machines ? 1 : 0;
    // Now and then a transition the trace only inferred (missing_info 0 or 1).
    if (type != EventType::kSubmit && type != EventType::kSchedule && rng_.Chance(0.0005)) {
      row.missing_info = static_cast<int8_t>(rng_.Below(2));
    }
    return row;
  }

  void EmitConstraints(const SimJob& job, uint32_t task, int64_t time) {
    for (const Constraint& constraint : job.spec.constraints) {
      ConstraintRow& row = constraint_rows_.emplace_back();
      row.time = time;
      row.job_id = job.id;
      row.task_index = task;
      row.comparison = constraint.comparison;
      row.attribute = constraint.attribute;
      row.value_kind = constraint.value_kind;
      row.value = constraint.value;
    }
  }

  void AddUsageRun(const TaskRef& ref, int64_t end) {
    const SimJob& job = jobs_[ref.job];
    const SimTask& state = job.tasks[ref.task];
    const int64_t start = std::max({state.run_start, slice_begin_, kWindowStart});
    end = std::min(end, shape_.end_time);
    if (end <= start) return;
    UsageRun& run = usage_runs_.emplace_back();
    run.start = start;
    run.end = end;
    run.job_id = job.id;
    run.machine_id = machines_[state.machine].id;
    run.task_index = ref.task;
    run.cpu_request = state.cpu;
    run.memory_request = state.memory;
    run.disk_request = state.disk;
  }

  const TraceShape& shape_;
  const std::vector<MachineEventRow>& machine_rows_;
  WorkloadModel model_;
  Random rng_;
  bool started_ = false;
  uint32_t current_slice_ = 0;
  int64_t slice_begin_ = 0;
  size_t machine_cursor_ = 0;

  std::vector<SimMachine> machines_;
  std::vector<uint32_t> up_machines_;  // added and with a known capacity
  std::vector<SimJob> jobs_;
  std::vector<uint32_t> free_jobs_;
  std::deque<PendingTask> pending_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t sequence_ = 0;
  uint64_t generation_ = 0;
  uint64_t next_job_id_ = 0;
  uint64_t jobs_created_ = 0;
  uint64_t tasks_created_ = 0;

  // Rows not yet handed out: a row may be timed a little after the event
  // that made it, so rows are sorted when a slice closes.
  std::vector<JobEventRow> job_rows_;
  std::vector<TaskEventRow> task_rows_;
  std::vector<ConstraintRow> constraint_rows_;
  std::vector<UsageRun> usage_runs_;
};

ClusterSimulator::ClusterSimulator(const TraceShape& shape, const MachinePopulation& machines)
    : impl_(std::make_unique<Impl>(shape, machines)) {}
ClusterSimulator::~ClusterSimulator() = default;
SliceRows ClusterSimulator::NextSlice() { return impl_->NextSlice(); }
uint64_t ClusterSimulator::jobs() const { return impl_->jobs(); }
uint64_t ClusterSimulator::tasks() const { return impl_->tasks(); }

}  // namespace borgscope::gen
