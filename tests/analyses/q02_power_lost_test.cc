#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

// H = one hour in microseconds. trace_end = 100H (machine 4's last UPDATE).
//  m1 (0.5 CPU): ADD 0, REMOVE 10H, ADD 12H (2h offline), REMOVE 50H,
//                REMOVE 51H (repeated: the first counts), ADD 60H (10h offline).
//  m2 (1 CPU):   ADD 0, REMOVE 90H, never back: removed for good (10h to the end).
//  m3 (0.25):    ADD 20H (added late), REMOVE 40H, ADD 40H+5min (5 min offline).
//  m4:           ADD 0 with empty capacity, UPDATE 1H gives 0.5 CPU.
// capacity = 0.5*100H + 1*100H + 0.25*80H + 0.5*100H = 220 CPU-hours
//          = 792e9 CPU-us.
// lost = 0.5*2H + 0.5*10H + 0.25*5min = 3.6e9 + 18e9 + 75e6 = 21675000000 CPU-us.
// lost_percent = 21.675/792*100; incl. removed: (21.675+36)/792*100.
constexpr char kMachineEvents[] =
    "0,1,0,P,0.5,0.5\n"
    "0,2,0,P,1,1\n"
    "0,4,0,P,,\n"
    "3600000000,4,2,P,0.5,0.5\n"
    "36000000000,1,1,P,,\n"
    "43200000000,1,0,P,0.5,0.5\n"
    "72000000000,3,0,P,0.25,0.25\n"
    "108000000000,3,2,P,0.25,0.25\n"
    "144000000000,3,1,P,,\n"
    "144300000000,3,0,P,0.25,0.25\n"
    "180000000000,1,1,P,,\n"
    "183600000000,1,1,P,,\n"
    "216000000000,1,0,P,0.5,0.5\n"
    "324000000000,2,1,P,,\n"
    "360000000000,4,2,P,0.5,0.5\n";

TEST(Q2PowerLost, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachineEvents);
  AnalysisRun run(trace.root(), {"q2"});
  EXPECT_EQ(run.Csv("q2/power_lost.csv"),
            "offline_periods,machines_with_offline_period,lost_cpu_us,capacity_cpu_us,"
            "lost_percent,machines_removed_for_good,lost_percent_incl_removed\n"
            "3,2,21675000000,792000000000,2.736742424,1,7.28219697\n");
  EXPECT_EQ(run.Csv("q2/offline_periods_by_length.csv"),
            "length_bucket,periods,lost_cpu_us\n"
            "<15m,1,75000000\n"
            "15m-1h,0,0\n"
            "1h-6h,1,3600000000\n"
            "6h-1d,1,18000000000\n"
            "1d-7d,0,0\n"
            ">=7d,0,0\n");
}

// Computed independently of borgscope with Python's exact Decimal arithmetic
// over the complete machine_events table:
//   python3 tests/analyses/reference/q02_power_lost.py
//   ../shared/data/clusterdata-2011-2-sample/machine_events/part-00000-of-00001.csv.gz
// (rows sorted by (time, line), the REMOVE -> ADD state machine of the
// definition, cpus = last non-empty value; percents printed with '%.10g').
TEST(Q2PowerLost, RealMachineEvents) {
  AnalysisRun run(kSampleDir.string(), {"q2"}, 2);
  EXPECT_EQ(run.Csv("q2/power_lost.csv"),
            "offline_periods,machines_with_offline_period,lost_cpu_us,capacity_cpu_us,"
            "lost_percent,machines_removed_for_good,lost_percent_incl_removed\n"
            "8860,5097,80273246292457.75,16662724266846015.25,0.4817534336,97,0.6873314059\n");
  EXPECT_EQ(run.Csv("q2/offline_periods_by_length.csv"),
            "length_bucket,periods,lost_cpu_us\n"
            "<15m,3664,667780849553.5\n"
            "15m-1h,2473,1608113270278.25\n"
            "1h-6h,1507,7479933697420.5\n"
            "6h-1d,728,16147159149077.75\n"
            "1d-7d,470,48285562962231.25\n"
            ">=7d,18,6084696363896.5\n");
}

}  // namespace
}  // namespace borgscope::testing
