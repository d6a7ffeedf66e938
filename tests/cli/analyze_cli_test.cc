// `borgscope analyze` end to end, through the binary.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "report/report_html.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

std::map<std::string, std::string> Analyze(const std::string& trace, const fs::path& out,
                                           const std::string& flags) {
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet " + flags + " --trace " + trace + " --out " + out.string(),
                      &output),
            0)
      << output;
  return ResultFiles(out);
}

// A generated trace with all six tables (task_usage too), small enough for a test.
const std::string& GeneratedTrace() { return testing::GeneratedTrace("0.01", 7); }

// Output of 1 and 2 threads identical, byte for byte, CSVs, findings and plots.
void ExpectSameForOneAndTwoThreads(const std::string& trace, size_t min_analyses) {
  TempDir one, two;
  auto files = Analyze(trace, one.path(), "--threads 1");
  std::set<std::string> analyses;
  for (const auto& [name, text] : files) analyses.insert(name.substr(0, name.find('/')));
  EXPECT_GE(analyses.size(), min_analyses);
  EXPECT_TRUE(files.count("q3/events_by_class_and_type.csv"));
  EXPECT_TRUE(files.count("q3/finding.txt"));
  EXPECT_EQ(files, Analyze(trace, two.path(), "--threads 2"));
}

// Each analysis run alone (--only) writes exactly its files of the run of all.
void ExpectSameTogetherOrAlone(const std::string& trace, size_t min_analyses) {
  TempDir all, alone;
  auto together = Analyze(trace, all.path(), "");
  std::set<std::string> analyses;
  for (const auto& [name, text] : together) analyses.insert(name.substr(0, name.find('/')));
  EXPECT_GE(analyses.size(), min_analyses);
  for (const std::string& id : analyses) {
    auto files = Analyze(trace, alone.path() / id, "--only " + id);
    size_t in_together = 0;
    for (const auto& [name, text] : together) in_together += name.rfind(id + "/", 0) == 0;
    EXPECT_EQ(files.size(), in_together) << id;
    for (const auto& [name, text] : files) {
      EXPECT_EQ(text, together[name]) << name;
      EXPECT_EQ(name.substr(0, name.find('/')), id);  // nothing else ran
    }
  }
}

// The sample has no task_usage: q7, q8 and q11 are skipped there.
TEST(AnalyzeCli, SameResultsForOneAndTwoThreadsOnRealShards) {
  ExpectSameForOneAndTwoThreads(kSampleDir.string(), 8);
}

TEST(AnalyzeCli, SameResultsTogetherOrAloneOnRealShards) {
  ExpectSameTogetherOrAlone(kSampleDir.string(), 8);
}

TEST(AnalyzeCli, SameResultsForOneAndTwoThreadsOnGeneratedTrace) {
  ExpectSameForOneAndTwoThreads(GeneratedTrace(), 11);
}

TEST(AnalyzeCli, SameResultsTogetherOrAloneOnGeneratedTrace) {
  ExpectSameTogetherOrAlone(GeneratedTrace(), 11);
}

// Decimal numbers in `text` with more significant digits than a reader needs:
// findings round (FormatRounded) while the CSVs keep every digit. Four are
// allowed for the trace's own capacities (memory 0.2493), which name a
// configuration rather than measure something.
std::vector<std::string> OverPreciseNumbers(const std::string& text) {
  // Decimals, digits '.' digits, scanned by hand: std::regex trips GCC 12's
  // -Wmaybe-uninitialized in the sanitizer build.
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::vector<std::string> found;
  for (size_t i = 0; i < text.size();) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1])) {
      for (++end; end < text.size() && is_digit(text[end]);) ++end;
      const std::string decimal = text.substr(i, end - i);
      std::string digits = decimal;
      digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
      digits.erase(0, digits.find_first_not_of('0'));
      if (digits.size() > 4) found.push_back(decimal);
    }
    i = end;
  }
  return found;
}

