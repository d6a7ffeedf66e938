#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "analyses/analysis_test_support.h"
#include "analyses/task_fixture.h"

namespace borgscope::testing {
namespace {

const std::string kSummaryHeader =
    "jobs_with_placed_tasks,jobs_multi_task,jobs_multi_task_one_machine,share_one_machine,"
    "jobs_multi_task_all_distinct,share_all_distinct\n";

// See task_fixture.h. Placed tasks: job 10: (10,0) on {m1, m2}, (10,1) on
// {m1} ((10,2) never ran); job 20: both tasks on {m2}; job 30: one task on m3;
// job 40: one task on m1. Jobs with >= 2 placed tasks: 10 and 20; job 20 used
// one machine; no job kept its tasks on distinct machines (m1 is shared in
// job 10). Distinct machines per job: 10 -> 2, 20 -> 1, 30 -> 1, 40 -> 1.
TEST(Q6JobMachineSpread, HandCountedFixture) {
  FixtureTrace trace;
  AddTaskFixture(trace);
  AnalysisRun run(trace.root(), {"q6"});
  EXPECT_EQ(run.Csv("q6/summary.csv"), kSummaryHeader + "4,2,1,0.5,0,0\n");
  EXPECT_EQ(run.Csv("q6/machines_per_job.csv"), "machines,jobs\n1,3\n2,1\n");
}

TEST(Q6JobMachineSpread, AllDistinct) {
  FixtureTrace trace;
  // Job 1: three tasks on machines 5, 6, 7; job 2: a single task.
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,5,1,U,0,0,,,,\n0,,1,1,6,1,U,0,0,,,,\n0,,1,2,7,1,U,0,0,,,,\n"
                 "9,,1,2,7,4,U,0,0,,,,\n0,,2,0,5,1,U,0,0,,,,\n");
  AnalysisRun run(trace.root(), {"q6"});
  EXPECT_EQ(run.Csv("q6/summary.csv"), kSummaryHeader + "2,1,0,0,1,1\n");
  EXPECT_EQ(run.Csv("q6/machines_per_job.csv"), "machines,jobs\n1,1\n3,1\n");
}

// Placements repeated within a shard and across shards, and tasks on a
// second machine, for jobs whose task indices are 0..n-1 (jobs 1 and 4: a
// slot per task) and jobs whose task indices are far apart (2 and 3:
// sorted). Job 1: task 0 on {5, 7}, task 1 on {6}, task 2 on {7}: 3 tasks, 4
// placements, 3 machines. Job 2 likewise with tasks 0, 10^9, 2 * 10^9. Job
// 3: tasks 0 and 5 * 10^9 on 9: one machine. All distinct, each only if
// its repeats count once: job 4 (task 0 on 1, task 1 on 2), job 5 (task 0 on
// 3, task 7 * 10^9 on 4) and job 6 (task 0 on {10, 11}, task 1 on 12).
TEST(Q6JobMachineSpread, RepeatsAndSecondMachinesForDenseAndSparseTasks) {
  FixtureTrace trace;
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,5,1,U,0,0,,,,\n0,,1,1,6,1,U,0,0,,,,\n1,,1,0,5,4,U,0,0,,,,\n"
                 "0,,2,0,5,1,U,0,0,,,,\n0,,2,1000000000,6,1,U,0,0,,,,\n"
                 "0,,3,0,9,1,U,0,0,,,,\n0,,3,5000000000,9,1,U,0,0,,,,\n"
                 "0,,4,0,1,1,U,0,0,,,,\n0,,4,1,2,1,U,0,0,,,,\n0,,5,0,3,1,U,0,0,,,,\n"
                 "0,,5,7000000000,4,1,U,0,0,,,,\n0,,6,0,10,1,U,0,0,,,,\n0,,6,0,11,1,U,0,0,,,,\n",
                 0, 2);
  trace.AddShard(Table::kTaskEvents,
                 "2,,1,0,5,4,U,0,0,,,,\n2,,1,0,7,1,U,0,0,,,,\n2,,1,2,7,1,U,0,0,,,,\n"
                 "3,,1,0,7,4,U,0,0,,,,\n2,,2,0,5,4,U,0,0,,,,\n2,,2,0,7,1,U,0,0,,,,\n"
                 "3,,2,0,7,4,U,0,0,,,,\n2,,2,2000000000,7,1,U,0,0,,,,\n"
                 "2,,3,5000000000,9,4,U,0,0,,,,\n2,,4,1,2,4,U,0,0,,,,\n2,,4,2,,0,U,0,0,,,,\n"
                 "2,,5,7000000000,4,4,U,0,0,,,,\n2,,6,0,11,4,U,0,0,,,,\n2,,6,1,12,1,U,0,0,,,,\n",
                 1, 2);
  AnalysisRun run(trace.root(), {"q6"});
  EXPECT_EQ(run.Csv("q6/summary.csv"), kSummaryHeader + "6,6,1,0.1666666667,3,0.5\n");
  EXPECT_EQ(run.Csv("q6/machines_per_job.csv"), "machines,jobs\n1,1\n2,2\n3,3\n");
}

// The first shard of task_events, counted independently with awk over the rows
// with a machine_id ($5): distinct tasks per job, distinct machines per job,
// and whether some machine holds two of a job's tasks:
//   zcat task_events/part-00000-of-00500.csv.gz | awk -F, '$5 != "" {
//     if (!(($3,$4,$5) in m)) { m[$3,$4,$5]; if (++share[$3,$5] == 2) shared[$3] }
//     if (!(($3,$4) in t)) { t[$3,$4]; tasks[$3]++ }
//     if (!(($3,$5) in jm)) { jm[$3,$5]; machines[$3]++ } }
//     END { for (j in tasks) { placed++; hist[machines[j]]++
//             if (tasks[j] >= 2) { multi++; one += machines[j] == 1; distinct += !(j in shared) } }
//             }'
// gives 4879 jobs placed, 1782 with >= 2 tasks, 1 of them on one machine, 1643
// with every task on its own machines; the histogram starts 1: 3065, 2: 412.
TEST(Q6JobMachineSpread, RealFirstShard) {
  AnalysisRun run(kSampleDir.string(), {"q6"}, 2);
  EXPECT_EQ(run.Csv("q6/summary.csv"),
            kSummaryHeader + "4879,1782,1,0.0005611672278,1643,0.9219977553\n");
  std::string histogram = run.Csv("q6/machines_per_job.csv");
  EXPECT_EQ(histogram.substr(0, histogram.find("5,")),
            "machines,jobs\n1,3065\n2,412\n3,238\n4,74\n");
  uint64_t jobs = 0;
  std::istringstream lines(histogram.substr(histogram.find('\n') + 1));
  for (std::string line; std::getline(lines, line);)
    jobs += std::stoull(line.substr(line.find(',') + 1));
  EXPECT_EQ(jobs, 4879u);  // every placed job in exactly one bucket
}

}  // namespace
}  // namespace borgscope::testing
