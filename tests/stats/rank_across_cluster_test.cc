// RankAcrossCluster (stats/rank_across_cluster.h): every point's tie-group
// positions among every rank's points, for points spread over 1-5 ranks
// (threads standing in for MPI ranks), against counting them directly.

#include "stats/rank_across_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <vector>

#include "../engine/thread_cluster.h"

namespace borgscope {
namespace {

struct Point {
  double value;
  int64_t id;
};

struct Positions {
  uint64_t first, last, total;
  bool operator==(const Positions&) const = default;
};

TEST(RankAcrossCluster, TiesSpanTheirPositionsInOneProcess) {
  // Sorted: 1 (1), 2 2 2 (2-4), 5 (5), 7 7 (6-7).
  std::vector<Point> points;
  int64_t id = 0;
  for (double value : {7, 2, 5, 2, 1, 7, 2}) points.push_back({value, id++});
  std::map<int64_t, Positions> seen;
  RankAcrossCluster(
      points, [](const Point& p) { return p.value; },
      [&](Point& p, uint64_t first, uint64_t last, uint64_t total) {
        EXPECT_TRUE(seen.emplace(p.id, Positions{first, last, total}).second);
      },
      SingleProcess());
  EXPECT_EQ(seen, (std::map<int64_t, Positions>{{0, {6, 7, 7}},
                                                {1, {2, 4, 7}},
                                                {2, {5, 5, 7}},
                                                {3, {2, 4, 7}},
                                                {4, {1, 1, 7}},
                                                {5, {6, 7, 7}},
                                                {6, {2, 4, 7}}}));
  std::vector<double> sorted;
  for (const Point& p : points) sorted.push_back(p.value);
  EXPECT_EQ(sorted, (std::vector<double>{1, 2, 2, 2, 5, 7, 7}));
}

// The radix sort (above kRadixSortMinItems) against std::sort, the plain path.
TEST(RankAcrossCluster, RadixSortOrdersAsStdSort) {
  std::mt19937_64 random(5);
  struct Item {
    double real;
    int64_t integer;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < 3 * rank_detail::kRadixSortMinItems; ++i) {
    const double magnitudes[] = {0, 1e-300, 0.5, 3, 1e6, 1e300};
    double real = magnitudes[random() % 6] * static_cast<double>(random() % 100);
    if (random() % 2) real = -real;                    // also -0.0
    int64_t integer = static_cast<int64_t>(random());  // all 64 bits, negatives too
    if (random() % 4 == 0) integer %= 10;              // ties
    if (i == 7) integer = std::numeric_limits<int64_t>::min();
    items.push_back({real, integer});
  }
  auto sorted_values = [&](auto value_of, bool radix) {
    std::vector<Item> copy = items;
    if (radix) {
      rank_detail::SortByValue(copy, value_of);
    } else {
      std::sort(copy.begin(), copy.end(),
                [&](const Item& a, const Item& b) { return value_of(a) < value_of(b); });
    }
    std::vector<decltype(value_of(copy[0]))> values;
    for (const Item& item : copy) values.push_back(value_of(item));
    return values;
  };
  auto real = [](const Item& item) { return item.real; };
  auto integer = [](const Item& item) { return item.integer; };
  EXPECT_EQ(sorted_values(real, true), sorted_values(real, false));
  EXPECT_EQ(sorted_values(integer, true), sorted_values(integer, false));
}

// Values that share their top bytes and crowd a few buckets: the radix sort
// skips shared bytes and sorts large buckets by the next byte, recursively
// (more than kScratchSortMaxBytes in all: in place at first, then buckets
// through the scratch buffer).
TEST(RankAcrossCluster, RadixSortRecursesIntoLargeBuckets) {
  std::mt19937_64 random(9);
  std::vector<int64_t> values;
  for (int i = 0; i < 400'000; ++i) values.push_back(static_cast<int64_t>(random() % (1 << 20)));
  for (int i = 0; i < 80'000; ++i) values.push_back(12345);  // one large tie group
  ASSERT_GT(values.size() * sizeof(int64_t), rank_detail::kScratchSortMaxBytes);
  std::vector<int64_t> expected = values;
  std::sort(expected.begin(), expected.end());
  rank_detail::SortByValue(values, [](int64_t v) { return v; });
  EXPECT_EQ(values, expected);
}

// Keys whose highest differing bit sits on either side of a byte boundary:
// the sort jumps to the byte holding it, neither past it nor short of it -
// through the scratch buffer (1,000 keys) and in place (400,000: 3.2 MB).
TEST(RankAcrossCluster, RadixSortStartsAtTheHighestDifferingByte) {
  std::mt19937_64 random(11);
  for (int count : {1000, 400'000})
    for (int bit : {7, 8, 15, 16, 31, 32, 55, 56, 62}) {
      std::vector<int64_t> values;
      for (int i = 0; i < count; ++i) {
        const int64_t high = static_cast<int64_t>(random() % 2) << bit;
        values.push_back(0x0101'0101'0101'0101 + high + static_cast<int64_t>(random() % 5));
      }
      std::vector<int64_t> expected = values;
      std::sort(expected.begin(), expected.end());
      rank_detail::SortByValue(values, [](int64_t v) { return v; });
      EXPECT_EQ(values, expected) << count << " keys, highest differing bit " << bit;
    }
}

// Points on random ranks (`on_first_rank_only`: all on rank 0), most of them
// tied at 0, as q8's evictions are.
void ExpectPositionsCounted(int ranks, bool on_first_rank_only) {
  std::mt19937_64 random(ranks);
  std::vector<std::vector<Point>> start(ranks);
  std::vector<double> all;
  for (int64_t id = 0; id < 3000; ++id) {
    double value = random() % 10 < 8 ? 0 : static_cast<double>(random() % 50);
    all.push_back(value);
    start[on_first_rank_only ? 0 : random() % ranks].push_back({value, id});
  }
  std::mutex mutex;
  std::map<int64_t, Positions> seen;
  std::vector<std::vector<Point>> end(ranks);
  testing::ThreadRanks(ranks).Run([&](Cluster& cluster) {
    std::vector<Point> points = start[cluster.rank()];
    RankAcrossCluster(
        points, [](const Point& p) { return p.value; },
        [&](Point& p, uint64_t first, uint64_t last, uint64_t total) {
          std::lock_guard lock(mutex);
          EXPECT_TRUE(seen.emplace(p.id, Positions{first, last, total}).second) << p.id;
        },
        cluster);
    end[cluster.rank()] = points;
  });
  ASSERT_EQ(seen.size(), all.size());
  for (const auto& [id, positions] : seen) {
    const double value = all[id];
    const auto below = std::count_if(all.begin(), all.end(), [&](double v) { return v < value; });
    const auto tied = std::count(all.begin(), all.end(), value);
    EXPECT_EQ(positions, (Positions{static_cast<uint64_t>(below) + 1,
                                    static_cast<uint64_t>(below + tied), all.size()}))
        << id;
  }
  // Ranks hold consecutive sorted ranges, split evenly even inside the ties.
  double previous = -1;
  for (const std::vector<Point>& points : end) {
    EXPECT_LE(points.size(), 2 * all.size() / ranks) << ranks << " ranks";
    for (const Point& p : points) {
      EXPECT_LE(previous, p.value);
      previous = p.value;
    }
  }
}

// The merge of the runs received from each rank: runs of every length (empty
// ones too), with ties inside and across runs, against sorting all of them.
TEST(RankAcrossCluster, MergedRunsInTheOrderOfOneSort) {
  std::mt19937_64 random(11);
  for (size_t runs : {1, 2, 3, 5, 8}) {
    std::vector<Point> items;
    std::vector<size_t> bounds{0};
    for (size_t r = 0; r < runs; ++r) {
      const size_t length = r == 1 ? 0 : random() % 40;
      std::vector<Point> run;
      for (size_t i = 0; i < length; ++i) {
        run.push_back({static_cast<double>(random() % 25), static_cast<int64_t>(items.size() + i)});
      }
      std::sort(run.begin(), run.end(),
                [](const Point& a, const Point& b) { return a.value < b.value; });
      items.insert(items.end(), run.begin(), run.end());
      bounds.push_back(items.size());
    }
    std::vector<double> expected;
    std::multiset<int64_t> ids;
    for (const Point& p : items) {
      expected.push_back(p.value);
      ids.insert(p.id);
    }
    std::sort(expected.begin(), expected.end());
    rank_detail::MergeSortedRuns(items, bounds, [](const Point& p) { return p.value; });
    std::vector<double> values;
    std::multiset<int64_t> merged_ids;
    for (const Point& p : items) {
      values.push_back(p.value);
      merged_ids.insert(p.id);
    }
    EXPECT_EQ(values, expected) << runs << " runs";
    EXPECT_EQ(merged_ids, ids) << runs << " runs";  // every point once
  }
}

TEST(RankAcrossCluster, NoPointsOrOneAcrossThreeRanks) {
  for (int points_in_all : {0, 1}) {
    std::mutex mutex;
    std::vector<Positions> seen;
    testing::ThreadRanks(3).Run([&](Cluster& cluster) {
      std::vector<Point> points;
      if (points_in_all == 1 && cluster.rank() == 2) points.push_back({4.5, 0});
      RankAcrossCluster(
          points, [](const Point& p) { return p.value; },
          [&](Point&, uint64_t first, uint64_t last, uint64_t total) {
            std::lock_guard lock(mutex);
            seen.push_back({first, last, total});
          },
          cluster);
    });
    const std::vector<Positions> expected =
        points_in_all == 0 ? std::vector<Positions>{} : std::vector<Positions>{{1, 1, 1}};
    EXPECT_EQ(seen, expected);
  }
}

TEST(RankAcrossCluster, PositionsAcrossRanksAreThoseOfAllPoints) {
  for (int ranks : {1, 2, 3, 5}) {
    SCOPED_TRACE(ranks);
    ExpectPositionsCounted(ranks, false);
    ExpectPositionsCounted(ranks, true);
  }
}

}  // namespace
}  // namespace borgscope
