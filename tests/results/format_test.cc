// Number formatting: exact digits for the CSVs, rounded ones for prose.

#include "results/format.h"

#include <gtest/gtest.h>

#include <cmath>

namespace borgscope {
namespace {

TEST(Format, CsvValuesKeepTheirDigits) {
  EXPECT_EQ(FormatFixed(500000000000), "0.5");
  EXPECT_EQ(FormatFixed(38150000), "0.00003815");
  EXPECT_EQ(FormatRatio(0.490272161), "0.490272161");
  EXPECT_EQ(FormatRatio(1.0 / 3), "0.3333333333");
  EXPECT_EQ(FormatRatio(std::nan("")), "");
  EXPECT_EQ(FormatShare(1, 0), "");
}

TEST(Format, ProseRoundsToSignificantDigits) {
  EXPECT_EQ(FormatRounded(0.490272161, 2), "0.49");
  EXPECT_EQ(FormatRounded(0.6877710437, 2), "0.69");
  EXPECT_EQ(FormatRounded(-0.0312345, 2), "-0.031");
  EXPECT_EQ(FormatRounded(10.6838, 3), "10.7");
  EXPECT_EQ(FormatRounded(0.000123456, 3), "0.000123");
  EXPECT_EQ(FormatRounded(12345.6, 3), "12346");  // whole digits are never dropped
  EXPECT_EQ(FormatRounded(9.9996, 3), "10");      // rounding up drops the zeros it makes
  EXPECT_EQ(FormatRounded(0.5, 3), "0.5");        // no trailing zeros
  EXPECT_EQ(FormatRounded(2, 3), "2");
  EXPECT_EQ(FormatRounded(0, 2), "0");
  EXPECT_EQ(FormatRounded(-0.0001, 1), "-0.0001");
  EXPECT_EQ(FormatRounded(std::nan(""), 2), "undefined");
}

TEST(Format, PercentForProse) {
  EXPECT_EQ(FormatPercent(107, 1000), "10.7%");
  EXPECT_EQ(FormatPercent(919, 4900), "18.8%");
  EXPECT_EQ(FormatPercent(1, 3), "33.3%");
  EXPECT_EQ(FormatPercent(5, 1e6), "0.0005%");
  EXPECT_EQ(FormatPercent(4, 4), "100%");
  EXPECT_EQ(FormatPercent(0, 7), "0%");
  EXPECT_EQ(FormatPercent(1, 0), "n/a");
}

}  // namespace
}  // namespace borgscope
