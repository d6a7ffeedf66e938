// `mpirun -np N borgscope analyze`: the same files as one process, byte for
// byte, for 1, 2 and 3 ranks (also with fewer shards than ranks), and a bad
// shard on one rank ends the job with that rank's error, quickly.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace borgscope::testing {
namespace {

// Open MPI's own allocations look like leaks to LeakSanitizer in the
// sanitizer build; leaks of our code are caught by every other test.
int RunMpi(int ranks, const std::string& arguments, std::string* output) {
  return RunCommand(
      "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 mpirun --allow-run-as-root "
      "--oversubscribe -np " +
          std::to_string(ranks) + " " + kBinary + " " + arguments,
      output);
}

void ExpectSameFilesForOneTwoThreeRanks(const std::string& trace, size_t min_files) {
  TempDir single_dir;
  std::string output;
  ASSERT_EQ(RunBinary("analyze --quiet --threads 2 --trace " + trace + " --out " +
                          single_dir.path().string(),
                      &output),
            0)
      << output;
  auto single = ResultFiles(single_dir.path());
  EXPECT_GE(single.size(), min_files);
  for (int ranks : {1, 2, 3}) {
    TempDir out;
    ASSERT_EQ(
        RunMpi(ranks,
               "analyze --quiet --threads 1 --trace " + trace + " --out " + out.path().string(),
               &output),
        0)
        << output;
    auto files = ResultFiles(out.path());
    EXPECT_EQ(files.size(), single.size()) << ranks << " ranks";
    for (const auto& [name, text] : single) {
      EXPECT_TRUE(files[name] == text) << name << " differs with " << ranks << " ranks";
    }
    auto metrics = nlohmann::json::parse(ReadText(out.path() / "metrics.json"));
    ASSERT_EQ(metrics["ranks"].size(), static_cast<size_t>(ranks));
    uint64_t shards = 0;
    for (const auto& rank : metrics["ranks"]) shards += rank["shards"].get<uint64_t>();
    uint64_t table_shards = 0;
    for (const auto& [name, table] : metrics["tables"].items()) {
      table_shards += table["shards"].get<uint64_t>();
    }
    EXPECT_EQ(shards, table_shards) << "every shard read by exactly one rank";
    // What ranks send is what ranks receive.
    uint64_t sent = 0, received = 0;
    for (const auto& rank : metrics["ranks"]) {
      sent += rank["bytes_sent"].get<uint64_t>();
      received += rank["bytes_received"].get<uint64_t>();
    }
    EXPECT_EQ(received, sent);
    if (ranks > 1) {
      EXPECT_GT(sent, 0u);
    }
    // The key exchange's steps are part of the merge.
    for (const auto& rank : metrics["ranks"]) {
      const double steps = rank["exchange_split_seconds"].get<double>() +
                           rank["exchange_transfer_seconds"].get<double>() +
                           rank["exchange_absorb_seconds"].get<double>();
      EXPECT_LE(steps, rank["merge_seconds"].get<double>());
      // The merge's CPU is part of the process's.
      EXPECT_GT(rank["cpu_seconds"].get<double>(), 0.0);
      EXPECT_LE(rank["merge_cpu_seconds"].get<double>(), rank["cpu_seconds"].get<double>());
      if (ranks == 1) {
        EXPECT_EQ(steps, 0.0);
        EXPECT_EQ(rank["merge_cpu_seconds"].get<double>(), 0.0);
      }
    }
  }
}

// The real shards: one shard per table, so 2 and 3 ranks have idle ranks.
TEST(Mpi, SameFilesAsOneProcessOnRealShards) {
  ExpectSameFilesForOneTwoThreeRanks(kSampleDir.string(), 20);
}

TEST(Mpi, SameFilesAsOneProcessOnGeneratedTrace) {
  TempDir dir;
  const std::string trace = (dir.path() / "trace").string();
  ASSERT_EQ(RunBinary("gen --quiet --scale 0.01 --seed 3 --out " + trace), 0);
  ExpectSameFilesForOneTwoThreeRanks(trace, 30);
}

TEST(Mpi, BadShardOnOneRankEndsTheJobWithItsError) {
  TempDir dir;
  const fs::path trace = dir.path() / "trace";
  ASSERT_EQ(RunBinary("gen --quiet --scale 0.01 --seed 3 --out " + trace.string()), 0);
  // Replace the last task_events shard with rows of the wrong width.
  fs::path bad;
  for (const auto& entry : fs::directory_iterator(trace / "task_events")) {
    if (bad.empty() || entry.path() > bad) bad = entry.path();
  }
  ASSERT_EQ(RunCommand("printf '1,2,3\\n' | gzip > " + bad.string()), 0);
  const auto start = std::chrono::steady_clock::now();
  std::string output;
  int status = RunMpi(3,
                      "analyze --quiet --no-plots --trace " + trace.string() + " --out " +
                          (dir.path() / "out").string(),
                      &output);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(status, 0) << output;
  EXPECT_LT(seconds, 60.0) << "the job must end, not hang";
  EXPECT_NE(output.find("borgscope: rank "), std::string::npos) << output;
  EXPECT_NE(output.find(bad.filename().string() + ": line 1"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "report.html"));
}

}  // namespace
}  // namespace borgscope::testing

namespace borgscope::testing {
namespace {

// Every rank spilling its keyed states (--spill-always), the records of other
// ranks' partitions sent to them: still the files of one process.
void ExpectSameFilesWhenRanksSpill(const std::string& trace) {
  TempDir single_dir;
  std::string output;
  ASSERT_EQ(RunBinary("analyze --quiet --no-plots --threads 2 --trace " + trace + " --out " +
                          single_dir.path().string(),
                      &output),
            0)
      << output;
  const auto single = ResultFiles(single_dir.path());
  for (int ranks : {2, 3}) {
    TempDir out, temp;
    ASSERT_EQ(
        RunMpi(ranks,
               "analyze --quiet --no-plots --threads 1 --spill-always --temp-dir " +
                   temp.path().string() + " --trace " + trace + " --out " + out.path().string(),
               &output),
        0)
        << output;
    EXPECT_EQ(ResultFiles(out.path()), single) << ranks << " ranks";
    auto metrics = nlohmann::json::parse(ReadText(out.path() / "metrics.json"));
    ASSERT_EQ(metrics["ranks"].size(), static_cast<size_t>(ranks));
    for (const auto& rank : metrics["ranks"]) {
      EXPECT_GT(rank["spilled_bytes"].get<uint64_t>(), 0u) << rank["rank"];
    }
    EXPECT_EQ(metrics["spill"]["partitions"].get<uint64_t>() % ranks, 0u);
    EXPECT_TRUE(fs::is_empty(temp.path())) << "spill files left behind";
  }
}

TEST(Mpi, SpillingRanksWriteTheSameFilesOnRealShards) {
  ExpectSameFilesWhenRanksSpill(kSampleDir.string());
}

TEST(Mpi, SpillingRanksWriteTheSameFilesOnGeneratedTrace) {
  TempDir dir;
  const std::string trace = (dir.path() / "trace").string();
  ASSERT_EQ(RunBinary("gen --quiet --scale 0.01 --seed 4 --out " + trace), 0);
  ExpectSameFilesWhenRanksSpill(trace);
}

}  // namespace
}  // namespace borgscope::testing
