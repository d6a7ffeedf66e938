// KeyedTable and ChunkedVector (engine/keyed_table.h, engine/chunked_vector.h)
// against a std::map model: values combined per key, merge and absorb in both
// directions, merges that grow the index, moves, the split into key
// partitions and its reading back, KeepPartition, a Spec with a wire form of
// its own, and the generic parts built on them (engine/keyed_parts.h).

#include "engine/keyed_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <tuple>
#include <vector>

#include "engine/chunked_vector.h"
#include "engine/keyed_parts.h"
#include "engine/state_parts.h"
#include "trace/trace_order.h"

namespace borgscope {
namespace {

struct SumSpec {
  static int64_t IdOf(const TaskKey& key) { return key.job_id; }
  static void Combine(int64_t& mine, int64_t theirs) { mine += theirs; }
};
using SumTable = KeyedTable<TaskKey, int64_t, SumSpec>;
using Model = std::map<TaskKey, int64_t>;

Model ModelOf(const SumTable& table) {
  Model model;
  for (const auto& [key, value] : table) {
    EXPECT_TRUE(model.emplace(key, value).second) << "key twice: " << key.job_id;
  }
  return model;
}

// `n` random additions over a few hundred jobs, into the table and the model.
void AddRandom(uint32_t seed, int n, SumTable& table, Model& model) {
  std::mt19937 random(seed);
  for (int i = 0; i < n; ++i) {
    const TaskKey key{static_cast<int64_t>(random() % 300) * 1'000'003,
                      static_cast<int64_t>(random() % 40)};
    const int64_t value = static_cast<int64_t>(random() % 1000) - 500;
    table[key] += value;
    model[key] += value;
  }
}

TEST(ChunkedVector, GrowsByChunksAndKeepsReferences) {
  struct Item {
    int64_t a = 0, b = 0, c = 0;
  };
  ChunkedVector<Item> items;
  const size_t n = 3 * ChunkedVector<Item>::kPerChunk + 1;
  Item& first = items.emplace_back();
  first.a = 7;
  for (size_t i = 1; i < n; ++i) items.push_back({static_cast<int64_t>(i), 2, 3});
  ASSERT_EQ(items.size(), n);
  EXPECT_EQ(&first, &items[0]);  // never moved
  EXPECT_EQ(items[0].a, 7);
  EXPECT_EQ(items[n - 1].a, static_cast<int64_t>(n - 1));
  EXPECT_EQ(items[ChunkedVector<Item>::kPerChunk].a,
            static_cast<int64_t>(ChunkedVector<Item>::kPerChunk));
  int64_t sum = 0, count = 0;
  for (const Item& item : items) {
    sum += item.a;
    ++count;
  }
  EXPECT_EQ(count, static_cast<int64_t>(n));
  EXPECT_EQ(sum, 7 + static_cast<int64_t>(n - 1) * static_cast<int64_t>(n) / 2);
  ChunkedVector<Item> copy = items;
  EXPECT_EQ(copy.size(), n);
  EXPECT_EQ(copy[n - 1].a, items[n - 1].a);
  items.clear();
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(items.emplace_back().a, 0);  // fresh elements are value-initialized
}

TEST(KeyedTable, CombinesValuesPerKeyLikeAMap) {
  SumTable table;
  Model model;
  AddRandom(1, 20'000, table, model);
  EXPECT_EQ(table.size(), model.size());
  EXPECT_EQ(ModelOf(table), model);
  for (const auto& [key, value] : model) {
    const int64_t* found = table.Find(key);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, value);
  }
  EXPECT_EQ(table.Find(TaskKey{-1, -1}), nullptr);
}

TEST(KeyedTable, MergeAndAbsorbEqualTheUnion) {
  SumTable small, large;
  Model small_model, large_model;
  AddRandom(2, 300, small, small_model);
  AddRandom(3, 15'000, large, large_model);
  Model both = large_model;
  for (const auto& [key, value] : small_model) both[key] += value;

  SumTable merged = large;  // a copy
  merged.Merge(small);
  EXPECT_EQ(ModelOf(merged), both);
  EXPECT_EQ(ModelOf(large), large_model);  // the copy left the original alone

  for (bool small_into_large : {true, false}) {
    SumTable into = small_into_large ? large : small;
    SumTable from = small_into_large ? small : large;
    into.Absorb(std::move(from));
    EXPECT_EQ(ModelOf(into), both) << small_into_large;
    EXPECT_TRUE(from.empty());
    from[TaskKey{5, 5}] += 9;  // an absorbed table is a usable empty one
    EXPECT_EQ(*from.Find(TaskKey{5, 5}), 9);
  }
}

// Merges that grow the merged table through several sizes (its index is
// rebuilt from the entries each time): every key is still found with its
// value, and a key added afterwards goes in once.
TEST(KeyedTable, MergesThatGrowTheIndexKeepEveryKeyFindable) {
  SumTable merged;
  Model model;
  for (uint32_t shard = 0; shard < 40; ++shard) {
    SumTable table;
    AddRandom(100 + shard, 2'000, table, model);
    merged.Merge(table);
  }
  ASSERT_GT(model.size(), 10'000u);
  EXPECT_EQ(merged.size(), model.size());
  for (const auto& [key, value] : model) {
    const int64_t* found = merged.Find(key);
    ASSERT_NE(found, nullptr) << key.job_id << " " << key.task_index;
    EXPECT_EQ(*found, value);
  }
  const TaskKey first = model.begin()->first;
  merged[first] += 1;
  merged[TaskKey{-7, 7}] += 2;
  EXPECT_EQ(merged.size(), model.size() + 1);
  EXPECT_EQ(*merged.Find(first), model.begin()->second + 1);
  EXPECT_EQ(*merged.Find(TaskKey{-7, 7}), 2);
}

TEST(KeyedTable, MovedTablesStayUsable) {
  SumTable table;
  Model model;
  AddRandom(4, 5'000, table, model);
  SumTable moved = std::move(table);
  EXPECT_EQ(ModelOf(moved), model);
  table[TaskKey{1, 2}] += 3;  // the moved-from table
  EXPECT_EQ(table.size(), 1u);
  moved[TaskKey{1, 2}] += 4;  // the moved-to one keeps finding its keys
  model[TaskKey{1, 2}] += 4;
  EXPECT_EQ(ModelOf(moved), model);
}

TEST(KeyedTable, SplitsByPartitionAndReadsBack) {
  SumTable table;
  Model model;
  AddRandom(5, 20'000, table, model);
  constexpr size_t kParts = 4;
  std::vector<WireWriter> writers(kParts);
  table.SerializePartitions(writers);
  Model read_back;
  for (size_t p = 0; p < kParts; ++p) {
    SumTable part;
    const std::string bytes = writers[p].Take();
    WireReader in(bytes);
    part.Deserialize(in);
    EXPECT_TRUE(in.AtEnd());
    for (const auto& [key, value] : part) {
      EXPECT_EQ(PartitionOf(key.job_id, kParts), p);
      read_back[key] += value;
    }
    SumTable kept = table;
    kept.KeepPartition(p, kParts);
    EXPECT_EQ(ModelOf(kept), ModelOf(part));
  }
  EXPECT_EQ(read_back, model);

  // Reading a part into a table that holds keys combines them.
  WireWriter whole;
  table.Serialize(whole);
  const std::string bytes = whole.Take();
  WireReader in(bytes);
  SumTable twice = table;
  twice.Deserialize(in);
  for (const auto& [key, value] : twice) EXPECT_EQ(value, 2 * model.at(key));
}

// A wire form of its own: a flag byte, the value only when nonzero.
struct SparseSpec {
  static int64_t IdOf(int64_t key) { return key; }
  static void Combine(int64_t& mine, int64_t theirs) { mine += theirs; }
  static void PutValue(WireWriter& out, int64_t value) {
    out.Put<uint8_t>(value != 0);
    if (value != 0) out.Put(value);
  }
  static void MergeValue(WireReader& in, int64_t& into) {
    if (in.Get<uint8_t>() != 0) into += in.Get<int64_t>();
  }
  static constexpr size_t kSmallestValueBytes = 1;
};

TEST(KeyedTable, UsesTheSpecsWireForm) {
  KeyedTable<int64_t, int64_t, SparseSpec> table;
  table[10] += 0;
  table[11] += 5;
  WireWriter out;
  table.Serialize(out);
  const std::string bytes = out.Take();
  // count, then (key, flag) and (key, flag, value)
  EXPECT_EQ(bytes.size(), 8u + (8 + 1) + (8 + 1 + 8));
  KeyedTable<int64_t, int64_t, SparseSpec> back;
  WireReader in(bytes);
  back.Deserialize(in);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(*back.Find(10), 0);
  EXPECT_EQ(*back.Find(11), 5);
}

// A state of two parts, one of which cannot be sized.
struct TableAndTotal : StateOf<TableAndTotal> {
  void Consume(const RowBatch&) override {}
  static auto Parts(auto& self) { return std::tie(self.table, self.total); }
  SumTable table;
  SumOf<int64_t> total;  // no SizeLike: left alone
};

// SizeLike: an empty table makes room for another's keys (it then holds
// them without growing), a table with keys is left as it is; a state made
// of parts sizes each part that can be (StateOf::SizeLike).
TEST(KeyedTable, SizeLikeMakesRoomForAnothersKeys) {
  SumTable like;
  Model model;
  AddRandom(6, 20'000, like, model);
  SumTable sized;
  EXPECT_EQ(sized.capacity(), 0u);
  sized.SizeLike(like);
  const size_t room = sized.capacity();
  EXPECT_GE(room, like.size());
  for (const auto& [key, value] : model) sized[key] += value;
  EXPECT_EQ(sized.capacity(), room);  // no growth
  EXPECT_EQ(ModelOf(sized), model);

  SumTable small;
  small[TaskKey{1, 1}] = 5;
  const size_t small_room = small.capacity();
  small.SizeLike(like);
  EXPECT_EQ(small.capacity(), small_room);

  TableAndTotal before, next;
  before.table = like;
  next.SizeLike(before);
  EXPECT_GE(next.table.capacity(), like.size());
  EXPECT_TRUE(next.table.empty());
}

int64_t IdentityId(int64_t id) { return id; }

TEST(KeyedParts, SetsAndCountsAreTablesOfTheirKeys) {
  KeyedSet<int64_t, &IdentityId> set;
  for (int64_t id : {3, 1, 3, 2, 1}) set.Insert(id);
  EXPECT_EQ(set.size(), 3u);
  std::vector<int64_t> keys;
  for (const auto& entry : set) keys.push_back(entry.key);
  EXPECT_EQ(keys, (std::vector<int64_t>{3, 1, 2}));  // in the order they came
  WireWriter out;
  set.Serialize(out);
  EXPECT_EQ(out.bytes().size(), 8u + 3 * 8);  // no bytes for the empty value

  KeyedCounts<int64_t, &IdentityId> counts;
  for (int64_t id : {3, 1, 3, 3}) counts.Add(id);
  counts.Add(1, 10);
  EXPECT_EQ(counts.CountOf(3), 3u);
  EXPECT_EQ(counts.CountOf(1), 11u);
  EXPECT_EQ(counts.CountOf(2), 0u);
}

}  // namespace
}  // namespace borgscope
