// q7 requested vs consumed: per task and resource, its last non-empty request
// (task_events, trace order: from the input task_event_runs, shared with q9)
// against its duration-weighted mean usage and its peak (task_usage: the
// state, a table of tasks in blocks (engine/task_blocks.h) with exact integer
// sums and max, split by job).

#include <absl/container/flat_hash_map.h>
#include <fmt/core.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "analyses/task_event_runs.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "engine/task_blocks.h"
#include "errors.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "stats/correlation.h"
#include "stats/exact_sum.h"
#include "stats/rank_across_cluster.h"
#include "stats/rank_spilled.h"

namespace borgscope {
namespace {

// sum += more, exactly: a sum past its type (only with corrupt rates or
// times) stops the run rather than wrapping.
template <typename T>
void AddExactly(T& sum, T more) {
  if (__builtin_add_overflow(sum, more, &sum)) [[unlikely]] {
    throw DataError("task_usage: a task's usage sum overflows (corrupt rates or times?)");
  }
}

struct Usage {
  __int128 weighted_sum = 0;  // sum of rate x (end - start), fixed point x us
  int64_t weight = 0;         // sum of (end - start), us
  int64_t peak = kNull;
  void Add(int64_t rate, int64_t duration) {
    AddExactly(weighted_sum, static_cast<__int128>(rate) * duration);
    AddExactly(weight, duration);
    peak = peak == kNull ? rate : std::max(peak, rate);
  }
  void Merge(const Usage& other) {
    AddExactly(weighted_sum, other.weighted_sum);
    AddExactly(weight, other.weight);
    if (other.peak != kNull) peak = peak == kNull ? other.peak : std::max(peak, other.peak);
  }
};

// A task's usage (cpu, memory); its requests are in the task event log.
struct TaskUsage {
  Usage usage[2];
};

// A task's wire form: its key, a byte of flags, then only what it has. Both
// usages most often come from the same rows (one weight), and most sums fit
// in 64 bits.
struct TaskWire {
  enum Flags : uint8_t {
    kCpuUsage = 1,
    kMemoryUsage = 2,
    kMemoryWeightIsCpus = 4,  // both resources' rows had values: one weight
    kCpuSumIn64Bits = 8,
    kMemorySumIn64Bits = 16,
  };
  // The flag of each resource (cpu, memory).
  static constexpr uint8_t kUsage[2] = {kCpuUsage, kMemoryUsage};
  static constexpr uint8_t kSumIn64Bits[2] = {kCpuSumIn64Bits, kMemorySumIn64Bits};

  static bool HasUsage(const Usage& usage) { return usage.weight != 0; }
  static bool FitsIn64Bits(__int128 sum) { return sum == static_cast<int64_t>(sum); }

  // What follows the key.
  static void Put(WireWriter& out, const TaskUsage& task) {
    const Usage(&usage)[2] = task.usage;
    uint8_t flags = 0;
    for (int resource = 0; resource < 2; ++resource) {
      if (HasUsage(usage[resource])) {
        flags |= kUsage[resource];
        if (FitsIn64Bits(usage[resource].weighted_sum)) flags |= kSumIn64Bits[resource];
      }
    }
    if ((flags & kCpuUsage) && (flags & kMemoryUsage) && usage[0].weight == usage[1].weight)
      flags |= kMemoryWeightIsCpus;
    out.Put(flags);
    for (int resource = 0; resource < 2; ++resource) {
      if (!(flags & kUsage[resource])) continue;
      if (flags & kSumIn64Bits[resource]) {
        out.Put(static_cast<int64_t>(usage[resource].weighted_sum));
      } else {
        out.Put(usage[resource].weighted_sum);
      }
      if (resource == 0 || !(flags & kMemoryWeightIsCpus)) out.Put(usage[resource].weight);
      out.Put(usage[resource].peak);
    }
  }

