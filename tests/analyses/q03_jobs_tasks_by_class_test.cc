#include <gtest/gtest.h>

#include "analyses/analysis_test_support.h"

namespace borgscope::testing {
namespace {

// Jobs: 1 (class 0), 2 and 3 (class 2), 4 (no class written).
constexpr char kJobEvents[] =
    "0,,1,0,U,0,N,L\n"
    "10,,1,1,U,0,N,L\n"
    "20,,2,0,U,2,N,L\n"
    "30,,3,0,U,2,N,L\n"
    "40,,4,0,U,,N,L\n"
    "50,,3,5,U,2,N,L\n"
    "90,,1,4,U,0,N,L\n";

// Tasks: (1,0) and (1,1) class 0, with (1,1) having two events at the same
// timestamp; (3,0) class 2 killed while pending (empty machine_id); (7,0) and
// (7,4294967296) class 3 (a 64-bit task index), spread over two shards.
constexpr char kTaskEventsShard0[] =
    "0,,1,0,,0,U,0,9,0.125,0.0625,0.0001,0\n"
    "0,,1,1,,0,U,0,9,0.125,0.0625,0.0001,0\n"
    "10,,1,0,5,1,U,0,9,0.125,0.0625,0.0001,0\n"
    "10,,1,1,6,1,U,0,9,,,,\n"
    "30,,3,0,,0,U,2,0,3.815e-05,0.001,,1\n";
constexpr char kTaskEventsShard1[] =
    "40,,3,0,,5,U,2,0,,,,\n"
    "60,,7,0,,0,U,3,11,0.5,0.5,0.5,\n"
    "60,,7,4294967296,,0,U,3,11,0.5,0.5,0.5,\n"
    "90,,1,0,5,4,U,0,9,,,,\n";

TEST(Q3JobsTasksByClass, HandCountedFixture) {
  FixtureTrace trace;
  trace.AddShard(Table::kJobEvents, kJobEvents);
  trace.AddShard(Table::kTaskEvents, kTaskEventsShard0, 0, 2);
  trace.AddShard(Table::kTaskEvents, kTaskEventsShard1, 1, 2);
  AnalysisRun run(trace.root(), {"q3"});
  EXPECT_EQ(run.Csv("q3/jobs_by_class.csv"),
            "scheduling_class,jobs,share\n"
            "0,1,0.25\n"
            "2,2,0.5\n"
            ",1,0.25\n");
  EXPECT_EQ(run.Csv("q3/tasks_by_class.csv"),
            "scheduling_class,tasks,share\n"
            "0,2,0.4\n"
            "2,1,0.2\n"
            "3,2,0.4\n");
  EXPECT_EQ(run.Csv("q3/events_by_class_and_type.csv"),
            "table,scheduling_class,event_type,events\n"
            "job_events,0,SUBMIT,1\n"
            "job_events,0,SCHEDULE,1\n"
            "job_events,0,FINISH,1\n"
            "job_events,2,SUBMIT,2\n"
            "job_events,2,KILL,1\n"
            "job_events,,SUBMIT,1\n"
            "task_events,0,SUBMIT,2\n"
            "task_events,0,SCHEDULE,2\n"
            "task_events,0,FINISH,1\n"
            "task_events,2,SUBMIT,1\n"
            "task_events,2,KILL,1\n"
            "task_events,3,SUBMIT,2\n");
}

// Counted independently of borgscope on the real first shards:
//   zcat job_events/part-00000-of-00500.csv.gz |
//     awk -F, '!s[$3","$6]++{j[$6]++} END{for(c in j) print c, j[c]}'
//   zcat task_events/part-00000-of-00500.csv.gz |
//     awk -F, '!s[$3","$4","$8]++{t[$8]++} END{for(c in t) print c, t[c]}'
//   zcat task_events/part-00000-of-00500.csv.gz | awk -F, '{print $8","$6}' | sort | uniq -c
// (no job or task changes class in these shards, so the classes sum to the
// distinct totals: 4900 jobs, 190926 tasks). Shares: count / total, '%.10g'.
TEST(Q3JobsTasksByClass, RealFirstShards) {
  AnalysisRun run(kSampleDir.string(), {"q3"}, 2);
  EXPECT_EQ(run.Csv("q3/jobs_by_class.csv"),
            "scheduling_class,jobs,share\n"
            "0,919,0.1875510204\n"
            "1,1625,0.3316326531\n"
            "2,1419,0.2895918367\n"
            "3,937,0.1912244898\n");
  EXPECT_EQ(run.Csv("q3/tasks_by_class.csv"),
            "scheduling_class,tasks,share\n"
            "0,94244,0.4936153274\n"
            "1,26699,0.139839519\n"
            "2,41873,0.2193153368\n"
            "3,28110,0.1472298168\n");
  EXPECT_EQ(run.Csv("q3/events_by_class_and_type.csv"),
            "table,scheduling_class,event_type,events\n"
            "job_events,0,SUBMIT,919\n"
            "job_events,0,SCHEDULE,918\n"
            "job_events,0,FAIL,1\n"
            "job_events,0,FINISH,217\n"
            "job_events,0,KILL,124\n"
            "job_events,1,SUBMIT,1625\n"
            "job_events,1,SCHEDULE,1623\n"
            "job_events,1,FAIL,5\n"
            "job_events,1,FINISH,324\n"
            "job_events,1,KILL,33\n"
            "job_events,2,SUBMIT,1419\n"
            "job_events,2,SCHEDULE,1415\n"
            "job_events,2,FAIL,2\n"
            "job_events,2,FINISH,95\n"
            "job_events,2,KILL,99\n"
            "job_events,3,SUBMIT,937\n"
            "job_events,3,SCHEDULE,936\n"
            "job_events,3,KILL,12\n"
            "task_events,0,SUBMIT,98066\n"
            "task_events,0,SCHEDULE,90478\n"
            "task_events,0,EVICT,2864\n"
            "task_events,0,FAIL,372\n"
            "task_events,0,FINISH,41332\n"
            "task_events,0,KILL,4857\n"
            "task_events,1,SUBMIT,27634\n"
            "task_events,1,SCHEDULE,27622\n"
            "task_events,1,EVICT,792\n"
            "task_events,1,FAIL,129\n"
            "task_events,1,FINISH,1754\n"
            "task_events,1,KILL,178\n"
            "task_events,2,SUBMIT,47599\n"
            "task_events,2,SCHEDULE,43824\n"
            "task_events,2,EVICT,662\n"
            "task_events,2,FAIL,44\n"
            "task_events,2,FINISH,151\n"
            "task_events,2,KILL,5202\n"
            "task_events,3,SUBMIT,28192\n"
            "task_events,3,SCHEDULE,28070\n"
            "task_events,3,EVICT,20\n"
            "task_events,3,FAIL,36\n"
            "task_events,3,KILL,268\n");
}

}  // namespace
}  // namespace borgscope::testing