TEST(AnalyzeCli, FindingsRoundTheirNumbers) {
  EXPECT_EQ(OverPreciseNumbers("Pearson 0.490272161, 18.8%, 0.000123, 460850 events, 0.2493"),
            std::vector<std::string>{"0.490272161"});
  TempDir out;
  auto files = Analyze(GeneratedTrace(), out.path(), "--no-plots");
  const std::string html = ReadText(out.path() / "report.html");
  size_t findings = 0;
  for (const auto& [name, text] : files) {
    if (!name.ends_with("/finding.txt")) continue;
    ++findings;
    EXPECT_EQ(OverPreciseNumbers(text), std::vector<std::string>{}) << name << ": " << text;
    // report.html shows the same rounded text.
    const std::string line = text.substr(0, text.find('\n'));
    EXPECT_NE(html.find("<strong>Finding.</strong> " + HtmlEscape(line) + "</p>"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(findings, 11u);
}

// On the real shards, literally: prose rounded, CSVs exact (the same q2 and
// q10 figures as their CSVs: 0.4817534336 -> 0.482%, 0.0003533918569 -> 0.00035).
TEST(AnalyzeCli, FindingsOnRealShardsAreRoundedAndCsvsExact) {
  TempDir out;
  auto files = Analyze(kSampleDir.string(), out.path(), "--no-plots --only q2,q10");
  EXPECT_EQ(files["q2/finding.txt"],
            "8860 offline periods on 5097 machines cost 0.482% of the cluster's CPU capacity "
            "over the trace; counting the 97 machines removed for good as offline until the end, "
            "0.687%.\n");
  EXPECT_EQ(files["q10/finding.txt"],
            "Correlation of a machine's capacity with the EVICT events on it: cpu: Pearson "
            "0.00035 and Spearman -0.011 over 12583 machines; memory: Pearson 0.043 and Spearman "
            "0.099 over 12583 machines. Values near 0 mean capacity does not explain "
            "evictions.\n");
  EXPECT_EQ(files["q10/correlation.csv"],
            "resource,machines,pearson,spearman\n"
            "cpu,12583,0.0003533918569,-0.01081945113\n"
            "memory,12583,0.04266497261,0.09894695706\n");
}

TEST(AnalyzeCli, MetricsJson) {
  TempDir out;
  ASSERT_EQ(
      RunBinary("analyze --quiet --trace " + kSampleDir.string() + " --out " + out.path().string()),
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
  // q8's and q9's shared input is no analysis of its own: no entry, no folder;
  // its consume and merge are under "inputs", as q3's, q4's and q5's.
  EXPECT_FALSE(metrics["analyses"].contains("machine_windows"));
  EXPECT_FALSE(fs::exists(out.path() / "machine_windows"));
  EXPECT_TRUE(metrics["inputs"].contains("machine_windows"));
  EXPECT_GT(metrics["inputs"]["task_outcomes"]["consume_cpu_seconds"].get<double>(), 0.0);
  EXPECT_GE(metrics["inputs"]["task_outcomes"]["merge_seconds"].get<double>(), 0.0);
  EXPECT_FALSE(metrics["inputs"]["task_outcomes"].contains("files"));
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

  EXPECT_EQ(
      RunBinary("analyze --only q1,q3 --trace " + trace.root() + " --out " + out.path().string(),
                &output),
      2);
  EXPECT_NE(output.find("q3 needs table(s) job_events, task_events, not found in"),
            std::string::npos)
      << output;
  EXPECT_EQ(RunBinary("analyze --only q99 --trace " + trace.root(), &output), 2);
  EXPECT_NE(output.find("unknown analysis 'q99'"), std::string::npos) << output;
  // An input (q8's and q9's machine-window loads) is no analysis of its own.
  EXPECT_EQ(RunBinary("analyze --only machine_windows --trace " + trace.root(), &output), 2);
  EXPECT_NE(output.find("unknown analysis 'machine_windows' (known: q1,q2,q3,q4,q5,q6,q7,q8,q9,"
                        "q10,q11)"),
            std::string::npos)
      << output;
}

TEST(AnalyzeCli, BadRowStopsWithItsPositionOrIsSkipped) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  trace.AddShard(Table::kJobEvents, kJobs);
  trace.AddShard(Table::kTaskEvents, "0,,1,0,,0,U,0,9,,,,\n", 0, 2);
  trace.AddShard(Table::kTaskEvents,
                 "5,,1,0,,1,U,0,9,,,,\n6,,1,0,,12,U,0,9,,,,\n7,,1,1,,0,U,0,9,,,,\n", 1, 2);
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

  EXPECT_EQ(
      RunBinary("analyze --on-error=skip --trace " + trace.root() + " --out " + out.path().string(),
                &output),
      0)
      << output;
  EXPECT_NE(output.find("task_events: skipped 1 bad rows"), std::string::npos) << output;
  auto metrics = nlohmann::json::parse(ReadText(out.path() / "metrics.json"));
  EXPECT_EQ(metrics["bad_rows"], 1);
  EXPECT_EQ(metrics["tables"]["task_events"]["bad_rows"], 1);
  EXPECT_EQ(metrics["tables"]["task_events"]["rows"], 3);
  // The skipped row is not counted: 2 distinct tasks, 3 events.
  EXPECT_EQ(ReadText(out.path() / "q3/tasks_by_class.csv"),
            "scheduling_class,tasks,share\n0,2,1\n");
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
  ASSERT_EQ(RunBinary("analyze --quiet --only q3 --shards 1-2 --trace " + trace.root() + " --out " +
                      out.path().string()),
            0);
  EXPECT_EQ(ReadText(out.path() / "q3/jobs_by_class.csv"), "scheduling_class,jobs,share\n1,2,1\n");
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet --only q3 --shards 1-5 --trace " + trace.root() + " --out " +
                          out.path().string(),
                      &output),
            0)
      << output;
  EXPECT_EQ(RunBinary("analyze --shards 9-3 --trace " + trace.root(), &output), 2);
}

}  // namespace
}  // namespace borgscope::testing