  // Reads what Put wrote after the key, merging it into `task`.
  static void Merge(WireReader& in, TaskUsage& task) {
    const auto flags = in.Get<uint8_t>();
    int64_t cpu_weight = 0;
    for (int resource = 0; resource < 2; ++resource) {
      if (!(flags & kUsage[resource])) continue;
      Usage usage;
      usage.weighted_sum =
          (flags & kSumIn64Bits[resource]) ? in.Get<int64_t>() : in.Get<__int128>();
      usage.weight =
          resource == 0 || !(flags & kMemoryWeightIsCpus) ? in.Get<int64_t>() : cpu_weight;
      if (resource == 0) cpu_weight = usage.weight;
      usage.peak = in.Get<int64_t>();
      task.usage[resource].Merge(usage);
    }
  }
};

// Tasks' usage, split by job; on the wire in TaskWire's form.
struct TaskUsageSpec {
  static void Combine(TaskUsage& mine, const TaskUsage& theirs) {
    for (int resource = 0; resource < 2; ++resource) {
      mine.usage[resource].Merge(theirs.usage[resource]);
    }
  }
  static void PutValue(WireWriter& out, const TaskUsage& task) { TaskWire::Put(out, task); }
  static void MergeValue(WireReader& in, TaskUsage& into) { TaskWire::Merge(in, into); }
  static constexpr size_t kSmallestValueBytes = 1;
};
using TaskTable = TaskBlocks<TaskUsage, TaskUsageSpec>;

class Q7State : public StateOf<Q7State> {
 public:
  void Consume(const RowBatch& rows) override {
    using namespace task_usage;
    // task_usage lists each 5-minute window's tasks by job and task: a
    // row's task is most often in the block of the row before's.
    // A group of rows at a time: each row's task found and its value's
    // lines fetched first, then the sums added, so that the values' cache
    // misses overlap instead of coming one after another.
    constexpr size_t kGroup = 64;
    std::array<TaskUsage*, kGroup> tasks;
    std::array<uint32_t, kGroup> row_of;
    for (size_t next = 0; next < rows.size;) {
      size_t n = 0;
      for (; next < rows.size && n < kGroup; ++next) {
        if (rows.Value(kEndTime, next) - rows.Value(kStartTime, next) <= 0) continue;
        if (rows.Value(kCpuRate, next) == kNull && rows.Value(kCanonicalMemoryUsage, next) == kNull)
          continue;
        TaskUsage& task = tasks_[TaskKey{rows.Value(kJobId, next), rows.Value(kTaskIndex, next)}];
        // Its first and last byte: a value may straddle two lines.
        __builtin_prefetch(&task, 1);
        __builtin_prefetch(reinterpret_cast<const char*>(&task + 1) - 1, 1);
        tasks[n] = &task;
        row_of[n++] = static_cast<uint32_t>(next);
      }
      for (size_t i = 0; i < n; ++i) {
        const size_t r = row_of[i];
        const int64_t duration = rows.Value(kEndTime, r) - rows.Value(kStartTime, r);
        const int64_t cpu = rows.Value(kCpuRate, r), memory = rows.Value(kCanonicalMemoryUsage, r);
        if (cpu != kNull) tasks[i]->usage[0].Add(cpu, duration);
        if (memory != kNull) tasks[i]->usage[1].Add(memory, duration);
      }
    }
  }
  static auto Parts(auto& self) { return std::tie(self.tasks_); }

  TaskTable tasks_;  // tasks with a task_usage row
};

struct TaskPoint {
  int64_t request;  // fixed point
  double mean_usage;
  double peak_usage;
  int64_t request_rank;  // twice its average rank among the requests
  double request_value() const { return static_cast<double>(request) / kFixedOne; }
};

// The tasks of one request decile: what the decile table needs, as sums that
// merge in any order.
struct Decile {
  int64_t min = kNull, max = kNull;
  uint64_t tasks = 0;
  __int128 request_sum = 0;
  ExactSum usage_sum, peak_sum;

