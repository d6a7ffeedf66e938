#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

// Machine 2's first ADD has empty capacity, filled by a later UPDATE; machine
// 3 is updated to a new capacity; machine 1's REMOVE carries empty capacity
// (which must not erase it); machine 5 never has a capacity; machine 6 has two
// events at the same timestamp (the later line wins).
constexpr char kMachineEvents[] =
    "0,1,0,P,0.5,0.2493\n"
    "0,2,0,P,,\n"
    "0,3,0,P,1,1\n"
    "0,5,0,P,,\n"
    "100,6,0,P,0.5,0.5\n"
    "100,6,2,P,1,1\n"
    "5000000000,2,2,P,0.5,0.4995\n"
    "6000000000,3,2,P,0.5,0.749\n"
    "7000000000,1,1,P,,\n"
    "8000000000,4,0,P,0.25,0.2498\n";

TEST(Q1MachinesByCpu, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachineEvents);
  AnalysisRun run(trace.root(), {"q1"});
  // 6 machines: 4 -> 0.25; 1, 2, 3 -> 0.5; 6 -> 1; 5 unknown.
  EXPECT_EQ(run.Csv("q1/machines_by_cpu.csv"),
            "cpus,machines,share\n"
            "0.25,1,0.1666666667\n"
            "0.5,3,0.5\n"
            "1,1,0.1666666667\n"
            ",1,0.1666666667\n");
  EXPECT_EQ(run.Csv("q1/machines_by_config.csv"),
            "cpus,memory,machines,share\n"
            "0.25,0.2498,1,0.1666666667\n"
            "0.5,0.2493,1,0.1666666667\n"
            "0.5,0.4995,1,0.1666666667\n"
            "0.5,0.749,1,0.1666666667\n"
            "1,1,1,0.1666666667\n"
            ",,1,0.1666666667\n");
  EXPECT_NE(run.Csv("q1/finding.txt").find("6 distinct machines"), std::string::npos);
}

// Counted independently of borgscope on the complete machine_events table:
//   zcat machine_events/part-00000-of-00001.csv.gz | sort -t, -k1,1n -s |
//   awk -F, '{if($5!="")c[$2]=$5; if($6!="")m[$2]=$6; seen[$2]=1}
//            END{for(k in seen){bc[c[k]]++; bm[c[k]","m[k]]++} ...}'
// (sort -s keeps file order among equal times: trace order in one shard).
// 12583 machines; every machine has a capacity at some point. Shares are
// count / 12583 printed with Python's '%.10g'.
TEST(Q1MachinesByCpu, RealMachineEvents) {
  AnalysisRun run((kSampleDir).string(), {"q1"}, 2);
  EXPECT_EQ(run.Csv("q1/machines_by_cpu.csv"),
            "cpus,machines,share\n"
            "0.25,126,0.01001351029\n"
            "0.5,11659,0.9265675912\n"
            "1,798,0.06341889851\n");
  EXPECT_EQ(run.Csv("q1/machines_by_config.csv"),
            "cpus,memory,machines,share\n"
            "0.25,0.2498,126,0.01001351029\n"
            "0.5,0.03085,5,0.0003973615195\n"
            "0.5,0.06158,1,7.94723039e-05\n"
            "0.5,0.1241,52,0.004132559803\n"
            "0.5,0.2493,3863,0.30700151\n"
            "0.5,0.4995,6732,0.5350075499\n"
            "0.5,0.749,1001,0.07955177621\n"
            "0.5,0.9678,5,0.0003973615195\n"
            "1,0.5,3,0.0002384169117\n"
            "1,1,795,0.0631804816\n");
}

}  // namespace
}  // namespace borgscope::testing