namespace borgscope::testing {
namespace {

// A trace whose only shard is truncated: a run that read it would fail with
// "truncated gzip data", so an error about --out shows the check came first.
void AddTruncatedShard(FixtureTrace& trace) {
  trace.AddShard(Table::kMachineEvents, kMachines);
  fs::path shard = fs::path(trace.root()) / "machine_events" / ShardFileName(0, 1);
  std::string bytes = ReadText(shard);
  WriteBytes(shard, bytes.substr(0, bytes.size() - 4));
}

// The command prefix that runs a program as user nobody (setpriv, util-linux):
// the tests run as root, whom permissions do not stop.
std::string AsNobody() { return "setpriv --reuid=65534 --regid=65534 --clear-groups "; }

TEST(AnalyzeCli, BadOutIsAnIoErrorBeforeAnyShardIsRead) {
  FixtureTrace trace;
  AddTruncatedShard(trace);
  TempDir dir;
  const fs::path file = dir.path() / "file";
  WriteBytes(file, "x");
  std::string output;
  EXPECT_EQ(
      RunBinary("analyze --quiet --no-plots --trace " + trace.root() + " --out " + file.string(),
                &output),
      1);
  EXPECT_EQ(output, "borgscope: error: --out " + file.string() + " is not a folder\n");
  EXPECT_EQ(RunBinary("analyze --quiet --no-plots --trace " + trace.root() + " --out " +
                          (file / "out").string(),
                      &output),
            1);
  EXPECT_EQ(output, "borgscope: error: cannot create output folder " + (file / "out").string() +
                        ": Not a directory\n");
  // A folder that exists but cannot be written.
  ASSERT_EQ(RunCommand("command -v setpriv"), 0) << "setpriv (util-linux) is needed";
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  EXPECT_EQ(RunCommand(AsNobody() + kBinary + " analyze --quiet --no-plots --trace " +
                           trace.root() + " --out " + dir.path().string(),
                       &output),
            1);
  EXPECT_EQ(output, "borgscope: error: cannot write in output folder " + dir.path().string() +
                        ": Permission denied\n");
}

TEST(AnalyzeCli, UnreadableTableFolderIsAnErrorNamingIt) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  trace.AddShard(Table::kJobEvents, kJobs);
  const fs::path jobs = fs::path(trace.root()) / "job_events";
  fs::permissions(jobs, fs::perms::none);
  TempDir out;
  fs::permissions(out.path(), fs::perms::all);
  ASSERT_EQ(RunCommand("command -v setpriv"), 0) << "setpriv (util-linux) is needed";
  std::string output;
  EXPECT_EQ(RunCommand(AsNobody() + kBinary + " analyze --quiet --no-plots --trace " +
                           trace.root() + " --out " + (out.path() / "o").string(),
                       &output),
            1);
  EXPECT_EQ(output, "borgscope: error: cannot list " + jobs.string() + ": Permission denied\n");
  fs::permissions(jobs, fs::perms::owner_all);
}

TEST(AnalyzeCli, TraceFolderWithoutAnyTableIsAnError) {
  TempDir trace, out;
  WriteBytes(trace.path() / "README", "not a table\n");
  std::string output;
  EXPECT_EQ(RunBinary("analyze --quiet --trace " + trace.path().string() + " --out " +
                          (out.path() / "o").string(),
                      &output),
            1);
  EXPECT_EQ(output, "borgscope: error: no table in trace folder " + trace.path().string() +
                        " (looked for machine_events/, machine_attributes/, job_events/, "
                        "task_events/, task_constraints/, task_usage/)\n");
  EXPECT_FALSE(fs::exists(out.path() / "o"));
}

// Usage errors come before the output folder is made.
TEST(AnalyzeCli, UsageErrorsLeaveNoOutputFolder) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  TempDir out;
  std::string output;
  for (std::string only : {"q99", "q1,q3"}) {
    EXPECT_EQ(RunBinary("analyze --quiet --only " + only + " --trace " + trace.root() + " --out " +
                            (out.path() / "o").string(),
                        &output),
              2)
        << output;
    EXPECT_FALSE(fs::exists(out.path() / "o")) << only;
  }
}