  void Add(const TaskPoint& point) {
    min = min == kNull ? point.request : std::min(min, point.request);
    max = max == kNull ? point.request : std::max(max, point.request);
    ++tasks;
    request_sum += point.request;
    usage_sum.Add(point.mean_usage);
    peak_sum.Add(point.peak_usage);
  }
  void Merge(const Decile& other) {
    IncludeRange(other.min, other.max);
    tasks += other.tasks;
    request_sum += other.request_sum;
    usage_sum.Merge(other.usage_sum);
    peak_sum.Merge(other.peak_sum);
  }
  void Serialize(WireWriter& out) const {
    out.Put(min);
    out.Put(max);
    out.Put(tasks);
    out.Put(request_sum);
    usage_sum.Serialize(out);
    peak_sum.Serialize(out);
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    const int64_t their_min = in.Get<int64_t>(), their_max = in.Get<int64_t>();
    IncludeRange(their_min, their_max);
    tasks += in.Get<uint64_t>();
    request_sum += in.Get<__int128>();
    usage_sum.Deserialize(in);
    peak_sum.Deserialize(in);
  }

 private:
  void IncludeRange(int64_t their_min, int64_t their_max) {
    if (their_min != kNull) min = min == kNull ? their_min : std::min(min, their_min);
    if (their_max != kNull) max = max == kNull ? their_max : std::max(max, their_max);
  }
};

// What a rank's share of the tasks contributes, per resource. Every part is
// a sum.
struct ResourceSummary {
  uint64_t tasks = 0;  // with a request and usage
  uint64_t usage_without_request = 0;
  uint64_t over = 0;  // mean usage above the request
  PearsonSums vs_usage, vs_peak;
  RankSums ranks_vs_usage, ranks_vs_peak;
  Decile deciles[11];  // [1, 10]

