#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"
#include "analyses/task_fixture.h"

namespace borgscope::testing {
namespace {

// See task_fixture.h. Class 0: (10,0) evicted+finished, (10,1) evicted+killed,
// (10,2) killed while pending; class 2: (20,0) failed, (20,1) lost; class 3:
// (30,0) finished; class 5: (40,0) evicted. Class 1 has no task but is listed.
TEST(Q4KilledEvicted, HandCountedFixture) {
  FixtureTrace trace;
  AddTaskFixture(trace);
  AnalysisRun run(trace.root(), {"q4"});
  EXPECT_EQ(run.Csv("q4/task_outcomes.csv"),
            "scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events\n"
            "0,3,2,2,0,0,1,2\n"
            "1,0,0,0,0,0,0,0\n"
            "2,2,0,0,1,1,0,0\n"
            "3,1,0,0,0,0,1,0\n"
            "5,1,1,0,0,0,0,1\n"
            "all,7,3,2,1,1,2,3\n");
  // Jobs: 10 c0 finished; 50 c1 evicted; 20 c2 failed; 30 c3 killed; 40 c5 lost.
  EXPECT_EQ(run.Csv("q4/job_outcomes.csv"),
            "scheduling_class,jobs,evicted,killed,failed,lost,finished\n"
            "0,1,0,0,0,0,1\n"
            "1,1,1,0,0,0,0\n"
            "2,1,0,0,1,0,0\n"
            "3,1,0,1,0,0,0\n"
            "5,1,0,0,0,1,0\n"
            "all,5,1,1,1,1,1\n");
  EXPECT_EQ(run.Csv("q4/eviction_by_class.csv"),
            "scheduling_class,tasks,evicted_tasks,probability\n"
            "0,3,2,0.6666666667\n"
            "1,0,0,\n"
            "2,2,0,0\n"
            "3,1,0,0\n"
            "5,1,1,1\n"
            "all,7,3,0.4285714286\n");
}

// A task whose rows carry two classes counts once under each, once in `all`.
TEST(Q4KilledEvicted, AllCountsDistinctTasks) {
  FixtureTrace trace;
  trace.AddShard(Table::kJobEvents, "0,,1,0,U,0,N,L\n");
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,,0,U,0,9,,,,\n10,,1,0,5,1,U,1,9,,,,\n20,,1,0,5,2,U,1,9,,,,\n");
  AnalysisRun run(trace.root(), {"q4"});
  EXPECT_EQ(run.Csv("q4/task_outcomes.csv"),
            "scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events\n"
            "0,1,0,0,0,0,0,0\n"
            "1,1,1,0,0,0,0,1\n"
            "2,0,0,0,0,0,0,0\n"
            "3,0,0,0,0,0,0,0\n"
            "all,1,1,0,0,0,0,1\n");
}

}  // namespace
}  // namespace borgscope::testing
