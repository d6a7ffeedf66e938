#pragma once
// What an analysis is to the engine: the tables and columns it reads, a state
// with Consume / Merge / Serialize / Deserialize, and a Finish that writes its
// results. The scan knows nothing about questions.
//
// Each table is read once for all analyses (shared scan), in kAllTables order.
// For every table an analysis needs, each thread gets a fresh state from
// NewState(merged), where `merged` is the analysis's state merged over the
// tables already read: a state for a later table may look things up in it
// (machine capacities while reading task_usage) but never changes it. After
// the table, every thread's state is merged into `merged`.
//
// Merge must be exact, commutative and associative (integer sums, max by trace
// order key, set unions), so that results do not depend on the number of
// threads or ranks, nor on the order in which partial states arrive.
//
// State keyed by job, task or machine (KeyedAnalysis) is split by key across
// MPI ranks: each rank merges one partition of the keys and summarizes it,
// and rank 0 writes the results from the merged summaries. One process runs
// the same two steps over a single partition (or, when its states spilled,
// over each spill partition in turn).

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cluster.h"
#include "engine/wire.h"
#include "errors.h"
#include "results/plot_spec.h"
#include "trace/row_batch.h"
#include "trace/schema.h"

namespace borgscope {

class ResultWriter;

struct TableColumns {
  Table table;
  ColumnMask columns;
  // An optional table is read when the trace has it; the analysis runs without it.
  bool optional = false;
};

struct AnalysisInfo {
  std::string_view id;          // "q1"
  std::string_view title;       // "Machines by CPU capacity"
  std::string_view question;    // the question, as a user asks it
  std::string_view definition;  // the exact definition used
};

class AnalysisState {
 public:
  virtual ~AnalysisState() = default;
  virtual void Consume(const RowBatch& rows) = 0;
  // Adds `other` (a state of the same analysis) into this one; `other` is unchanged.
  virtual void Merge(const AnalysisState& other) = 0;
  // Merge for a state that is discarded afterwards (a thread's): may take
  // `other`'s storage instead of copying it. Same result as Merge.
  virtual void Absorb(AnalysisState&& other) { Merge(other); }
  // Makes room for what `before` (a state of the same analysis) holds: a
  // scan thread's state for its next shard, sized like its last one's, so
  // that its tables and batches do not grow from empty at every shard.
  virtual void SizeLike(const AnalysisState& /*before*/) {}
  virtual void Serialize(WireWriter& out) const = 0;
  // Adds what Serialize wrote into this state, as Merge of the serialized
  // state would (into a fresh state: a copy of it). Ranks merge received
  // states this way, without building a temporary state first.
  virtual void Deserialize(WireReader& in) = 0;
  // States of a KeyedAnalysis: writes into parts[p], in Serialize's format,
  // the entries whose key falls in partition p (PartitionOf); values of no
  // key (totals, maxima) go to part 0. A part that skips entries
  // (WireWriter::SkipEntries: the rank's own) gets none of the keyed entries.
  virtual void SerializePartitions(std::span<WireWriter> /*parts*/) const {
    throw InternalError("this analysis state is not split by key");
  }
  // Keeps only what SerializePartitions would write into part `part`.
  virtual void KeepPartition(size_t /*part*/, size_t /*parts*/) {
    throw InternalError("this analysis state is not split by key");
  }
};

// The merged states of an analysis's inputs (Analysis::InputIds, same
// order); for a KeyedAnalysis under MPI, this rank's partition of them.
using InputStates = std::span<const AnalysisState* const>;

class Analysis {
 public:
  virtual ~Analysis() = default;
  virtual const AnalysisInfo& Info() const = 0;
  virtual std::vector<TableColumns> Needs() const = 0;
  // `merged` is null for the state that accumulates everything.
  virtual std::unique_ptr<AnalysisState> NewState(const AnalysisState* merged) const = 0;
  // Writes the results from the merged state and its inputs' merged states.
  virtual void Finish(const AnalysisState& merged, InputStates inputs, ResultWriter& out) const = 0;
  // Plots of the CSV files Finish wrote, drawn into the same folder.
  virtual std::vector<PlotSpec> Plots() const { return {}; }
  // True for a KeyedAnalysis.
  virtual bool SplitsByKey() const { return false; }
  // Ids of the inputs whose states this analysis reads when it finishes. An
  // input (IsInput) is a state several analyses need, such as q8's and q9's
  // machine-window loads: the scan consumes, merges and exchanges it once for
  // all of them. Only a KeyedAnalysis has inputs, keyed as it is.
  virtual std::vector<std::string_view> InputIds() const { return {}; }
  // True for an input: it writes nothing, is not named by --only, and runs
  // when an analysis that lists it runs.
  virtual bool IsInput() const { return false; }
};

// What a KeyedAnalysis collects from its partitions before the collective
// part of its finish (KeyedAnalysis::CollectPartition).
class CollectedState {
 public:
  virtual ~CollectedState() = default;
};

// How much a CollectedState may hold in memory: past `memory_bytes`, its
// points go to files in `folder` (engine/spilled_items.h). Unlimited unless
// the keyed states spilled.
struct CollectBudget {
  uint64_t memory_bytes = UINT64_MAX;
  std::string folder;
};

// What a KeyedAnalysis writes its results from: counts and sums over some
// partitions of the keys, small next to the state. Merge, like a state's, is
// exact, commutative and associative. In one process summaries are merged as
// values; only MPI serializes them (GatherSummaries).
class AnalysisSummary {
 public:
  virtual ~AnalysisSummary() = default;
  // Adds `other` (a summary of the same analysis) into this one.
  virtual void Merge(const AnalysisSummary& other) = 0;
  virtual void Serialize(WireWriter& out) const = 0;
  // Adds what Serialize wrote into this summary.
  virtual void Deserialize(WireReader& in) = 0;
};

// An analysis whose state is keyed by job, task or machine. Its NewState never
// looks into `merged` (ranks exchange its state only after its last table).
// Questions write it through KeyedQuestion (engine/question.h), with
// their own state, summary and collected types.
class KeyedAnalysis : public Analysis {
 public:
  bool SplitsByKey() const final { return true; }
  // A summary of no partition, to merge summaries into.
  virtual std::unique_ptr<AnalysisSummary> NewSummary() const = 0;
  // The part of Finish that needs only one partition's keys, run on every
  // rank, collectively (it may exchange data through `cluster`, as q9's runs
  // and the correlations' ranks do). Calls `done_reading` once it reads
  // `partition` and `inputs` no more — a question that collects, before
  // finishing what it collected — so that the caller may free them while
  // the rest (sorts of the points, of the runs) runs.
  virtual std::unique_ptr<AnalysisSummary> SummarizePartition(
      const AnalysisState& partition, InputStates inputs, Cluster& cluster,
      const std::function<void()>& done_reading) const = 0;
  std::unique_ptr<AnalysisSummary> SummarizePartition(const AnalysisState& partition,
                                                      InputStates inputs, Cluster& cluster) const {
    return SummarizePartition(partition, inputs, cluster, [] {});
  }

