#include "io/shards.h"

#include <gtest/gtest.h>

#include "errors.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

void Touch(const fs::path& path) { WriteBytes(path, "x"); }

TEST(ShardRange, Parses) {
  ShardRange all = ParseShardRange("");
  EXPECT_TRUE(all.Contains(0));
  EXPECT_TRUE(all.Contains(499));
  ShardRange range = ParseShardRange("3-5");
  EXPECT_EQ(range.first, 3u);
  EXPECT_EQ(range.last, 5u);
  EXPECT_FALSE(range.Contains(2));
  EXPECT_TRUE(range.Contains(5));
  ShardRange one = ParseShardRange("7");
  EXPECT_EQ(one.first, 7u);
  EXPECT_EQ(one.last, 7u);
  for (const char* bad : {"a", "5-3", "-", "1-", "-2", "1-2-3", "1 - 2"}) {
    EXPECT_THROW(ParseShardRange(bad), UsageError) << bad;
  }
}

TEST(ShardFileName, Format) { EXPECT_EQ(ShardFileName(7, 500), "part-00007-of-00500.csv.gz"); }

TEST(DiscoverShards, InShardOrderAndWithinRange) {
  TempDir dir;
  for (uint32_t i : {3u, 0u, 2u, 1u}) Touch(dir.path() / "task_events" / ShardFileName(i, 4));
  // Not shard names: ignored.
  for (const char* other : {"README", "part-1-of-4.csv.gz", "part-00003-of-00004.csv.gz.part",
                            "part-0000x-of-00004.csv.gz", "part-00003-of-00004.csv"}) {
    Touch(dir.path() / "task_events" / other);
  }
  auto shards = DiscoverShards(dir.path().string(), Table::kTaskEvents, ShardRange{});
  ASSERT_TRUE(shards);
  ASSERT_EQ(shards->shards.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(shards->shards[i].index, i);
    EXPECT_EQ(shards->shards[i].compressed_bytes, 1u);
  }
  EXPECT_TRUE(shards->Complete());
  auto some = DiscoverShards(dir.path().string(), Table::kTaskEvents, ParseShardRange("1-2"));
  ASSERT_EQ(some->shards.size(), 2u);
  EXPECT_EQ(some->shards[0].index, 1u);
  EXPECT_FALSE(some->Complete());
  // Single-shard tables: a range beyond shard 0 still selects shard 0 of 1.
  Touch(dir.path() / "machine_events" / ShardFileName(0, 1));
  auto machines =
      DiscoverShards(dir.path().string(), Table::kMachineEvents, ParseShardRange("0-19"));
  ASSERT_EQ(machines->shards.size(), 1u);
  machines = DiscoverShards(dir.path().string(), Table::kMachineEvents, ParseShardRange("5-9"));
  ASSERT_EQ(machines->shards.size(), 1u);
  EXPECT_TRUE(machines->Complete());
}

TEST(DiscoverShards, MissingTableIsNullopt) {
  TempDir dir;
  EXPECT_FALSE(DiscoverShards(dir.path().string(), Table::kTaskUsage, ShardRange{}));
}

TEST(DiscoverShards, GapIsAnError) {
  TempDir dir;
  for (uint32_t i : {0u, 1u, 3u}) Touch(dir.path() / "job_events" / ShardFileName(i, 500));
  try {
    DiscoverShards(dir.path().string(), Table::kJobEvents, ShardRange{});
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), (dir.path() / "job_events").string() +
                                         ": shard part-00002-of-00500.csv.gz is missing");
  }
}

TEST(DiscoverShards, PartialTableIsAllowedButAnExplicitRangeMustBeThere) {
  TempDir dir;
  for (uint32_t i : {0u, 1u}) Touch(dir.path() / "job_events" / ShardFileName(i, 500));
  auto shards = DiscoverShards(dir.path().string(), Table::kJobEvents, ShardRange{});
  ASSERT_EQ(shards->shards.size(), 2u);
  EXPECT_EQ(shards->declared_count, 500u);
  EXPECT_FALSE(shards->Complete());
  EXPECT_THROW(DiscoverShards(dir.path().string(), Table::kJobEvents, ParseShardRange("0-2")),
               DataError);
  EXPECT_THROW(DiscoverShards(dir.path().string(), Table::kJobEvents, ParseShardRange("5-9")),
               UsageError);
}

TEST(DiscoverShards, InconsistentCountsAndEmptyFolder) {
  TempDir dir;
  Touch(dir.path() / "task_usage" / ShardFileName(0, 500));
  Touch(dir.path() / "task_usage" / ShardFileName(1, 400));
  EXPECT_THROW(DiscoverShards(dir.path().string(), Table::kTaskUsage, ShardRange{}), DataError);
  fs::create_directories(dir.path() / "task_constraints");
  EXPECT_THROW(DiscoverShards(dir.path().string(), Table::kTaskConstraints, ShardRange{}),
               DataError);
}

// The message of the error DiscoverShards throws for `table` under `dir`.
template <typename Error>
std::string DiscoveryError(const fs::path& dir, Table table) {
  try {
    DiscoverShards(dir.string(), table, ShardRange{});
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(DiscoverShards, IndexNotBelowTheCountIsAnErrorNamingTheFile) {
  TempDir dir;
  Touch(dir.path() / "job_events" / "part-00007-of-00005.csv.gz");
  EXPECT_EQ(DiscoveryError<DataError>(dir.path(), Table::kJobEvents),
            (dir.path() / "job_events" / "part-00007-of-00005.csv.gz").string() +
                ": impossible shard name: index 7 is not below the count 5");
  Touch(dir.path() / "machine_events" / "part-00000-of-00000.csv.gz");
  EXPECT_EQ(DiscoveryError<DataError>(dir.path(), Table::kMachineEvents),
            (dir.path() / "machine_events" / "part-00000-of-00000.csv.gz").string() +
                ": impossible shard name: index 0 is not below the count 0");
  Touch(dir.path() / "task_events" / "part-00005-of-00005.csv.gz");
  Touch(dir.path() / "task_events" / "part-00004-of-00005.csv.gz");
  EXPECT_EQ(DiscoveryError<DataError>(dir.path(), Table::kTaskEvents),
            (dir.path() / "task_events" / "part-00005-of-00005.csv.gz").string() +
                ": impossible shard name: index 5 is not below the count 5");
}

TEST(DiscoverShards, FolderNamedLikeAShardIsAnErrorNamingIt) {
  TempDir dir;
  fs::create_directories(dir.path() / "job_events" / ShardFileName(0, 1));
  EXPECT_EQ(DiscoveryError<DataError>(dir.path(), Table::kJobEvents),
            (dir.path() / "job_events" / ShardFileName(0, 1)).string() + ": not a regular file");
}

TEST(DiscoverShards, TableThatIsAFileIsAnError) {
  TempDir dir;
  Touch(dir.path() / "job_events");
  EXPECT_EQ(
      DiscoveryError<DataError>(dir.path(), Table::kJobEvents),
      (dir.path() / "job_events").string() + ": not a folder (a table is a folder of shards)");
}

}  // namespace
}  // namespace borgscope::testing
