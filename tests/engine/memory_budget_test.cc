#include "engine/memory_budget.h"

#include <gtest/gtest.h>

#include <string>

#include "errors.h"

namespace borgscope {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(MemoryBudgetTest, SizesInBinaryUnits) {
  EXPECT_EQ(ParseMemorySize("512M"), 512 * kMiB);
  EXPECT_EQ(ParseMemorySize("512MB"), 512 * kMiB);
  EXPECT_EQ(ParseMemorySize("512MiB"), 512 * kMiB);
  EXPECT_EQ(ParseMemorySize("4G"), 4096 * kMiB);
  EXPECT_EQ(ParseMemorySize("4g"), 4096 * kMiB);
  EXPECT_EQ(ParseMemorySize("1.5G"), 1536 * kMiB);
  EXPECT_EQ(ParseMemorySize("64K"), 65536u);
  EXPECT_EQ(ParseMemorySize("1T"), 1024 * 1024 * kMiB);
  EXPECT_EQ(ParseMemorySize("300000000"), 300000000u);
  EXPECT_EQ(ParseMemorySize("300000000B"), 300000000u);
}

TEST(MemoryBudgetTest, PercentOfTheMachineOrCgroup) {
  const uint64_t base =
      std::min(PhysicalMemoryBytes(), CgroupMemoryLimitBytes().value_or(UINT64_MAX));
  EXPECT_EQ(ParseMemorySize("100%"), base);
  EXPECT_NEAR(static_cast<double>(ParseMemorySize("75%")), 0.75 * static_cast<double>(base), 1.0);
  EXPECT_EQ(DefaultMemoryLimitBytes(), base / 4 * 3);
}

TEST(MemoryBudgetTest, BadSizesNameTheText) {
  for (const char* text : {"", "M", "12X", "-1G", "1..5G", "0", "0.1", "4 G", "4GG", "1e3M"}) {
    try {
      ParseMemorySize(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const UsageError& error) {
      EXPECT_NE(std::string(error.what()).find(std::string("'") + text + "'"), std::string::npos)
          << error.what();
    }
  }
  for (const char* text : {"0%", "101%", "150%"}) {
    EXPECT_THROW(ParseMemorySize(text), UsageError) << text;
  }
}

TEST(MemoryBudgetTest, FloorCoversTheProcessAndEachThread) {
  const uint64_t rss = CurrentRssBytes();
  EXPECT_GT(rss, 0u);
  const uint64_t one = MemoryFloorBytes(1), four = MemoryFloorBytes(4);
  EXPECT_GT(one, rss);
  EXPECT_EQ(one % kMiB, 0u);
  EXPECT_GE(four, one + 3 * 16 * kMiB - kMiB);  // each thread's scan buffers
}

}  // namespace
}  // namespace borgscope
