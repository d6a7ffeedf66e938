#include "engine/shared_scan.h"

#include <fmt/core.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "engine/allocator_tuning.h"
#include "engine/key_exchange.h"
#include "engine/memory_budget.h"
#include "engine/process_usage.h"
#include "engine/progress.h"
#include "engine/rank_shards.h"
#include "engine/wire.h"
#include "errors.h"

namespace borgscope {
namespace {

using Clock = std::chrono::steady_clock;

// Batches a thread consumes between two looks at the heap (reading the
// resident set and LiveHeapBytes are cheap, but not free).
constexpr uint64_t kBatchesPerSpillCheck = 4;
// Share of the heap left under the limit at which keyed states spill. The
// rest is headroom for what grows between two checks (a hash map that
// doubles holds its old and new slots at once: 3x its old size) and for the
// wire form of the half of a state being written out.
constexpr double kSpillTriggerShare = 0.35;

// Wall and process CPU time at the start of a merge step: the rank's metrics
// count both (CountMerge).
struct MergeStart {
  Clock::time_point wall = Clock::now();
  double cpu = ProcessCpuSeconds();
};

void CountMerge(const MergeStart& start, RankScanMetrics& metrics) {
  metrics.merge_seconds += SecondsSince(start.wall);
  metrics.merge_cpu_seconds += ProcessCpuSeconds() - start.cpu;
}

}  // namespace

ColumnMask ColumnsWanted(const Analysis& analysis, Table table) {
  ColumnMask mask = 0;
  for (const TableColumns& need : analysis.Needs()) {
    if (need.table == table) mask |= need.columns;
  }
  return mask;
}

SharedScan::SharedScan(std::vector<const Analysis*> analyses, ScanOptions options, Cluster& cluster)
    : analyses_(std::move(analyses)), options_(options), cluster_(cluster) {
  rank_metrics_.rank = cluster_.rank();
  for (const Analysis* analysis : analyses_) merged_.push_back(analysis->NewState(nullptr));
  analysis_metrics_.resize(analyses_.size());
  merged_mutexes_ = std::make_unique<std::mutex[]>(analyses_.size());
  merged_dirty_.assign(analyses_.size(), 0);
  const SpillOptions& spill = options_.spill;
  bool keyed = false;
  for (const Analysis* analysis : analyses_) keyed |= analysis->SplitsByKey();
  if ((spill.memory_limit > 0 || spill.always) && keyed) {
    // Under MPI a multiple of the ranks: partition s (PartitionOf(key, parts))
    // is then within rank s % ranks's partition of the keys.
    const size_t ranks = static_cast<size_t>(cluster_.size());
    const size_t parts = (std::max<size_t>(spill.partitions, 1) + ranks - 1) / ranks * ranks;
    spill_ = std::make_unique<SpillStore>(SpillStore::Options{
        .temp_dir = spill.temp_dir, .partitions = parts, .disk_bytes = spill.disk_bytes});
    // What is resident but not heap (code, libraries, stacks) stays; the
    // rest of the limit is the heap's.
    const uint64_t rss = CurrentRssBytes(), heap = LiveHeapBytes();
    const uint64_t other = rss > heap ? rss - heap : 0;
    const uint64_t heap_limit = spill.memory_limit > other ? spill.memory_limit - other : 0;
    spill_trigger_ =
        spill.always ? 0
                     : static_cast<uint64_t>(kSpillTriggerShare * static_cast<double>(heap_limit));
    KeepFreedMemoryBelow(spill.memory_limit);
  }
}

CollectBudget SharedScan::collect_budget() const {
  CollectBudget budget;
  // Under MPI the points are ranked across ranks, in memory.
  if (!spilled() || cluster_.size() > 1) return budget;
  // The heap's share of the limit at which the scan spills: a partition's
  // state is read back beside what is collected.
  // (Forced spilling, a test knob, also spills the points, a few at a time.)
  budget.memory_bytes =
      options_.spill.always ? 16 << 10 : std::max<uint64_t>(spill_trigger_, uint64_t{4} << 20);
  budget.folder = spill_->folder();
  return budget;
}

bool SharedScan::ShouldSpill(uint64_t& seen_generation) {
  uint64_t generation = spill_generation_.load(std::memory_order_relaxed);
  if (seen_generation == generation) {
    // The resident set bounds what the heap holds in memory, and reading it
    // is cheap; LiveHeapBytes walks malloc's free lists (many, with chunked
    // keyed tables), so it is asked only once the resident set is that high.
    const bool below = CurrentRssBytes() < spill_trigger_ || LiveHeapBytes() < spill_trigger_;
    if (below && !options_.spill.always) return false;
    generation = spill_generation_.fetch_add(1) + 1;
  }
  seen_generation = generation;
  return true;
}

void SharedScan::ReleaseMerged(size_t i) {
  merged_[i] = analyses_[i]->NewState(nullptr);
  // When memory is short (spilled, or as much resident as makes the scan
  // spill) its pages go back to the kernel now: its chunks are scattered
  // among live ones, and malloc would keep them while later finishes ask for
  // large blocks. Otherwise they stay for reuse: pages given back are faulted
  // in and zeroed again by the finishes that follow, which costs more time
  // than the peak they would save.
  const bool short_of_memory = spill_ && (spilled() || CurrentRssBytes() >= spill_trigger_);
  if (short_of_memory) ReturnFreedMemory();
}

void SharedScan::SpillState(size_t i, std::unique_ptr<AnalysisState>& state) {
  spill_->Spill(static_cast<uint32_t>(i), *state);
  state = analyses_[i]->NewState(merged_[i].get());
  if (live_) live_->spilled_bytes = spill_->metrics().spilled_bytes;
}

void SharedScan::AbsorbKeyed(const std::vector<size_t>& readers,
                             std::vector<std::unique_ptr<AnalysisState>>& states,
                             std::vector<double>& seconds) {
  // Before the lock, each keyed state is absorbed into an empty state of this
  // thread's own. That costs little (an empty keyed table or map takes the
  // other's storage; only small parts of no key are copied), and it does here
  // the work that needs no merged state — a DeltaRuns seals (sorts and
  // encodes) the shard's pending entries — so that the locks are held only
  // for merging into the merged states.
  std::vector<std::unique_ptr<AnalysisState>> sealed(readers.size());
  for (size_t r = 0; r < readers.size(); ++r) {
    const size_t i = readers[r];
    if (!analyses_[i]->SplitsByKey()) continue;
    const Clock::time_point start = Clock::now();
    sealed[r] = analyses_[i]->NewState(nullptr);
    sealed[r]->Absorb(std::move(*states[r]));
    seconds[r] += SecondsSince(start);
  }
  // Each analysis under its own lock: the analyses another thread is merging
  // into are left for a second pass, so that the threads merge side by side.
  auto absorb = [&](size_t r) {
    const size_t i = readers[r];
    const Clock::time_point start = Clock::now();
    std::unique_ptr<AnalysisState> fresh = analyses_[i]->NewState(merged_[i].get());
    fresh->SizeLike(*sealed[r]);  // before sealed's storage goes to the merged state
    merged_[i]->Absorb(std::move(*sealed[r]));
    states[r] = std::move(fresh);
    merged_dirty_[i] = 1;
    seconds[r] += SecondsSince(start);
  };
  std::vector<size_t> busy;
  for (size_t r = 0; r < readers.size(); ++r) {
    if (!sealed[r]) continue;
    std::unique_lock lock(merged_mutexes_[readers[r]], std::try_to_lock);
    if (lock) {
      absorb(r);
    } else {
      busy.push_back(r);
    }
  }
  for (size_t r : busy) {
    std::lock_guard lock(merged_mutexes_[readers[r]]);
    absorb(r);
  }
}

void SharedScan::SpillMerged() {
  for (size_t i = 0; i < analyses_.size(); ++i) {
    std::lock_guard lock(merged_mutexes_[i]);
    if (!merged_dirty_[i]) continue;
    SpillState(i, merged_[i]);
    merged_dirty_[i] = 0;
  }
}

std::vector<std::unique_ptr<AnalysisState>> SharedScan::ReadSpilledPartition(
    size_t part, const std::vector<bool>& wanted) {
  std::vector<std::unique_ptr<AnalysisState>> states(analyses_.size());
  for (size_t i = 0; i < analyses_.size(); ++i) {
    if (analyses_[i]->SplitsByKey() && wanted.at(i)) states[i] = analyses_[i]->NewState(nullptr);
  }
  auto read = [&](uint32_t analysis) { return analysis < states.size() && states[analysis]; };
  spill_->ReadPartition(part, read, [&](uint32_t analysis, std::string_view bytes) {
    WireReader in(bytes);
    states[analysis]->Deserialize(in);
    if (!in.AtEnd()) throw InternalError("spill file: a record longer than its state");
  });
  return states;
}

std::vector<TableScanMetrics> SharedScan::Run(const std::vector<TableShards>& tables) {
  std::vector<const TableShards*> order;
  for (Table table : kAllTables) {
    for (const TableShards& shards : tables) {
      if (shards.table == table) order.push_back(&shards);
    }
  }
  std::vector<TableScanMetrics> metrics;
  for (size_t t = 0; t < order.size(); ++t) {
    // Keyed states move to the ranks owning their keys once they are complete.
    std::vector<size_t> keyed_complete;
    for (size_t i = 0; i < analyses_.size() && cluster_.size() > 1; ++i) {
      if (!analyses_[i]->SplitsByKey() || ColumnsWanted(*analyses_[i], order[t]->table) == 0) {
        continue;
      }
      bool read_later = false;
      for (size_t later = t + 1; later < order.size(); ++later) {
        read_later |= ColumnsWanted(*analyses_[i], order[later]->table) != 0;
      }
      if (!read_later) keyed_complete.push_back(i);
    }
    metrics.push_back(ScanTable(*order[t], /*last_table=*/t + 1 == order.size(), keyed_complete));
  }
  // Once anything spilled, keyed states are finished from the spill files
  // only: what is still in memory goes there too.
  if (spilled()) {
    SpillMerged();
    ReturnFreedMemory();
  }
  return metrics;
}

TableScanMetrics SharedScan::ScanTable(const TableShards& all_shards, bool last_table,
                                       const std::vector<size_t>& keyed_complete) {
  const Clock::time_point start = Clock::now();
  const bool ranks = cluster_.size() > 1;
  const TableShards table =
      ranks ? AssignShardsToRanks(all_shards, cluster_.size())[cluster_.rank()] : all_shards;
  // The analyses that read this table, and the union of their columns.
  std::vector<size_t> readers;
  ColumnMask wanted = 0;
  for (size_t i = 0; i < analyses_.size(); ++i) {
    ColumnMask mask = ColumnsWanted(*analyses_[i], table.table);
    if (mask != 0) {
      readers.push_back(i);
      wanted |= mask;
    }
  }

  struct ThreadState {
    std::unique_ptr<ShardReader> reader;                 // not movable: it owns the inflate state
    std::vector<std::unique_ptr<AnalysisState>> states;  // parallel to readers
    std::vector<double> consume_seconds;
    ShardCounters counters;
    uint64_t batches = 0;
    uint64_t seen_spill_generation = 0;
    std::vector<double> absorb_seconds;  // keyed states into the merged ones, after each shard
  };
  tbb::enumerable_thread_specific<ThreadState> thread_states([&] {
    ThreadState state{std::make_unique<ShardReader>(table.table, wanted, options_.skip_bad_rows),
                      {},
                      {},
                      {},
                      0,
                      spill_generation_.load(),
                      {}};
    for (size_t i : readers) state.states.push_back(analyses_[i]->NewState(merged_[i].get()));
    state.consume_seconds.assign(readers.size(), 0.0);
    state.absorb_seconds.assign(readers.size(), 0.0);
    return state;
  });

  // Largest shards first, so that the last ones to finish are short.
  std::vector<const ShardFile*> order;
  for (const ShardFile& shard : table.shards) order.push_back(&shard);
  std::stable_sort(order.begin(), order.end(), [](const ShardFile* a, const ShardFile* b) {
    return a->compressed_bytes > b->compressed_bytes;
  });
  uint64_t compressed_total = 0;
  for (const ShardFile& shard : table.shards) compressed_total += shard.compressed_bytes;

  LiveCounters live;
  live.spilled_bytes = spill_metrics().spilled_bytes;
  live_ = &live;
  {
    ProgressDisplay progress(options_.show_progress && cluster_.rank() == 0,
                             std::string(TableName(table.table)), table.shards.size(),
                             compressed_total, live);
    tbb::task_arena arena(Threads());
    arena.execute([&] {
      tbb::parallel_for_each(order.begin(), order.end(), [&](const ShardFile* shard) {
        ThreadState& state = thread_states.local();
        ShardCounters counters = state.reader->Read(
            *shard,
            [&](const RowBatch& batch) {
              for (size_t r = 0; r < state.states.size(); ++r) {
                Clock::time_point consume_start = Clock::now();
                state.states[r]->Consume(batch);
                state.consume_seconds[r] += SecondsSince(consume_start);
              }
              if (spill_ && ++state.batches % kBatchesPerSpillCheck == 0 &&
                  ShouldSpill(state.seen_spill_generation)) {
                for (size_t r = 0; r < readers.size(); ++r) {
                  if (analyses_[readers[r]]->SplitsByKey()) SpillState(readers[r], state.states[r]);
                }
                SpillMerged();
                ReturnFreedMemory();
              }
            },
            &live);
        // Keyed states join the merged state after every shard: a task whose
        // rows are in every thread's shards is then held once, not once per
        // thread (and the merge does not grow with the threads).
        AbsorbKeyed(readers, state.states, state.absorb_seconds);
        AdviseHugePagesForThreadArena();  // where the thread's next states grow
        state.counters.compressed_bytes += counters.compressed_bytes;
        state.counters.uncompressed_bytes += counters.uncompressed_bytes;
        state.counters.rows += counters.rows;
        state.counters.bad_rows += counters.bad_rows;
      });
    });
  }

  TableScanMetrics metrics;
  metrics.table = table.table;
  metrics.shards = all_shards.shards.size();
  // With ranks, threads merge into this rank's partial states, which are then
  // exchanged; alone, or for a keyed state (exchanged by key after its last
  // table), they merge straight into merged_.
  std::vector<std::unique_ptr<AnalysisState>> partials(readers.size());
  std::vector<size_t> exchanged;  // indices into readers
  for (size_t r = 0; r < readers.size(); ++r) {
    if (!ranks || analyses_[readers[r]]->SplitsByKey()) continue;
    partials[r] = analyses_[readers[r]]->NewState(merged_[readers[r]].get());
    exchanged.push_back(r);
  }
  for (ThreadState& state : thread_states) {
    metrics.counters.compressed_bytes += state.counters.compressed_bytes;
    metrics.counters.uncompressed_bytes += state.counters.uncompressed_bytes;
    metrics.counters.rows += state.counters.rows;
    metrics.counters.bad_rows += state.counters.bad_rows;
    const auto& skipped = state.reader->skipped_rows();
    metrics.skipped_rows.insert(metrics.skipped_rows.end(), skipped.begin(), skipped.end());
    for (size_t r = 0; r < readers.size(); ++r) {
      const size_t i = readers[r];
      Clock::time_point merge_start = Clock::now();
      // Keyed states were absorbed after each shard (AbsorbKeyed).
      if (!analyses_[i]->SplitsByKey()) {
        AnalysisState& target = partials[r] ? *partials[r] : *merged_[i];
        target.Absorb(std::move(*state.states[r]));
      }
      analysis_metrics_[i].merge_seconds += SecondsSince(merge_start) + state.absorb_seconds[r];
      analysis_metrics_[i].consume_seconds += state.consume_seconds[r];
    }
  }
  live_ = nullptr;
  if (spill_) {
    uint64_t seen = spill_generation_.load();
    if (ShouldSpill(seen)) SpillMerged();
    thread_states.clear();
    // Until something spills, the threads' freed states are the memory the
    // next table's states reuse: returned to the kernel, it would only be
    // faulted in (and zeroed) again.
    if (spilled()) ReturnFreedMemory();
  }
  rank_metrics_.shards += table.shards.size();
  for (const ShardFile& shard : table.shards)
    rank_metrics_.compressed_bytes += shard.compressed_bytes;
  rank_metrics_.scan_seconds += SecondsSince(start);
  if (ranks) {
    // The local half of the key exchange needs no other rank: done before
    // waiting for them, it takes the place of some of that wait.
    std::vector<KeyedState> keyed;
    for (size_t i : keyed_complete) keyed.push_back({analyses_[i], &merged_[i]});
    KeyedSplit split;
    if (!keyed.empty()) split = SplitKeyed(keyed);
    // Waiting for slower ranks is load imbalance, not merging: timed apart.
    const Clock::time_point wait_start = Clock::now();
    cluster_.Barrier();
    rank_metrics_.wait_seconds += SecondsSince(wait_start);
    const MergeStart merge_start;
    // After the last table only rank 0 needs the merged states (it finishes).
    MergeRanks(readers, partials, exchanged, metrics,
               /*merge_here=*/!last_table || cluster_.rank() == 0);
    CountMerge(merge_start, rank_metrics_);
    if (!keyed.empty()) SendKeyed(keyed, std::move(split));
    for (size_t k = 0; k < keyed.size(); ++k) {
      analysis_metrics_[keyed_complete[k]].merge_seconds += keyed[k].seconds;
    }
    if (!keyed.empty() && spill_) ExchangeSpilled(keyed_complete);
  }
  std::sort(metrics.skipped_rows.begin(), metrics.skipped_rows.end(),
            [](const SkippedRow& a, const SkippedRow& b) {
              return std::tie(a.shard, a.line) < std::tie(b.shard, b.line);
            });
  if (metrics.skipped_rows.size() > BadRowPolicy::kExamplesKept) {
    metrics.skipped_rows.resize(BadRowPolicy::kExamplesKept);
  }
  metrics.seconds = SecondsSince(start);
  return metrics;
}

void SharedScan::MergeRanks(const std::vector<size_t>& readers,
                            std::vector<std::unique_ptr<AnalysisState>>& partials,
                            const std::vector<size_t>& exchanged, TableScanMetrics& metrics,
                            bool merge_here) {
  WireWriter out;
  out.Put<uint64_t>(metrics.counters.compressed_bytes);
  out.Put<uint64_t>(metrics.counters.uncompressed_bytes);
  out.Put<uint64_t>(metrics.counters.rows);
  out.Put<uint64_t>(metrics.counters.bad_rows);
  out.Put<uint64_t>(metrics.skipped_rows.size());
  for (const SkippedRow& row : metrics.skipped_rows) {
    out.Put<uint32_t>(row.shard);
    out.Put<uint64_t>(row.line);
    out.PutBytes(row.description);
  }
  for (size_t r : exchanged) {
    WireWriter state;
    partials[r]->Serialize(state);
    out.PutBytes(state.bytes());
  }
  std::vector<std::string> all = cluster_.AllGather(out.Take());
  if (!merge_here) return;

  metrics.counters = {};
  metrics.skipped_rows.clear();
  for (int rank = 0; rank < static_cast<int>(all.size()); ++rank) {
    WireReader in(all[rank]);
    metrics.counters.compressed_bytes += in.Get<uint64_t>();
    metrics.counters.uncompressed_bytes += in.Get<uint64_t>();
    metrics.counters.rows += in.Get<uint64_t>();
    metrics.counters.bad_rows += in.Get<uint64_t>();
    for (uint64_t n = in.GetCount(12); n > 0; --n) {
      SkippedRow row;
      row.shard = in.Get<uint32_t>();
      row.line = in.Get<uint64_t>();
      row.description = std::string(in.GetBytes());
      metrics.skipped_rows.push_back(std::move(row));
    }
    for (size_t r : exchanged) {
      const size_t i = readers[r];
      Clock::time_point merge_start = Clock::now();
      std::string_view bytes = in.GetBytes();
      if (rank == cluster_.rank()) {
        merged_[i]->Absorb(std::move(*partials[r]));  // still here: no need to read it back
      } else {
        MergeSerialized(*analyses_[i], *merged_[i], bytes, rank);
      }
      analysis_metrics_[i].merge_seconds += SecondsSince(merge_start);
    }
    all[rank].clear();
    all[rank].shrink_to_fit();
  }
}

void SharedScan::ExchangeSpilled(const std::vector<size_t>& analyses) {
  uint8_t any = 0;
  WireWriter flag;
  flag.Put<uint8_t>(spilled());
  for (const std::string& bytes : cluster_.AllGather(flag.Take()))
    any |= WireReader(bytes).Get<uint8_t>();
  if (!any) return;
  const MergeStart start;
  std::vector<bool> wanted(analyses_.size(), false);
  for (size_t i : analyses) wanted[i] = true;
  const size_t ranks = static_cast<size_t>(cluster_.size()),
               me = static_cast<size_t>(cluster_.rank());
  // A round moves one partition of each rank's (a slice of the records).
  for (size_t first = 0; first < spill_->partitions(); first += ranks) {
    std::vector<WireWriter> to_each(ranks);
    for (size_t part = first; part < first + ranks; ++part) {
      const size_t owner = part % ranks;
      if (owner == me) continue;
      spill_->ReadPartition(
          part, [&](uint32_t analysis) { return analysis < wanted.size() && wanted[analysis]; },
          [&](uint32_t analysis, std::string_view bytes) {
            to_each[owner].Put<uint32_t>(static_cast<uint32_t>(part));
            to_each[owner].Put<uint32_t>(analysis);
            to_each[owner].PutBytes(bytes);
          });
    }
    std::vector<std::string> sent;
    for (WireWriter& out : to_each) sent.push_back(out.Take());
    for (const std::string& received : cluster_.AllToAll(std::move(sent))) {
      WireReader in(received);
      while (!in.AtEnd()) {
        const auto part = in.Get<uint32_t>();
        const auto analysis = in.Get<uint32_t>();
        spill_->AppendRecord(part, analysis, in.GetBytes());
      }
    }
  }
  CountMerge(start, rank_metrics_);
}

KeyedSplit SharedScan::SplitKeyed(std::span<KeyedState> keyed) {
  const MergeStart start;
  KeyedSplit split;
  tbb::task_arena(Threads()).execute([&] { split = SplitByKey(keyed, cluster_); });
  rank_metrics_.exchange_split_seconds += split.seconds;
  CountMerge(start, rank_metrics_);
  return split;
}

void SharedScan::SendKeyed(std::span<KeyedState> keyed, KeyedSplit split) {
  const MergeStart start;
  ExchangeSeconds steps;
  tbb::task_arena(Threads()).execute([&] { steps = SendSplit(keyed, std::move(split), cluster_); });
  rank_metrics_.exchange_transfer_seconds += steps.transfer;
  rank_metrics_.exchange_absorb_seconds += steps.absorb;
  CountMerge(start, rank_metrics_);
}

int SharedScan::Threads() const {
  return options_.threads > 0 ? options_.threads : tbb::info::default_concurrency();
}

}  // namespace borgscope
