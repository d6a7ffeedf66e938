// ExactSum (stats/exact_sum.h): the correctly rounded true sum, whatever
// the order of the additions and however the values were split and merged.

#include "stats/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "errors.h"

namespace borgscope {
namespace {

double SumOf(const std::vector<double>& values) {
  ExactSum sum;
  for (double value : values) sum.Add(value);
  return sum.Value();
}

TEST(ExactSum, KeepsWhatNaiveSummationLoses) {
  EXPECT_EQ(SumOf({}), 0.0);
  EXPECT_EQ(SumOf({1e100, 1.0, -1e100}), 1.0);          // naive: 0
  EXPECT_EQ(SumOf(std::vector<double>(10, 0.1)), 1.0);  // naive: 0.9999999999999999
  // 1 + 2e-16: above half an ulp of 1 (1.1e-16) once both are added.
  EXPECT_EQ(SumOf({1.0, 1e-16, 1e-16}), std::nextafter(1.0, 2.0));
}

TEST(ExactSum, WholeRangeOfDoubles) {
  EXPECT_EQ(SumOf({1e308, 1e308, -1e308}), 1e308);  // naive: inf on the way
  const double smallest = std::ldexp(1.0, -1074);   // subnormal
  EXPECT_EQ(SumOf({smallest, smallest, smallest}), 3 * smallest);
  EXPECT_EQ(SumOf({1e-300, smallest, -1e-300}), smallest);
  EXPECT_EQ(SumOf({-2.5, 1.0}), -1.5);
  EXPECT_EQ(SumOf({-0.0}), 0.0);
  EXPECT_THROW(SumOf({1.0, std::nan("")}), InternalError);
  EXPECT_THROW(SumOf({HUGE_VAL}), InternalError);
}

TEST(ExactSum, RoundsHalfwayCasesByWhatLiesBelow) {
  const double half_ulp = std::ldexp(1.0, -53), tiny = std::ldexp(1.0, -106);
  EXPECT_EQ(SumOf({1.0, half_ulp}), 1.0);                             // exactly halfway: to even
  EXPECT_EQ(SumOf({1.0, half_ulp, tiny}), std::nextafter(1.0, 2.0));  // just above
  EXPECT_EQ(SumOf({1.0, half_ulp, -tiny}), 1.0);                      // just below
  EXPECT_EQ(SumOf({-1.0, -half_ulp, -tiny}), -std::nextafter(1.0, 2.0));
}

TEST(ExactSum, SameBitsForAnyOrderAndSplit) {
  // Multiples of 2^-20 below 2^40: their true sum is an integer count of
  // 2^-20 that __int128 holds exactly, converted with one rounding.
  std::mt19937_64 random(7);
  std::vector<double> values;
  __int128 units = 0;
  for (int i = 0; i < 5000; ++i) {
    int64_t k = static_cast<int64_t>(random() % (uint64_t{1} << 60)) - (int64_t{1} << 59);
    k >>= random() % 50;  // magnitudes from 2^-20 to 2^39
    units += k;
    values.push_back(std::ldexp(static_cast<double>(k), -20));
  }
  const double expected = std::ldexp(static_cast<double>(units), -20);
  EXPECT_EQ(SumOf(values), expected);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(values.begin(), values.end(), random);
    // Three parts, one through the wire, merged in another order.
    ExactSum parts[3];
    for (size_t i = 0; i < values.size(); ++i) parts[random() % 3].Add(values[i]);
    WireWriter out;
    parts[1].Serialize(out);
    std::string bytes = out.Take();
    WireReader in(bytes);
    ExactSum merged;
    merged.Merge(parts[2]);
    merged.Deserialize(in);
    merged.Merge(parts[0]);
    EXPECT_EQ(merged.Value(), expected) << trial;
    EXPECT_EQ(SumOf(values), expected) << trial;
  }
}

double BinsSumOf(const std::vector<double>& values) {
  auto bins = std::make_unique<ExactSumBins>();
  for (double value : values) bins->Add(value);
  return bins->Sum().Value();
}

// ExactSumBins: the same correctly rounded true sum as ExactSum::Add.
TEST(ExactSumBins, SameSumsAsExactSum) {
  const double smallest = std::ldexp(1.0, -1074), half_ulp = std::ldexp(1.0, -53);
  const std::vector<std::vector<double>> cases = {
      {},
      {1e100, 1.0, -1e100},
      {1.0, 1e-16, 1e-16},
      {1e308, 1e308, -1e308},
      {smallest, smallest, smallest},
      {1e-300, smallest, -1e-300},
      {-2.5, 1.0},
      {-0.0},
      {1.0, half_ulp, std::ldexp(1.0, -106)},
      {-1.0, -half_ulp, -std::ldexp(1.0, -106)},
  };
  for (const std::vector<double>& values : cases) {
    EXPECT_EQ(BinsSumOf(values), SumOf(values)) << values.size();
  }
  EXPECT_EQ(BinsSumOf({1e100, 1.0, -1e100}), 1.0);
  EXPECT_EQ(BinsSumOf({smallest, smallest, smallest}), 3 * smallest);
}

TEST(ExactSumBins, ManyValuesOfOneBinAndOfAllOfThem) {
  // 10,000 x 0.1 (more than a bin takes before it empties): 0.1 is m x
  // 2^-56 with m = 0x1999999999999a, so the true sum is 10,000 m x 2^-56,
  // rounded once.
  const std::vector<double> tenths(10'000, 0.1);
  const double expected = std::ldexp(static_cast<double>(__int128{10'000} * 0x1999999999999a), -56);
  EXPECT_EQ(BinsSumOf(tenths), expected);
  EXPECT_EQ(SumOf(tenths), expected);
  // Random finite doubles of every exponent and sign, some bins far past
  // their 2,048 additions.
  std::mt19937_64 random(11);
  std::vector<double> values;
  for (int i = 0; i < 200'000; ++i) {
    uint64_t bits = random();
    if (((bits >> 52) & 0x7ff) == 0x7ff) bits ^= uint64_t{1} << 62;  // not inf or NaN
    // A quarter in [1, 8): three bins of ~17,000 values each.
    if (i % 4 == 0)
      bits = (bits & ~(uint64_t{0x7ff} << 52)) | (static_cast<uint64_t>(0x3ff + i % 3) << 52);
    values.push_back(std::bit_cast<double>(bits));
  }
  EXPECT_EQ(BinsSumOf(values), SumOf(values));
}

TEST(ExactSumBins, NotFiniteIsAnError) {
  EXPECT_THROW(BinsSumOf({1.0, std::nan("")}), InternalError);
  EXPECT_THROW(BinsSumOf({HUGE_VAL}), InternalError);
  EXPECT_THROW(BinsSumOf({-HUGE_VAL, 2.0}), InternalError);
}

}  // namespace
}  // namespace borgscope
