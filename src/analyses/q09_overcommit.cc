// q9 over-commitment: how much of the machines' up time the sum of the
// requests of the tasks running on them exceeds their capacity, computed
// exactly with an event sweep over each machine. The tasks' runs come from
// the input task_event_runs (shared with q7), the window columns from the
// input machine_windows (shared with q8); the state is the machines'
// capacities and up/down events, as in q1/q2.

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "analyses/machine_windows.h"
#include "analyses/task_event_runs.h"
#include "engine/key_partition.h"
#include "engine/question.h"
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

// Machines by machine id (as the input machine_windows); the tasks' events
// are the input task_event_runs, by job. Collect sends each run to the
// partition of its machine.
class Q9State : public StateOf<Q9State> {
 public:
  void Consume(const RowBatch& machine_events) override {
    capacities_.Consume(machine_events);
    updown_.Consume(machine_events);
  }
  static auto Parts(auto& self) { return std::tie(self.capacities_, self.updown_); }

  MachineCapacities capacities_;
  MachineUpDown updown_;
};

struct Run {
  int64_t start, end;
  int64_t request[2];
};

// A run still going at its task's last event has run.end == kNull (an
// event time never is): it ends at the observed end, known only when every
// partition is in (FinishCollected). 40 bytes: the runs are most of q9's
// memory at the end, and of its sort's traffic.
struct MachineRun {
  int64_t machine_id;
  Run run;
};
static_assert(sizeof(MachineRun) == 40);

// What a rank's partitions contribute: the runs of their tasks (to be sent
// to the partitions of their machines), their machines, and the window
// counts, which need only the machine's own partition.
struct Q9Collected {
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
  uint64_t windows = 0, windows_over = 0;

  void Merge(const ResourceTotals& other) {
    machines += other.machines;
    machines_ever_overcommitted += other.machines_ever_overcommitted;
    up_time += other.up_time;
    overcommitted_time += other.overcommitted_time;
    windows += other.windows;
    windows_over += other.windows_over;
  }
  void Serialize(WireWriter& out) const { out.Put(*this); }
  void Deserialize(WireReader& in) { Merge(in.Get<ResourceTotals>()); }
};

// What a partition of the machines contributes: exact sums.
struct OvercommitCounts : SummaryOf<OvercommitCounts> {
  static auto Parts(auto& self) { return std::tie(self.totals, self.saw_usage); }
  ResourceTotals totals[2];
  MaxOf<uint8_t> saw_usage;
};

class Q9Overcommit : public KeyedQuestion<Q9Overcommit, Q9State, OvercommitCounts, Q9Collected> {
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
    // task_events is read by the input task_event_runs; q9 needs it there.
    return {{Table::kMachineEvents, MachineCapacities::Columns() | MachineUpDown::Columns()},
            {Table::kTaskEvents, 0}};
  }
  // The window columns (empty without task_usage), and the tasks' events.
  std::vector<std::string_view> InputIds() const override {
    return {kMachineWindowsInput, kTaskEventRunsInput};
  }
  void Collect(const Q9State& partition, InputStates inputs, Q9Collected& collected) const;
  OvercommitCounts FinishCollected(Q9Collected& collected, Cluster& cluster) const;
  void Write(const OvercommitCounts& counts, ResultWriter& out) const;
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
void CollectRuns(const TaskEventLog& events, SpilledItems<MachineRun>& runs) {
  // A run starts at each SCHEDULE onto a machine: room for them once (a
  // doubling vector would hold up to three times the runs as it grows),
  // counted as the log's runs were made (TaskEventCodec::Counted).
  runs.ReserveMore(events.counted());
  // Each task's events in trace order.
  TaskKey task{};
  int64_t request[2] = {0, 0};
  bool running = false;
  int64_t machine = kNull;
  Run run{};
  auto end_run = [&](int64_t at) {
    if (!running) return;
    run.end = at;
    runs.Add(MachineRun{machine, run});
    running = false;
  };
  bool any = false;
  events.ForEachInOrder([&](const TaskEvent& event) {
    if (!any || event.task() != task) {
      end_run(kNull);  // the previous task's run still open at its last event
      any = true;
      task = event.task();
      request[0] = request[1] = 0;
    }
    for (int r = 0; r < 2; ++r) {
      if (event.request[r] != kNull) request[r] = event.request[r];
    }
    if (event.type == static_cast<uint8_t>(EventType::kSchedule)) {
      end_run(event.time);
      if (event.machine_id == kNull) return;
      running = true;
      machine = event.machine_id;
      run = Run{event.time, 0, {request[0], request[1]}};
    } else if (EndsRun(event.type)) {
      end_run(event.time);
    }
  });
  end_run(kNull);
}

