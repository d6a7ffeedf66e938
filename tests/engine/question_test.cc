// KeyedQuestion (engine/question.h): SummarizePartition tells its caller when
// it reads the partition and the inputs no more — a question that collects,
// after Collect and before FinishCollected (analyze frees the state there);
// one that summarizes, after Summarize — and gives the same summary with or
// without the callback.

#include "engine/question.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/cluster.h"
#include "engine/state_parts.h"
#include "results/result_writer.h"

namespace borgscope {
namespace {

// A state holding a count, set by hand (the tests consume no rows).
class CountState : public StateOf<CountState> {
 public:
  void Consume(const RowBatch&) override {}
  static auto Parts(auto& self) { return std::tie(self.count); }
  SumOf<uint64_t> count;
};

struct CountSummary : SummaryOf<CountSummary> {
  static auto Parts(auto& self) { return std::tie(self.count); }
  SumOf<uint64_t> count;
};

struct CountCollected {
  explicit CountCollected(const CollectBudget&) {}
  uint64_t count = 0;
};

// The steps each question takes, in order.
using Steps = std::vector<std::string>;

const AnalysisInfo kInfo{"test", "test", "test", "test"};

class Collecting : public KeyedQuestion<Collecting, CountState, CountSummary, CountCollected> {
 public:
  explicit Collecting(Steps& steps) : steps_(steps) {}
  const AnalysisInfo& Info() const override { return kInfo; }
  std::vector<TableColumns> Needs() const override { return {}; }
  void Collect(const CountState& state, InputStates, CountCollected& collected) const {
    steps_.push_back("collect");
    collected.count += state.count.value;
  }
  CountSummary FinishCollected(CountCollected& collected, Cluster&) const {
    steps_.push_back("finish collected");
    CountSummary summary;
    summary.count.value = 10 * collected.count;
    return summary;
  }
  void Write(const CountSummary&, ResultWriter&) const {}

 private:
  Steps& steps_;
};

class Summarizing : public KeyedQuestion<Summarizing, CountState, CountSummary> {
 public:
  explicit Summarizing(Steps& steps) : steps_(steps) {}
  const AnalysisInfo& Info() const override { return kInfo; }
  std::vector<TableColumns> Needs() const override { return {}; }
  CountSummary Summarize(const CountState& state, InputStates, Cluster&) const {
    steps_.push_back("summarize");
    CountSummary summary;
    summary.count.value = state.count.value + 1;
    return summary;
  }
  void Write(const CountSummary&, ResultWriter&) const {}

 private:
  Steps& steps_;
};

uint64_t CountOf(const AnalysisSummary& summary) {
  return SummaryValue<CountSummary>::Of(summary).count.value;
}

// The count a question summarizes from a partition holding 4, noting when
// it is told the partition is read.
uint64_t SummarizeFour(const KeyedAnalysis& question, Steps& steps) {
  CountState state;
  state.count.value = 4;
  return CountOf(*question.SummarizePartition(state, {}, SingleProcess(),
                                              [&] { steps.push_back("done reading"); }));
}

TEST(KeyedQuestion, CollectingQuestionIsDoneReadingBeforeItFinishes) {
  Steps steps;
  const Collecting question(steps);
  EXPECT_EQ(SummarizeFour(question, steps), 40u);
  EXPECT_EQ(steps, (Steps{"collect", "done reading", "finish collected"}));
  // Without a callback: the same summary.
  steps.clear();
  CountState state;
  state.count.value = 4;
  EXPECT_EQ(CountOf(*question.SummarizePartition(state, {}, SingleProcess())), 40u);
  EXPECT_EQ(steps, (Steps{"collect", "finish collected"}));
}

TEST(KeyedQuestion, SummarizingQuestionIsDoneReadingOnceSummarized) {
  Steps steps;
  const Summarizing question(steps);
  EXPECT_EQ(SummarizeFour(question, steps), 5u);
  EXPECT_EQ(steps, (Steps{"summarize", "done reading"}));
}

}  // namespace
}  // namespace borgscope
