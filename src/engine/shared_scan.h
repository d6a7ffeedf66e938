#pragma once
// The shared scan: each table that any selected analysis needs is read once,
// in kAllTables order, its shards spread over threads (oneTBB), every row
// handed to every analysis that needs the table. Each thread keeps its own
// partial states and merges them once, after the table (STYLE.md 6).
// Under MPI each rank scans its share of every table's shards (balanced by
// compressed bytes); after the table, the ranks' partial states are
// serialized, exchanged and merged on every rank in rank order, so that every
// rank holds the merged state the next table's analyses build on. Keyed
// states (KeyedAnalysis) are instead split by key after their last table:
// each rank ends with the merged state of its own partition of the keys. A
// rank splits off the entries other ranks own as soon as its share of that
// table is scanned, before it waits for the other ranks, and sends them
// after. The table's seconds include its merge.

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "engine/analysis.h"
#include "engine/cluster.h"
#include "engine/key_exchange.h"
#include "engine/memory_budget.h"
#include "engine/shard_reader.h"
#include "engine/spill_store.h"
#include "io/shards.h"

namespace borgscope {

// Keyed states under a memory limit (DESIGN.md section 8). When the live
// heap reaches the share of the limit left for them, every thread writes its
// keyed states to spill files (spill_store.h) and starts afresh; after the
// scan they are finished one key partition at a time. Under MPI each rank
// spills under the same limit; the spilled records of the partitions other
// ranks own are sent to them with the key exchange.
struct SpillOptions {
  uint64_t memory_limit = 0;  // bytes of resident memory; 0: none, never spill
  std::string temp_dir;       // empty: $TMPDIR or /tmp
  size_t partitions = 64;
  // Test knobs: spill at every check whatever the memory (every keyed state
  // goes through the spill files), and a disk that holds only so many bytes.
  bool always = false;
  uint64_t disk_bytes = UINT64_MAX;
};

struct ScanOptions {
  int threads = 0;  // 0: all cores
  bool skip_bad_rows = false;
  bool show_progress = false;
  SpillOptions spill;
};

struct TableScanMetrics {
  Table table = Table::kMachineEvents;
  size_t shards = 0;
  ShardCounters counters;
  double seconds = 0;
  std::vector<SkippedRow> skipped_rows;  // the first few, in (shard, line) order
};

// What one rank did, over all tables.
struct RankScanMetrics {
  int rank = 0;
  size_t shards = 0;
  uint64_t compressed_bytes = 0;
  double scan_seconds = 0;   // reading its shards, threads merged
  double wait_seconds = 0;   // done with a table, waiting for the slowest rank
  double merge_seconds = 0;  // serializing, exchanging and merging the ranks' states
  // Of merge_seconds, the key exchanges of keyed states (ExchangeSeconds).
  double exchange_split_seconds = 0;
  double exchange_transfer_seconds = 0;
  double exchange_absorb_seconds = 0;
  // Process CPU (all threads, user + system) within merge_seconds, MPI's busy
  // waiting included: what the merge cost where ranks share cores.
  double merge_cpu_seconds = 0;
  double finish_seconds = 0;  // keyed analyses: finishing its partition, sending summaries
  uint64_t bytes_sent = 0;    // payload delivered to other ranks (states, summaries)
  uint64_t bytes_received = 0;
  uint64_t peak_rss_bytes = 0;  // of the rank's process, after its finish step
  uint64_t spilled_bytes = 0;   // keyed state written to its spill files (received included)
  double cpu_seconds = 0;       // of the rank's process in the run, up to its finish step
};

struct AnalysisScanMetrics {
  double consume_seconds = 0;  // summed over threads
  double merge_seconds = 0;
};

class SharedScan {
 public:
  SharedScan(std::vector<const Analysis*> analyses, ScanOptions options,
             Cluster& cluster = SingleProcess());

  // Reads the given tables (each once) and returns their metrics in scan order.
  std::vector<TableScanMetrics> Run(const std::vector<TableShards>& tables);

  // The state of analyses[i] merged over everything read (under MPI, for a
  // keyed analysis: over this rank's partition of the keys).
  const AnalysisState& merged(size_t i) const { return *merged_[i]; }
  // Frees merged(i) once it is finished (it becomes an empty state): the
  // finish of later analyses gets its memory.
  void ReleaseMerged(size_t i);
  const AnalysisScanMetrics& analysis_metrics(size_t i) const { return analysis_metrics_[i]; }
  const RankScanMetrics& rank_metrics() const { return rank_metrics_; }

