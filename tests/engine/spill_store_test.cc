#include "engine/spill_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <map>

#include "engine/key_partition.h"
#include "engine/wire.h"
#include "errors.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

// A keyed state as the analyses write one: sums by key (split by
// PartitionOf(key)) and a total of no key (in part 0).
class SumsByKey : public AnalysisState {
 public:
  void Consume(const RowBatch&) override {}
  void Merge(const AnalysisState&) override {}
  void Serialize(WireWriter& out) const override { SerializePartitions({&out, 1}); }
  void SerializePartitions(std::span<WireWriter> parts) const override {
    SerializeByPartition(
        sums, parts, [](const auto& entry) { return entry.first; },
        [](WireWriter& out, const auto& entry) {
          out.Put(entry.first);
          out.Put(entry.second);
        });
    for (size_t p = 0; p < parts.size(); ++p) parts[p].Put<int64_t>(p == 0 ? total : 0);
  }
  void Deserialize(WireReader& in) override {
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      const auto key = in.Get<int64_t>();
      sums[key] += in.Get<int64_t>();
    }
    total += in.Get<int64_t>();
  }
  std::map<int64_t, int64_t> sums;
  int64_t total = 0;
};

SpillStore::Options Options(const fs::path& temp_dir, size_t partitions,
                            uint64_t disk_bytes = UINT64_MAX) {
  SpillStore::Options options;
  options.temp_dir = temp_dir.string();
  options.partitions = partitions;
  options.disk_bytes = disk_bytes;
  return options;
}

size_t FilesIn(const fs::path& folder) {
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    files += entry.is_regular_file();
  return files;
}

TEST(SpillStoreTest, PartitionsReadBackAsTheMergedState) {
  TempDir temp;
  SpillStore store(Options(temp.path(), 5));
  EXPECT_TRUE(store.empty());
  SumsByKey first, second;
  for (int64_t key = 0; key < 100; ++key) first.sums[key] = key;
  for (int64_t key = 50; key < 120; ++key) second.sums[key] = 1000;
  first.total = 7;
  second.total = 11;
  store.Spill(3, first);
  store.Spill(3, second);
  EXPECT_FALSE(store.empty());
  EXPECT_EQ(store.metrics().spills, 2u);
  EXPECT_EQ(store.metrics().files, 5u);

  SumsByKey all;
  for (size_t part = 0; part < store.partitions(); ++part) {
    SumsByKey partition;
    int records = 0;
    store.ReadPartition(
        part, [](uint32_t analysis) { return analysis == 3; },
        [&](uint32_t analysis, std::string_view bytes) {
          EXPECT_EQ(analysis, 3u);
          WireReader in(bytes);
          partition.Deserialize(in);
          EXPECT_TRUE(in.AtEnd());
          ++records;
        });
    EXPECT_EQ(records, 2);  // one per spill
    for (const auto& [key, sum] : partition.sums) {
      EXPECT_EQ(PartitionOf(key, 5), part) << key;
      all.sums[key] += sum;
    }
    all.total += partition.total;
  }
  ASSERT_EQ(all.sums.size(), 120u);
  for (int64_t key = 0; key < 120; ++key) {
    EXPECT_EQ(all.sums[key], (key < 100 ? key : 0) + (key >= 50 ? 1000 : 0)) << key;
  }
  EXPECT_EQ(all.total, 18);  // once, from part 0
  EXPECT_GT(store.metrics().read_bytes, 120u * 16);

  // Records of other analyses are skipped.
  store.ReadPartition(
      0, [](uint32_t) { return false; },
      [](uint32_t, std::string_view) { ADD_FAILURE() << "read an unwanted record"; });
}

TEST(SpillStoreTest, FolderRemovedWhenDone) {
  TempDir temp;
  std::string folder;
  {
    SpillStore store(Options(temp.path(), 3));
    folder = store.folder();
    EXPECT_EQ(fs::path(folder).parent_path(), temp.path());
    EXPECT_EQ(FilesIn(folder), 3u);
  }
  EXPECT_FALSE(fs::exists(folder));
}

TEST(SpillStoreTest, FullDiskNamesTheFolderAndTheBytes) {
  TempDir temp;
  std::string folder;
  try {
    SpillStore store(Options(temp.path(), 4, 200));
    folder = store.folder();
    SumsByKey state;
    for (int64_t key = 0; key < 1000; ++key) state.sums[key] = key;
    store.Spill(0, state);
    ADD_FAILURE() << "spilled 16 kB onto a 200-byte disk";
  } catch (const IoError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
    EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
    EXPECT_NE(message.find(folder), std::string::npos) << message;
  }
  ASSERT_FALSE(folder.empty());
  EXPECT_FALSE(fs::exists(folder));
  EXPECT_TRUE(fs::is_empty(temp.path()));
}

TEST(SpillStoreTest, NotAFolderIsAnIoError) {
  TempDir temp;
  WriteBytes(temp.path() / "file", "x");
  EXPECT_THROW(SpillStore(Options(temp.path() / "file", 2)), IoError);
  EXPECT_THROW(SpillStore(Options(temp.path() / "missing", 2)), IoError);
}

TEST(SpillStoreTest, SigtermRemovesTheSpillFiles) {
  TempDir temp;
  int pipe_ends[2];
  ASSERT_EQ(pipe(pipe_ends), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_ends[0]);
    SpillStore store(Options(temp.path(), 4));
    SumsByKey state;
    state.sums[1] = 2;
    store.Spill(0, state);
    const std::string& folder = store.folder();
    if (write(pipe_ends[1], folder.data(), folder.size()) < 0) _exit(3);
    close(pipe_ends[1]);
    raise(SIGTERM);
    _exit(4);  // not reached: SIGTERM's default action ends the process
  }
  close(pipe_ends[1]);
  char buffer[4096];
  const ssize_t n = read(pipe_ends[0], buffer, sizeof(buffer));
  close(pipe_ends[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_GT(n, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE(fs::exists(std::string(buffer, static_cast<size_t>(n))));
  EXPECT_TRUE(fs::is_empty(temp.path()));
}

TEST(SpillStoreTest, FoldersOfDeadProcessesAreRemoved) {
  TempDir temp;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  const fs::path dead = temp.path() / ("borgscope-spill-" + std::to_string(child) + "-Ab12Cd");
  const fs::path alive = temp.path() / "borgscope-spill-1-Ef34Gh";  // init runs
  const fs::path other = temp.path() / "borgscope-other-" / std::to_string(child);
  WriteBytes(dead / "partition-0000.spill", "left by kill -9");
  WriteBytes(alive / "partition-0000.spill", "in use");
  WriteBytes(other / "file", "not ours");
  SpillStore store(Options(temp.path(), 2));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(other));
}

}  // namespace
}  // namespace borgscope::testing
