#pragma once
// ClusterSimulator's state and steps, declared for the two files that define
// them: cluster_simulator.cc (the event loop, the life of jobs and tasks, the
// rows) and scheduling.cc (machines, placement, preemption, pending tasks).
// Internal to the generator.

#include <deque>
#include <functional>
#include <queue>
#include <vector>

#include "gen/cluster_simulator.h"
#include "gen/random.h"
#include "gen/simulation_state.h"
#include "gen/workload_model.h"
#include "trace/schema.h"

namespace borgscope::gen {

class ClusterSimulator::Impl {
 public:
  Impl(const TraceShape& shape, const MachinePopulation& machines);
  SliceRows NextSlice();
  uint64_t jobs() const { return jobs_created_; }
  uint64_t tasks() const { return tasks_created_; }

 private:
  using Event = sim::Event;
  using EventKind = sim::EventKind;
  using PendingTask = sim::PendingTask;
  using Preemption = sim::Preemption;
  using SimJob = sim::SimJob;
  using SimMachine = sim::SimMachine;
  using TaskRef = sim::TaskRef;

  // Setup (cluster_simulator.cc).
  void Start();
  void CreateInitialJobs();
  uint32_t NewJob(JobSpec spec, uint64_t id);
  void ScheduleJobEvents(uint32_t slot, int64_t submit_time);

  // Events and the life of jobs and tasks (cluster_simulator.cc). Jobs are
  // slots in jobs_, tasks indices in their job; a task's generation changes
  // with each of its state changes, so stale events and pending entries are
  // recognised and ignored.
  void Push(int64_t time, EventKind kind, uint64_t key, uint32_t job, uint32_t task);
  void PushArrival(int64_t after);
  bool ValidJob(const Event& event) const;
  bool ValidTask(uint32_t job, uint32_t task, uint64_t generation) const;
  void Handle(const Event& event);
  void ArriveJob(int64_t time);
  void ScheduleJob(uint32_t slot, int64_t time);
  void EndPlannedRun(const Event& event);
  void KillJob(uint32_t slot, int64_t time);
  void UpdateJob(uint32_t slot, int64_t time);
  void Wait(uint32_t slot, uint32_t task, int64_t time);
  void GiveUp(uint32_t slot, uint32_t task, int64_t time);
  void Resubmit(uint32_t slot, uint32_t task, int64_t submit);
  int64_t EndRun(uint32_t slot, uint32_t task, int64_t time, EventType type);
  void AfterRun(uint32_t slot, uint32_t task, int64_t end, Outcome outcome);
  void AfterLost(uint32_t slot, uint32_t task, int64_t end);
  void TaskDone(uint32_t slot, uint32_t task, int64_t end, EventType type);
  void FinishJob(uint32_t slot, int64_t time);

  // Rows (cluster_simulator.cc).
  JobEventRow& EmitJob(SimJob& job, int64_t time, EventType type);
  TaskEventRow& EmitTask(SimJob& job, uint32_t task, int64_t time, EventType type,
                         uint64_t machine_id);
  void EmitConstraints(const SimJob& job, uint32_t task, int64_t time);
  void AddUsageRun(const TaskRef& ref, int64_t end);

  // Machines and placement (scheduling.cc).
  void ApplyMachineRow(const MachineEventRow& row);
  void RemoveMachine(uint32_t machine, int64_t time);
  void SweepPending(int64_t time);
  void FillMachine(uint32_t machine, int64_t time);
  bool SharesMachineWithJob(uint32_t machine, uint32_t slot) const;
  bool Fits(uint32_t machine, double cpu, double memory, Band band) const;
  bool CanPlace(uint32_t slot, uint32_t task, uint32_t machine) const;
  uint32_t ChooseMachine(uint32_t slot, uint32_t task, int64_t time, Preemption preemption);
  Preemption PreemptionFor(uint32_t slot);
  static bool Preempts(uint8_t priority, uint8_t victim, Preemption preemption);
  bool FindVictims(uint32_t slot, uint32_t task, uint32_t machine, Band band, Preemption preemption,
                   std::vector<TaskRef>& victims) const;
  bool Schedule(uint32_t slot, uint32_t task, int64_t time, Preemption preemption);
  void StartRunAndEmit(uint32_t slot, uint32_t task, uint32_t machine, int64_t time);
  int64_t StartRun(uint32_t slot, uint32_t task, uint32_t machine, int64_t time, bool initial);

  const TraceShape& shape_;
  const std::vector<MachineEventRow>& machine_rows_;
  WorkloadModel model_;
  Random rng_;  // the one stream of the whole simulation
  bool started_ = false;
  uint32_t current_slice_ = 0;
  int64_t slice_begin_ = 0;
  size_t machine_cursor_ = 0;  // next row of machine_rows_ to apply

  std::vector<SimMachine> machines_;
  std::vector<uint32_t> up_machines_;  // added and with a known capacity
  std::vector<SimJob> jobs_;
  std::vector<uint32_t> free_jobs_;  // slots of finished jobs, reused
  std::deque<PendingTask> pending_;  // tasks waiting for room
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

}  // namespace borgscope::gen
