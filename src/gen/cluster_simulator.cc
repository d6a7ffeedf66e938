#include "gen/cluster_simulator.h"

#include <algorithm>

#include "gen/cluster_simulator_impl.h"

namespace borgscope::gen {

using sim::Event;
using sim::EventKind;
using sim::kNone;
using sim::Preemption;
using sim::SimJob;
using sim::SimMachine;
using sim::SimTask;
using sim::TaskRef;
using sim::TaskStatus;

namespace {

constexpr uint64_t kSimulationTag = 0x636c7573746572;    // "cluster"
constexpr int64_t kSweepPeriod = 60 * kMicrosPerSecond;  // retry of pending tasks
// Tasks per machine at time 0: the real cell runs ~11, mostly services.
constexpr uint64_t kInitialServiceTasksPerMachine = 7;
constexpr uint64_t kInitialBatchTasksPerMachine = 3;
// Share of the time-0 SUBMIT rows of running tasks that name their machine
// (in the real trace the others are SUBMITs without machine, then SCHEDULE).
constexpr double kInitialSubmitWithMachine = 0.65;

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

ClusterSimulator::ClusterSimulator(const TraceShape& shape, const MachinePopulation& machines)
    : impl_(std::make_unique<Impl>(shape, machines)) {}
ClusterSimulator::~ClusterSimulator() = default;
SliceRows ClusterSimulator::NextSlice() { return impl_->NextSlice(); }
uint64_t ClusterSimulator::jobs() const { return impl_->jobs(); }
uint64_t ClusterSimulator::tasks() const { return impl_->tasks(); }

ClusterSimulator::Impl::Impl(const TraceShape& shape, const MachinePopulation& machines)
    : shape_(shape),
      machine_rows_(machines.events),
      model_(shape),
      rng_(HashKeys({shape.seed, kSimulationTag})) {
  machines_.resize(machines.ids.size());
  for (size_t i = 0; i < machines.ids.size(); ++i) machines_[i].id = machines.ids[i];
}

SliceRows ClusterSimulator::Impl::NextSlice() {
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

void ClusterSimulator::Impl::Start() {
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
void ClusterSimulator::Impl::CreateInitialJobs() {
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
        Wait(slot, task, 0);
      }
    }
    ScheduleJobEvents(slot, 0);
  }
}

uint32_t ClusterSimulator::Impl::NewJob(JobSpec spec, uint64_t id) {
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

void ClusterSimulator::Impl::ScheduleJobEvents(uint32_t slot, int64_t submit_time) {
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

void ClusterSimulator::Impl::Push(int64_t time, EventKind kind, uint64_t key, uint32_t job,
                                  uint32_t task) {
  if (time >= shape_.end_time) return;  // never happens within the trace
  events_.push(Event{time, ++sequence_, key, job, task, kind});
}

void ClusterSimulator::Impl::PushArrival(int64_t after) {
  // A Poisson process with a daily cycle, by thinning.
  int64_t time = after;
  do {
    time += 1 + static_cast<int64_t>(rng_.Exponential(1.0 / model_.MaxArrivalRate()));
  } while (!rng_.Chance(model_.ArrivalRate(time) / model_.MaxArrivalRate()));
  Push(time, EventKind::kJobArrival, 0, 0, 0);
}

bool ClusterSimulator::Impl::ValidJob(const Event& event) const {
  return event.job < jobs_.size() && jobs_[event.job].active && jobs_[event.job].id == event.key;
}

bool ClusterSimulator::Impl::ValidTask(uint32_t job, uint32_t task, uint64_t generation) const {
  return job < jobs_.size() && jobs_[job].active && task < jobs_[job].tasks.size() &&
         jobs_[job].tasks[task].generation == generation;
}

void ClusterSimulator::Impl::Handle(const Event& event) {
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
        Wait(event.job, event.task, event.time);
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
    case EventKind::kTaskGiveUp:
      if (ValidTask(event.job, event.task, event.key)) GiveUp(event.job, event.task, event.time);
      break;
  }
}

void ClusterSimulator::Impl::ArriveJob(int64_t time) {
  next_job_id_ += static_cast<uint64_t>(rng_.Between(20, 600));
  const uint32_t slot = NewJob(model_.DrawJob(rng_, WorkloadModel::Origin::kArrival), next_job_id_);
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

void ClusterSimulator::Impl::ScheduleJob(uint32_t slot, int64_t time) {
  for (uint32_t task = 0; task < jobs_[slot].tasks.size(); ++task) {
    SimTask& state = jobs_[slot].tasks[task];
    if (state.status != TaskStatus::kPending || state.attempts > 0) continue;
    const int64_t task_time = time + 3 + 20 * static_cast<int64_t>(task);
    if (!Schedule(slot, task, task_time, PreemptionFor(slot))) Wait(slot, task, task_time);
  }
}

void ClusterSimulator::Impl::EndPlannedRun(const Event& event) {
  const SimTask& task = jobs_[event.job].tasks[event.task];
  const uint32_t machine = task.machine;
  const Outcome outcome = task.planned;
  const int64_t end = EndRun(event.job, event.task, event.time, EventTypeOf(outcome));
  AfterRun(event.job, event.task, end, outcome);
  FillMachine(machine, end);
}

void ClusterSimulator::Impl::KillJob(uint32_t slot, int64_t time) {
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

void ClusterSimulator::Impl::UpdateJob(uint32_t slot, int64_t time) {
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

// The task found no machine: it waits in the pending queue, and its user
// kills it if it waits too long.
void ClusterSimulator::Impl::Wait(uint32_t slot, uint32_t task, int64_t time) {
  const uint64_t generation = jobs_[slot].tasks[task].generation;
  pending_.push_back({slot, task, generation});
  Push(std::max(time, kWindowStart) + model_.PendingPatience(rng_), EventKind::kTaskGiveUp,
       generation, slot, task);
}

// A KILL with no machine (the task never ran this time); sometimes the user
// submits it again.
void ClusterSimulator::Impl::GiveUp(uint32_t slot, uint32_t task, int64_t time) {
  SimJob& job = jobs_[slot];
  SimTask& state = job.tasks[task];
  EmitTask(job, task, time, EventType::kKill, kNoMachine);
  state.generation = ++generation_;
  if (rng_.Chance(0.3)) {
    Resubmit(slot, task, state.last_time + model_.ResubmitDelay(rng_, Outcome::kKill));
  } else {
    TaskDone(slot, task, state.last_time, EventType::kKill);
  }
}

// A new SUBMIT row, and a first placement try a moment later.
void ClusterSimulator::Impl::Resubmit(uint32_t slot, uint32_t task, int64_t submit) {
  SimJob& job = jobs_[slot];
  EmitTask(job, task, submit, EventType::kSubmit, kNoMachine);
  Push(submit + model_.ScheduleDelay(rng_), EventKind::kTaskSchedule, job.tasks[task].generation,
       slot, task);
}

// Ends the task's run with a row of `type` on its machine; returns the row's time.
int64_t ClusterSimulator::Impl::EndRun(uint32_t slot, uint32_t task, int64_t time, EventType type) {
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
void ClusterSimulator::Impl::AfterRun(uint32_t slot, uint32_t task, int64_t end, Outcome outcome) {
  const SimJob& job = jobs_[slot];
  if (model_.Resubmits(rng_, job.spec, outcome, job.tasks[task].attempts)) {
    Resubmit(slot, task, end + model_.ResubmitDelay(rng_, outcome));
    return;
  }
  TaskDone(slot, task, end, EventTypeOf(outcome));
}

void ClusterSimulator::Impl::AfterLost(uint32_t slot, uint32_t task, int64_t end) {
  if (rng_.Chance(0.9)) {
    Resubmit(slot, task, end + model_.ResubmitDelay(rng_, Outcome::kFail));
    return;
  }
  TaskDone(slot, task, end, EventType::kLost);
}

void ClusterSimulator::Impl::TaskDone(uint32_t slot, uint32_t task, int64_t end, EventType type) {
  SimJob& job = jobs_[slot];
  job.tasks[task].status = TaskStatus::kDead;
  if (EndSeverity(type) > EndSeverity(job.end_type)) job.end_type = type;
  if (--job.alive == 0) FinishJob(slot, end);
}

void ClusterSimulator::Impl::FinishJob(uint32_t slot, int64_t time) {
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

JobEventRow& ClusterSimulator::Impl::EmitJob(SimJob& job, int64_t time, EventType type) {
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

TaskEventRow& ClusterSimulator::Impl::EmitTask(SimJob& job, uint32_t task, int64_t time,
                                               EventType type, uint64_t machine_id) {
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

void ClusterSimulator::Impl::EmitConstraints(const SimJob& job, uint32_t task, int64_t time) {
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

void ClusterSimulator::Impl::AddUsageRun(const TaskRef& ref, int64_t end) {
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

}  // namespace borgscope::gen
