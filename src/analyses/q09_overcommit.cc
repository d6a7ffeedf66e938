// q9 over-commitment: how much of the machines' up time the sum of the
// requests of the tasks running on them exceeds their capacity, computed
// exactly with an event sweep over each machine. Merge: holistic (the tasks'
// relevant events, ordered by task in Finish; machine state as in q1/q2). The
// window columns come from the input machine_windows, shared with q8.

#include <absl/container/flat_hash_map.h>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "analyses/machine_windows.h"
#include "engine/key_partition.h"
#include "engine/keyed_parts.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/machine_capacity.h"
#include "states/machine_updown.h"
#include "states/machine_window_usage.h"
#include "stats/rank_spilled.h"

namespace borgscope {
namespace {

constexpr int64_t kObservedFrom = 600'000'000;  // the trace window starts at 600 s

// A task_events row that starts or ends a run, or carries a request, with
// its task. The state keeps them in one flat array, not a list per task:
// appending, merging, splitting by job and sending are sequential copies
// (per-task lists cost a cache miss per task in each); Finish sorts them by
// task and trace order. No implicit padding: copied and sent as bytes.
struct TaskEvent {
  int64_t job_id = 0;
  int64_t task_index = 0;
  int64_t time = 0;
  uint64_t line = 0;
  int64_t machine_id = kNull;
  int64_t request[2] = {kNull, kNull};  // cpu, memory
  uint32_t shard = 0;
  uint8_t type = 0;
  uint8_t unused[3] = {0, 0, 0};

