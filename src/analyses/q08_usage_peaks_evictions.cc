// q8 usage peaks vs evictions: per machine and 5-minute window, the machine's
// mean load relative to its capacity against the EVICT rows on it in that
// window. Merge: capacities by trace order; exact sums and counts per
// (machine, window).

#include <absl/container/flat_hash_map.h>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analyses/machine_windows.h"
#include "engine/key_partition.h"
#include "engine/keyed_parts.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "errors.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/machine_capacity.h"
#include "states/machine_window_usage.h"
#include "stats/correlation.h"
#include "stats/rank_across_cluster.h"
#include "stats/rank_spilled.h"

namespace borgscope {
namespace {

int64_t MachineOfWindow(const MachineWindow& key) { return key.machine_id; }

class Q8State : public StateOf<Q8State> {
 public:
  void Consume(const RowBatch& rows) override {
    if (rows.table == Table::kMachineEvents) {
      capacities_.Consume(rows);
      return;
    }
    using namespace task_events;  // the only other table q8 reads itself
    for (size_t r = 0; r < rows.size; ++r) {
      if (rows.Value(kEventType, r) != static_cast<int64_t>(EventType::kEvict)) continue;
      int64_t machine = rows.Value(kMachineId, r);
      if (machine == kNull) {
        ++evictions_without_machine_.value;
      } else {
        evictions_.Add(MachineWindow{machine, WindowOf(rows.Value(kTime, r))});
      }
    }
  }
  // Machines by machine id, as the input machine_windows.
  static auto Parts(auto& self) {
    return std::tie(self.capacities_, self.evictions_, self.evictions_without_machine_);
  }

  MachineCapacities capacities_;
  KeyedCounts<MachineWindow, &MachineOfWindow> evictions_;
  SumOf<uint64_t> evictions_without_machine_;
};

// Twelve bytes, packed: the points are most of q8's memory at the end, and
// of its finish's time (filled, sorted by usage, read twice). A window's
// evictions are checked to fit.
struct [[gnu::packed]] WindowPoint {
  double usage;  // load / capacity
  uint32_t evictions;
  double eviction_count() const { return evictions; }
};
static_assert(sizeof(WindowPoint) == 12);

// Machine-windows of a resource with evictions, by their number of EVICT
// rows (none without).
using EvictedWindows = std::map<uint32_t, uint64_t>;

// Twice the average rank of each eviction count among the machine-windows
// of every rank (collective). Counts take few distinct values, so the ranks
// come from the windows per count, without sorting the points by them:
// the windows without evictions first, then by count.
class EvictionRanks {
 public:
  EvictionRanks(uint64_t windows, const EvictedWindows& evicted, Cluster& cluster) {
    WireWriter mine;
    mine.Put(windows);
    mine.Put<uint64_t>(evicted.size());
    for (const auto& [count, count_windows] : evicted) {
      mine.Put(count);
      mine.Put(count_windows);
    }
    uint64_t total = 0;
    EvictedWindows all;
    for (const std::string& bytes : cluster.AllGather(mine.Take())) {
      WireReader in(bytes);
      total += in.Get<uint64_t>();
      for (uint64_t n = in.GetCount(sizeof(uint32_t) + sizeof(uint64_t)); n > 0; --n) {
        const auto count = in.Get<uint32_t>();
        all[count] += in.Get<uint64_t>();
      }
    }
    // RankSums is exact up to 2^31 points.
    if (total > uint64_t{1} << 31) throw DataError("q8: 2^31 machine-windows or more to rank");
    uint64_t before = total;  // windows ranked before a count: first those without evictions
    for (const auto& [count, count_windows] : all) before -= count_windows;
    none_ = static_cast<int64_t>(before + 1);  // positions 1..before
    for (const auto& [count, count_windows] : all) {
      by_count_.push_back({count, static_cast<int64_t>(2 * before + count_windows + 1)});
      before += count_windows;
    }
  }
  int64_t Of(uint32_t evictions) const {
    if (evictions == 0) return none_;
    const auto it = std::lower_bound(by_count_.begin(), by_count_.end(),
                                     std::pair<uint32_t, int64_t>{evictions, INT64_MIN});
    // Every point's count was counted (CollectResource): a miss is a bug.
    if (it == by_count_.end() || it->first != evictions) {
      throw InternalError("q8: an eviction count without windows");
    }
    return it->second;
  }