// A run with its end known: runs still open at their task's last event end
// at the observed end.
MachineRun Resolved(MachineRun run, int64_t observed_end) {
  if (run.run.end == kNull) run.run.end = std::max(observed_end, run.run.start);
  return run;
}

// The event sweep over one machine at a time, adding into `totals`.
struct MachineSweep {
  const MachineCapacities& capacities;
  const UpDownByMachine& updown;
  int64_t observed_end;
  ResourceTotals* totals;  // cpu, memory
  std::vector<Change> changes = {};

  void Machine(int64_t id, std::span<const Run> runs) {
    changes.clear();
    if (auto it = updown.find(id); it != updown.end()) {
      bool up = false;
      for (const UpDownEvent& event : it->second) {
        if (event.add == up) continue;  // ADD while up, REMOVE while down
        up = event.add;
        changes.push_back({event.order.time, {0, 0}, up ? 1 : -1});
      }
    }
    for (const Run& run : runs) {
      changes.push_back({run.start, {run.request[0], run.request[1]}, 0});
      changes.push_back({run.end, {-run.request[0], -run.request[1]}, 0});
    }
    // By time only: the changes at one time are summed together.
    rank_detail::SortByValue(changes, [](const Change& change) { return change.time; });
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
// this rank's machines. One process keeps its runs as they are.
std::vector<MachineRun> RunsOfThisRank(std::vector<MachineRun> runs, Cluster& cluster) {
  if (cluster.size() == 1) return runs;
  std::vector<WireWriter> to_each(cluster.size());
  for (const MachineRun& run : runs) {
    to_each[PartitionOf(run.machine_id, to_each.size())].Put(run);
  }
  runs = {};
  std::vector<std::string> sent;
  for (WireWriter& out : to_each) sent.push_back(out.Take());
  const std::vector<std::string> received = cluster.AllToAll(std::move(sent));
  size_t bytes = 0;
  for (const std::string& part : received) bytes += part.size();
  runs.reserve(bytes / sizeof(MachineRun));
  for (const std::string& part : received) {
    WireReader in(part);
    while (!in.AtEnd()) runs.push_back(in.Get<MachineRun>());
  }
  return runs;
}

// Sweeps the machines in id order, each with its runs, given in machine
// order; machines with no run are swept with none.
class SweepInMachineOrder {
 public:
  SweepInMachineOrder(MachineSweep& sweep, std::span<const int64_t> machine_ids,
                      int64_t observed_end)
      : sweep_(sweep), machine_ids_(machine_ids), observed_end_(observed_end) {}
  void Add(const MachineRun& run) {
    if (!group_.empty() && run.machine_id != group_machine_) FinishGroup();
    group_machine_ = run.machine_id;
    group_.push_back(Resolved(run, observed_end_).run);
  }
  void Finish() {
    if (!group_.empty()) FinishGroup();
    for (; next_ < machine_ids_.size(); ++next_) sweep_.Machine(machine_ids_[next_], {});
  }

 private:
  void FinishGroup() {
    for (; next_ < machine_ids_.size() && machine_ids_[next_] < group_machine_; ++next_) {
      sweep_.Machine(machine_ids_[next_], {});
    }
    if (next_ < machine_ids_.size() && machine_ids_[next_] == group_machine_) {
      sweep_.Machine(machine_ids_[next_++], group_);
    }
    group_.clear();
  }

  MachineSweep& sweep_;
  std::span<const int64_t> machine_ids_;
  int64_t observed_end_;
  size_t next_ = 0;
  std::vector<Run> group_;
  int64_t group_machine_ = 0;
};

void Q9Overcommit::Collect(const Q9State& state, InputStates inputs, Q9Collected& collected) const {
  const auto& windows = InputOf<MachineWindowsState>(inputs);
  const auto& task_events = InputOf<TaskEventRunsState>(inputs);
  collected.task_events_end = std::max(collected.task_events_end, task_events.end());
  collected.saw_usage = collected.saw_usage || windows.saw_rows();
  CollectRuns(task_events.events(), collected.runs);
  collected.capacities.Merge(state.capacities_);
  collected.updown.Merge(state.updown_);
  // Windows and capacities are both split by machine: this partition's
  // windows have their capacities here.
  MachineCapacities::Reader capacities(state.capacities_);
  windows.usage().ForEachWindow([&](const MachineWindow& key, const WindowLoad& load) {
    const std::array<int64_t, 2>& capacity = capacities.Of(key.machine_id);
    for (int r = 0; r < 2; ++r) {
      if (!load.present[r] || capacity[r] == kNull || capacity[r] <= 0) continue;
      ++collected.windows[r];
      collected.windows_over[r] += MachineWindowUsage::OverCapacity(load.sum[r], capacity[r]);
    }
  });
}

OvercommitCounts Q9Overcommit::FinishCollected(Q9Collected& collected, Cluster& cluster) const {
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
  const UpDownByMachine updown = collected.updown.ByMachine();

  // Machines in id order (the order does not change the exact sums, but keeps
  // the work reproducible).
  std::vector<int64_t> machine_ids;
  for (const auto& [id, capacity] : capacities.machines()) machine_ids.push_back(id);
  std::sort(machine_ids.begin(), machine_ids.end());

  OvercommitCounts counts;
  MachineSweep sweep{capacities, updown, observed_end, counts.totals};
  SweepInMachineOrder in_order(sweep, machine_ids, observed_end);
  auto machine_of = [](const MachineRun& run) { return run.machine_id; };
  if (!collected.runs.spilled()) {
    // Sorted in place: no map of runs per machine beside them.
    std::vector<MachineRun> runs = RunsOfThisRank(std::move(collected.runs.in_memory()), cluster);
    rank_detail::SortByValue(runs, machine_of);
    for (const MachineRun& run : runs) in_order.Add(run);
  } else {
    // One process, the runs on disk: merged in machine order, a machine's
    // runs in memory at a time.
    const auto sorted = SortSpilled(collected.runs, machine_of);
    collected.runs.Clear();
    ForEachInOrder(sorted, machine_of, [&](const MachineRun& run) { in_order.Add(run); });
  }
  in_order.Finish();

  counts.saw_usage.value = saw_usage;
  for (int r = 0; r < 2 && saw_usage; ++r) {
    counts.totals[r].windows = collected.windows[r];
    counts.totals[r].windows_over = collected.windows_over[r];
  }
  return counts;
}

void Q9Overcommit::Write(const OvercommitCounts& sum, ResultWriter& out) const {
  const ResourceTotals* totals = sum.totals;
  CsvTable table({"resource", "machines", "machines_ever_overcommitted",
                  "overcommitted_machine_time_share", "usage_over_capacity_window_share",
                  "up_machine_time_us", "overcommitted_machine_time_us", "windows",
                  "windows_over_capacity"});
  std::string finding;
  for (int r = 0; r < 2; ++r) {
    const char* name = r == 0 ? "cpu" : "memory";
    std::string windows, windows_over, window_share;
    if (sum.saw_usage.value) {
      windows = std::to_string(totals[r].windows);
      windows_over = std::to_string(totals[r].windows_over);
      window_share = FormatShare(totals[r].windows_over, totals[r].windows);
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
        sum.saw_usage.value ? fmt::format(", while measured usage exceeded capacity in {} of {} "
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
