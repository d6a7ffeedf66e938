// `borgscope analyze` end to end, through the binary.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace borgscope::testing {
namespace {

// Every result file under `out` except metrics.json (which holds timings).
std::map<std::string, std::string> ResultFiles(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file() || entry.path().filename() == "metrics.json") continue;
    files[fs::relative(entry.path(), out).string()] = ReadText(entry.path());
  }
  return files;
}

TEST(AnalyzeCli, SameResultsForOneAndTwoThreadsOnRealShards) {
  TempDir one, two;
  std::string output;
  ASSERT_EQ(RunBinary("analyze --quiet --threads 1 --trace " + kSampleDir.string() + " --out " +
                          one.path().string(),
                      &output),
            0)
      << output;
  ASSERT_EQ(RunBinary("analyze --quiet --threads 2 --trace " + kSampleDir.string() + " --out " +
                          two.path().string()),
            0);
  auto files = ResultFiles(one.path());
  EXPECT_TRUE(files.count("q1/machines_by_cpu.csv"));
  EXPECT_TRUE(files.count("q2/power_lost.csv"));
  EXPECT_TRUE(files.count("q3/events_by_class_and_type.csv"));
  EXPECT_EQ(files, ResultFiles(two.path()));
}

TEST(AnalyzeCli, SameResultsTogetherOrAlone) {
  TempDir all, alone;
  ASSERT_EQ(RunBinary("analyze --quiet --trace " + kSampleDir.string() + " --out " +
                      all.path().string()),
            0);
  auto together = ResultFiles(all.path());
  for (const char* id : {"q1", "q2", "q3"}) {
    fs::path out = alone.path() / id;
    ASSERT_EQ(RunBinary(std::string("analyze --quiet --only ") + id + " --trace " +
                        kSampleDir.string() + " --out " + out.string()),
              0);
    auto files = ResultFiles(out);
    ASSERT_FALSE(files.empty());
    for (const auto& [name, text] : files) {
      EXPECT_EQ(text, together[name]) << name;
      EXPECT_EQ(name.substr(0, name.find('/')), id);  // nothing else ran
    }
  }
}

TEST(AnalyzeCli, MetricsJson) {
  TempDir out;
  ASSERT_EQ(RunBinary("analyze --quiet --trace " + kSampleDir.string() + " --out " +
                      out.path().string()),
            0);
  auto metrics = nlohmann::json::parse(ReadText(out.path() / "metrics.json"));
  // zcat <shard> | wc -l, and ls -l for the compressed sizes.
  EXPECT_EQ(metrics["tables"]["machine_events"]["rows"], 37780);
  EXPECT_EQ(metrics["tables"]["machine_events"]["compressed_bytes"], 347211);
  EXPECT_EQ(metrics["tables"]["machine_events"]["uncompressed_bytes"], 2908858);
  EXPECT_EQ(metrics["tables"]["job_events"]["rows"], 10704);
  EXPECT_EQ(metrics["tables"]["task_events"]["rows"], 450146);
  EXPECT_EQ(metrics["tables"]["task_events"]["shards"], 1);
  EXPECT_EQ(metrics["tables"]["task_events"]["bad_rows"], 0);
  EXPECT_GT(metrics["peak_rss_bytes"].get<uint64_t>(), 0u);
  EXPECT_TRUE(metrics["analyses"].contains("q3"));
  EXPECT_GE(metrics["analyses"]["q3"]["consume_cpu_seconds"].get<double>(), 0.0);
  // The sample has 1 of 500 shards of task_events: noted, not an error.
  EXPECT_NE(metrics["notes"].dump().find("task_events: 1 of 500 shards present"),
            std::string::npos);
}

constexpr char kMachines[] = "0,1,0,P,0.5,0.5\n0,2,0,P,1,1\n";
constexpr char kJobs[] = "0,,1,0,U,0,N,L\n";

