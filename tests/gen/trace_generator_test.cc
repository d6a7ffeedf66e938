#include "gen/trace_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "errors.h"
#include "gen/trace_shape.h"
#include "io/gzip_reader.h"
#include "io/shards.h"
#include "test_support.h"
#include "trace/schema.h"

namespace borgscope {
namespace {

namespace fs = std::filesystem;
using testing::ReadText;
using testing::TempDir;

constexpr double kScale = 0.01;  // ~10 MB: the size of a quick test
constexpr int64_t kWindowStartUs = 600'000'000;

using Row = std::vector<std::string>;

std::string Inflate(const std::string& path) {
  GzipReader reader(path);
  std::string text;
  char buffer[1 << 16];
  while (size_t n = reader.Read(buffer, sizeof buffer)) text.append(buffer, n);
  return text;
}

std::vector<std::string> ShardPaths(const fs::path& root, Table table) {
  std::vector<std::string> paths;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(root / std::string(TableName(table)))) {
    paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Row Split(std::string_view line) {
  Row fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.emplace_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

// The rows of each shard of a table, in shard order.
std::vector<std::vector<Row>> ReadShards(const fs::path& root, Table table) {
  std::vector<std::vector<Row>> shards;
  for (const std::string& path : ShardPaths(root, table)) {
    const std::string text = Inflate(path);
    EXPECT_TRUE(text.empty() || text.back() == '\n') << path;
    std::vector<Row>& rows = shards.emplace_back();
    size_t start = 0;
    while (start < text.size()) {
      const size_t end = text.find('\n', start);
      rows.push_back(Split(std::string_view(text).substr(start, end - start)));
      start = end + 1;
    }
  }
  return shards;
}

std::vector<Row> ReadTable(const fs::path& root, Table table) {
  std::vector<Row> all;
  for (std::vector<Row>& shard : ReadShards(root, table)) {
    all.insert(all.end(), std::make_move_iterator(shard.begin()),
               std::make_move_iterator(shard.end()));
  }
  return all;
}

int64_t Int(const std::string& field) { return std::stoll(field); }

GenSummary Generate(const fs::path& out, uint64_t seed, int threads, double scale = kScale) {
  GenOptions options;
  options.out_dir = out.string();
  options.seed = seed;
  options.scale = scale;
  options.threads = threads;
  return GenerateTrace(options);
}

// One trace shared by the tests that only read it.
class GeneratedTraceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    summary_ = new GenSummary(Generate(dir_->path(), 7, 2));
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete dir_;
  }
  static const fs::path& root() { return dir_->path(); }
  static const GenSummary& summary() { return *summary_; }

 private:
  static TempDir* dir_;
  static GenSummary* summary_;
};
TempDir* GeneratedTraceTest::dir_ = nullptr;
GenSummary* GeneratedTraceTest::summary_ = nullptr;

TEST_F(GeneratedTraceTest, WritesEveryTableWithTheRealShardNaming) {
  for (Table table : {Table::kMachineEvents, Table::kMachineAttributes}) {
    const std::vector<std::string> paths = ShardPaths(root(), table);
    ASSERT_EQ(paths.size(), 1u) << TableName(table);
    EXPECT_EQ(fs::path(paths[0]).filename(), "part-00000-of-00001.csv.gz");
  }
  const uint32_t count = summary().tables[static_cast<int>(Table::kTaskUsage)].shards;
  EXPECT_GE(count, 2u);
  for (Table table :
       {Table::kJobEvents, Table::kTaskEvents, Table::kTaskConstraints, Table::kTaskUsage}) {
    const std::vector<std::string> paths = ShardPaths(root(), table);
    ASSERT_EQ(paths.size(), count) << TableName(table);
    for (uint32_t i = 0; i < count; ++i) {
      EXPECT_EQ(fs::path(paths[i]).filename(), ShardFileName(i, count));
    }
    const std::optional<TableShards> shards = DiscoverShards(root().string(), table, ShardRange{});
    ASSERT_TRUE(shards.has_value());
    EXPECT_EQ(shards->shards.size(), count);
  }
}

TEST_F(GeneratedTraceTest, SummaryMatchesTheFiles) {
  uint64_t total = 0;
  for (const GenTableSummary& table : summary().tables) {
    uint64_t compressed = 0;
    uint64_t uncompressed = 0;
    uint64_t rows = 0;
    for (const std::string& path : ShardPaths(root(), table.table)) {
      compressed += fs::file_size(path);
      const std::string text = Inflate(path);
      uncompressed += text.size();
      rows += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
    }
    EXPECT_EQ(table.compressed_bytes, compressed) << TableName(table.table);
    EXPECT_EQ(table.uncompressed_bytes, uncompressed) << TableName(table.table);
    EXPECT_EQ(table.rows, rows) << TableName(table.table);
    EXPECT_GT(table.rows, 0u) << TableName(table.table);
    total += uncompressed;
  }
  // Scale 0.01 is a quick test: some megabytes, mostly task_usage.
  EXPECT_GT(total, 4'000'000u);
  EXPECT_LT(total, 25'000'000u);
  EXPECT_GT(summary().tables[static_cast<int>(Table::kTaskUsage)].uncompressed_bytes, total / 2);
}

TEST_F(GeneratedTraceTest, EveryRowHasTheSchemasColumnsAndMandatoryFields) {
  for (Table table : kAllTables) {
    const TableSpec& spec = Spec(table);
    const std::vector<Row> rows = ReadTable(root(), table);
    for (const Row& row : rows) {
      ASSERT_EQ(row.size(), spec.columns.size()) << TableName(table);
      for (size_t column = 0; column < row.size(); ++column) {
        const ColumnSpec& column_spec = spec.columns[column];
        if (column_spec.mandatory) {
          ASSERT_FALSE(row[column].empty()) << column_spec.name;
        }
        if (column_spec.type == ColumnType::kStringHash && !row[column].empty()) {
          ASSERT_EQ(row[column].size(), 44u) << column_spec.name;
        }
        if (column_spec.type == ColumnType::kEnum && !row[column].empty()) {
          ASSERT_LE(Int(row[column]), column_spec.enum_max) << column_spec.name;
        }
        ASSERT_EQ(row[column].find_first_of(" \r\"\t"), std::string::npos) << column_spec.name;
      }
    }
  }
}

// Shard i holds time slice i: rows ordered by time within a shard and across.
TEST_F(GeneratedTraceTest, RowsAreInTimeOrderWithinAndAcrossShards) {
  for (Table table : kAllTables) {
    int64_t previous = 0;
    for (const std::vector<Row>& shard : ReadShards(root(), table)) {
      for (const Row& row : shard) {
        const int64_t time = Int(row[0]);
        ASSERT_GE(time, previous) << TableName(table);
        ASSERT_TRUE(time == 0 || time >= kWindowStartUs) << TableName(table);
        ASSERT_LT(time, summary().trace_end_us) << TableName(table);
        previous = time;
      }
    }
  }
}

TEST_F(GeneratedTraceTest, TablesAreConsistentWithEachOther) {
  std::set<std::string> machines;
  std::map<std::string, std::vector<std::pair<int64_t, int>>> machine_history;
  for (const Row& row : ReadTable(root(), Table::kMachineEvents)) {
    machines.insert(row[1]);
    machine_history[row[1]].emplace_back(Int(row[0]), static_cast<int>(Int(row[2])));
  }
  std::set<std::string> jobs;
  for (const Row& row : ReadTable(root(), Table::kJobEvents)) jobs.insert(row[2]);

  // A task's runs: from a SCHEDULE to its next EVICT/FAIL/FINISH/KILL/LOST.
  struct Run {
    int64_t start;
    int64_t end;
    std::string machine;
  };
  std::map<std::pair<std::string, std::string>, std::vector<Run>> runs;
  std::map<std::pair<std::string, std::string>, int64_t> last_time;
  for (const Row& row : ReadTable(root(), Table::kTaskEvents)) {
    const auto task = std::make_pair(row[2], row[3]);
    const int64_t time = Int(row[0]);
    const int type = static_cast<int>(Int(row[5]));
    ASSERT_TRUE(jobs.contains(row[2])) << "task_events job " << row[2] << " not in job_events";
    ASSERT_GE(time, last_time[task]) << "task rows go back in time";
    last_time[task] = time;
    if (!row[4].empty()) {
      ASSERT_TRUE(machines.contains(row[4])) << row[4];
    }
    std::vector<Run>& task_runs = runs[task];
    const bool running = !task_runs.empty() && task_runs.back().end == INT64_MAX;
    if (type == 1) {
      ASSERT_FALSE(running) << "SCHEDULE of a running task";
      ASSERT_FALSE(row[4].empty()) << "SCHEDULE without machine";
      // The machine is up: its latest event at or before now is not a REMOVE.
      const auto& history = machine_history[row[4]];
      const auto it =
          std::upper_bound(history.begin(), history.end(), std::make_pair(time, INT32_MAX));
      ASSERT_NE(it, history.begin()) << "SCHEDULE before the machine's ADD";
      ASSERT_NE(std::prev(it)->second, 1) << "SCHEDULE on a removed machine " << row[4];
      task_runs.push_back({time, INT64_MAX, row[4]});
    } else if (type >= 2 && type <= 6) {
      if (running) {
        ASSERT_EQ(row[4], task_runs.back().machine) << "a run ends on another machine";
        task_runs.back().end = time;
      } else {
        ASSERT_EQ(type, 5) << "only a KILL may end a task that is not running";
        ASSERT_TRUE(row[4].empty()) << "KILL of a pending task names a machine";
      }
    } else if (type == 8) {
      ASSERT_TRUE(running) << "UPDATE_RUNNING of a task that is not running";
    }
  }

  // task_usage rows lie within a run of the task, on that run's machine,
  // within one 5-minute window.
  for (const Row& row : ReadTable(root(), Table::kTaskUsage)) {
    const int64_t start = Int(row[0]);
    const int64_t end = Int(row[1]);
    ASSERT_LT(start, end);
    ASSERT_GE(start, kWindowStartUs);
    const int64_t window = kWindowStartUs + (start - kWindowStartUs) / 300'000'000 * 300'000'000;
    ASSERT_LE(end, window + 300'000'000);
    const auto found = runs.find({row[2], row[3]});
    ASSERT_NE(found, runs.end()) << "usage of a task absent from task_events";
    ASSERT_TRUE(machines.contains(row[4]));
    const bool inside =
        std::any_of(found->second.begin(), found->second.end(), [&](const Run& run) {
          return run.machine == row[4] && run.start <= start && end <= run.end;
        });
    ASSERT_TRUE(inside) << "usage outside the task's runs: " << row[0] << " " << row[2] << " "
                        << row[3] << " " << row[4];
  }
}

TEST_F(GeneratedTraceTest, LooksLikeTheRealTrace) {
  const std::vector<Row> machine_events = ReadTable(root(), Table::kMachineEvents);
  std::map<std::string, int> machine_types;
  bool empty_capacity_add = false;
  bool large_machine_id = false;
  for (const Row& row : machine_events) {
    ++machine_types[row[2]];
    empty_capacity_add |= row[2] == "0" && row[4].empty() && row[5].empty();
    large_machine_id |= std::stoull(row[1]) > (1ULL << 32);
  }
  EXPECT_GT(machine_types["0"], 0);
  EXPECT_GT(machine_types["1"], 0);  // at least one machine is removed
  EXPECT_GT(machine_types["2"], 0);
  EXPECT_TRUE(empty_capacity_add);
  EXPECT_TRUE(large_machine_id);
  EXPECT_EQ(machine_events.front()[0], "0");

  std::map<std::string, int> task_types;
  bool large_job_id = false;
  bool scientific = false;
  bool killed_pending = false;
  bool time_zero = false;
  for (const Row& row : ReadTable(root(), Table::kTaskEvents)) {
    ++task_types[row[5]];
    large_job_id |= std::stoull(row[2]) > (1ULL << 32);
    scientific |= row[11].find('e') != std::string::npos;
    killed_pending |= row[5] == "5" && row[4].empty();
    time_zero |= row[0] == "0";
  }
  for (const char* type : {"0", "1", "2", "3", "4", "5"}) EXPECT_GT(task_types[type], 0) << type;
  EXPECT_TRUE(large_job_id);
  EXPECT_TRUE(scientific);
  EXPECT_TRUE(killed_pending);
  EXPECT_TRUE(time_zero);

  std::set<std::string> classes;
  for (const Row& row : ReadTable(root(), Table::kJobEvents)) classes.insert(row[5]);
  EXPECT_EQ(classes, (std::set<std::string>{"0", "1", "2", "3"}));
}

// Tasks of the free priorities (0-1) are evicted far more often than the
// others, as in the real trace. Tiny traces have few evictions, so three
// seeds are pooled.
TEST(GenerateTraceTest, EvictionsConcentrateInFreePriorities) {
  TempDir dir;
  int tasks[2] = {0, 0};    // free, other
  int evicted[2] = {0, 0};  // tasks evicted at least once
  for (uint64_t seed : {7, 8, 9}) {
    const fs::path root = dir.path() / std::to_string(seed);
    Generate(root, seed, 2);
    std::set<std::pair<std::string, std::string>> seen;
    std::set<std::pair<std::string, std::string>> seen_evicted;
    for (const Row& row : ReadTable(root, Table::kTaskEvents)) {
      const auto task = std::make_pair(row[2], row[3]);
      const int group = Int(row[8]) <= 1 ? 0 : 1;
      if (seen.insert(task).second) ++tasks[group];
      if (row[5] == "2" && seen_evicted.insert(task).second) ++evicted[group];
    }
  }
  ASSERT_GT(tasks[0], 0);
  ASSERT_GT(tasks[1], 0);
  const double free_share = static_cast<double>(evicted[0]) / tasks[0];
  const double other_share = static_cast<double>(evicted[1]) / tasks[1];
  EXPECT_GT(free_share, 2 * other_share) << free_share << " vs " << other_share;
}

TEST(GenerateTraceTest, SameSeedSameBytesWhateverTheThreads) {
  TempDir dir;
  Generate(dir.path() / "a", 3, 2);
  Generate(dir.path() / "b", 3, 1);
  Generate(dir.path() / "c", 4, 2);
  bool seed_matters = false;
  for (Table table : kAllTables) {
    const std::vector<std::string> a = ShardPaths(dir.path() / "a", table);
    const std::vector<std::string> b = ShardPaths(dir.path() / "b", table);
    const std::vector<std::string> c = ShardPaths(dir.path() / "c", table);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(fs::path(a[i]).filename(), fs::path(b[i]).filename());
      EXPECT_TRUE(ReadText(a[i]) == ReadText(b[i])) << a[i] << " differs from " << b[i];
    }
    if (a.size() != c.size() || ReadText(a[0]) != ReadText(c[0])) seed_matters = true;
  }
  EXPECT_TRUE(seed_matters);
}

TEST(GenerateTraceTest, RefusesToMixWithAnEarlierTraceUnlessForced) {
  TempDir dir;
  Generate(dir.path(), 5, 2, 0.003);
  const std::string first = ReadText(dir.path() / "task_events" / ShardFileName(0, 2));
  EXPECT_THROW(Generate(dir.path(), 5, 2, 0.003), UsageError);

  GenOptions options;
  options.out_dir = dir.path().string();
  options.seed = 5;
  options.scale = 0.003;
  options.overwrite = true;
  GenerateTrace(options);
  EXPECT_EQ(ReadText(dir.path() / "task_events" / ShardFileName(0, 2)), first);
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir.path())) {
    EXPECT_FALSE(entry.path().string().ends_with(".tmp")) << entry.path();
  }
}

