// Pearson and Spearman (stats/correlation.h) on values whose answers are
// counted by hand, and the same bits from points split over ranks.

#include "stats/correlation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <random>
#include <vector>

#include "../engine/thread_cluster.h"
#include "stats/rank_across_cluster.h"

namespace borgscope {
namespace {

TEST(Correlation, PearsonOfExactLines) {
  EXPECT_DOUBLE_EQ(Pearson({1, 2, 3, 4}, {3, 5, 7, 9}), 1.0);
  EXPECT_DOUBLE_EQ(Pearson({1, 2, 3, 4}, {8, 6, 4, 2}), -1.0);
  EXPECT_TRUE(std::isnan(Pearson({1, 2, 3}, {4, 4, 4})));  // constant variable
  EXPECT_TRUE(std::isnan(Pearson({1}, {2})));              // one point
}

TEST(Correlation, PearsonDoesNotCancelOnLargeOffsets) {
  // Deviations from the mean are exact here: a one-pass formula on sums of
  // squares (~4e18) would lose every digit.
  EXPECT_EQ(Pearson({1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}, {3, 5, 7, 9}), 1.0);
}

TEST(Correlation, SpearmanIsPearsonOfRanks) {
  // Monotonic but not linear: ranks identical, rho 1.
  EXPECT_DOUBLE_EQ(Spearman({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0);
  // x ranks 1,2,3,4; y = {10, 30, 20, 20} ranks 1, 4, 2.5, 2.5:
  // dx = -1.5 -.5 .5 1.5, dy = -1.5 1.5 0 0: sxy = 2.25 - .75 = 1.5,
  // sxx = 5, syy = 4.5: rho = 1.5 / sqrt(22.5).
  EXPECT_NEAR(Spearman({1, 2, 3, 4}, {10, 30, 20, 20}), 1.5 / std::sqrt(22.5), 1e-12);
  EXPECT_TRUE(std::isnan(Spearman({1, 2, 3}, {4, 4, 4})));  // all tied
}

// Points split at random over 2-5 ranks, each rank adding its own to
// PearsonSums and RankSums (the points moving for the ranks), the sums
// merged in reverse rank order: the same bits as one process over all.
TEST(Correlation, SameBitsFromPointsSplitOverRanks) {
  struct Point {
    double x, y;
    int64_t x_rank;
  };
  std::mt19937_64 random(11);
  std::vector<double> x, y;
  for (int i = 0; i < 2000; ++i) {
    x.push_back(static_cast<double>(random() % 1000) / 7);
    y.push_back(x.back() * 0.3 + static_cast<double>(random() % 100) / 3);
  }
  const double pearson = Pearson(x, y), spearman = Spearman(x, y);
  EXPECT_GT(pearson, 0.5);
  EXPECT_GT(spearman, 0.5);
  for (int ranks : {2, 3, 5}) {
    std::vector<std::vector<Point>> start(ranks);
    for (size_t i = 0; i < x.size(); ++i) start[random() % ranks].push_back({x[i], y[i], 0});
    std::vector<std::string> summaries(ranks);
    testing::ThreadRanks(ranks).Run([&](Cluster& cluster) {
      std::vector<Point>& points = start[cluster.rank()];
      const PearsonSums linear = PearsonSumsAcrossRanks<Point>(
          points, [](const Point& p) { return p.x; }, [](const Point& p) { return p.y; }, cluster);
      RankSums ranked;
      RankAcrossCluster(
          points, [](const Point& p) { return p.x; },
          [](Point& p, uint64_t first, uint64_t last, uint64_t) { p.x_rank = first + last; },
          cluster);
      RankAcrossCluster(
          points, [](const Point& p) { return p.y; },
          [&](Point& p, uint64_t first, uint64_t last, uint64_t) {
            ranked.Add(p.x_rank, first + last);
          },
          cluster);
      WireWriter out;
      linear.Serialize(out);
      ranked.Serialize(out);
      summaries[cluster.rank()] = out.Take();
    });
    PearsonSums linear;
    RankSums ranked;
    for (int r = ranks - 1; r >= 0; --r) {
      WireReader in(summaries[r]);
      linear.Deserialize(in);
      ranked.Deserialize(in);
    }
    EXPECT_EQ(linear.Correlation(), pearson) << ranks << " ranks";
    EXPECT_EQ(ranked.Correlation(), spearman) << ranks << " ranks";
  }
}

}  // namespace
}  // namespace borgscope
