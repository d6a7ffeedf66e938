// Ranks and Pearson sums of points spilled to disk equal those of the points
// in memory (RankAcrossCluster, PearsonSumsAcrossRanks in one process), for
// chunk sizes from one point to all of them, with many ties.

#include "stats/rank_spilled.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "test_support.h"

namespace borgscope::testing {
namespace {

struct Point {
  int64_t id;
  double x;
  int64_t y;
  int64_t x_rank;
};

std::vector<Point> RandomPoints(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<Point> points;
  for (size_t i = 0; i < n; ++i) {
    // x: 50 values (large tie groups); y: mostly 0, like q8's evictions.
    points.push_back({static_cast<int64_t>(i), static_cast<double>(random() % 50) / 8,
                      random() % 4 == 0 ? static_cast<int64_t>(random() % 3) : 0, 0});
  }
  return points;
}

TEST(RankSpilledTest, SameRanksAndSumsAsInMemory) {
  for (size_t n : {0, 1, 2, 7, 1000, 5000}) {
    std::vector<Point> in_memory = RandomPoints(n, static_cast<uint32_t>(n));
    std::map<int64_t, std::pair<uint64_t, uint64_t>> expected;  // id -> (first, last)
    RankAcrossCluster(
        in_memory, [](const Point& p) { return p.x; },
        [&](Point& p, uint64_t first, uint64_t last, uint64_t total) {
          EXPECT_EQ(total, n);
          expected[p.id] = {first, last};
          p.x_rank = static_cast<int64_t>(first + last);
        },
        SingleProcess());
    const RankSums expected_sums = RankSumsAgainst(
        in_memory, &Point::x_rank, [](const Point& p) { return p.y; }, SingleProcess());
    const std::vector<Point> original = RandomPoints(n, static_cast<uint32_t>(n));
    const PearsonSums expected_pearson = PearsonSumsAcrossRanks<Point>(
        original, [](const Point& p) { return p.x; },
        [](const Point& p) { return static_cast<double>(p.y); }, SingleProcess());

    for (size_t chunk : {size_t{1}, size_t{3}, size_t{256}, n + 1}) {
      TempDir folder;
      SpilledItems<Point> points(chunk, folder.path().string());
      for (const Point& p : original) points.Add(p);
      EXPECT_EQ(points.spilled(), n >= chunk) << n << " " << chunk;
      EXPECT_EQ(points.size(), n);
      WireWriter want, got;
      expected_pearson.Serialize(want);
      PearsonSumsOfSpilled(
          points, [](const Point& p) { return p.x; },
          [](const Point& p) { return static_cast<double>(p.y); })
          .Serialize(got);
      EXPECT_EQ(got.bytes(), want.bytes()) << n << " " << chunk;

      SpilledItems<Point> ranked(chunk, folder.path().string());
      std::map<int64_t, std::pair<uint64_t, uint64_t>> positions;
      RankSpilled(
          points, [](const Point& p) { return p.x; },
          [&](Point& p, uint64_t first, uint64_t last, uint64_t total) {
            EXPECT_EQ(total, n);
            positions[p.id] = {first, last};
            p.x_rank = static_cast<int64_t>(first + last);
          },
          [&](const Point& p) { ranked.Add(p); });
      EXPECT_EQ(positions, expected) << n << " " << chunk;
      RankSums sums;
      RankSpilled(
          ranked, [](const Point& p) { return p.y; },
          [&](Point& p, uint64_t first, uint64_t last, uint64_t) {
            sums.Add(p.x_rank, static_cast<int64_t>(first + last));
          },
          [](const Point&) {});
      WireWriter want_ranks, got_ranks;
      expected_sums.Serialize(want_ranks);
      sums.Serialize(got_ranks);
      EXPECT_EQ(got_ranks.bytes(), want_ranks.bytes()) << n << " " << chunk;
      points.Clear();
      EXPECT_EQ(points.size(), 0u);
      // The scratch files are unlinked from the start: nothing in the folder.
      EXPECT_TRUE(fs::is_empty(folder.path()));
    }
  }
}

TEST(RankSpilledTest, FullDiskIsAnIoErrorNamingTheFolder) {
  SpilledItems<Point> points(2, "/proc/self");  // no files can be made there
  points.Add({1, 1, 1, 0});
  try {
    points.Add({2, 2, 2, 0});
    ADD_FAILURE() << "spilled into /proc/self";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("/proc/self"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace borgscope::testing