  void Merge(const ResourceSummary& other) {
    tasks += other.tasks;
    usage_without_request += other.usage_without_request;
    over += other.over;
    vs_usage.Merge(other.vs_usage);
    vs_peak.Merge(other.vs_peak);
    ranks_vs_usage.Merge(other.ranks_vs_usage);
    ranks_vs_peak.Merge(other.ranks_vs_peak);
    for (int d = 1; d <= 10; ++d) deciles[d].Merge(other.deciles[d]);
  }
  void Serialize(WireWriter& out) const {
    out.Put(tasks);
    out.Put(usage_without_request);
    out.Put(over);
    vs_usage.Serialize(out);
    vs_peak.Serialize(out);
    ranks_vs_usage.Serialize(out);
    ranks_vs_peak.Serialize(out);
    for (int d = 1; d <= 10; ++d) deciles[d].Serialize(out);
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    tasks += in.Get<uint64_t>();
    usage_without_request += in.Get<uint64_t>();
    over += in.Get<uint64_t>();
    vs_usage.Deserialize(in);
    vs_peak.Deserialize(in);
    ranks_vs_usage.Deserialize(in);
    ranks_vs_peak.Deserialize(in);
    for (int d = 1; d <= 10; ++d) deciles[d].Deserialize(in);
  }
};

struct Q7Summary : SummaryOf<Q7Summary> {
  static auto Parts(auto& self) { return std::tie(self.resources); }
  ResourceSummary resources[2];  // cpu, memory
};

// The tasks with a request and usage, per resource: what the correlations
// and deciles are computed from, over all of a rank's partitions.
struct Q7Collected {
  explicit Q7Collected(const CollectBudget& budget) {
    if (budget.memory_bytes == UINT64_MAX) return;
    // Both resources' chunks, 16 bytes a point to spare for what comes
    // beside a chunk (the ranked copy's chunk, the k-way merge's buffers).
    const size_t chunk = budget.memory_bytes / 2 / (sizeof(TaskPoint) + 16);
    for (auto& resource : points) resource = SpilledItems<TaskPoint>(chunk, budget.folder);
  }
  SpilledItems<TaskPoint> points[2];
  uint64_t usage_without_request[2] = {0, 0};
};

class Q7RequestVsUsage : public KeyedQuestion<Q7RequestVsUsage, Q7State, Q7Summary, Q7Collected> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q7", "Requested vs consumed resources", "Do tasks use the CPU and memory they request?",
        "Per task (job_id, task_index) and resource: request = last non-empty cpu_request / "
        "memory_request of task_events in trace order; usage = mean of cpu_rate / "
        "canonical_memory_usage over its task_usage rows weighted by (end_time - start_time), "
        "rows with an empty value or end_time <= start_time ignored; peak = largest such value. "
        "Only tasks with both a request and usage count. Pearson, and Spearman with average "
        "ranks for ties, of request vs usage (and vs peak: the _max columns). Deciles by "
        "request rank: decile = 1 + floor(10 (r - 1) / n), tied requests taking the lowest rank "
        "r; empty deciles are not written."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    // task_events is read by the input task_event_runs; q7 needs it there.
    return {{Table::kTaskEvents, 0},
            {Table::kTaskUsage,
             ColumnBit(task_usage::kStartTime) | ColumnBit(task_usage::kEndTime) |
                 ColumnBit(task_usage::kJobId) | ColumnBit(task_usage::kTaskIndex) |
                 ColumnBit(task_usage::kCpuRate) | ColumnBit(task_usage::kCanonicalMemoryUsage)}};
  }
  // The requests: each task's last, from the task event log.
  std::vector<std::string_view> InputIds() const override { return {kTaskEventRunsInput}; }
  void Collect(const Q7State& partition, InputStates inputs, Q7Collected& collected) const;
  Q7Summary FinishCollected(Q7Collected& collected, Cluster& cluster) const;
  // (No Summarize: in memory too, one partition is collected — both
  // resources in one pass over the log — and finished, each resource's
  // points freed once it is.)
  void Write(const Q7Summary& summary, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    std::vector<PlotSpec> specs;
    for (std::string resource : {"cpu", "memory"}) {
      PlotSpec spec{.name = resource + "_by_request_decile",
                    .title = resource + ": mean request and usage of tasks, by request decile",
                    .x_label = "decile of the task's " + resource + " request (1: smallest 10%)",
                    .y_label = "per task (normalized: largest machine = 1; log scale)",
                    .kind = PlotKind::kLines,
                    .categorical_x = false,
                    .log_y = true,
                    .x_step = 1};  // no line across a decile without tasks
      const std::pair<const char*, const char*> measures[] = {
          {"mean_request", "mean request"},
          {"mean_usage", "mean usage"},
          {"mean_max_usage", "mean peak usage"}};
      for (auto [column, title] : measures) {
        spec.series.push_back({.title = title,
                               .file = "usage_by_request_decile.csv",
                               .x = {"decile"},
                               .y = column,
                               .where = {"resource", resource}});
      }
      specs.push_back(std::move(spec));
    }
    return specs;
  }
};

// FinishCollected's work on one resource's points when they spilled (one
// process): the same sums, from the points on disk a chunk at a time.
void FinishSpilledPoints(SpilledItems<TaskPoint>& points, ResourceSummary& mine) {
  mine.tasks = points.size();
  points.ForEachChunk([&](const std::vector<TaskPoint>& chunk) {
    for (const TaskPoint& p : chunk) mine.over += p.mean_usage > p.request_value();
  });
  auto request = [](const TaskPoint& p) { return p.request_value(); };
  mine.vs_usage =
      PearsonSumsOfSpilled(points, request, [](const TaskPoint& p) { return p.mean_usage; });
  mine.vs_peak =
      PearsonSumsOfSpilled(points, request, [](const TaskPoint& p) { return p.peak_usage; });
  SpilledItems<TaskPoint> ranked(points.chunk_items(), points.folder());
  RankSpilled(
      points, [](const TaskPoint& p) { return p.request; },
      [&](TaskPoint& p, uint64_t first, uint64_t last, uint64_t total) {
        p.request_rank = first + last;
        mine.deciles[1 + 10 * (first - 1) / total].Add(p);
      },
      [&](const TaskPoint& p) { ranked.Add(p); });
  points.Clear();
  auto rank_sums_against = [&](RankSums& sums, auto y) {
    RankSpilled(
        ranked, y,
        [&](TaskPoint& p, uint64_t first, uint64_t last, uint64_t) {
          sums.Add(p.request_rank, static_cast<int64_t>(first + last));
        },
        [](const TaskPoint&) {});
  };
  rank_sums_against(mine.ranks_vs_usage, [](const TaskPoint& p) { return p.mean_usage; });
  rank_sums_against(mine.ranks_vs_peak, [](const TaskPoint& p) { return p.peak_usage; });
}