// A run that fails while writing (here: a file size limit, as a full disk
// would) says why and where, and leaves the previous results as they were.
TEST(AnalyzeCli, FailedWriteLeavesThePreviousResults) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, kMachines);
  trace.AddShard(Table::kJobEvents, kJobs);
  TempDir out;
  const std::string command = kBinary + " analyze --quiet --no-plots --trace " + trace.root() +
                              " --out " + out.path().string();
  std::string output;
  ASSERT_EQ(RunCommand(command, &output), 0) << output;
  const auto before = ResultFiles(out.path());
  const std::string report = ReadText(out.path() / "report.html");
  ASSERT_TRUE(before.count("q1/machines_by_cpu.csv"));
  ASSERT_GT(report.size(), 1024u);

  // 1 KB at most per file; SIGXFSZ ignored, so a write fails with EFBIG.
  EXPECT_EQ(RunCommand("ulimit -f 1; trap '' XFSZ; exec " + command, &output), 1);
  EXPECT_EQ(
      output.rfind("borgscope: error: cannot write " + out.path().string() + "/.borgscope-staging-",
                   0),
      0u)
      << output;
  EXPECT_NE(output.find(": File too large\n"), std::string::npos) << output;
  EXPECT_EQ(ResultFiles(out.path()), before);
  EXPECT_EQ(ReadText(out.path() / "report.html"), report);

  // A second run replaces the results whole: a file only the old run wrote goes.
  WriteBytes(out.path() / "q1" / "stale.csv", "old\n");
  ASSERT_EQ(RunCommand(command, &output), 0) << output;
  EXPECT_EQ(ResultFiles(out.path()), before);
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(out.path())) {
    entries.push_back(entry.path().filename().string());
  }
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"metrics.json", "q1", "q2", "report.html"}));
}

}  // namespace
}  // namespace borgscope::testing
