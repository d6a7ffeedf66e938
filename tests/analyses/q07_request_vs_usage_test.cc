#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"
#include "errors.h"

namespace borgscope::testing {
namespace {

// The 13 trailing task_usage columns after canonical_memory_usage, empty.
#define USAGE_TAIL ",,,,,,,,,,,,,\n"

// Requests (task_events, trace order): A=(1,0) cpu 0.5 then 0.25 (an
// UPDATE_PENDING with empty memory keeps memory 0.25); B=(1,1) 0.5/0.5;
// C=(2,0) 0.5/0.125; D=(3,0) cpu 1, no memory request; F=(5,0) 0.125/0.125
// but no usage. E=(4,0) has usage but no task_events row.
constexpr char kTaskEvents[] =
    "0,,1,0,,0,U,0,0,0.5,0.25,,\n"
    "0,,1,1,,0,U,0,0,0.5,0.5,,\n"
    "0,,2,0,,0,U,0,0,0.5,0.125,,\n"
    "0,,3,0,,0,U,0,0,1,,,\n"
    "0,,5,0,,0,U,0,0,0.125,0.125,,\n"
    "10,,1,0,,7,U,0,0,0.25,,,\n";

// Usage: A cpu (0.1 x 300 s + 0.4 x 100 s) / 400 s = 0.175, peak 0.4; memory
// 0.2 (the second row's memory is empty; the third row has end = start and
// does not count). B 0.6/0.1, C 0.3/0.3, D 0.2/0.05, E 0.9/0.9.
constexpr char kTaskUsage[] =
    "600000000,900000000,1,0,7,0.1,0.2" USAGE_TAIL "900000000,1000000000,1,0,7,0.4," USAGE_TAIL
    "1000000000,1000000000,1,0,7,9,9" USAGE_TAIL "600000000,900000000,1,1,7,0.6,0.1" USAGE_TAIL
    "600000000,900000000,2,0,7,0.3,0.3" USAGE_TAIL "600000000,900000000,3,0,7,0.2,0.05" USAGE_TAIL
    "600000000,900000000,4,0,7,0.9,0.9" USAGE_TAIL;

// cpu: tasks A (0.25), B and C (0.5, tied: both rank 2), D (1); n = 4:
// deciles 1 + floor(10 (r-1)/4) = 1, 3, 3, 8. memory: C (0.125), A (0.25),
// B (0.5): deciles 1, 4, 7. Correlations from a plain Python Pearson and
// average-rank Spearman over cpu x = [.25, .5, .5, 1], usage [.175, .6, .3,
// .2], peak [.4, .6, .3, .2]; memory x = [.125, .25, .5], usage = peak =
// [.3, .2, .1].
TEST(Q7RequestVsUsage, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kTaskEvents, kTaskEvents);
  trace.AddShard(Table::kTaskUsage, kTaskUsage);
  AnalysisRun run(trace.root(), {"q7"});
  EXPECT_EQ(run.Csv("q7/correlation.csv"),
            "resource,tasks,pearson,spearman,pearson_max,spearman_max\n"
            "cpu,4,-0.1272787115,0.316227766,-0.5816750507,-0.632455532\n"
            "memory,3,-0.9819805061,-1,-0.9819805061,-1\n");
  EXPECT_EQ(run.Csv("q7/usage_by_request_decile.csv"),
            "resource,decile,request_min,request_max,tasks,mean_request,mean_usage,"
            "mean_max_usage\n"
            "cpu,1,0.25,0.25,1,0.25,0.175,0.4\n"
            "cpu,3,0.5,0.5,2,0.5,0.45,0.45\n"
            "cpu,8,1,1,1,1,0.2,0.2\n"
            "memory,1,0.125,0.125,1,0.125,0.3,0.3\n"
            "memory,4,0.25,0.25,1,0.25,0.2,0.2\n"
            "memory,7,0.5,0.5,1,0.5,0.1,0.1\n");
  std::string finding = run.Csv("q7/finding.txt");
  EXPECT_NE(finding.find("cpu: over 4 tasks"), std::string::npos) << finding;
  EXPECT_NE(finding.find("1 tasks had usage but no request. memory"), std::string::npos) << finding;
  EXPECT_NE(finding.find("2 tasks had usage but no request."), std::string::npos) << finding;
}

// Two rows of one task whose weight (the sum of their durations, 2^62 us
// each) passes 2^63: an error, not a wrapped sum.
TEST(Q7RequestVsUsage, UsageSumsThatOverflowAreAnError) {
  FixtureTrace trace;
  trace.AddShard(Table::kTaskEvents, "0,,1,0,,0,U,0,0,0.5,0.25,,\n");
  trace.AddShard(Table::kTaskUsage, "0,4611686018427387904,1,0,7,0.1,0.2" USAGE_TAIL
                                    "0,4611686018427387904,1,0,7,0.1,0.2" USAGE_TAIL);
  EXPECT_THROW(AnalysisRun(trace.root(), {"q7"}), DataError);
}

}  // namespace
}  // namespace borgscope::testing