// A task's points (cpu, memory) when it has a request and usage of the
// resource; counts the ones it has.
template <typename AddPoint>
void TaskPoints(const TaskUsage& task, const int64_t (&request)[2], uint64_t (&with_both)[2],
                AddPoint add_point) {
  for (int resource = 0; resource < 2; ++resource) {
    const Usage& usage = task.usage[resource];
    if (request[resource] == kNull || usage.weight <= 0) continue;
    ++with_both[resource];
    double mean = static_cast<double>(static_cast<long double>(usage.weighted_sum) / usage.weight /
                                      kFixedOne);
    add_point(resource,
              TaskPoint{request[resource], mean, static_cast<double>(usage.peak) / kFixedOne, 0});
  }
}

// add(usage, request) for each task with a request and usage, in the
// log's task order (a block of the table's tasks after another).
template <typename Add>
auto LookUpTasks(const TaskTable& tasks, Add add) {
  return [reader = TaskTable::Reader(tasks), add](const TaskKey& key,
                                                  const int64_t(&request)[2]) mutable {
    if (request[0] == kNull && request[1] == kNull) return;
    if (const TaskUsage* task = reader.Find(key)) add(*task, request);
  };
}

// CollectResources for points held in memory: ranges of the task order side
// by side (the k-way read of the log and a lookup per task are the finish's
// longest step, alone at the end of `--only q7`). Each range writes into
// its own slice of the points, sized by its tasks with usage; the slices
// then close up. No point is held twice.
void CollectInRanges(const Q7State& state, const TaskEventLog& log,
                     const std::vector<TaskEvent>& cuts, Q7Collected& collected) {
  const size_t ranges = cuts.size() + 1;
  auto range_of = [&](const TaskKey& key) {
    return static_cast<size_t>(
        std::upper_bound(cuts.begin(), cuts.end(), key,
                         [](const TaskKey& k, const TaskEvent& cut) { return k < cut.task(); }) -
        cuts.begin());
  };
  // Per range and resource: where its points start, room for them (its
  // tasks with usage), and how many it wrote.
  std::vector<std::array<uint64_t, 2>> start(ranges), room(ranges), used(ranges);
  state.tasks_.ForEach([&](const TaskKey& key, const TaskUsage& task) {
    const size_t range = range_of(key);
    for (int resource = 0; resource < 2; ++resource) {
      room[range][resource] += task.usage[resource].weight > 0;
    }
  });
  std::vector<TaskPoint>* points[2];
  uint64_t with_usage[2] = {0, 0};
  for (int resource = 0; resource < 2; ++resource) {
    points[resource] = &collected.points[resource].in_memory();
    uint64_t at = points[resource]->size();
    for (size_t range = 0; range < ranges; ++range) {
      start[range][resource] = at;
      at += room[range][resource];
      with_usage[resource] += room[range][resource];
    }
    points[resource]->resize(at);
  }
  tbb::parallel_for(size_t{0}, ranges, [&](size_t range) {
    const auto [from, until] = TaskEventLog::RangeBounds(cuts, range);
    uint64_t with_both[2] = {0, 0};
    auto lookup = LookUpTasks(state.tasks_, [&](const TaskUsage& task, const int64_t(&request)[2]) {
      TaskPoints(task, request, with_both, [&](int resource, const TaskPoint& point) {
        (*points[resource])[start[range][resource] + used[range][resource]++] = point;
      });
    });
    ForEachTaskLastRequest(log, std::ref(lookup), from, until);
  });
  for (int resource = 0; resource < 2; ++resource) {
    std::vector<TaskPoint>& all = *points[resource];
    uint64_t end = start[0][resource] + used[0][resource], with_both = used[0][resource];
    for (size_t range = 1; range < ranges; ++range) {
      const auto first = all.begin() + static_cast<ptrdiff_t>(start[range][resource]);
      end = static_cast<uint64_t>(std::copy(first,
                                            first + static_cast<ptrdiff_t>(used[range][resource]),
                                            all.begin() + static_cast<ptrdiff_t>(end)) -
                                  all.begin());
      with_both += used[range][resource];
    }
    all.resize(end);
    collected.usage_without_request[resource] += with_usage[resource] - with_both;
  }
}

