#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"
#include "analyses/task_fixture.h"

namespace borgscope::testing {
namespace {

// See task_fixture.h. EVICT rows: two on m1 at 300, one on m1 at 140 (task
// (40,0)); m2 and m3 have none. Capacities (cpu, memory): m1 0.5/0.5, m2 1/1,
// m3 0.5/0.25 (its first ADD was empty). Correlations over machines in id
// order, cpu x = [0.5, 1, 0.5], memory x = [0.5, 1, 0.25], y = [3, 0, 0],
// computed with a plain Python Pearson and average-rank Spearman:
// cpu -0.5 / -0.5; memory -0.1889822365 / 0.
TEST(Q10CapacityEvictions, HandCountedFixture) {
  FixtureTrace trace;
  AddTaskFixture(trace);
  AnalysisRun run(trace.root(), {"q10"});
  EXPECT_EQ(run.Csv("q10/evictions_by_capacity.csv"),
            "resource,capacity,machines,evictions,evictions_per_machine\n"
            "cpu,0.5,2,3,1.5\n"
            "cpu,1,1,0,0\n"
            "memory,0.25,1,0,0\n"
            "memory,0.5,1,3,3\n"
            "memory,1,1,0,0\n");
  EXPECT_EQ(run.Csv("q10/correlation.csv"),
            "resource,machines,pearson,spearman\n"
            "cpu,3,-0.5,-0.5\n"
            "memory,3,-0.1889822365,0\n");
}

}  // namespace
}  // namespace borgscope::testing
