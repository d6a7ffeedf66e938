#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

#define USAGE_TAIL ",,,,,,,,,,,,,\n"

// m1 0.5/0.5, m2 1/1, m3 never has a capacity, m4 has cpu 0 (both left out).
constexpr char kMachineEvents[] = "0,1,0,P,0.5,0.5\n0,2,0,P,1,1\n0,3,0,P,,\n0,4,0,P,0,0\n";

// Window 2 = [600 s, 900 s), window 3 = [900 s, 1200 s).
//  m1 w2: cpu (0.25 x 300 s + 0.3 x 100 s) / 300 s = 0.35 -> 70% of 0.5 -> bucket 70;
//         memory 0.1 x 300 s / 300 s = 0.1 -> 20% -> bucket 20 (row 2 has no memory).
//  m1 w3: 0.6 / 0.5 = 120% -> bucket 100 for both resources.
//  m2 w2: cpu 0.05 x 300 s / 300 s -> 5% -> bucket 0 (by start_time, though it
//         ends in w3); no memory value: no memory window.
//  m3, m4: no usable capacity.
constexpr char kTaskUsage[] =
    "600000000,900000000,1,0,1,0.25,0.1" USAGE_TAIL "700000000,800000000,1,1,1,0.3," USAGE_TAIL
    "900000000,1200000000,1,0,1,0.6,0.6" USAGE_TAIL "650000000,950000000,2,0,2,0.05," USAGE_TAIL
    "600000000,900000000,3,0,3,0.5,0.5" USAGE_TAIL "600000000,900000000,4,0,4,0.5,0.5" USAGE_TAIL;

// EVICTs: m1 w2 x2, m1 w3 x1, m2 w2 x1 counted; m2 at 2000 s (a window
// without usage), one without machine, one on m3: not counted.
constexpr char kTaskEvents[] =
    "610000000,,2,0,2,2,U,0,0,,,,\n"
    "700000000,,1,0,1,2,U,0,0,,,,\n"
    "700000000,,1,1,1,2,U,0,0,,,,\n"
    "700000000,,3,0,3,2,U,0,0,,,,\n"
    "750000000,,5,0,,2,U,0,0,,,,\n"
    "1000000000,,1,0,1,2,U,0,0,,,,\n"
    "2000000000,,2,0,2,2,U,0,0,,,,\n";

std::string Buckets(const std::string& resource, std::map<int, std::string> filled) {
  std::string rows;
  for (int bucket = 0; bucket <= 100; bucket += 10) {
    rows += resource + "," + std::to_string(bucket) + "," +
            (filled.count(bucket) ? filled[bucket] : std::string("0,0,")) + "\n";
  }
  return rows;
}

// Correlations (plain Python, see q10's test): cpu windows in (machine,
// window) order x = [0.7, 1.2, 0.05], y = [2, 1, 1]; memory x = [0.2, 1.2], y = [2, 1].
TEST(Q8UsagePeaksEvictions, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachineEvents);
  trace.AddShard(Table::kTaskEvents, kTaskEvents);
  trace.AddShard(Table::kTaskUsage, kTaskUsage);
  AnalysisRun run(trace.root(), {"q8"});
  EXPECT_EQ(run.Csv("q8/evictions_by_usage.csv"),
            "resource,usage_bucket,windows,evictions,evictions_per_window\n" +
                Buckets("cpu", {{0, "1,1,1"}, {70, "1,2,2"}, {100, "1,1,1"}}) +
                Buckets("memory", {{20, "1,2,2"}, {100, "1,1,1"}}));
  EXPECT_EQ(run.Csv("q8/correlation.csv"),
            "resource,windows,pearson,spearman\n"
            "cpu,3,0.07509392615,0\n"
            "memory,2,-1,-1\n");
  std::string finding = run.Csv("q8/finding.txt");
  EXPECT_NE(finding.find("4 of 7 EVICT rows counted (1 had no machine"), std::string::npos)
      << finding;
  EXPECT_NE(finding.find("3 of 7 EVICT rows counted (1 had no machine"), std::string::npos)
      << finding;
}

// Windows without evictions rank first, tied, and counts tie among
// themselves: m1 (capacity 1) has cpu usage x = [0.1, 0.2, 0.2, 0.4, 0.5] in
// windows 0..4 and y = [0, 2, 0, 2, 1] EVICT rows. Average ranks (plain
// Python): x [1, 2.5, 2.5, 4, 5], y [1.5, 4.5, 1.5, 4.5, 3].
TEST(Q8UsagePeaksEvictions, WindowsWithoutEvictionsAndTiedCounts) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, "0,1,0,P,1,1\n");
  trace.AddShard(Table::kTaskUsage,
                 "0,300000000,1,0,1,0.1," USAGE_TAIL "300000000,600000000,1,0,1,0.2," USAGE_TAIL
                 "600000000,900000000,1,0,1,0.2," USAGE_TAIL
                 "900000000,1200000000,1,0,1,0.4," USAGE_TAIL
                 "1200000000,1500000000,1,0,1,0.5," USAGE_TAIL);
  trace.AddShard(Table::kTaskEvents,
                 "310000000,,1,0,1,2,U,0,0,,,,\n320000000,,1,1,1,2,U,0,0,,,,\n"
                 "910000000,,1,0,1,2,U,0,0,,,,\n920000000,,1,1,1,2,U,0,0,,,,\n"
                 "1210000000,,1,0,1,2,U,0,0,,,,\n");
  AnalysisRun run(trace.root(), {"q8"});
  EXPECT_EQ(run.Csv("q8/evictions_by_usage.csv"),
            "resource,usage_bucket,windows,evictions,evictions_per_window\n" +
                Buckets("cpu", {{10, "1,0,0"}, {20, "2,2,1"}, {40, "1,2,2"}, {50, "1,1,1"}}) +
                Buckets("memory", {}));
  EXPECT_EQ(run.Csv("q8/correlation.csv"),
            "resource,windows,pearson,spearman\n"
            "cpu,5,0.4564354646,0.4866642634\n"
            "memory,0,,\n");
}

}  // namespace
}  // namespace borgscope::testing