// Adds the partition's points of both resources to `collected`: each task's
// last requests, from the task event log (in task order, decoded once), with
// its usage. In memory, in ranges (CollectInRanges).
void CollectResources(const Q7State& state, const TaskEventLog& log, Q7Collected& collected) {
  const bool in_memory = collected.points[0].chunk_items() == SIZE_MAX &&
                         collected.points[1].chunk_items() == SIZE_MAX;
  constexpr size_t kRanges = 4;
  if (in_memory) return CollectInRanges(state, log, log.SplitPoints(kRanges, TaskStart), collected);
  // Points that may spill: one pass, each point added as it comes.
  // Room for a point per task with usage, once (a doubling vector would hold
  // up to three times them as it grows).
  uint64_t with_usage[2] = {0, 0};
  state.tasks_.ForEach([&](const TaskKey&, const TaskUsage& task) {
    for (int resource = 0; resource < 2; ++resource) {
      with_usage[resource] += task.usage[resource].weight > 0;
    }
  });
  for (int resource = 0; resource < 2; ++resource) {
    collected.points[resource].ReserveMore(with_usage[resource]);
  }
  uint64_t with_both[2] = {0, 0};
  auto lookup = LookUpTasks(state.tasks_, [&](const TaskUsage& task, const int64_t(&request)[2]) {
    TaskPoints(task, request, with_both, [&](int resource, const TaskPoint& point) {
      collected.points[resource].Add(point);
    });
  });
  ForEachTaskLastRequest(log, std::ref(lookup));
  for (int resource = 0; resource < 2; ++resource) {
    collected.usage_without_request[resource] += with_usage[resource] - with_both[resource];
  }
}

// One resource's summary from its collected points (collective), which are
// freed.
ResourceSummary FinishResource(Q7Collected& collected, int resource, Cluster& cluster) {
  ResourceSummary mine;
  mine.usage_without_request = collected.usage_without_request[resource];
  if (collected.points[resource].spilled()) {
    FinishSpilledPoints(collected.points[resource], mine);
    return mine;
  }
  std::vector<TaskPoint> points = std::move(collected.points[resource].in_memory());
  mine.tasks = points.size();

  for (const TaskPoint& p : points) mine.over += p.mean_usage > p.request_value();
  auto request = [](const TaskPoint& p) { return p.request_value(); };
  mine.vs_usage = PearsonSumsAcrossRanks<TaskPoint>(
      points, request, [](const TaskPoint& p) { return p.mean_usage; }, cluster);
  mine.vs_peak = PearsonSumsAcrossRanks<TaskPoint>(
      points, request, [](const TaskPoint& p) { return p.peak_usage; }, cluster);

  // Ranks (the points move between ranks, sorted by each value in turn):
  // the request's, with its decile by the lowest rank of its ties, then
  // usage's and peak's against it.
  RankAcrossCluster(
      points, [](const TaskPoint& p) { return p.request; },
      [&](TaskPoint& p, uint64_t first, uint64_t last, uint64_t total) {
        p.request_rank = first + last;
        mine.deciles[1 + 10 * (first - 1) / total].Add(p);
      },
      cluster);
  mine.ranks_vs_usage = RankSumsAgainst(
      points, &TaskPoint::request_rank, [](const TaskPoint& p) { return p.mean_usage; }, cluster);
  mine.ranks_vs_peak = RankSumsAgainst(
      points, &TaskPoint::request_rank, [](const TaskPoint& p) { return p.peak_usage; }, cluster);
  return mine;
}

