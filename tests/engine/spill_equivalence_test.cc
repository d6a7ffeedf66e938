// Every analysis with its keyed states forced through the spill files
// (SpillOptions::always: every thread spills every few batches and at the
// end of each table) writes byte for byte the files of a run that kept
// everything in memory: on the real shards and on a generated trace with
// task_usage, at 1 and 2 threads, with few and many partitions.

#include <gtest/gtest.h>

#include <set>

#include "errors.h"
#include "run/analyze.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

std::map<std::string, std::string> RunAll(const std::string& trace, int threads,
                                          const SpillOptions& spill,
                                          AnalyzeSummary* summary = nullptr) {
  TempDir out;
  AnalyzeOptions options;
  options.trace_dir = trace;
  options.out_dir = out.path().string();
  options.scan.threads = threads;
  options.scan.spill = spill;
  options.plots = false;
  AnalyzeSummary result = RunAnalyze(options);
  if (summary != nullptr) *summary = result;
  return ResultFiles(out.path());
}

SpillOptions Spill(const std::string& temp_dir, size_t partitions, bool always,
                   uint64_t memory_limit = 0) {
  SpillOptions spill;
  spill.temp_dir = temp_dir;
  spill.partitions = partitions;
  spill.always = always;
  spill.memory_limit = memory_limit;
  return spill;
}

const std::string& GeneratedTrace() { return testing::GeneratedTrace("0.01", 11); }

std::set<std::string> AnalysesIn(const std::map<std::string, std::string>& files) {
  std::set<std::string> ids;
  for (const auto& [name, text] : files) ids.insert(name.substr(0, name.find('/')));
  return ids;
}

void ExpectSpilledRunsEqual(const std::string& trace, size_t analyses) {
  const auto in_memory = RunAll(trace, 2, {});
  ASSERT_EQ(AnalysesIn(in_memory).size(), analyses);
  for (int threads : {1, 2}) {
    for (size_t partitions : {3, 64}) {
      TempDir temp;
      AnalyzeSummary summary;
      const auto spilled =
          RunAll(trace, threads, Spill(temp.path().string(), partitions, true), &summary);
      EXPECT_EQ(spilled, in_memory) << threads << " threads, " << partitions << " partitions";
      EXPECT_GT(summary.spill.spills, 10u);
      EXPECT_GT(summary.spill.spilled_bytes, 0u);
      EXPECT_GT(summary.spill.read_bytes, 0u);
      EXPECT_EQ(summary.spill.partitions, partitions);
      EXPECT_TRUE(fs::is_empty(temp.path())) << "spill files left behind";
    }
  }
}

TEST(SpillEquivalenceTest, RealShards) {
  ExpectSpilledRunsEqual(kSampleDir.string(), 8);  // no task_usage: q7, q8, q11 skipped
}

TEST(SpillEquivalenceTest, GeneratedTraceWithTaskUsage) {
  ExpectSpilledRunsEqual(GeneratedTrace(), 11);
}

TEST(SpillEquivalenceTest, NoSpillWithoutPressure) {
  TempDir temp;
  AnalyzeSummary summary;
  RunAll(GeneratedTrace(), 2, Spill(temp.path().string(), 64, false, uint64_t{16} << 30), &summary);
  EXPECT_EQ(summary.spill.spills, 0u);
  EXPECT_EQ(summary.memory_limit_bytes, uint64_t{16} << 30);
  EXPECT_GT(summary.memory_floor_bytes, 0u);
  EXPECT_TRUE(fs::is_empty(temp.path()));
}

TEST(SpillEquivalenceTest, LimitBelowTheFloorIsAUsageErrorNamingIt) {
  try {
    RunAll(GeneratedTrace(), 2, Spill("", 64, false, 1 << 20));
    ADD_FAILURE() << "ran under 1 MiB";
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("below this run's floor of"), std::string::npos) << message;
    EXPECT_NE(message.find("MiB"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace borgscope::testing
