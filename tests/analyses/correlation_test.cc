// Pearson, AverageRanks and Spearman (analyses/correlation.h) on values whose
// answers are counted by hand.

#include "analyses/correlation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace borgscope {
namespace {

TEST(Correlation, AverageRanksShareTiedRanks) {
  // Sorted: 1 (rank 1), 2 2 2 (ranks 2-4: 3), 5 (rank 5), 7 7 (ranks 6-7: 6.5).
  EXPECT_EQ(AverageRanks({7, 2, 5, 2, 1, 7, 2}), (std::vector<double>{6.5, 3, 5, 3, 1, 6.5, 3}));
  EXPECT_EQ(AverageRanks({}), std::vector<double>{});
}

TEST(Correlation, PearsonOfExactLines) {
  EXPECT_DOUBLE_EQ(Pearson({1, 2, 3, 4}, {3, 5, 7, 9}), 1.0);
  EXPECT_DOUBLE_EQ(Pearson({1, 2, 3, 4}, {8, 6, 4, 2}), -1.0);
  EXPECT_TRUE(std::isnan(Pearson({1, 2, 3}, {4, 4, 4})));  // constant variable
  EXPECT_TRUE(std::isnan(Pearson({1}, {2})));              // one point
}

TEST(Correlation, SpearmanIsPearsonOfRanks) {
  // Monotonic but not linear: ranks identical, rho 1.
  EXPECT_DOUBLE_EQ(Spearman({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0);
  // x ranks 1,2,3,4; y = {10, 30, 20, 20} ranks 1, 4, 2.5, 2.5:
  // dx = -1.5 -.5 .5 1.5, dy = -1.5 1.5 0 0: sxy = 2.25 - .75 = 1.5,
  // sxx = 5, syy = 4.5: rho = 1.5 / sqrt(22.5).
  EXPECT_NEAR(Spearman({1, 2, 3, 4}, {10, 30, 20, 20}), 1.5 / std::sqrt(22.5), 1e-12);
}

}  // namespace
}  // namespace borgscope
