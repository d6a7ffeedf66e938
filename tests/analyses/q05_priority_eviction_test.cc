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

// The first shard of task_events, counted independently with awk:
//   zcat task_events/part-00000-of-00500.csv.gz | awk -F, '
//     { t=$3 SUBSEP $4; if (!(($9,t) in seen)) { seen[$9,t]; tasks[$9]++ }
//       if ($6==2) { events[$9]++; if (!(($9,t) in ev)) { ev[$9,t]; evicted[$9]++ } } }
//     END { for (p in tasks) print p, tasks[p], evicted[p]+0, events[p]+0 }'
// (the priorities' tasks sum to the 190926 distinct tasks: no task changes
// priority here). Ratios printed with '%.10g', as python3 prints them.
TEST(Q5PriorityEviction, RealFirstShard) {
  AnalysisRun run(kSampleDir.string(), {"q5"}, 2);
  EXPECT_EQ(run.Csv("q5/eviction_by_priority.csv"),
            "priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task\n"
            "0,46226,3799,0.08218318695,4208,0.0910310215\n"
            "1,18122,49,0.002703895817,52,0.002869440459\n"
            "2,66868,53,0.0007926063289,55,0.0008225160017\n"
            "8,3366,0,0,0,0\n"
            "9,48992,22,0.0004490529066,22,0.0004490529066\n"
            "10,811,1,0.001233045623,1,0.001233045623\n"
            "11,6541,0,0,0,0\n");
}

}  // namespace
}  // namespace borgscope::testing