 private:
  int64_t none_ = 0;
  std::vector<std::pair<uint32_t, int64_t>> by_count_;
};

// What a rank's share of the machine-windows contributes, per resource: exact
// counts per bucket and the sums of the correlations.
struct ResourceSummary {
  std::array<uint64_t, 11> bucket_windows{}, bucket_evictions{};
  uint64_t windows = 0;
  uint64_t counted = 0;
  PearsonSums pearson;
  RankSums ranks;

  void Merge(const ResourceSummary& other) {
    AddBuckets(other.bucket_windows, other.bucket_evictions);
    windows += other.windows;
    counted += other.counted;
    pearson.Merge(other.pearson);
    ranks.Merge(other.ranks);
  }
  void Serialize(WireWriter& out) const {
    out.Put(bucket_windows);
    out.Put(bucket_evictions);
    out.Put(windows);
    out.Put(counted);
    pearson.Serialize(out);
    ranks.Serialize(out);
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    const auto their_windows = in.Get<std::array<uint64_t, 11>>();
    AddBuckets(their_windows, in.Get<std::array<uint64_t, 11>>());
    windows += in.Get<uint64_t>();
    counted += in.Get<uint64_t>();
    pearson.Deserialize(in);
    ranks.Deserialize(in);
  }

 private:
  void AddBuckets(const std::array<uint64_t, 11>& their_windows,
                  const std::array<uint64_t, 11>& their_evictions) {
    for (int bucket = 0; bucket <= 10; ++bucket) {
      bucket_windows[bucket] += their_windows[bucket];
      bucket_evictions[bucket] += their_evictions[bucket];
    }
  }
};

// EVICT rows in all and without a machine, and the two resources' sums.
struct Q8Summary : SummaryOf<Q8Summary> {
  static auto Parts(auto& self) {
    return std::tie(self.total_evictions, self.evictions_without_machine, self.resources);
  }
  SumOf<uint64_t> total_evictions, evictions_without_machine;
  ResourceSummary resources[2];  // cpu, memory
};

// The machine-windows of a rank's partitions: their points (for the
// correlations) and the counts that need no other partition.
struct Q8Collected {
  explicit Q8Collected(const CollectBudget& budget) {
    if (budget.memory_bytes == UINT64_MAX) return;
    // Both resources' chunks, 16 bytes a point to spare for what comes
    // beside a chunk (the ranked copy's chunk, the k-way merge's buffers).
    const size_t chunk = budget.memory_bytes / 2 / (sizeof(WindowPoint) + 16);
    for (auto& resource : points) resource = SpilledItems<WindowPoint>(chunk, budget.folder);
  }
  Q8Summary summary;  // counts at once; the correlations when all is collected
  SpilledItems<WindowPoint> points[2];
  EvictedWindows evicted[2];
};

class Q8UsagePeaksEvictions
    : public KeyedQuestion<Q8UsagePeaksEvictions, Q8State, Q8Summary, Q8Collected> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q8", "Usage peaks and evictions", "Are tasks evicted when their machine is heavily used?",
        "Windows are [k 300 s, (k+1) 300 s); a task_usage row belongs to the window of its "
        "start_time. A machine-window exists for a resource when the machine has a usage row "
        "with a value in it; its usage = sum of rate x (end_time - start_time) / 300 s over "
        "those rows, relative to the machine's capacity (last non-empty, as in q1; machines "
        "with no or zero capacity left out). Its evictions = EVICT rows of task_events on that "
        "machine with a timestamp in the window. Buckets: floor(10 x usage) x 10%, capped at "
        "100 (= >= 100%). Pearson and Spearman of usage vs evictions over all machine-windows."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kMachineEvents, MachineCapacities::Columns()},
            {Table::kTaskEvents, ColumnBit(kTime) | ColumnBit(kMachineId) | ColumnBit(kEventType)},
            // Read through the input machine_windows; listed so that q8 is
            // skipped without task_usage.
            {Table::kTaskUsage, 0}};
  }
  std::vector<std::string_view> InputIds() const override { return {kMachineWindowsInput}; }
  void Collect(const Q8State& partition, InputStates inputs, Q8Collected& collected) const;
  Q8Summary FinishCollected(Q8Collected& collected, Cluster& cluster) const;
  // In memory: one resource's points at a time (at the end they are most of
  // q8's memory), with the same sums as Collect and FinishCollected.
  Q8Summary Summarize(const Q8State& partition, InputStates inputs, Cluster& cluster) const;
  void Write(const Q8Summary& summary, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    PlotSpec spec{.name = "evictions_by_usage",
                  .title = "Evictions by machine load (5-minute machine-windows)",
                  .x_label = "machine load in the window (% of capacity, bucket lower bound)",
                  .y_label = "EVICT events per machine-window"};
    for (const char* resource : {"cpu", "memory"}) {
      spec.series.push_back({.title = resource,
                             .file = "evictions_by_usage.csv",
                             .x = {"usage_bucket"},
                             .y = "evictions_per_window",
                             .where = {"resource", resource}});
    }
    return {spec};
  }
};