void Q7RequestVsUsage::Collect(const Q7State& partition, InputStates inputs,
                               Q7Collected& collected) const {
  CollectResources(partition, InputOf<TaskEventRunsState>(inputs).events(), collected);
}

Q7Summary Q7RequestVsUsage::FinishCollected(Q7Collected& collected, Cluster& cluster) const {
  Q7Summary summary;
  auto finish = [&](int resource) {
    summary.resources[resource] = FinishResource(collected, resource, cluster);
  };
  // The resources are independent: alone and in memory, side by side (a
  // thread that has no analysis left to finish takes one). Collectives
  // between ranks, and spilled points' files, go one resource at a time.
  const bool side_by_side =
      cluster.size() == 1 && !collected.points[0].spilled() && !collected.points[1].spilled();
  if (side_by_side) {
    tbb::parallel_invoke([&] { finish(0); }, [&] { finish(1); });
  } else {
    finish(0);
    finish(1);
  }
  return summary;
}

void Q7RequestVsUsage::Write(const Q7Summary& summary, ResultWriter& out) const {
  const ResourceSummary(&all)[2] = summary.resources;
  CsvTable correlation({"resource", "tasks", "pearson", "spearman", "pearson_max", "spearman_max"});
  CsvTable deciles({"resource", "decile", "request_min", "request_max", "tasks", "mean_request",
                    "mean_usage", "mean_max_usage"});
  std::string finding;
  for (int resource = 0; resource < 2; ++resource) {
    const char* name = resource == 0 ? "cpu" : "memory";
    const ResourceSummary& sums = all[resource];
    const double pearson = sums.vs_usage.Correlation(),
                 spearman = sums.ranks_vs_usage.Correlation();
    const double spearman_max = sums.ranks_vs_peak.Correlation();
    correlation.AddRow({name, std::to_string(sums.tasks), FormatRatio(pearson),
                        FormatRatio(spearman), FormatRatio(sums.vs_peak.Correlation()),
                        FormatRatio(spearman_max)});
    for (int d = 1; d <= 10; ++d) {
      const Decile& bucket = sums.deciles[d];
      if (bucket.tasks == 0) continue;
      double tasks = static_cast<double>(bucket.tasks);
      deciles.AddRow({name, std::to_string(d), FormatFixed(bucket.min), FormatFixed(bucket.max),
                      std::to_string(bucket.tasks),
                      FormatRatio(static_cast<double>(static_cast<long double>(bucket.request_sum) /
                                                      bucket.tasks / kFixedOne)),
                      FormatRatio(bucket.usage_sum.Value() / tasks),
                      FormatRatio(bucket.peak_sum.Value() / tasks)});
    }
    const uint64_t n = sums.tasks;
    finding += fmt::format(
        "{}{}: over {} tasks with a request and usage, Pearson {} and Spearman {} between "
        "request and mean usage ({} vs peak); {} of tasks used more than they requested "
        "on average; {} tasks had usage but no request",
        finding.empty() ? "" : ". ", name, n, FormatRounded(pearson, 2), FormatRounded(spearman, 2),
        FormatRounded(spearman_max, 2), FormatPercent(sums.over, n), sums.usage_without_request);
  }
  out.WriteCsv("correlation.csv", correlation);
  out.WriteCsv("usage_by_request_decile.csv", deciles);
  out.WriteFinding(finding + ".");
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q7RequestVsUsage);

}  // namespace borgscope
