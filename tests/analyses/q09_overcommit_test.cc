#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

#define USAGE_TAIL ",,,,,,,,,,,,,\n"

// m1 0.5/0.5: up from 0, REMOVEd at 2000 s, back at 2500 s. m2 1/1: always
// up. m3: no capacity (not counted).
constexpr char kMachineEvents[] =
    "0,1,0,P,0.5,0.5\n0,2,0,P,1,1\n0,3,0,P,,\n"
    "2000000000,1,1,P,,\n2500000000,1,0,P,0.5,0.5\n";

// T1 (1,0): 0.25/0.25, runs on m1 from 1000 s to its FINISH at 3000 s.
// T2 (1,1): 0.25/0.1, then an UPDATE_PENDING to cpu 0.375 (memory empty:
//   stays 0.1); runs on m1 from 1500 s to its EVICT at 2200 s, then on m2 from
//   2600 s to the end (4000 s, the last task_events timestamp).
// T3 (2,0): 0.5/0.5 on m2 from 400 s (before the observed window) to 1200 s.
// T4 (3,0): SUBMIT at 4000 s only.
constexpr char kTaskEvents[] =
    "0,,1,0,,0,U,0,0,0.25,0.25,,\n"
    "0,,1,1,,0,U,0,0,0.25,0.1,,\n"
    "0,,2,0,,0,U,0,0,0.5,0.5,,\n"
    "400000000,,2,0,2,1,U,0,0,,,,\n"
    "500000000,,1,1,,7,U,0,0,0.375,,,\n"
    "1000000000,,1,0,1,1,U,0,0,,,,\n"
    "1200000000,,2,0,2,5,U,0,0,,,,\n"
    "1500000000,,1,1,1,1,U,0,0,,,,\n"
    "2200000000,,1,1,1,2,U,0,0,,,,\n"
    "2600000000,,1,1,2,1,U,0,0,,,,\n"
    "3000000000,,1,0,1,4,U,0,0,,,,\n"
    "4000000000,,3,0,,0,U,0,0,,,,\n";

// Observed [600 s, 4000 s]. m1 up: [600, 2000) + [2500, 4000) = 2900 s; its
// cpu requests: 0.25 on [1000, 1500), 0.625 > 0.5 on [1500, 2200) of which
// [1500, 2000) is up time: 500 s over-committed; memory at most 0.35.
// m2 up 3400 s, requests never above 1. Totals: up 6300 s, cpu over 500 s
// (500/6300 = 0.07936507937), memory never.
constexpr char kHeader[] =
    "resource,machines,machines_ever_overcommitted,overcommitted_machine_time_share,"
    "usage_over_capacity_window_share,up_machine_time_us,overcommitted_machine_time_us,"
    "windows,windows_over_capacity\n";

TEST(Q9Overcommit, HandCountedFixtureWithoutTaskUsage) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachineEvents);
  trace.AddShard(Table::kTaskEvents, kTaskEvents);
  AnalysisRun run(trace.root(), {"q9"});
  EXPECT_EQ(run.Csv("q9/overcommit.csv"), std::string(kHeader) +
                                              "cpu,2,1,0.07936507937,,6300000000,500000000,,\n"
                                              "memory,2,0,0,,6300000000,0,,\n");
}

// With task_usage: m1's window [900 s, 1200 s) averages 0.6 > 0.5 (over);
// m2's 0.5 <= 1 (not); no memory values, so no memory windows.
TEST(Q9Overcommit, WindowColumnsFromTaskUsage) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachineEvents);
  trace.AddShard(Table::kTaskEvents, kTaskEvents);
  trace.AddShard(Table::kTaskUsage, "900000000,1200000000,1,0,1,0.6," USAGE_TAIL
                                    "900000000,1200000000,2,0,2,0.5," USAGE_TAIL);
  AnalysisRun run(trace.root(), {"q9"});
  EXPECT_EQ(run.Csv("q9/overcommit.csv"), std::string(kHeader) +
                                              "cpu,2,1,0.07936507937,0.5,6300000000,500000000,2,1\n"
                                              "memory,2,0,0,,6300000000,0,0,0\n");
}

}  // namespace
}  // namespace borgscope::testing
