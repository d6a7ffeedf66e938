#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

#define USAGE_TAIL ",,,,,,,,,,,,,\n"

// hour = floor(19 + (t/1e6 - 600)/3600) mod 24:
//   600 s -> 19; 600 s + 3599.999999 s -> 19; 600 s + 1 h -> 20;
//   0 (before the window) -> floor(19 - 1/6) = 18; 600 s + 5 h -> 24 mod 24 = 0.
constexpr char kTaskUsage[] =
    "600000000,900000000,1,0,7,0.5,0.25" USAGE_TAIL "4199999999,4200000000,1,0,7,0.25," USAGE_TAIL
    "4200000000,4500000000,1,0,7,,0.5" USAGE_TAIL "0,300000000,1,0,7,1,1" USAGE_TAIL
    "18600000000,18900000000,1,0,7,3.815e-05,0.001" USAGE_TAIL;

TEST(Q11DailyCycle, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kTaskUsage, kTaskUsage);
  AnalysisRun run(trace.root(), {"q11"});
  std::string expected = "hour,samples,mean_cpu,mean_memory\n0,1,3.815e-05,0.001\n";
  for (int hour = 1; hour < 18; ++hour) expected += std::to_string(hour) + ",0,,\n";
  expected += "18,1,1,1\n19,2,0.375,0.25\n20,1,,0.5\n";
  for (int hour = 21; hour < 24; ++hour) expected += std::to_string(hour) + ",0,,\n";
  EXPECT_EQ(run.Csv("q11/usage_by_hour.csv"), expected);
}

}  // namespace
}  // namespace borgscope::testing
