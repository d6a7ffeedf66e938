#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"
#include "analyses/task_fixture.h"

namespace borgscope::testing {
namespace {

// See task_fixture.h. Placed tasks: job 10: (10,0) on {m1, m2}, (10,1) on
// {m1} ((10,2) never ran); job 20: both tasks on {m2}; job 30: one task on m3;
// job 40: one task on m1. Jobs with >= 2 placed tasks: 10 and 20; job 20 used
// one machine; no job kept its tasks on distinct machines (m1 is shared in
// job 10). Distinct machines per job: 10 -> 2, 20 -> 1, 30 -> 1, 40 -> 1.
TEST(Q6JobMachineSpread, HandCountedFixture) {
  FixtureTrace trace;
  AddTaskFixture(trace);
  AnalysisRun run(trace.root(), {"q6"});
  EXPECT_EQ(run.Csv("q6/summary.csv"),
            "jobs_with_placed_tasks,jobs_multi_task,jobs_multi_task_one_machine,share_one_machine,"
            "jobs_multi_task_all_distinct,share_all_distinct\n"
            "4,2,1,0.5,0,0\n");
  EXPECT_EQ(run.Csv("q6/machines_per_job.csv"), "machines,jobs\n1,3\n2,1\n");
}

TEST(Q6JobMachineSpread, AllDistinct) {
  FixtureTrace trace;
  // Job 1: three tasks on machines 5, 6, 7; job 2: a single task.
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,5,1,U,0,0,,,,\n0,,1,1,6,1,U,0,0,,,,\n0,,1,2,7,1,U,0,0,,,,\n"
                 "9,,1,2,7,4,U,0,0,,,,\n0,,2,0,5,1,U,0,0,,,,\n");
  AnalysisRun run(trace.root(), {"q6"});
  EXPECT_EQ(run.Csv("q6/summary.csv"),
            "jobs_with_placed_tasks,jobs_multi_task,jobs_multi_task_one_machine,share_one_machine,"
            "jobs_multi_task_all_distinct,share_all_distinct\n"
            "2,1,0,0,1,1\n");
  EXPECT_EQ(run.Csv("q6/machines_per_job.csv"), "machines,jobs\n1,1\n3,1\n");
}

}  // namespace
}  // namespace borgscope::testing