  TaskKey task() const { return {job_id, task_index}; }
  TraceOrder order() const { return {time, shard, line}; }
  // By task, then in trace order.
  friend bool operator<(const TaskEvent& a, const TaskEvent& b) {
    return std::pair(a.task(), a.order()) < std::pair(b.task(), b.order());
  }
};
static_assert(sizeof(TaskEvent) == 64 && std::has_unique_object_representations_v<TaskEvent>);

bool EndsRun(uint8_t type) {
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

int64_t JobOfEvent(const TaskEvent& event) { return event.job_id; }

class Q9State : public StateOf<Q9State> {
 public:
  void Consume(const RowBatch& rows) override {
    switch (rows.table) {
      case Table::kMachineEvents:
        capacities_.Consume(rows);
        updown_.Consume(rows);
        break;
      default:
        ConsumeTaskEvents(rows);
    }
  }
  void ConsumeTaskEvents(const RowBatch& rows) {
    using namespace task_events;
    for (size_t r = 0; r < rows.size; ++r) {
      int64_t time = rows.Value(kTime, r);
      if (time != kTimeAfterWindow) {
        task_events_end_.value = std::max(task_events_end_.value, time);
      }
      auto type = static_cast<uint8_t>(rows.Value(kEventType, r));
      int64_t cpu = rows.Value(kCpuRequest, r), memory = rows.Value(kMemoryRequest, r);
      bool relevant = type == static_cast<uint8_t>(EventType::kSchedule) || EndsRun(type) ||
                      cpu != kNull || memory != kNull;
      if (!relevant) continue;
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
  // Machines by machine id (as the input machine_windows), tasks by job id;
  // Collect sends each run to the partition of its machine.
  static auto Parts(auto& self) {
    return std::tie(self.capacities_, self.updown_, self.task_events_end_, self.events_);
  }

  MachineCapacities capacities_;
  MachineUpDown updown_;
  MaxOf<int64_t> task_events_end_;
  KeyedList<TaskEvent, &JobOfEvent> events_;  // in no particular order
};

struct Run {
  int64_t start, end;
  int64_t request[2];
};

struct MachineRun {
  int64_t machine_id;
  Run run;
  // Still running at the task's last event: it ends at the observed end,
  // known only when every partition is in (FinishCollected).
  int64_t open;
};

// What a rank's partitions contribute: the runs of their tasks (to be sent
// to the partitions of their machines), their machines, and the window
// counts, which need only the machine's own partition.
struct Q9Collected : CollectedState {
  explicit Q9Collected(const CollectBudget& budget) {
    if (budget.memory_bytes == UINT64_MAX) return;
    // A chunk, 16 bytes a run to spare for the k-way merge's buffers.
    runs = SpilledItems<MachineRun>(budget.memory_bytes / (sizeof(MachineRun) + 16), budget.folder);
  }
  int64_t task_events_end = 0;
  bool saw_usage = false;
  SpilledItems<MachineRun> runs;
  MachineCapacities capacities;
  MachineUpDown updown;
  uint64_t windows[2] = {0, 0}, windows_over[2] = {0, 0};
};

// A change of a machine's state at a time: a run starting (+) or ending (-),
// or the machine going up or down.
struct Change {
  int64_t time;
  int64_t request_delta[2];
  int up_delta;  // +1 ADD, -1 REMOVE
};

struct ResourceTotals {
  uint64_t machines = 0, machines_ever_overcommitted = 0;
  __int128 up_time = 0, overcommitted_time = 0;
};

// What a partition of the machines contributes: exact sums.
struct OvercommitCounts {
  ResourceTotals totals[2];
  uint64_t windows[2] = {0, 0}, windows_over[2] = {0, 0};
  bool saw_usage = false;
};

class Q9Overcommit : public KeyedAnalysis {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q9", "Over-commitment",
        "How often do the requests of the tasks running on a machine exceed its capacity?",
        "Observed from 600 s to the largest task_events timestamp. A task runs on the machine "
        "of its SCHEDULE from that SCHEDULE to its first later EVICT/FAIL/FINISH/KILL/LOST (or "
        "next SCHEDULE), else to the end; its request during the run is its last non-empty "
        "request at or before the SCHEDULE in trace order (missing = 0). A machine is up from "
        "each ADD to its next REMOVE; only up time counts. Over-committed: the sum of the "
        "requests of the running tasks is strictly greater than the capacity (last non-empty, "
        "as in q1), computed exactly with an event sweep. Machines counted: capacity > 0 and "
        "some up time. The window columns count q8's machine-windows whose usage is strictly "
        "above capacity (empty without task_usage)."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kMachineEvents, MachineCapacities::Columns() | MachineUpDown::Columns()},
            {Table::kTaskEvents, ColumnBit(kTime) | ColumnBit(kJobId) | ColumnBit(kTaskIndex) |
                                     ColumnBit(kMachineId) | ColumnBit(kEventType) |
                                     ColumnBit(kCpuRequest) | ColumnBit(kMemoryRequest)}};
  }
  // The window columns (empty without task_usage).
  std::vector<std::string_view> InputIds() const override { return {kMachineWindowsInput}; }
  std::unique_ptr<AnalysisState> NewState(const AnalysisState*) const override {
    return std::make_unique<Q9State>();
  }
  std::unique_ptr<CollectedState> NewCollected(const CollectBudget& budget) const override {
    return std::make_unique<Q9Collected>(budget);
  }
  void Collect(const AnalysisState& partition, InputStates inputs,
               CollectedState& collected) const override;
  std::string FinishCollected(CollectedState& collected, Cluster& cluster) const override;
  void FinishSummaries(std::vector<std::string> summaries, ResultWriter& out) const override;
  std::vector<PlotSpec> Plots() const override {
    return {{.name = "overcommit",
             .title = "Over-commitment: requests and usage above machine capacity",
             .x_label = "resource",
             .y_label = "share (%)",
             .value_labels = true,  // a share near 0 has no visible bar
             .series = {{.title = "requests > capacity (% of machine up time)",
                         .file = "overcommit.csv",
                         .x = {"resource"},
                         .y = "overcommitted_machine_time_share",
                         .scale = 100},
                        {.title = "usage > capacity (% of machine-windows)",
                         .file = "overcommit.csv",
                         .x = {"resource"},
                         .y = "usage_over_capacity_window_share",
                         .scale = 100}}}};
  }
};

// Appends the runs of the partition's tasks to `runs`.
void CollectRuns(const Q9State& state, SpilledItems<MachineRun>& runs) {
  // The events by task, then in trace order: sorted through 24-byte
  // references, not copies of the 64-byte events (the state stays as it is).
  struct Reference {
    TaskKey task;
    uint64_t index;
  };
  const auto& all = state.events_.entries();
  // A run starts at each SCHEDULE onto a machine: room for them once (a
  // doubling vector would hold up to three times the runs as it grows).
  uint64_t schedules = 0;
  for (const TaskEvent& event : all) {
    schedules +=
        event.type == static_cast<uint8_t>(EventType::kSchedule) && event.machine_id != kNull;
  }
  runs.ReserveMore(schedules);
  std::vector<Reference> order(all.size());
  for (size_t i = 0; i < all.size(); ++i) order[i] = {all[i].task(), i};
  std::sort(order.begin(), order.end(), [&](const Reference& a, const Reference& b) {
    if (a.task != b.task) return a.task < b.task;
    return all[a.index].order() < all[b.index].order();
  });
  std::vector<TaskEvent> events;  // one task's, in trace order
  for (size_t first = 0, last; first < order.size(); first = last) {
    for (last = first + 1; last < order.size() && order[last].task == order[first].task; ++last) {
    }
    events.clear();
    for (size_t k = first; k < last; ++k) events.push_back(all[order[k].index]);
    // The events of one task, [first, last), in trace order.
    int64_t request[2] = {0, 0};
    bool running = false;
    int64_t machine = kNull;
    Run run{};
    auto end_run = [&](int64_t at, bool open) {
      if (!running) return;
      run.end = at;
      runs.Add(MachineRun{machine, run, open});
      running = false;
    };
    for (const TaskEvent& event : events) {
      for (int r = 0; r < 2; ++r) {
        if (event.request[r] != kNull) request[r] = event.request[r];
      }
      if (event.type == static_cast<uint8_t>(EventType::kSchedule)) {
        end_run(event.time, false);
        if (event.machine_id == kNull) continue;
        running = true;
        machine = event.machine_id;
        run = Run{event.time, 0, {request[0], request[1]}};
      } else if (EndsRun(event.type)) {
        end_run(event.time, false);
      }
    }
    end_run(0, true);
  }
}

// A run with its end known: runs still open at their task's last event end
// at the observed end.
MachineRun Resolved(MachineRun run, int64_t observed_end) {
  if (run.open) run.run.end = std::max(observed_end, run.run.start);
  run.open = 0;
  return run;
}

// The event sweep over one machine at a time, adding into `totals`.
struct MachineSweep {
  const MachineCapacities& capacities;
  const MachineUpDown& updown;
  int64_t observed_end;
  ResourceTotals* totals;  // cpu, memory
  std::vector<Change> changes = {};

