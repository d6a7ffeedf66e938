// q6 tasks of one job on one machine: the machines of a task are the
// non-empty machine_id values of its events. Among jobs with >= 2 tasks that
// ran somewhere, how many ran all their tasks on one machine, and how many
// never put two of their tasks on the same machine. Merge: holistic (the
// (job, task, machine) placements, kept as runs sorted by task: no hash
// lookup per row, the runs read a job at a time at finish, which drops the
// repeats the runs keep).

#include <absl/container/flat_hash_map.h>
#include <fmt/core.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/delta_runs.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "engine/varint.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "trace/trace_order.h"

namespace borgscope {
namespace {

struct Placement {
  int64_t job_id = 0, task_index = 0, machine_id = 0;
  friend auto operator<=>(const Placement&, const Placement&) = default;
};

// Runs of placements by (job, task), each placement as varint deltas against
// the one before it (a few bytes instead of 24). A task's placements stay in
// the order the shard had them (its events' time order), not sorted by
// machine: the finish counts a job's placements whatever their order, and a
// placement repeated by the task's next event (a task's schedule, then its
// end, on one machine) is kept once without a sort.
struct PlacementCodec {
  static constexpr bool kDistinct = true;
  static constexpr bool kOrdersByGroupOnly = true;
  // Field by field, inlined (the defaulted <=> was a call per comparison in
  // the sorts and the k-way read).
  static bool Less(const Placement& a, const Placement& b) {
    if (a.job_id != b.job_id) return a.job_id < b.job_id;
    return a.task_index < b.task_index;
  }
  // Sorted by task with a radix sort.
  static TaskKey GroupOf(const Placement& placement) {
    return {placement.job_id, placement.task_index};
  }
  static std::array<int64_t, 2> GroupParts(const TaskKey& task) {
    return {task.job_id, task.task_index};
  }
  static int64_t IdOf(const Placement& placement) { return placement.job_id; }
  static void Put(ByteWriter& out, const Placement& previous, const Placement& placement) {
    PutDelta(out, placement.job_id, previous.job_id);
    PutDelta(out, placement.task_index, previous.task_index);
    PutDelta(out, placement.machine_id, previous.machine_id);
  }
  static Placement Get(const char*& at, const char* end, const Placement& previous) {
    Placement placement;
    placement.job_id = GetDelta(at, end, previous.job_id);
    placement.task_index = GetDelta(at, end, previous.task_index);
    placement.machine_id = GetDelta(at, end, previous.machine_id);
    return placement;
  }
};

class Q6State : public StateOf<Q6State> {
 public:
  void Consume(const RowBatch& rows) override {
    using namespace task_events;
    for (size_t r = 0; r < rows.size; ++r) {
      int64_t machine = rows.Value(kMachineId, r);
      if (machine == kNull) continue;
      placements_.Add() = {rows.Value(kJobId, r), rows.Value(kTaskIndex, r), machine};
    }
  }
  static auto Parts(auto& self) { return std::tie(self.placements_); }

  // By job: a job's placements finish together.
  DeltaRuns<Placement, PlacementCodec> placements_;
};

struct JobSpread {
  uint64_t tasks = 0;
  uint64_t placements = 0;  // sum over tasks of distinct machines
  uint64_t machines = 0;    // distinct machines of the job
};

// The counts over some jobs; exact sums over partitions.
struct SpreadCounts {
  uint64_t jobs_placed = 0, jobs_multi = 0, one_machine = 0, all_distinct = 0;
  std::map<uint64_t, uint64_t> machines_histogram;  // distinct machines -> jobs

