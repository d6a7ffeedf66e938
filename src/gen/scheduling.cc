// The scheduler side of the simulation: machines coming and going, where a
// task goes, whom it evicts, and pending tasks waiting for room.

#include <algorithm>

#include "gen/cluster_simulator_impl.h"

namespace borgscope::gen {

using sim::EventKind;
using sim::kNone;
using sim::PendingTask;
using sim::Preemption;
using sim::SimJob;
using sim::SimMachine;
using sim::SimTask;
using sim::TaskRef;
using sim::TaskStatus;

namespace {

// Machines the scheduler looks at per try; when none has room, the one
// where preemption hurts least is used.
constexpr int kCandidates = 8;
constexpr int kFillTries = 4;  // pending tasks tried on a machine that freed room
// Share of a machine's capacity that requests may fill, by band. The real
// cell's CPU requests are ~113 % of its capacity at time 0 (memory ~93 %).
// (A higher limit for free tasks, which run on reclaimed resources, made
// batch tasks preempt them all the time: the real trace does not show that.)
constexpr double kCpuLimit[] = {1.2, 1.2, 1.2};
constexpr double kMemoryLimit = 1.0;
// Production tasks that find no room evict beyond priority 0 only now and
// then; otherwise they wait, as in the real trace where priority 0 takes
// almost all evictions.
constexpr double kFullPreemptionShare = 0.2;

}  // namespace

void ClusterSimulator::Impl::SweepPending(int64_t time) {
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
void ClusterSimulator::Impl::FillMachine(uint32_t machine, int64_t time) {
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

void ClusterSimulator::Impl::ApplyMachineRow(const MachineEventRow& row) {
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
void ClusterSimulator::Impl::RemoveMachine(uint32_t machine, int64_t time) {
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

bool ClusterSimulator::Impl::SharesMachineWithJob(uint32_t machine, uint32_t slot) const {
  for (const TaskRef& ref : machines_[machine].running) {
    if (ref.job == slot) return true;
  }
  return false;
}

bool ClusterSimulator::Impl::Fits(uint32_t machine, double cpu, double memory, Band band) const {
  const SimMachine& m = machines_[machine];
  return m.cpu_used + cpu <= m.cpu_capacity * kCpuLimit[static_cast<int>(band)] &&
         m.memory_used + memory <= m.memory_capacity * kMemoryLimit;
}

bool ClusterSimulator::Impl::CanPlace(uint32_t slot, uint32_t task, uint32_t machine) const {
  const SimJob& job = jobs_[slot];
  const SimTask& state = job.tasks[task];
  return Fits(machine, state.cpu.ToDouble(), state.memory.ToDouble(), BandOf(job.spec.priority)) &&
         !(job.spec.different_machines && SharesMachineWithJob(machine, slot));
}

// Picks a machine with room among a few random up machines; failing that,
// and when allowed, one where evicting lower-band tasks makes room (and
// evicts them). kNone when the task must wait.
uint32_t ClusterSimulator::Impl::ChooseMachine(uint32_t slot, uint32_t task, int64_t time,
                                               Preemption preemption) {
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

Preemption ClusterSimulator::Impl::PreemptionFor(uint32_t slot) {
  const Band band = BandOf(jobs_[slot].spec.priority);
  if (band == Band::kFree) return Preemption::kNone;
  if (band == Band::kProduction && rng_.Chance(kFullPreemptionShare)) return Preemption::kFull;
  return Preemption::kPriorityZero;
}

// Who may evict whom: anything above the free band evicts priority 0;
// production, with kFull, also priority 1. (In the real trace priority 0 is
// evicted thirty times more often than 1, and batch priorities hardly ever.)
bool ClusterSimulator::Impl::Preempts(uint8_t priority, uint8_t victim, Preemption preemption) {
  const Band band = BandOf(priority);
  if (band == Band::kFree || preemption == Preemption::kNone) return false;
  return victim == 0 || (preemption == Preemption::kFull && band == Band::kProduction &&
                         BandOf(victim) == Band::kFree);
}

// Lower-band tasks whose eviction makes room on `machine`, lowest priority
// and most recently started first; false if even all of them are not enough.
bool ClusterSimulator::Impl::FindVictims(uint32_t slot, uint32_t task, uint32_t machine, Band band,
                                         Preemption preemption,
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
bool ClusterSimulator::Impl::Schedule(uint32_t slot, uint32_t task, int64_t time,
                                      Preemption preemption) {
  const uint32_t machine = ChooseMachine(slot, task, time, preemption);
  if (machine == kNone) return false;
  StartRunAndEmit(slot, task, machine, time);
  return true;
}

void ClusterSimulator::Impl::StartRunAndEmit(uint32_t slot, uint32_t task, uint32_t machine,
                                             int64_t time) {
  const int64_t start = StartRun(slot, task, machine, time, /*initial=*/false);
  SimJob& job = jobs_[slot];
  if (!job.scheduled) {
    job.scheduled = true;
    EmitJob(job, start, EventType::kSchedule);
  }
  EmitTask(job, task, start, EventType::kSchedule, machines_[machine].id);
}

// Puts the task on the machine and plans how its run ends; returns the start.
int64_t ClusterSimulator::Impl::StartRun(uint32_t slot, uint32_t task, uint32_t machine,
                                         int64_t time, bool initial) {
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
  const AttemptPlan plan = model_.DrawAttempt(rng_, job.spec, m.cpu_used / m.cpu_capacity, initial);
  state.planned = plan.outcome;
  state.generation = ++generation_;
  Push(std::max(state.run_start, kWindowStart) + plan.duration, EventKind::kTaskEnd,
       state.generation, slot, task);
  return state.run_start;
}

}  // namespace borgscope::gen