  // After Run: true when keyed states went to spill files. merged(i) of a
  // keyed analysis is then empty, and its state is read back a partition at
  // a time: element i of ReadSpilledPartition is analyses[i]'s state of that
  // partition when wanted[i] (null otherwise).
  bool spilled() const { return spill_ && !spill_->empty(); }
  size_t spill_partitions() const { return spill_ ? spill_->partitions() : 0; }
  std::vector<std::unique_ptr<AnalysisState>> ReadSpilledPartition(size_t part,
                                                                   const std::vector<bool>& wanted);
  SpillMetrics spill_metrics() const { return spill_ ? spill_->metrics() : SpillMetrics{}; }
  // What a keyed analysis may collect in memory while it finishes its spilled
  // partitions (KeyedAnalysis::NewCollected).
  CollectBudget collect_budget() const;

 private:
  // keyed_complete: the keyed analyses (indices) that read no later table;
  // under MPI their states are exchanged by key after this one.
  TableScanMetrics ScanTable(const TableShards& table, bool last_table,
                             const std::vector<size_t>& keyed_complete);
  // Sends this rank's partial states of `readers` (analysis indices) to every
  // rank; with `merge_here`, merges every rank's into merged_ (in rank order)
  // and every rank's counters and skipped rows into `metrics`.
  // `exchanged` lists the readers (indices into it and `partials`) whose
  // states travel; keyed states do not (SendKeyed).
  void MergeRanks(const std::vector<size_t>& readers,
                  std::vector<std::unique_ptr<AnalysisState>>& partials,
                  const std::vector<size_t>& exchanged, TableScanMetrics& metrics, bool merge_here);
  // The two halves of the key exchange of keyed states after their last
  // table (key_exchange.h), counted in rank_metrics_.
  KeyedSplit SplitKeyed(std::span<KeyedState> keyed);
  void SendKeyed(std::span<KeyedState> keyed, KeyedSplit split);
  int Threads() const;
  // Spilling: true when this thread should write its keyed states out now
  // (the heap is over the trigger, or another thread found it so).
  bool ShouldSpill(uint64_t& seen_generation);
  // Writes state `state` of analysis i to the spill files and replaces it by a fresh one.
  void SpillState(size_t i, std::unique_ptr<AnalysisState>& state);
  // Absorbs the keyed ones of a thread's states (parallel to readers) into
  // the merged states and replaces them by fresh ones. Thread-safe.
  void AbsorbKeyed(const std::vector<size_t>& readers,
                   std::vector<std::unique_ptr<AnalysisState>>& states,
                   std::vector<double>& seconds);
  // Writes out the keyed merged states that hold anything.
  void SpillMerged();
  // Collective, after the key exchange of `analyses` (indices): when any rank
  // spilled, each rank sends the spilled records of those analyses in the
  // partitions other ranks own to their owners, which add them to their
  // spill files.
  void ExchangeSpilled(const std::vector<size_t>& analyses);

  std::vector<const Analysis*> analyses_;
  ScanOptions options_;
  Cluster& cluster_;
  RankScanMetrics rank_metrics_;
  std::vector<std::unique_ptr<AnalysisState>> merged_;
  std::vector<AnalysisScanMetrics> analysis_metrics_;

  std::unique_ptr<SpillStore> spill_;  // null: no limit, or under MPI
  uint64_t spill_trigger_ = 0;         // live heap bytes that start a spill
  std::atomic<uint64_t> spill_generation_{0};
  // One lock per analysis: guards its merged keyed state and its dirty flag,
  // so that two threads absorb into different analyses at the same time.
  std::unique_ptr<std::mutex[]> merged_mutexes_;
  std::vector<uint8_t> merged_dirty_;  // keyed merged state holds entries since its last spill
  LiveCounters* live_ = nullptr;       // the table being scanned, for the progress line
};

// The columns of `table` wanted by `analysis` (0 when it does not read it).
ColumnMask ColumnsWanted(const Analysis& analysis, Table table);

}  // namespace borgscope