  void Serialize(WireWriter& out) const {
    for (uint64_t count : {jobs_placed, jobs_multi, one_machine, all_distinct}) out.Put(count);
    out.Put<uint64_t>(machines_histogram.size());
    for (const auto& [machines, jobs] : machines_histogram) {
      out.Put(machines);
      out.Put(jobs);
    }
  }
  void Merge(const SpreadCounts& other) {
    jobs_placed += other.jobs_placed;
    jobs_multi += other.jobs_multi;
    one_machine += other.one_machine;
    all_distinct += other.all_distinct;
    for (const auto& [machines, jobs] : other.machines_histogram) {
      machines_histogram[machines] += jobs;
    }
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    jobs_placed += in.Get<uint64_t>();
    jobs_multi += in.Get<uint64_t>();
    one_machine += in.Get<uint64_t>();
    all_distinct += in.Get<uint64_t>();
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      uint64_t machines = in.Get<uint64_t>();
      machines_histogram[machines] += in.Get<uint64_t>();
    }
  }
};

class Q6JobMachineSpread : public KeyedQuestion<Q6JobMachineSpread, Q6State, SpreadCounts> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q6", "Tasks of one job on one machine",
        "Do the tasks of a job run on one machine, or spread over distinct machines?",
        "The machines of a task are the non-empty machine_id values of its task_events rows. "
        "A job has placed tasks when at least one of its tasks has a machine. Among jobs with "
        ">= 2 placed tasks (jobs_multi_task): one_machine = all their placed tasks used one "
        "single machine; all_distinct = no machine was used by two of their tasks (the "
        "tasks' machine sets are disjoint). machines_per_job: distinct machines per job with "
        "placed tasks."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {
        {Table::kTaskEvents, ColumnBit(kJobId) | ColumnBit(kTaskIndex) | ColumnBit(kMachineId)}};
  }
  SpreadCounts Summarize(const Q6State& partition, InputStates, Cluster&) const;
  void Write(const SpreadCounts& counts, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    return {{.name = "machines_per_job",
             .title = "Distinct machines per job (jobs with placed tasks)",
             .x_label = "distinct machines the job's tasks ran on (log scale)",
             .y_label = "jobs (log scale)",
             .categorical_x = false,
             .log_x = true,
             .log_y = true,
             .series = {{.file = "machines_per_job.csv", .x = {"machines"}, .y = "jobs"}}}};
  }
};

// A job's tasks, distinct placements and distinct machines, from its
// placements as the runs hand them over: each run's (a shard's) by task, in
// any order within a task, a placement at times more than once.
class JobSpreadCounter {
 public:
  JobSpread Count(std::span<Placement> placements) {
    ++job_number_;
    int64_t least = INT64_MAX, most = INT64_MIN;
    for (const Placement& placement : placements) {
      least = std::min(least, placement.task_index);
      most = std::max(most, placement.task_index);
    }
    // A job's task indices are 0..n-1: a slot per task is then as cheap as a
    // pass, where sorting the job's placements costs n log n.
    const uint64_t task_range = static_cast<uint64_t>(most) - static_cast<uint64_t>(least);
    if (task_range < 2 * placements.size() + kLeastSlots) {
      return ByTaskSlots(placements, least, task_range);
    }
    return BySorting(placements);
  }

 private:
  static constexpr uint64_t kLeastSlots = 1024;

  // Each task's first machine in its slot; a task's other machines (a task
  // rescheduled elsewhere: few) sorted to drop their repeats.
  JobSpread ByTaskSlots(std::span<const Placement> placements, int64_t least, uint64_t task_range) {
    JobSpread spread;
    first_machine_.assign(task_range + 1, kNull);  // machine ids of placements are never null
    other_machines_.clear();
    for (const Placement& placement : placements) {
      int64_t& first = first_machine_[static_cast<uint64_t>(placement.task_index) -
                                      static_cast<uint64_t>(least)];
      if (first == kNull) {
        first = placement.machine_id;
        ++spread.tasks;
        AddPlacement(placement.machine_id, spread);
      } else if (first != placement.machine_id) {
        other_machines_.push_back(placement);
      }
    }
    std::sort(other_machines_.begin(), other_machines_.end(), ByTaskAndMachine);
    for (size_t i = 0; i < other_machines_.size(); ++i) {
      if (i == 0 || other_machines_[i] != other_machines_[i - 1]) {
        AddPlacement(other_machines_[i].machine_id, spread);
      }
    }
    return spread;
  }
  // The plain way, for any task indices: sorted, a placement's repeats are
  // neighbours.
  JobSpread BySorting(std::span<Placement> placements) {
    std::sort(placements.begin(), placements.end(), ByTaskAndMachine);
    JobSpread spread;
    for (size_t i = 0; i < placements.size(); ++i) {
      if (i > 0 && placements[i] == placements[i - 1]) continue;
      if (i == 0 || placements[i].task_index != placements[i - 1].task_index) ++spread.tasks;
      AddPlacement(placements[i].machine_id, spread);
    }
    return spread;
  }
  // A job's placements by task, then machine: a placement's repeats are
  // neighbours.
  static bool ByTaskAndMachine(const Placement& a, const Placement& b) {
    if (a.task_index != b.task_index) return a.task_index < b.task_index;
    return a.machine_id < b.machine_id;
  }
  // A distinct placement of the job on `machine`. A job's distinct
  // machines: each machine marked with the last job that used it (machines
  // are few, thousands: the map stays in the cache).
  void AddPlacement(int64_t machine, JobSpread& spread) {
    ++spread.placements;
    auto [slot, first_use] = last_job_of_machine_.try_emplace(machine, job_number_);
    if (first_use || slot->second != job_number_) {
      slot->second = job_number_;
      ++spread.machines;
    }
  }