TEST(GenerateTraceTest, RejectsBadOptions) {
  TempDir dir;
  GenOptions options;
  options.out_dir = dir.path().string();
  options.scale = 0;
  EXPECT_THROW(GenerateTrace(options), UsageError);
  options.scale = -1;
  EXPECT_THROW(GenerateTrace(options), UsageError);
  options.scale = 0.01;
  options.out_dir = "";
  EXPECT_THROW(GenerateTrace(options), UsageError);
}

TEST(TraceShapeTest, GrowsWithScale) {
  const gen::TraceShape tiny = gen::ShapeForScale(0.01, 1);
  const gen::TraceShape small = gen::ShapeForScale(0.1, 1);
  const gen::TraceShape large = gen::ShapeForScale(1.0, 1);
  const gen::TraceShape full = gen::ShapeForScale(200, 1);
  EXPECT_NEAR(small.days(), 1.0, 0.01);  // one trace day at scale 0.1
  EXPECT_NEAR(full.days(), 29.0, 0.01);  // never more than the real trace
  EXPECT_LT(tiny.days(), small.days());
  EXPECT_LT(small.machine_count, large.machine_count);
  EXPECT_LT(large.machine_count, full.machine_count);
  EXPECT_EQ(tiny.shard_count, 2u);
  EXPECT_LT(small.shard_count, large.shard_count);
  for (const gen::TraceShape& shape : {tiny, small, large, full}) {
    EXPECT_GE(shape.shard_count, 2u);
    EXPECT_EQ(shape.slice_length % 300'000'000, 0);
    EXPECT_EQ(shape.SliceOf(0), 0u);
    EXPECT_EQ(shape.SliceBegin(0), kWindowStartUs);
    EXPECT_EQ(shape.SliceEnd(shape.shard_count - 1), shape.end_time);
    EXPECT_LT(shape.SliceBegin(shape.shard_count - 1), shape.end_time);
    EXPECT_EQ(shape.SliceOf(shape.end_time - 1), shape.shard_count - 1);
  }
}

}  // namespace
}  // namespace borgscope
