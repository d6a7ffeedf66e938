#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

// The input task_outcomes keeps classes 0..3 and priorities 0..15 as bits of
// a task's value and any other class or priority (and the empty class) in a
// (task, group) table beside it; q3, q4 and q5 read both. Tasks here mix the
// two within one task, over two shards (class 4 is the first without a bit):
//   (1,0): SUBMIT c1 p3, EVICT c4 p3, KILL c(empty) p20 | EVICT c1 p20
//   (1,1): SUBMIT c4 p20, EVICT c4 p20
//   (2,0): | SUBMIT c1 p3, FINISH c1 p3
constexpr char kShard0[] =
    "0,,1,0,,0,U,1,3,,,,\n"
    "10,,1,0,5,2,U,4,3,,,,\n"
    "20,,1,0,5,5,U,,20,,,,\n"
    "0,,1,1,,0,U,4,20,,,,\n"
    "10,,1,1,5,2,U,4,20,,,,\n";
constexpr char kShard1[] =
    "30,,1,0,5,2,U,1,20,,,,\n"
    "5,,2,0,,0,U,1,3,,,,\n"
    "15,,2,0,5,4,U,1,3,,,,\n";

class TaskOutcomes : public ::testing::TestWithParam<int> {};

TEST_P(TaskOutcomes, ClassesAndPrioritiesWithAndWithoutBits) {
  FixtureTrace trace;
  trace.AddShard(Table::kJobEvents, "0,,1,0,U,1,N,L\n0,,2,0,U,1,N,L\n");
  trace.AddShard(Table::kTaskEvents, kShard0, 0, 2);
  trace.AddShard(Table::kTaskEvents, kShard1, 1, 2);
  AnalysisRun run(trace.root(), {"q3", "q4", "q5"}, GetParam());
  // Class 1: (1,0) and (2,0); class 4: (1,0) and (1,1); empty: (1,0).
  EXPECT_EQ(run.Csv("q3/tasks_by_class.csv"),
            "scheduling_class,tasks,share\n"
            "1,2,0.6666666667\n"
            "4,2,0.6666666667\n"
            ",1,0.3333333333\n");
  // Evicted under class 1: (1,0)'s last row; under class 4: (1,0) and
  // (1,1); killed under the empty class: (1,0); finished: (2,0).
  EXPECT_EQ(run.Csv("q4/task_outcomes.csv"),
            "scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events\n"
            "0,0,0,0,0,0,0,0\n"
            "1,2,1,0,0,0,1,1\n"
            "2,0,0,0,0,0,0,0\n"
            "3,0,0,0,0,0,0,0\n"
            "4,2,2,0,0,0,0,2\n"
            ",1,0,1,0,0,0,0\n"
            "all,3,2,1,0,0,1,3\n");
  // Priority 3: (1,0) evicted there, (2,0); 20: (1,0) and (1,1), both
  // evicted there (the KILL of (1,0) is not an eviction).
  EXPECT_EQ(run.Csv("q5/eviction_by_priority.csv"),
            "priority,tasks,evicted_tasks,probability,evict_events,evict_events_per_task\n"
            "3,2,1,0.5,1,0.5\n"
            "20,2,2,1,2,1\n");
}

INSTANTIATE_TEST_SUITE_P(Threads, TaskOutcomes, ::testing::Values(1, 2));

}  // namespace
}  // namespace borgscope::testing