  void Machine(int64_t id, std::span<const Run> runs) {
    changes.clear();
    if (auto it = updown.machines().find(id); it != updown.machines().end()) {
      bool up = false;
      for (const UpDownEvent& event : MachineUpDown::Sorted(it->second)) {
        if (event.add == up) continue;  // ADD while up, REMOVE while down
        up = event.add;
        changes.push_back({event.order.time, {0, 0}, up ? 1 : -1});
      }
    }
    for (const Run& run : runs) {
      changes.push_back({run.start, {run.request[0], run.request[1]}, 0});
      changes.push_back({run.end, {-run.request[0], -run.request[1]}, 0});
    }
    std::sort(changes.begin(), changes.end(),
              [](const Change& a, const Change& b) { return a.time < b.time; });
    const int64_t capacity[2] = {capacities.Cpus(id), capacities.Memory(id)};
    __int128 up_time = 0, over_time[2] = {0, 0};
    int up = 0;
    int64_t requested[2] = {0, 0};
    for (size_t i = 0; i < changes.size();) {
      int64_t now = changes[i].time;
      for (; i < changes.size() && changes[i].time == now; ++i) {
        up += changes[i].up_delta;
        requested[0] += changes[i].request_delta[0];
        requested[1] += changes[i].request_delta[1];
      }
      int64_t next = i < changes.size() ? changes[i].time : observed_end;
      int64_t from = std::max(now, kObservedFrom), to = std::min(next, observed_end);
      if (up <= 0 || to <= from) continue;
      up_time += to - from;
      for (int r = 0; r < 2; ++r) {
        if (requested[r] > capacity[r]) over_time[r] += to - from;
      }
    }
    for (int r = 0; r < 2; ++r) {
      if (capacity[r] == kNull || capacity[r] <= 0 || up_time == 0) continue;
      ++totals[r].machines;
      totals[r].machines_ever_overcommitted += over_time[r] > 0;
      totals[r].up_time += up_time;
      totals[r].overcommitted_time += over_time[r];
    }
  }
};

// Every run sent to the partition (rank) of its machine; returns the runs on
// this rank's machines.
absl::flat_hash_map<int64_t, std::vector<Run>> RunsByMachine(std::vector<MachineRun> runs,
                                                             int64_t observed_end,
                                                             Cluster& cluster) {
  std::vector<WireWriter> to_each(cluster.size());
  for (const MachineRun& run : runs) {
    to_each[PartitionOf(run.machine_id, to_each.size())].Put(Resolved(run, observed_end));
  }
  runs = {};
  std::vector<std::string> sent;
  for (WireWriter& out : to_each) sent.push_back(out.Take());
  absl::flat_hash_map<int64_t, std::vector<Run>> by_machine;
  for (const std::string& received : cluster.AllToAll(std::move(sent))) {
    WireReader in(received);
    while (!in.AtEnd()) {
      const auto run = in.Get<MachineRun>();
      by_machine[run.machine_id].push_back(run.run);
    }
  }
  return by_machine;
}

void Q9Overcommit::Collect(const AnalysisState& partition, InputStates inputs,
                           CollectedState& into) const {
  const Q9State& state = Q9State::Of(partition);
  auto& collected = static_cast<Q9Collected&>(into);
  const MachineWindowsState& windows = MachineWindowsOf(inputs);
  collected.task_events_end = std::max(collected.task_events_end, state.task_events_end_.value);
  collected.saw_usage = collected.saw_usage || windows.saw_rows();
  CollectRuns(state, collected.runs);
  collected.capacities.Merge(state.capacities_);
  collected.updown.Merge(state.updown_);
  // Windows and capacities are both split by machine: this partition's
  // windows have their capacities here.
  for (int r = 0; r < 2; ++r) {
    windows.usage().ForEachWindow([&](const MachineWindow& key, const WindowLoad& load) {
      if (!load.present[r]) return;
      int64_t capacity = r == 0 ? state.capacities_.Cpus(key.machine_id)
                                : state.capacities_.Memory(key.machine_id);
      if (capacity == kNull || capacity <= 0) return;
      ++collected.windows[r];
      collected.windows_over[r] += MachineWindowUsage::OverCapacity(load.sum[r], capacity);
    });
  }
}

std::string Q9Overcommit::FinishCollected(CollectedState& into, Cluster& cluster) const {
  auto& collected = static_cast<Q9Collected&>(into);
  // Values of no key live in partition 0; every rank needs them.
  int64_t observed_end = 0;
  bool saw_usage = false;
  {
    WireWriter mine;
    mine.Put(collected.task_events_end);
    mine.Put<uint8_t>(collected.saw_usage);
    for (const std::string& bytes : cluster.AllGather(mine.Take())) {
      WireReader in(bytes);
      observed_end = std::max(observed_end, in.Get<int64_t>());
      saw_usage = in.Get<uint8_t>() != 0 || saw_usage;
    }
  }
  const MachineCapacities& capacities = collected.capacities;
  const MachineUpDown& updown = collected.updown;

  // Machines in id order (the order does not change the exact sums, but keeps
  // the work reproducible).
  std::vector<int64_t> machine_ids;
  for (const auto& [id, capacity] : capacities.machines()) machine_ids.push_back(id);
  std::sort(machine_ids.begin(), machine_ids.end());

  OvercommitCounts counts;
  MachineSweep sweep{capacities, updown, observed_end, counts.totals};
  if (!collected.runs.spilled()) {
    auto runs = RunsByMachine(std::move(collected.runs.in_memory()), observed_end, cluster);
    for (int64_t id : machine_ids) {
      auto it = runs.find(id);
      sweep.Machine(id,
                    it == runs.end() ? std::span<const Run>() : std::span<const Run>(it->second));
    }
  } else {
    // One process, the runs on disk: merged in machine order, a machine's
    // runs in memory at a time, joined with the machines in id order.
    const auto sorted =
        SortSpilled(collected.runs, [](const MachineRun& run) { return run.machine_id; });
    collected.runs.Clear();
    size_t next = 0;
    std::vector<Run> group;
    int64_t group_machine = 0;
    auto finish_group = [&] {
      for (; next < machine_ids.size() && machine_ids[next] < group_machine; ++next) {
        sweep.Machine(machine_ids[next], {});
      }
      if (next < machine_ids.size() && machine_ids[next] == group_machine) {
        sweep.Machine(machine_ids[next++], group);
      }
      group.clear();
    };
    ForEachInOrder(
        sorted, [](const MachineRun& run) { return run.machine_id; },
        [&](const MachineRun& run) {
          if (!group.empty() && run.machine_id != group_machine) finish_group();
          group_machine = run.machine_id;
          group.push_back(Resolved(run, observed_end).run);
        });
    if (!group.empty()) finish_group();
    for (; next < machine_ids.size(); ++next) sweep.Machine(machine_ids[next], {});
  }

  counts.saw_usage = saw_usage;
  for (int r = 0; r < 2 && saw_usage; ++r) {
    counts.windows[r] = collected.windows[r];
    counts.windows_over[r] = collected.windows_over[r];
  }
  WireWriter out;
  out.Put(counts);
  return out.Take();
}

void Q9Overcommit::FinishSummaries(std::vector<std::string> summaries, ResultWriter& out) const {
  OvercommitCounts sum;
  for (const std::string& summary : summaries) {
    WireReader in(summary);
    const auto counts = in.Get<OvercommitCounts>();
    for (int r = 0; r < 2; ++r) {
      ResourceTotals& t = sum.totals[r];
      t.machines += counts.totals[r].machines;
      t.machines_ever_overcommitted += counts.totals[r].machines_ever_overcommitted;
      t.up_time += counts.totals[r].up_time;
      t.overcommitted_time += counts.totals[r].overcommitted_time;
      sum.windows[r] += counts.windows[r];
      sum.windows_over[r] += counts.windows_over[r];
    }
    sum.saw_usage = sum.saw_usage || counts.saw_usage;
  }
  const ResourceTotals* totals = sum.totals;
  CsvTable table({"resource", "machines", "machines_ever_overcommitted",
                  "overcommitted_machine_time_share", "usage_over_capacity_window_share",
                  "up_machine_time_us", "overcommitted_machine_time_us", "windows",
                  "windows_over_capacity"});
  std::string finding;
  for (int r = 0; r < 2; ++r) {
    const char* name = r == 0 ? "cpu" : "memory";
    std::string windows, windows_over, window_share;
    if (sum.saw_usage) {
      windows = std::to_string(sum.windows[r]);
      windows_over = std::to_string(sum.windows_over[r]);
      window_share = FormatShare(sum.windows_over[r], sum.windows[r]);
    }
    const ResourceTotals& t = totals[r];
    double time_share =
        t.up_time ? static_cast<double>(static_cast<long double>(t.overcommitted_time) / t.up_time)
                  : std::nan("");
    table.AddRow({name, std::to_string(t.machines), std::to_string(t.machines_ever_overcommitted),
                  FormatRatio(time_share), window_share, FormatFixed(t.up_time * kFixedOne),
                  FormatFixed(t.overcommitted_time * kFixedOne), windows, windows_over});
    finding += fmt::format(
        "{}{}: {} of {} machines were over-committed at some time; requests exceeded capacity "
        "during {} of the machines' up time{}",
        finding.empty() ? "" : ". ", name, t.machines_ever_overcommitted, t.machines,
        FormatPercent(static_cast<double>(t.overcommitted_time), static_cast<double>(t.up_time)),
        sum.saw_usage ? fmt::format(", while measured usage exceeded capacity in {} of {} "
                                    "machine-windows",
                                    windows_over, windows)
                      : std::string());
  }
  out.WriteCsv("overcommit.csv", table);
  out.WriteFinding(finding + ".");
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q9Overcommit);

}  // namespace borgscope
