#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"
#include "analyses/task_fixture.h"

namespace borgscope::testing {
namespace {

// See task_fixture.h. Priority 0: (10,0), (10,1), (10,2), two evicted once
// each; 2: (40,0) before its update; 4: (40,0) after it, evicted there;
// 9: (20,0), (20,1); 11: (30,0).
TEST(Q5PriorityEviction, HandCountedFixture) {
  FixtureTrace trace;
  AddTaskFixture(trace);
  AnalysisRun run(trace.root(), {"q5"});
  EXPECT_EQ(run.Csv("q5/eviction_by_priority.csv"),
            "priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task\n"
            "0,3,2,0.6666666667,2,0.6666666667\n"
            "2,1,0,0,0,0\n"
            "4,1,1,1,1,1\n"
            "9,2,0,0,0,0\n"
            "11,1,0,0,0,0\n");
}

TEST(Q5PriorityEviction, RepeatedEvictionsOfOneTask) {
  FixtureTrace trace;
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,7,1,U,0,0,,,,\n1,,1,0,7,2,U,0,0,,,,\n2,,1,0,7,1,U,0,0,,,,\n"
                 "3,,1,0,7,2,U,0,0,,,,\n4,,1,1,7,1,U,0,0,,,,\n");
  AnalysisRun run(trace.root(), {"q5"});
  EXPECT_EQ(run.Csv("q5/eviction_by_priority.csv"),
            "priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task\n"
            "0,2,1,0.5,2,1\n");
}

}  // namespace
}  // namespace borgscope::testing
