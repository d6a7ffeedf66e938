#pragma once
// A question written with its own types (as Velox's SimpleAggregateAdapter):
// the engine's Analysis and KeyedAnalysis (analysis.h) speak AnalysisState,
// AnalysisSummary and CollectedState; a question names its State (a StateOf,
// state_parts.h). A question whose state is not split by key (Question)
// writes
//
//   void Write(const State& merged, ResultWriter&) const;
//
// A keyed question (KeyedQuestion) also names its Summary (counts and sums
// with Merge, Serialize and Deserialize — a SummaryOf) and writes
//
//   Summary Summarize(const State& partition, InputStates, Cluster&) const;
//   void Write(const Summary&, ResultWriter&) const;
//
// A question whose finish crosses partitions also names its Collected
// (constructed from a CollectBudget) and writes
//
//   void Collect(const State& partition, InputStates, Collected&) const;
//   Summary FinishCollected(Collected&, Cluster&) const;
//
// and may leave Summarize out: one partition is then collected and finished.
// The casts between the engine's types and the question's are here, once.

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "engine/analysis.h"
#include "errors.h"

namespace borgscope {

template <typename Derived, typename State>
class Question : public Analysis {
 public:
  std::unique_ptr<AnalysisState> NewState(const AnalysisState*) const override {
    return std::make_unique<State>();
  }
  void Finish(const AnalysisState& merged, InputStates, ResultWriter& out) const final {
    static_cast<const Derived&>(*this).Write(State::Of(merged), out);
  }
};

template <typename Summary>
class SummaryValue final : public AnalysisSummary {
 public:
  explicit SummaryValue(Summary value) : value_(std::move(value)) {}
  static const Summary& Of(const AnalysisSummary& summary) {
    return static_cast<const SummaryValue&>(summary).value_;
  }
  void Merge(const AnalysisSummary& other) override { value_.Merge(Of(other)); }
  void Serialize(WireWriter& out) const override { value_.Serialize(out); }
  void Deserialize(WireReader& in) override { value_.Deserialize(in); }

 private:
  Summary value_;
};

template <typename Collected>
class CollectedValue final : public CollectedState {
 public:
  explicit CollectedValue(const CollectBudget& budget) : value_(budget) {}
  static Collected& Of(CollectedState& collected) {
    return static_cast<CollectedValue&>(collected).value_;
  }

 private:
  Collected value_;
};

// The Collected of a question that collects nothing.
struct NothingCollected {
  explicit NothingCollected(const CollectBudget&) {}
};

template <typename Derived, typename State, typename Summary, typename Collected = NothingCollected>
class KeyedQuestion : public KeyedAnalysis {
  static constexpr bool kCollects = !std::is_same_v<Collected, NothingCollected>;

 public:
  std::unique_ptr<AnalysisState> NewState(const AnalysisState*) const override {
    return std::make_unique<State>();
  }
  std::unique_ptr<AnalysisSummary> NewSummary() const final { return Box(Summary{}); }
  using KeyedAnalysis::SummarizePartition;
  std::unique_ptr<AnalysisSummary> SummarizePartition(
      const AnalysisState& partition, InputStates inputs, Cluster& cluster,
      const std::function<void()>& done_reading) const final {
    const State& state = State::Of(partition);
    if constexpr (requires(const Derived& d) { d.Summarize(state, inputs, cluster); }) {
      std::unique_ptr<AnalysisSummary> summary = Box(Self().Summarize(state, inputs, cluster));
      done_reading();
      return summary;
    } else {
      static_assert(kCollects, "a keyed question writes Summarize, or Collect and FinishCollected");
      // What is collected holds no reference into the state (spilled
      // partitions are collected one at a time, then freed).
      Collected collected{CollectBudget{}};
      Self().Collect(state, inputs, collected);
      done_reading();
      return Box(Self().FinishCollected(collected, cluster));
    }
  }
  std::unique_ptr<CollectedState> NewCollected(const CollectBudget& budget) const final {
    if constexpr (kCollects) return std::make_unique<CollectedValue<Collected>>(budget);
    return nullptr;
  }
  void CollectPartition(const AnalysisState& partition, InputStates inputs,
                        CollectedState& collected) const final {
    if constexpr (kCollects) {
      Self().Collect(State::Of(partition), inputs, CollectedValue<Collected>::Of(collected));
    } else {
      throw InternalError("this analysis collects nothing");
    }
  }
  std::unique_ptr<AnalysisSummary> SummarizeCollected(CollectedState& collected,
                                                      Cluster& cluster) const final {
    if constexpr (kCollects) {
      return Box(Self().FinishCollected(CollectedValue<Collected>::Of(collected), cluster));
    } else {
      throw InternalError("this analysis collects nothing");
    }
  }
  void WriteSummary(const AnalysisSummary& summary, ResultWriter& out) const final {
    Self().Write(SummaryValue<Summary>::Of(summary), out);
  }

 private:
  const Derived& Self() const { return static_cast<const Derived&>(*this); }
  static std::unique_ptr<AnalysisSummary> Box(Summary summary) {
    return std::make_unique<SummaryValue<Summary>>(std::move(summary));
  }
};

// The summary of an input (Analysis::IsInput): it writes nothing.
struct NoSummary {
  void Merge(const NoSummary&) {}
  void Serialize(WireWriter&) const {}
  void Deserialize(WireReader&) {}
};

// An input analysis keyed as the analyses that read it: they finish from its
// state, so it summarizes and writes nothing of its own.
template <typename Derived, typename State>
class KeyedInput : public KeyedQuestion<Derived, State, NoSummary> {
 public:
  bool IsInput() const final { return true; }
  NoSummary Summarize(const State&, InputStates, Cluster&) const { return {}; }
  void Write(const NoSummary&, ResultWriter&) const {}
};

// The state of type T among an analysis's inputs (InputIds lists its id).
template <typename T>
const T& InputOf(InputStates inputs) {
  for (const AnalysisState* input : inputs) {
    if (const auto* state = dynamic_cast<const T*>(input)) return *state;
  }
  throw InternalError("an input state was not handed to the analysis");
}

}  // namespace borgscope
