// DeltaRuns (engine/delta_runs.h) and the varint deltas under it
// (engine/varint.h) against a sorted std::vector model: entries read back in
// order across runs and the pending batch, ranges of the order and the cuts
// between them, groups read whole, merge and absorb, the split into key
// partitions and its reading back, KeepPartition, and a part that skips
// entries.

#include "engine/delta_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/key_partition.h"
#include "engine/varint.h"
#include "engine/wire.h"

namespace borgscope {
namespace {

TEST(Varint, DeltasRoundTripForAnyTwoValues) {
  const int64_t values[] = {0,
                            1,
                            -1,
                            127,
                            128,
                            -129,
                            600'000'000,
                            std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(),
                            6'640'979'530};
  for (int64_t base : values) {
    for (int64_t value : values) {
      ByteWriter out;
      PutDelta(out, value, base);
      const std::string bytes = out.Take();
      const char* at = bytes.data();
      EXPECT_EQ(GetDelta(at, bytes.data() + bytes.size(), base), value) << base << " " << value;
      EXPECT_EQ(at, bytes.data() + bytes.size());
    }
  }
  ByteWriter small;
  PutDelta(small, 1'000'005, 1'000'000);  // zigzag: 5 -> 10, one byte
  PutDelta(small, 999'999, 1'000'000);    // -1 -> 1
  PutByte(small, 0xff);
  EXPECT_EQ(small.size(), 3u);
  EXPECT_EQ(small.Take(), std::string("\x0a\x01\xff"));
  EXPECT_EQ(small.size(), 0u);  // taken: empty again
  ByteWriter truncated;
  PutVarint(truncated, 300);  // two bytes: 0xac 0x02
  std::string bytes = truncated.Take();
  EXPECT_EQ(bytes, std::string("\xac\x02"));
  bytes.pop_back();
  const char* at = bytes.data();
  EXPECT_THROW(GetVarint(at, bytes.data() + bytes.size()), InternalError);
}

// A writer's room grows past what was reserved, keeping what was written:
// many values, one and ten bytes long, read back in order.
TEST(Varint, WriterGrowsKeepingItsBytes) {
  ByteWriter out;
  out.Reserve(3);
  std::vector<uint64_t> values;
  for (uint64_t i = 0; i < 5000; ++i) values.push_back(i % 3 == 0 ? UINT64_MAX - i : i % 100);
  for (uint64_t value : values) PutVarint(out, value);
  const std::string bytes = out.Take();
  const char* at = bytes.data();
  for (uint64_t value : values) EXPECT_EQ(GetVarint(at, bytes.data() + bytes.size()), value);
  EXPECT_EQ(at, bytes.data() + bytes.size());
  EXPECT_EQ(bytes.capacity(), bytes.size() < 16 ? 15u : bytes.size());  // fitted
}

struct Item {
  int64_t job = 0;
  int64_t time = 0;
  int64_t value = 0;
  friend auto operator<=>(const Item&, const Item&) = default;
};

// Each field as a delta from the item before.
struct ItemCodec {
  static bool Less(const Item& a, const Item& b) {
    return std::tie(a.job, a.time) < std::tie(b.job, b.time);
  }
  static int64_t IdOf(const Item& item) { return item.job; }
  static void Put(ByteWriter& out, const Item& previous, const Item& item) {
    PutDelta(out, item.job, previous.job);
    PutDelta(out, item.time, previous.time);
    PutDelta(out, item.value, previous.value);
  }
  static Item Get(const char*& at, const char* end, const Item& previous) {
    Item item;
    item.job = GetDelta(at, end, previous.job);
    item.time = GetDelta(at, end, previous.time);
    item.value = GetDelta(at, end, previous.value);
    return item;
  }
};
using Runs = DeltaRuns<Item, ItemCodec>;

// `n` items with distinct (job, time), in random order, into runs and model.
template <typename SomeRuns>
void AddRandom(uint32_t seed, int n, SomeRuns& runs, std::vector<Item>& model) {
  std::mt19937 random(seed);
  for (int i = 0; i < n; ++i) {
    Item item{static_cast<int64_t>(random() % 50) * 7'919,
              static_cast<int64_t>(seed) * 1'000'000 + i,
              static_cast<int64_t>(random()) - (int64_t{1} << 31)};
    runs.Add() = item;
    model.push_back(item);
  }
}

std::vector<Item> InOrder(const Runs& runs) {
  std::vector<Item> items;
  runs.ForEachInOrder([&](const Item& item) { items.push_back(item); });
  return items;
}

std::vector<Item> Sorted(std::vector<Item> items) {
  std::sort(items.begin(), items.end(), ItemCodec::Less);
  return items;
}

TEST(DeltaRuns, ReadsRunsAndPendingInOrder) {
  Runs runs;
  std::vector<Item> model;
  AddRandom(1, 500, runs, model);
  runs.Seal();
  AddRandom(2, 700, runs, model);
  runs.Seal();
  AddRandom(3, 300, runs, model);  // left pending
  EXPECT_EQ(runs.run_count(), 2u);
  EXPECT_EQ(runs.size(), model.size());
  EXPECT_EQ(InOrder(runs), Sorted(model));
  uint64_t seen = 0;
  runs.ForEach([&](const Item&) { ++seen; });
  EXPECT_EQ(seen, model.size());
  // Deltas within a sorted run are small: well under the 24 bytes an item.
  EXPECT_LT(runs.encoded_bytes(), 1200u * 16);
}

// Many runs read k-way: runs whose entries come several in a row in the
// order (a job's entries from one shard: the top cursor stays on top) and
// runs that interleave entry by entry, and runs of one entry.
TEST(DeltaRuns, ReadsManyRunsInOrder) {
  Runs runs;
  std::vector<Item> model;
  std::mt19937 random(11);
  for (int run = 0; run < 40; ++run) {
    const int n = run % 7 == 0 ? 1 : 1 + static_cast<int>(random() % 300);
    for (int i = 0; i < n; ++i) {
      // Even runs: a block of their own jobs; odd runs: jobs shared by all.
      const int64_t job = run % 2 == 0 ? (run * 1000 + i / 10) * 7'919
                                       : static_cast<int64_t>(random() % 50) * 7'919;
      Item item{job, run * 1'000'000 + i, static_cast<int64_t>(random() % 1000)};
      runs.Add() = item;
      model.push_back(item);
    }
    runs.Seal();
  }
  EXPECT_EQ(runs.run_count(), 40u);
  EXPECT_EQ(InOrder(runs), Sorted(model));
}

// A codec whose Less orders by job first may say so (GroupOf): a batch is
// then sorted group by group. Entries in random order, and entries already
// in order within each job (as a shard's task events come), give the order
// std::sort gives.
struct GroupedItemCodec : ItemCodec {
  static int64_t GroupOf(const Item& item) { return item.job; }
};

TEST(DeltaRuns, SortsABatchByGroupAsByLess) {
  DeltaRuns<Item, GroupedItemCodec> runs;
  std::vector<Item> model;
  std::mt19937 random(5);
  for (int i = 0; i < 3000; ++i) {  // random order
    Item item{static_cast<int64_t>(random() % 200) * -7'919, static_cast<int64_t>(random()),
              static_cast<int64_t>(i)};
    runs.Add() = item;
    model.push_back(item);
  }
  runs.Seal();
  for (int i = 0; i < 3000; ++i) {  // in time order: each job's entries in order
    Item item{static_cast<int64_t>(random() % 300), 5'000'000'000 + i, static_cast<int64_t>(i)};
    runs.Add() = item;
    model.push_back(item);
  }
  runs.Seal();
  std::vector<Item> items;
  runs.ForEachInOrder([&](const Item& item) { items.push_back(item); });
  EXPECT_EQ(items, Sorted(model));
}

// The same with GroupParts (the radix sort of the groups): groups of two
// parts, negative and positive, in random order and in time order; parts
// whose ranges need more than 64 bits, and a batch of one (the table of
// groups instead).
struct GroupPartsItemCodec : ItemCodec {
  static std::pair<int64_t, int64_t> GroupOf(const Item& item) {
    return {item.job, item.time / 1000};  // times are >= 0 here: Less orders by it
  }
  static std::array<int64_t, 2> GroupParts(const std::pair<int64_t, int64_t>& group) {
    return {group.first, group.second};
  }
};

TEST(DeltaRuns, SortsABatchByGroupPartsAsByLess) {
  DeltaRuns<Item, GroupPartsItemCodec> runs;
  std::vector<Item> model;
  std::mt19937 random(6);
  auto add = [&](const Item& item) {
    runs.Add() = item;
    model.push_back(item);
  };
  for (int i = 0; i < 5000; ++i) {  // random order
    add({static_cast<int64_t>(random() % 200) * -7'919 + 300'000, static_cast<int64_t>(random()),
         static_cast<int64_t>(i)});
  }
  runs.Seal();
  for (int i = 0; i < 5000; ++i) {  // in time order: each group's entries in order
    add({static_cast<int64_t>(random() % 300), 5'000'000'000 + i, static_cast<int64_t>(i)});
  }
  runs.Seal();
  for (int i = 0; i < 2000; ++i) {  // jobs over the whole int64 range, times over 2^40
    const int64_t job = i % 3 == 0 ? INT64_MIN + i : i % 3 == 1 ? INT64_MAX - i : i;
    add({job, static_cast<int64_t>(random() % 1000) << 30, static_cast<int64_t>(i)});
  }
  runs.Seal();
  add({7, 1, 1});  // a batch of one
  runs.Seal();
  EXPECT_EQ(runs.run_count(), 4u);
  std::vector<Item> items;
  runs.ForEachInOrder([&](const Item& item) { items.push_back(item); });
  EXPECT_EQ(items, Sorted(model));
}

// SizeLike: the pending batch makes room for another's entries (its runs and
// its pending batch), and what is added reads back as before.
TEST(DeltaRuns, SizeLikeMakesRoomForAnothersEntries) {
  Runs like, sized;
  std::vector<Item> model, added;
  AddRandom(3, 700, like, model);
  like.Seal();
  AddRandom(4, 300, like, model);  // pending
  EXPECT_EQ(sized.pending_capacity(), 0u);
  sized.SizeLike(like);
  EXPECT_GE(sized.pending_capacity(), 1000u);
  AddRandom(5, 1000, sized, added);
  EXPECT_EQ(InOrder(sized), Sorted(added));
}

// Reading a range of the order: bounds at entries and between them, within
// and beyond every run, with runs of a few entries and of many (the readers
// start from a run's samples), and a pending batch (no samples).
TEST(DeltaRuns, ReadsARangeOfTheOrder) {
  Runs runs;
  std::vector<Item> model;
  for (uint32_t run = 0; run < 12; ++run) {
    AddRandom(10 + run, run % 3 == 0 ? 3 : 400, runs, model);
    runs.Seal();
  }
  AddRandom(40, 50, runs, model);
  const std::vector<Item> all = Sorted(model);
  auto range = [&](const Item* from, const Item* until) {
    std::vector<Item> items;
    runs.ForEachInOrder([&](const Item& item) { items.push_back(item); }, from, until);
    return items;
  };
  auto expected = [&](const Item* from, const Item* until) {
    std::vector<Item> items;
    for (const Item& item : all) {
      if ((from == nullptr || !ItemCodec::Less(item, *from)) &&
          (until == nullptr || ItemCodec::Less(item, *until)))
        items.push_back(item);
    }
    return items;
  };
  std::vector<Item> bounds = {all.front(),
                              all[all.size() / 3],
                              all.back(),
                              Item{-1, 0, 0},
                              Item{all[100].job, all[100].time + 1, 0},
                              Item{1'000'000, 0, 0}};
  for (const Item& from : bounds) {
    EXPECT_EQ(range(&from, nullptr), expected(&from, nullptr)) << from.job << " " << from.time;
    EXPECT_EQ(range(nullptr, &from), expected(nullptr, &from)) << from.job << " " << from.time;
    for (const Item& until : bounds) {
      EXPECT_EQ(range(&from, &until), expected(&from, &until));
    }
  }
}

// SplitPoints: increasing cuts at the start of a group (here: a job), that
// cut the entries into ranges of roughly equal size, which read together
// give every entry once.
TEST(DeltaRuns, SplitPointsCutAtGroupsIntoEvenRanges) {
  Runs runs;
  std::vector<Item> model;
  for (uint32_t run = 0; run < 20; ++run) {
    AddRandom(50 + run, 1'000, runs, model);
    runs.Seal();
  }
  auto job_start = [](const Item& item) { return Item{item.job, INT64_MIN, INT64_MIN}; };
  const std::vector<Item> cuts = runs.SplitPoints(4, job_start);
  ASSERT_EQ(cuts.size(), 3u);
  std::vector<Item> read;
  for (size_t r = 0; r <= cuts.size(); ++r) {
    const Item* from = r == 0 ? nullptr : &cuts[r - 1];
    const Item* until = r == cuts.size() ? nullptr : &cuts[r];
    if (from != nullptr) {
      EXPECT_EQ(from->time, INT64_MIN);  // a job's start
      if (until != nullptr) {
        EXPECT_TRUE(ItemCodec::Less(*from, *until));
      }
    }
    size_t in_range = 0;
    runs.ForEachInOrder(
        [&](const Item& item) {
          read.push_back(item);
          ++in_range;
        },
        from, until);
    // 50 jobs of ~400 entries: a quarter of 20,000 within a few jobs.
    EXPECT_NEAR(static_cast<double>(in_range), 5'000.0, 1'500.0) << r;
  }
  EXPECT_EQ(read, Sorted(model));
  EXPECT_TRUE(runs.SplitPoints(1, job_start).empty());
  EXPECT_TRUE(Runs().SplitPoints(4, job_start).empty());
}

// ForEachGroup: each job's entries together, jobs in increasing order, the
// entries of every run and of the pending batch, whole or in the ranges
// SplitPoints cuts.
TEST(DeltaRuns, ReadsGroupsWhole) {
  Runs runs;
  std::vector<Item> model;
  for (uint32_t run = 0; run < 9; ++run) {
    AddRandom(70 + run, run % 3 == 0 ? 5 : 600, runs, model);
    runs.Seal();
  }
  AddRandom(90, 40, runs, model);
  auto job_of = [](const Item& item) { return item.job; };
  auto read_groups = [&](const Item* from, const Item* until, std::vector<int64_t>& jobs) {
    std::vector<Item> items;
    runs.ForEachGroup(
        job_of,
        [&](std::span<Item> group) {
          ASSERT_FALSE(group.empty());
          jobs.push_back(group.front().job);
          for (const Item& item : group) {
            EXPECT_EQ(item.job, jobs.back());
            items.push_back(item);
          }
        },
        from, until);
    return items;
  };
  std::vector<int64_t> jobs;
  EXPECT_EQ(Sorted(read_groups(nullptr, nullptr, jobs)), Sorted(model));
  std::vector<int64_t> model_jobs;
  for (const Item& item : Sorted(model)) {
    if (model_jobs.empty() || model_jobs.back() != item.job) model_jobs.push_back(item.job);
  }
  EXPECT_EQ(jobs, model_jobs);  // each job once, in increasing order
  auto job_start = [](const Item& item) { return Item{item.job, INT64_MIN, INT64_MIN}; };
  const std::vector<Item> cuts = runs.SplitPoints(3, job_start);
  ASSERT_EQ(cuts.size(), 2u);
  std::vector<int64_t> range_jobs;
  std::vector<Item> read;
  for (size_t r = 0; r <= cuts.size(); ++r) {
    const auto [from, until] = Runs::RangeBounds(cuts, r);
    for (const Item& item : read_groups(from, until, range_jobs)) read.push_back(item);
  }
  EXPECT_EQ(Sorted(read), Sorted(model));
  EXPECT_EQ(range_jobs, model_jobs);
}

// A codec with kDistinct keeps equal entries once within a run; runs that
// share an entry each keep it (the reader drops repeats).
struct DistinctItemCodec : ItemCodec {
  static constexpr bool kDistinct = true;
};

TEST(DeltaRuns, DistinctRunsKeepEqualEntriesOnce) {
  DeltaRuns<Item, DistinctItemCodec> runs;
  for (const Item& item : {Item{2, 5, 1}, Item{1, 9, 3}, Item{2, 5, 1}, Item{2, 5, 1}}) {
    runs.Add() = item;
  }
  runs.Seal();
  EXPECT_EQ(runs.size(), 2u);
  runs.Add() = Item{1, 9, 3};
  runs.Add() = Item{1, 9, 3};
  runs.Seal();
  std::vector<Item> items;
  runs.ForEachInOrder([&](const Item& item) { items.push_back(item); });
  EXPECT_EQ(items, (std::vector<Item>{{1, 9, 3}, {1, 9, 3}, {2, 5, 1}}));
  // The plain codec keeps every entry.
  Runs all;
  for (int i = 0; i < 3; ++i) all.Add() = Item{2, 5, 1};
  all.Seal();
  EXPECT_EQ(all.size(), 3u);
}

// A codec whose Less is its groups' order (kOrdersByGroupOnly): a batch is
// sorted by group, each group's entries left in the order they came; with
// kDistinct, an entry equal to the one before it goes, an equal one further
// back stays (q6's placements: a task's in time order). Through the radix
// sort of a batch of many entries and the table of a small batch.
struct ArrivalOrderItemCodec : ItemCodec {
  static constexpr bool kDistinct = true;
  static constexpr bool kOrdersByGroupOnly = true;
  static bool Less(const Item& a, const Item& b) { return a.job < b.job; }
  static int64_t GroupOf(const Item& item) { return item.job; }
  static std::array<int64_t, 2> GroupParts(int64_t job) { return {job, 0}; }
};

TEST(DeltaRuns, GroupOrderOnlyKeepsArrivalOrderAndDropsNeighbourRepeats) {
  for (int jobs : {3, 700}) {  // 3 x 4 entries: the table; 700 x 4: the radix sort
    SCOPED_TRACE(jobs);
    DeltaRuns<Item, ArrivalOrderItemCodec> runs;
    std::vector<Item> expected;
    // Job j's entries come round by round, the jobs in decreasing order:
    // values 5, 5 (a repeat: dropped), 4, 5 (equal to one further back: kept).
    for (int64_t value : {5, 5, 4, 5}) {
      for (int64_t job = jobs - 1; job >= 0; --job) runs.Add() = Item{job, 0, value};
    }
    for (int64_t job = 0; job < jobs; ++job) {
      for (int64_t value : {5, 4, 5}) expected.push_back(Item{job, 0, value});
    }
    runs.Seal();
    std::vector<Item> items;
    runs.ForEach([&](const Item& item) { items.push_back(item); });
    EXPECT_EQ(items, expected);
  }
}

TEST(DeltaRuns, MergesAndAbsorbsLikeConcatenation) {
  Runs a, b, c;
  std::vector<Item> model;
  AddRandom(4, 400, a, model);
  AddRandom(5, 400, b, model);
  b.Seal();
  AddRandom(6, 100, b, model);
  AddRandom(7, 250, c, model);
  a.Merge(b);  // b's run and a copy of its pending
  EXPECT_EQ(b.size(), 500u);
  a.Absorb(std::move(c));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(a.size(), model.size());
  EXPECT_EQ(InOrder(a), Sorted(model));
}

// `runs` split into `parts` key partitions on the wire (part `skipped`
// without its entries, as for a rank that has them already), each read back.
template <typename AnyRuns>
std::vector<AnyRuns> SplitAndReadBack(const AnyRuns& runs, size_t parts, size_t skipped) {
  std::vector<WireWriter> writers(parts);
  writers[skipped].SkipEntries();
  runs.SerializePartitions(writers);
  std::vector<AnyRuns> read(parts);
  for (size_t p = 0; p < parts; ++p) {
    const std::string bytes = writers[p].Take();
    WireReader in(bytes);
    read[p].Deserialize(in);
    EXPECT_TRUE(in.AtEnd()) << "part " << p;
  }
  return read;
}

TEST(DeltaRuns, SplitsIntoKeyPartitionsAndReadsThemBack) {
  Runs runs;
  std::vector<Item> model;
  AddRandom(8, 900, runs, model);
  runs.Seal();
  AddRandom(9, 600, runs, model);
  constexpr size_t kParts = 5;
  const std::vector<Runs> parts = SplitAndReadBack(runs, kParts, /*skipped=*/3);
  for (size_t p = 0; p < kParts; ++p) {
    const Runs& part = parts[p];
    std::vector<Item> expected;
    if (p != 3) {
      for (const Item& item : Sorted(model)) {
        if (PartitionOf(item.job, kParts) == p) expected.push_back(item);
      }
    }
    EXPECT_FALSE(expected.empty() && p != 3) << "a part with no item: a weak test";
    EXPECT_EQ(InOrder(part), expected) << "part " << p;
  }
  // One part: the runs as they are.
  WireWriter whole;
  runs.SerializePartitions({&whole, 1});
  const std::string bytes = whole.Take();
  WireReader in(bytes);
  Runs copy;
  copy.Deserialize(in);
  EXPECT_EQ(InOrder(copy), Sorted(model));
}

TEST(DeltaRuns, KeepsOnePartition) {
  Runs runs;
  std::vector<Item> model;
  AddRandom(10, 800, runs, model);
  runs.Seal();
  AddRandom(11, 200, runs, model);
  runs.KeepPartition(1, 3);
  std::vector<Item> expected;
  for (const Item& item : Sorted(model)) {
    if (PartitionOf(item.job, 3) == 1) expected.push_back(item);
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(runs.size(), expected.size());
  EXPECT_EQ(InOrder(runs), expected);
}

// Items whose value is a multiple of 3 are counted.
struct CountedItemCodec : ItemCodec {
  static bool Counted(const Item& item) { return item.value % 3 == 0; }
};
using CountedRuns = DeltaRuns<Item, CountedItemCodec>;

uint64_t CountedIn(const std::vector<Item>& items, size_t part, size_t parts) {
  return std::count_if(items.begin(), items.end(), [&](const Item& item) {
    return item.value % 3 == 0 && PartitionOf(item.job, parts) == part;
  });
}

TEST(DeltaRuns, CountsEntriesThroughMergesSplitsAndTheWire) {
  CountedRuns a, b, c;
  std::vector<Item> model;
  AddRandom(12, 700, a, model);
  a.Seal();
  AddRandom(13, 300, a, model);  // pending
  AddRandom(14, 500, b, model);
  b.Seal();
  AddRandom(15, 200, b, model);
  AddRandom(16, 400, c, model);
  a.Merge(b);
  a.Absorb(std::move(c));
  const uint64_t all = CountedIn(model, 0, 1);
  ASSERT_GT(all, 500u);  // a third of 2,100 random values
  ASSERT_LT(all, 900u);
  EXPECT_EQ(a.counted(), all);
  EXPECT_EQ(c.counted(), 0u);
  // Split into parts (one skipping its entries) and read back: each part's.
  constexpr size_t kParts = 4;
  const std::vector<CountedRuns> parts = SplitAndReadBack(a, kParts, /*skipped=*/2);
  for (size_t p = 0; p < kParts; ++p) {
    EXPECT_EQ(parts[p].counted(), p == 2 ? 0 : CountedIn(model, p, kParts)) << "part " << p;
  }
  a.KeepPartition(3, kParts);
  EXPECT_EQ(a.counted(), CountedIn(model, 3, kParts));
  EXPECT_GT(a.counted(), 0u);
}

}  // namespace
}  // namespace borgscope