// FinishCollected's work on one resource's points when they spilled (one
// process): the same sums, from the points on disk a chunk at a time.
void FinishSpilledPoints(SpilledItems<WindowPoint>& points, const EvictionRanks& eviction_ranks,
                         ResourceSummary& mine) {
  mine.windows = points.size();
  mine.pearson = PearsonSumsOfSpilled(
      points, [](const WindowPoint& p) { return p.usage; },
      [](const WindowPoint& p) { return p.eviction_count(); });
  RankSpilled(
      points, [](const WindowPoint& p) { return p.usage; },
      [&](const WindowPoint& p, uint64_t first, uint64_t last, uint64_t) {
        mine.ranks.Add(static_cast<int64_t>(first + last), eviction_ranks.Of(p.evictions));
      },
      [](const WindowPoint&) {});
  points.Clear();
}

// Adds one partition's evictions into the totals.
void CollectTotals(const Q8State& state, Q8Collected& collected) {
  const uint64_t without_machine = state.evictions_without_machine_.value;
  Q8Summary& summary = collected.summary;
  summary.total_evictions.value += without_machine;
  for (const auto& [key, count] : state.evictions_) summary.total_evictions.value += count;
  summary.evictions_without_machine.value += without_machine;
}

// Adds one partition's machine-windows of `resource`: buckets and points.
void CollectResource(const Q8State& state, const MachineWindowUsage& usage, int resource,
                     Q8Collected& collected) {
  MachineCapacities::Reader capacities(state.capacities_);
  ResourceSummary& mine = collected.summary.resources[resource];
  SpilledItems<WindowPoint>& points = collected.points[resource];
  // Points held in memory are sized once (~4.5 M per resource at scale 8:
  // a doubling vector would hold up to twice that), by the windows with a
  // value: the few of machines without a capacity are reserved, not touched.
  points.ReserveMore(usage.WindowsWith(resource));
  usage.ForEachWindow([&](const MachineWindow& key, const WindowLoad& load) {
    // Counted: a window with a value of the resource, on a machine with a
    // capacity of it.
    if (!load.present[resource]) return;
    const int64_t capacity = capacities.Of(key.machine_id)[resource];
    if (capacity == kNull || capacity <= 0) return;
    const uint64_t window_evictions = state.evictions_.CountOf(key);
    if (window_evictions > UINT32_MAX) throw DataError("q8: 2^32 EVICT rows in a machine-window");
    int bucket = MachineWindowUsage::UsageBucket(load.sum[resource], capacity);
    ++mine.bucket_windows[bucket];
    mine.bucket_evictions[bucket] += window_evictions;
    mine.counted += window_evictions;
    if (window_evictions > 0)
      ++collected.evicted[resource][static_cast<uint32_t>(window_evictions)];
    points.Add(
        {static_cast<double>(static_cast<long double>(load.sum[resource]) / kWindowUs / capacity),
         static_cast<uint32_t>(window_evictions)});
  });
}