TEST(AnalyzeCli, MissingTablesSkipWithoutOnlyAndFailWithOnly) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  TempDir out;
  std::string output;
  ASSERT_EQ(RunBinary("analyze --trace " + trace.root() + " --out " + out.path().string(), &output),
            0)
      << output;
  EXPECT_NE(output.find("q3: skipped, needs job_events, task_events, which is not in the trace"),
            std::string::npos)
      << output;
  EXPECT_TRUE(fs::exists(out.path() / "q1/machines_by_cpu.csv"));
  EXPECT_FALSE(fs::exists(out.path() / "q3"));

  EXPECT_EQ(RunBinary("analyze --only q1,q3 --trace " + trace.root() + " --out " +
                          out.path().string(),
                      &output),
            2);
  EXPECT_NE(output.find("q3 needs table(s) job_events, task_events, not found in"),
            std::string::npos)
      << output;
  EXPECT_EQ(RunBinary("analyze --only q99 --trace " + trace.root(), &output), 2);
  EXPECT_NE(output.find("unknown analysis 'q99'"), std::string::npos) << output;
}

TEST(AnalyzeCli, BadRowStopsWithItsPositionOrIsSkipped) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  trace.AddShard(Table::kJobEvents, kJobs);
  trace.AddShard(Table::kTaskEvents, "0,,1,0,,0,U,0,9,,,,\n", 0, 2);
  trace.AddShard(Table::kTaskEvents, "5,,1,0,,1,U,0,9,,,,\n6,,1,0,,12,U,0,9,,,,\n7,,1,1,,0,U,0,9,,,,\n",
                 1, 2);
  TempDir out;
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet --trace " + trace.root() + " --out " + out.path().string(),
                      &output),
            1);
  EXPECT_NE(output.find("bad row in task_events part-00001-of-00002.csv.gz: line 2, column 5 "
                        "(event_type): value outside the column's enum: '12' in row "
                        "'6,,1,0,,12,U,0,9,,,,'"),
            std::string::npos)
      << output;

  EXPECT_EQ(RunBinary("analyze --on-error=skip --trace " + trace.root() + " --out " +
                          out.path().string(),
                      &output),
            0)
      << output;
  EXPECT_NE(output.find("task_events: skipped 1 bad rows"), std::string::npos) << output;
  auto metrics = nlohmann::json::parse(ReadText(out.path() / "metrics.json"));
  EXPECT_EQ(metrics["bad_rows"], 1);
  EXPECT_EQ(metrics["tables"]["task_events"]["bad_rows"], 1);
  EXPECT_EQ(metrics["tables"]["task_events"]["rows"], 3);
  // The skipped row is not counted: 2 distinct tasks, 3 events.
  EXPECT_EQ(ReadText(out.path() / "q3/tasks_by_class.csv"), "scheduling_class,tasks,share\n0,2,1\n");
}

TEST(AnalyzeCli, CorruptShardIsAnErrorNamingTheFile) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  fs::path shard = fs::path(trace.root()) / "machine_events" / "part-00000-of-00001.csv.gz";
  std::string bytes = ReadText(shard);
  WriteBytes(shard, bytes.substr(0, bytes.size() - 4));
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet --trace " + trace.root() + " --out " + trace.root() + "/o",
                      &output),
            1);
  EXPECT_NE(output.find(shard.string() + ": truncated gzip data"), std::string::npos) << output;
}

TEST(AnalyzeCli, ShardRangeSelectsShards) {
  FixtureTrace trace;
  trace.AddShard(Table::kJobEvents, "0,,1,0,U,0,N,L\n", 0, 3);
  trace.AddShard(Table::kJobEvents, "1,,2,0,U,1,N,L\n", 1, 3);
  trace.AddShard(Table::kJobEvents, "2,,3,0,U,1,N,L\n", 2, 3);
  trace.AddShard(Table::kTaskEvents, "0,,1,0,,0,U,0,9,,,,\n", 0, 3);
  trace.AddShard(Table::kTaskEvents, "1,,2,0,,0,U,1,9,,,,\n", 1, 3);
  trace.AddShard(Table::kTaskEvents, "2,,3,0,,0,U,1,9,,,,\n", 2, 3);
  TempDir out;
  ASSERT_EQ(RunBinary("analyze --quiet --only q3 --shards 1-2 --trace " + trace.root() +
                      " --out " + out.path().string()),
            0);
  EXPECT_EQ(ReadText(out.path() / "q3/jobs_by_class.csv"), "scheduling_class,jobs,share\n1,2,1\n");
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet --only q3 --shards 1-5 --trace " + trace.root() +
                          " --out " + out.path().string(),
                      &output),
            0)
      << output;
  EXPECT_EQ(RunBinary("analyze --shards 9-3 --trace " + trace.root(), &output), 2);
}

}  // namespace
}  // namespace borgscope::testing