  absl::flat_hash_map<int64_t, uint64_t> last_job_of_machine_;
  uint64_t job_number_ = 0;                // of the job being counted, from 1
  std::vector<int64_t> first_machine_;     // by task index - the job's least
  std::vector<Placement> other_machines_;  // placements of a task's other machines
};

// The counts of the jobs whose placements are in [from, until) (null: no
// bound), read a job at a time.
SpreadCounts CountJobs(const Q6State& state, const Placement* from, const Placement* until) {
  SpreadCounts counts;
  JobSpreadCounter counter;
  auto count_job = [&](std::span<Placement> placements) {
    const JobSpread spread = counter.Count(placements);
    ++counts.jobs_placed;
    ++counts.machines_histogram[spread.machines];
    if (spread.tasks >= 2) {
      ++counts.jobs_multi;
      counts.one_machine += spread.machines == 1;
      counts.all_distinct += spread.machines == spread.placements;
    }
  };
  state.placements_.ForEachGroup([](const Placement& placement) { return placement.job_id; },
                                 count_job, from, until);
  return counts;
}

SpreadCounts Q6JobMachineSpread::Summarize(const Q6State& state, InputStates, Cluster&) const {
  // The jobs in ranges of the placements' order, side by side (a thread with
  // no other analysis to finish takes one): reading the shards' runs is most
  // of the finish. A job's placements stay in one range.
  constexpr size_t kRanges = 4;
  const std::vector<Placement> cuts =
      state.placements_.SplitPoints(kRanges, [](const Placement& p) {
        return Placement{p.job_id, INT64_MIN, INT64_MIN};
      });
  std::vector<SpreadCounts> ranges(cuts.size() + 1);
  tbb::parallel_for(size_t{0}, ranges.size(), [&](size_t r) {
    const auto [from, until] = decltype(state.placements_)::RangeBounds(cuts, r);
    ranges[r] = CountJobs(state, from, until);
  });
  SpreadCounts counts;
  for (const SpreadCounts& range : ranges) counts.Merge(range);
  return counts;
}

void Q6JobMachineSpread::Write(const SpreadCounts& counts, ResultWriter& out) const {
  const uint64_t jobs_placed = counts.jobs_placed, jobs_multi = counts.jobs_multi,
                 one_machine = counts.one_machine, all_distinct = counts.all_distinct;
  const std::map<uint64_t, uint64_t>& machines_histogram = counts.machines_histogram;
  CsvTable summary({"jobs_with_placed_tasks", "jobs_multi_task", "jobs_multi_task_one_machine",
                    "share_one_machine", "jobs_multi_task_all_distinct", "share_all_distinct"});
  summary.AddRow({std::to_string(jobs_placed), std::to_string(jobs_multi),
                  std::to_string(one_machine), FormatShare(one_machine, jobs_multi),
                  std::to_string(all_distinct), FormatShare(all_distinct, jobs_multi)});
  out.WriteCsv("summary.csv", summary);
  CsvTable histogram({"machines", "jobs"});
  for (const auto& [count, jobs] : machines_histogram) {
    histogram.AddRow({std::to_string(count), std::to_string(jobs)});
  }
  out.WriteCsv("machines_per_job.csv", histogram);
  out.WriteFinding(fmt::format(
      "Of {} jobs with at least two placed tasks, {} ({}) ran all of them on a single "
      "machine and {} ({}) never placed two of their tasks on the same machine ({} jobs "
      "had placed tasks).",
      jobs_multi, one_machine, FormatPercent(one_machine, jobs_multi), all_distinct,
      FormatPercent(all_distinct, jobs_multi), jobs_placed));
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q6JobMachineSpread);

}  // namespace borgscope
