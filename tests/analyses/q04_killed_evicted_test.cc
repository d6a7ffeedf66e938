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

// The first shard of task_events and job_events, counted independently with
// awk over (class, task) and (class, job) pairs and their outcome events:
//   zcat task_events/part-00000-of-00500.csv.gz | awk -F, '
//     { t=$3 SUBSEP $4; if (!(($8,t) in seen)) { seen[$8,t]; n[$8]++ }
//       if (!(t in all)) { all[t]; n["all"]++ }
//       if ($6==2) name="evicted"; else if ($6==5) name="killed"; ... (3 failed, 6 lost, 4
//       finished) if (name != "" && !((name,$8,t) in o)) { o[name,$8,t]; count[name,$8]++ } ... if
//       ($6==2) { evict_events[$8]++; evict_events["all"]++ } }'
// and the same over job_events ($3 job, $6 class, $4 type). Probabilities are
// evicted / tasks, printed with '%.10g' (python3 -c "print('%.10g' % (2715/94244))").
TEST(Q4KilledEvicted, RealFirstShards) {
  AnalysisRun run(kSampleDir.string(), {"q4"}, 2);
  EXPECT_EQ(run.Csv("q4/task_outcomes.csv"),
            "scheduling_class,tasks,evicted,killed,failed,lost,finished,evict_events\n"
            "0,94244,2715,4774,216,0,41259,2864\n"
            "1,26699,704,178,75,0,1741,792\n"
            "2,41873,487,334,12,0,151,662\n"
            "3,28110,18,268,19,0,0,20\n"
            "all,190926,3924,5554,322,0,43151,4338\n");
  EXPECT_EQ(run.Csv("q4/job_outcomes.csv"),
            "scheduling_class,jobs,evicted,killed,failed,lost,finished\n"
            "0,919,0,124,1,0,217\n"
            "1,1625,0,33,5,0,324\n"
            "2,1419,0,99,2,0,95\n"
            "3,937,0,12,0,0,0\n"
            "all,4900,0,268,8,0,636\n");
  EXPECT_EQ(run.Csv("q4/eviction_by_class.csv"),
            "scheduling_class,tasks,evicted_tasks,probability\n"
            "0,94244,2715,0.02880819999\n"
            "1,26699,704,0.02636802877\n"
            "2,41873,487,0.01163040623\n"
            "3,28110,18,0.0006403415155\n"
            "all,190926,3924,0.02055246535\n");
}

}  // namespace
}  // namespace borgscope::testing