  // An analysis whose finishing crosses partitions (q7's and q8's ranks over
  // all points, q9's task runs sent to the partitions of their machines)
  // cannot summarize spill partitions one at a time. It splits
  // SummarizePartition in two: CollectPartition, local, adds what one
  // partition contributes (points, runs: small next to the state) into
  // `collected`; SummarizeCollected, collective, does the rest over
  // everything this rank collected. Spilled states are collected a partition
  // at a time. Other analyses return null from NewCollected.
  virtual std::unique_ptr<CollectedState> NewCollected(const CollectBudget& budget) const = 0;
  virtual void CollectPartition(const AnalysisState& partition, InputStates inputs,
                                CollectedState& collected) const = 0;
  virtual std::unique_ptr<AnalysisSummary> SummarizeCollected(CollectedState& collected,
                                                              Cluster& cluster) const = 0;
  // Writes the results from the summary of every partition.
  virtual void WriteSummary(const AnalysisSummary& summary, ResultWriter& out) const = 0;
  // Both steps over a single partition (one process); done_reading as in
  // SummarizePartition.
  void Finish(const AnalysisState& merged, InputStates inputs, ResultWriter& out,
              const std::function<void()>& done_reading) const {
    WriteSummary(*SummarizePartition(merged, inputs, SingleProcess(), done_reading), out);
  }
  void Finish(const AnalysisState& merged, InputStates inputs, ResultWriter& out) const final {
    Finish(merged, inputs, out, [] {});
  }
};

// Collective: every rank's summary merged, on rank 0 (null on the others).
// The other ranks' summaries arrive serialized; rank 0's stays a value.
inline std::unique_ptr<AnalysisSummary> GatherSummaries(std::unique_ptr<AnalysisSummary> mine,
                                                        Cluster& cluster) {
  if (cluster.size() == 1) return mine;
  WireWriter out;
  mine->Serialize(out);
  std::vector<std::string> all = cluster.GatherToFirst(out.Take());
  if (cluster.rank() != 0) return nullptr;
  for (size_t rank = 1; rank < all.size(); ++rank) {
    WireReader in(all[rank]);
    mine->Deserialize(in);
    if (!in.AtEnd()) throw InternalError("a rank's summary has bytes left over");
  }
  return mine;
}

}  // namespace borgscope