// The correlations of one resource's collected points (collective), which
// are freed.
void FinishResource(Q8Collected& collected, int resource, Cluster& cluster) {
  ResourceSummary& mine = collected.summary.resources[resource];
  const EvictionRanks eviction_ranks(collected.points[resource].size(), collected.evicted[resource],
                                     cluster);
  if (collected.points[resource].spilled()) {
    FinishSpilledPoints(collected.points[resource], eviction_ranks, mine);
    return;
  }
  std::vector<WindowPoint> points = std::move(collected.points[resource].in_memory());
  mine.windows = points.size();
  mine.pearson = PearsonSumsAcrossRanks<WindowPoint>(
      points, [](const WindowPoint& p) { return p.usage; },
      [](const WindowPoint& p) { return p.eviction_count(); }, cluster);
  // Spearman: the points move between ranks, sorted by usage; each one's
  // eviction rank is its count's.
  RankAcrossCluster(
      points, [](const WindowPoint& p) { return p.usage; },
      [&](const WindowPoint& p, uint64_t first, uint64_t last, uint64_t) {
        mine.ranks.Add(static_cast<int64_t>(first + last), eviction_ranks.Of(p.evictions));
      },
      cluster);
}

void Q8UsagePeaksEvictions::Collect(const Q8State& partition, InputStates inputs,
                                    Q8Collected& collected) const {
  CollectTotals(partition, collected);
  const MachineWindowUsage& usage = InputOf<MachineWindowsState>(inputs).usage();
  for (int resource = 0; resource < 2; ++resource) {
    CollectResource(partition, usage, resource, collected);
  }
}

Q8Summary Q8UsagePeaksEvictions::FinishCollected(Q8Collected& collected, Cluster& cluster) const {
  for (int resource = 0; resource < 2; ++resource) FinishResource(collected, resource, cluster);
  return std::move(collected.summary);
}

Q8Summary Q8UsagePeaksEvictions::Summarize(const Q8State& partition, InputStates inputs,
                                           Cluster& cluster) const {
  Q8Collected collected{CollectBudget{}};
  CollectTotals(partition, collected);
  const MachineWindowUsage& usage = InputOf<MachineWindowsState>(inputs).usage();
  for (int resource = 0; resource < 2; ++resource) {
    CollectResource(partition, usage, resource, collected);
    FinishResource(collected, resource, cluster);
  }
  return std::move(collected.summary);
}

void Q8UsagePeaksEvictions::Write(const Q8Summary& summary, ResultWriter& out) const {
  const uint64_t total_evictions = summary.total_evictions.value,
                 evictions_without_machine = summary.evictions_without_machine.value;
  const ResourceSummary(&all)[2] = summary.resources;

  CsvTable by_bucket({"resource", "usage_bucket", "windows", "evictions", "evictions_per_window"});
  CsvTable correlation({"resource", "windows", "pearson", "spearman"});
  std::string finding;
  for (int resource = 0; resource < 2; ++resource) {
    const char* name = resource == 0 ? "cpu" : "memory";
    const auto& bucket_windows = all[resource].bucket_windows;
    const auto& bucket_evictions = all[resource].bucket_evictions;
    const uint64_t counted = all[resource].counted, windows = all[resource].windows;
    for (int bucket = 0; bucket <= 10; ++bucket) {
      by_bucket.AddRow({name, std::to_string(bucket * 10), std::to_string(bucket_windows[bucket]),
                        std::to_string(bucket_evictions[bucket]),
                        FormatShare(bucket_evictions[bucket], bucket_windows[bucket])});
    }
    const double pearson = all[resource].pearson.Correlation();
    const double spearman = all[resource].ranks.Correlation();
    correlation.AddRow(
        {name, std::to_string(windows), FormatRatio(pearson), FormatRatio(spearman)});
    auto rate = [&](int from, int to) {
      uint64_t w = 0, e = 0;
      for (int b = from; b <= to; ++b) {
        w += bucket_windows[b];
        e += bucket_evictions[b];
      }
      return w ? static_cast<double>(e) / w : 0.0;
    };
    finding += fmt::format(
        "{}{}: {} machine-windows; {} evictions per window below 50% load vs {} at 90% "
        "and above (Pearson {}, Spearman {}); {} of {} EVICT rows counted ({} had no machine, "
        "the rest fell in machine-windows without {} usage or on machines without capacity)",
        finding.empty() ? "" : ". ", name, windows, FormatRounded(rate(0, 4), 3),
        FormatRounded(rate(9, 10), 3), FormatRounded(pearson, 2), FormatRounded(spearman, 2),
        counted, total_evictions, evictions_without_machine, name);
  }
  out.WriteCsv("evictions_by_usage.csv", by_bucket);
  out.WriteCsv("correlation.csv", correlation);
  out.WriteFinding(finding + ".");
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q8UsagePeaksEvictions);

}  // namespace borgscope
