// TaskBlocks (engine/task_blocks.h) against a std::map model: values
// combined per task whatever its index (negative, sparse, the null one),
// blocks counted by hand, merge and absorb both ways, moves, the split into
// key partitions and its reading back, KeepPartition, the wire form (the
// values' bytes, or a Spec's own), the cached Reader, ranges of blocks.

#include "engine/task_blocks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "engine/key_partition.h"
#include "trace/trace_order.h"

namespace borgscope {
namespace {

struct SumSpec {
  static void Combine(int64_t& mine, int64_t theirs) { mine += theirs; }
};
using SumBlocks = TaskBlocks<int64_t, SumSpec>;
using Model = std::map<TaskKey, int64_t>;

Model ModelOf(const SumBlocks& blocks) {
  Model model;
  blocks.ForEach([&](const TaskKey& task, int64_t value) {
    EXPECT_TRUE(model.emplace(task, value).second)
        << "task twice: " << task.job_id << "/" << task.task_index;
  });
  EXPECT_EQ(blocks.size(), model.size());
  return model;
}

// `n` random additions: most tasks dense in a few hundred jobs, some far
// apart, negative or the null index.
void AddRandom(uint32_t seed, int n, SumBlocks& blocks, Model& model) {
  std::mt19937 random(seed);
  constexpr int64_t kFar[] = {-1, -17, 1'000'000'007, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()};
  for (int i = 0; i < n; ++i) {
    const int64_t job = static_cast<int64_t>(random() % 300) * 1'000'003 - 7;
    const int64_t index =
        random() % 10 == 0 ? kFar[random() % std::size(kFar)] : static_cast<int64_t>(random() % 70);
    const int64_t value = static_cast<int64_t>(random() % 1000) - 500;
    blocks[{job, index}] += value;
    model[{job, index}] += value;
  }
}

TEST(TaskBlocks, KeepsNeighbouringTasksInOneBlock) {
  constexpr int64_t kPer = SumBlocks::kPerBlock;
  SumBlocks blocks;
  // Job 7: a whole block, then five tasks of the next; job 8 one task.
  for (int64_t task = 0; task < kPer + 5; ++task) blocks[{7, task}] += task;
  blocks[{8, 3}] += 1;
  blocks[{7, -1}] += 2;  // block -1: tasks -kPer..-1
  blocks[{7, 5}] += 10;
  EXPECT_EQ(blocks.blocks(), 4u);
  EXPECT_EQ(blocks.size(), static_cast<size_t>(kPer + 5 + 2));
  const Model model = ModelOf(blocks);
  EXPECT_EQ(model.at({7, 5}), 15);
  EXPECT_EQ(model.at({7, kPer + 4}), kPer + 4);
  EXPECT_EQ(model.at({7, -1}), 2);
  EXPECT_EQ(model.at({8, 3}), 1);
  EXPECT_FALSE(model.contains({8, 4}));  // a block's other tasks are not there
}

// ForEachInBlocks over ranges that cut the blocks anywhere reads each task
// once, as ForEach does (a tally split between threads).
TEST(TaskBlocks, ReadsRangesOfBlocksAsTheWhole) {
  SumBlocks blocks;
  Model model;
  AddRandom(21, 5000, blocks, model);
  ASSERT_GT(blocks.blocks(), 100u);
  const size_t n = blocks.blocks();
  for (const size_t cut : {size_t{0}, size_t{1}, n / 3, n - 1, n}) {
    Model read;
    auto add = [&](const TaskKey& task, int64_t value) {
      EXPECT_TRUE(read.emplace(task, value).second) << "task twice at cut " << cut;
    };
    blocks.ForEachInBlocks(cut, n, add);
    blocks.ForEachInBlocks(0, cut, add);
    EXPECT_EQ(read, model) << "cut " << cut;
  }
  Model none;
  blocks.ForEachInBlocks(n / 2, n / 2,
                         [&](const TaskKey& task, int64_t value) { none[task] = value; });
  EXPECT_TRUE(none.empty());
}

// Values past 16 bytes go in blocks of 16 tasks (memory: engine/task_blocks.h).
struct Wide {
  int64_t sum = 0;
  int64_t more[7] = {};
};
struct WideSpec {
  static void Combine(Wide& mine, const Wide& theirs) { mine.sum += theirs.sum; }
};

TEST(TaskBlocks, KeepsWideValuesInBlocksOfSixteen) {
  using WideBlocks = TaskBlocks<Wide, WideSpec>;
  static_assert(WideBlocks::kPerBlock == 16 && SumBlocks::kPerBlock == 32);
  WideBlocks blocks;
  std::map<TaskKey, int64_t> model;
  std::mt19937 random(7);
  for (int i = 0; i < 5'000; ++i) {
    const TaskKey task{static_cast<int64_t>(random() % 50), static_cast<int64_t>(random() % 40)};
    blocks[task].sum += i;
    model[task] += i;
  }
  EXPECT_EQ(blocks.blocks(), 50u * 3);  // tasks 0..15, 16..31, 32..39 of each job
  WideBlocks merged = blocks;
  merged.Merge(blocks);
  std::map<TaskKey, int64_t> read;
  merged.ForEach([&](const TaskKey& task, const Wide& value) { read[task] = value.sum; });
  for (auto& [task, sum] : model) sum *= 2;
  EXPECT_EQ(read, model);
}

TEST(TaskBlocks, CombinesValuesPerTaskLikeAMap) {
  SumBlocks blocks;
  Model model;
  AddRandom(1, 20'000, blocks, model);
  EXPECT_EQ(ModelOf(blocks), model);
}

TEST(TaskBlocks, MergeAndAbsorbEqualTheUnion) {
  SumBlocks a, b;
  Model model_a, model_b;
  AddRandom(2, 5'000, a, model_a);
  AddRandom(3, 9'000, b, model_b);
  Model both = model_a;
  for (const auto& [task, value] : model_b) both[task] += value;

  SumBlocks merged = a;
  merged.Merge(b);
  EXPECT_EQ(ModelOf(merged), both);
  EXPECT_EQ(ModelOf(b), model_b);  // Merge leaves the other as it was

  SumBlocks small = a, large = b;  // the larger one's storage is kept
  small.Absorb(std::move(large));
  EXPECT_EQ(ModelOf(small), both);
  SumBlocks other = a, into = b;
  into.Absorb(std::move(other));
  EXPECT_EQ(ModelOf(into), both);

  // Adding after a merge or absorb goes to the merged blocks.
  into[{-7, 3}] += 5;
  both[{-7, 3}] += 5;
  EXPECT_EQ(ModelOf(into), both);
}

TEST(TaskBlocks, MovedBlocksStayUsable) {
  SumBlocks blocks;
  Model model;
  AddRandom(4, 3'000, blocks, model);
  SumBlocks moved = std::move(blocks);
  moved[{11, 1}] += 1;  // the block remembered before the move
  model[{11, 1}] += 1;
  EXPECT_EQ(ModelOf(moved), model);
  blocks[{11, 1}] += 4;  // the moved-from one is empty and usable
  EXPECT_EQ(ModelOf(blocks), (Model{{{11, 1}, 4}}));
}

TEST(TaskBlocks, SplitsByPartitionAndReadsBack) {
  constexpr size_t kParts = 5;
  SumBlocks blocks;
  Model model;
  AddRandom(5, 10'000, blocks, model);
  std::vector<WireWriter> writers(kParts);
  blocks.SerializePartitions(writers);
  Model read_back;
  for (size_t p = 0; p < kParts; ++p) {
    SumBlocks part;
    WireReader in(writers[p].bytes());
    part.Deserialize(in);
    EXPECT_TRUE(in.AtEnd());
    for (const auto& [task, value] : ModelOf(part)) {
      EXPECT_EQ(PartitionOf(task.job_id, kParts), p);
      read_back[task] = value;
    }
    SumBlocks kept = blocks;
    kept.KeepPartition(p, kParts);
    EXPECT_EQ(ModelOf(kept), ModelOf(part));
  }
  EXPECT_EQ(read_back, model);
}

TEST(TaskBlocks, WritesABlocksMaskAndItsTasksOnly) {
  SumBlocks blocks;
  blocks[{3, 0}] += 1;
  blocks[{3, 9}] += 2;
  WireWriter out;
  blocks.Serialize(out);
  // The count, one key (job, block), the mask and two values.
  EXPECT_EQ(out.bytes().size(), 8u + 16u + sizeof(SumBlocks::Mask) + 2 * 8u);
  SumBlocks twice;
  for (int i = 0; i < 2; ++i) {
    WireReader in(out.bytes());
    twice.Deserialize(in);  // adds what was written
  }
  EXPECT_EQ(ModelOf(twice), (Model{{{3, 0}, 2}, {{3, 9}, 4}}));
}

TEST(TaskBlocks, ReaderFindsWhatTheBlocksHold) {
  SumBlocks blocks;
  Model model;
  AddRandom(6, 5'000, blocks, model);
  SumBlocks::Reader reader(blocks);
  // In task order (a block after another), then against it, with absent
  // tasks between: in a present block, in an absent one, of an absent job.
  std::vector<TaskKey> tasks;
  for (const auto& [task, value] : model) tasks.push_back(task);
  for (auto it = model.rbegin(); it != model.rend(); ++it) tasks.push_back(it->first);
  // a + b wrapping around (the indices include INT64_MAX).
  auto plus = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  };
  for (const TaskKey& task : std::vector<TaskKey>(tasks)) {
    tasks.push_back({task.job_id, plus(task.task_index, 1)});
    tasks.push_back({task.job_id, plus(task.task_index, SumBlocks::kPerBlock * 3)});
    tasks.push_back({plus(task.job_id, 1), task.task_index});
  }
  for (const TaskKey& task : tasks) {
    const int64_t* found = reader.Find(task);
    auto it = model.find(task);
    if (it == model.end()) {
      EXPECT_EQ(found, nullptr) << task.job_id << "/" << task.task_index;
    } else {
      ASSERT_NE(found, nullptr) << task.job_id << "/" << task.task_index;
      EXPECT_EQ(*found, it->second);
    }
  }
}

// A value with a wire form of its own: only a count, as a varying number of
// bytes.
struct CountSpec {
  static void Combine(int64_t& mine, int64_t theirs) { mine += theirs; }
  static void PutValue(WireWriter& out, int64_t value) {
    out.Put(static_cast<uint8_t>(value < 256 ? 1 : 8));
    if (value < 256) {
      out.Put(static_cast<uint8_t>(value));
    } else {
      out.Put(value);
    }
  }
  static void MergeValue(WireReader& in, int64_t& into) {
    into += in.Get<uint8_t>() == 1 ? in.Get<uint8_t>() : in.Get<int64_t>();
  }
  static constexpr size_t kSmallestValueBytes = 2;
};

TEST(TaskBlocks, UsesTheSpecsWireForm) {
  TaskBlocks<int64_t, CountSpec> blocks;
  blocks[{1, 0}] += 7;
  blocks[{1, 40}] += 1000;
  WireWriter out;
  blocks.Serialize(out);
  // The count; per block its key, mask and values (2 and 9 bytes).
  const size_t mask = sizeof(TaskBlocks<int64_t, CountSpec>::Mask);
  EXPECT_EQ(out.bytes().size(), 8u + (16u + mask + 2u) + (16u + mask + 9u));
  TaskBlocks<int64_t, CountSpec> back;
  back[{1, 0}] += 1;  // combined with what is read
  for (int i = 0; i < 2; ++i) {
    WireReader in(out.bytes());
    back.Deserialize(in);
    EXPECT_TRUE(in.AtEnd());
  }
  std::map<TaskKey, int64_t> read;
  back.ForEach([&](const TaskKey& task, int64_t value) { read[task] = value; });
  EXPECT_EQ(read, (std::map<TaskKey, int64_t>{{{1, 0}, 15}, {{1, 40}, 2000}}));
}

}  // namespace
}  // namespace borgscope
