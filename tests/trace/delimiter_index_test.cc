// DelimiterIndex::Build (64 bytes a step, newlines listed, commas as bits
// with counts) against the plain scalar loop and against counting by hand,
// on texts of every length around the step and of every density of
// delimiters, up to all of them.

#include "trace/delimiter_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace borgscope {
namespace {

std::vector<uint32_t> Newlines(const DelimiterIndex& index) {
  return {index.newlines(), index.newlines() + index.newline_count()};
}

// What the index should say of `text`, counted a byte at a time.
void ExpectIndexOf(const DelimiterIndex& index, const std::string& text) {
  std::vector<uint32_t> newlines, commas;
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') newlines.push_back(i);
    if (text[i] == ',') commas.push_back(i);
  }
  ASSERT_EQ(Newlines(index), newlines);
  uint32_t before = 0;
  for (uint32_t offset = 0; offset <= text.size(); ++offset) {
    ASSERT_EQ(index.CommasBefore(offset), before) << "offset " << offset;
    if (offset < text.size() && text[offset] == ',') ++before;
  }
  // From every offset, the first few commas at or after it, and all of them
  // (the first few of a row's are often in one word or the next, all of
  // them farther).
  for (uint32_t from = 0; from <= text.size(); ++from) {
    const uint32_t first = index.CommasBefore(from);
    const int there = static_cast<int>(commas.size() - first);
    for (int count : {1, 3, 7, there}) {
      if (count > there) continue;
      std::vector<uint32_t> found(static_cast<size_t>(count));
      index.CommasFrom(from, first, count, found.data());
      ASSERT_EQ(found,
                std::vector<uint32_t>(commas.begin() + first, commas.begin() + first + count))
          << "from " << from << ", " << count;
    }
  }
}

// Every way Build has (those this CPU lacks are skipped).
constexpr DelimiterIndex::Path kPaths[] = {
    DelimiterIndex::Path::kBest, DelimiterIndex::Path::kBaseline, DelimiterIndex::Path::kSse2Popcnt,
    DelimiterIndex::Path::kAvx2};

TEST(DelimiterIndex, EqualsTheScalarLoopAndTheCount) {
  std::mt19937 random(11);
  DelimiterIndex fast, plain;
  for (int density : {0, 5, 20, 60, 100}) {  // percent of delimiter bytes
    for (size_t length = 0; length <= 300; ++length) {
      std::string text(length, 'x');
      for (char& c : text) {
        if (static_cast<int>(random() % 100) < density) c = random() % 4 == 0 ? '\n' : ',';
      }
      SCOPED_TRACE(testing::Message() << "length " << length << ", " << density << " %");
      plain.BuildScalar(text.data(), text.data() + text.size());
      ExpectIndexOf(plain, text);
      for (auto path : kPaths) {
        if (!DelimiterIndex::Supports(path)) continue;
        SCOPED_TRACE(testing::Message() << "path " << static_cast<int>(path));
        fast.Build(text.data(), text.data() + text.size(), path);
        ExpectIndexOf(fast, text);
        for (size_t w = 0; w * 64 < length; ++w) {
          ASSERT_EQ(fast.comma_words()[w], plain.comma_words()[w]) << "word " << w;
        }
      }
    }
  }
}

TEST(DelimiterIndex, ABigBlockThenASmallOne) {
  // No stale newlines or commas from the bigger block before.
  DelimiterIndex index;
  const std::string big(1000, ',');
  index.Build(big.data(), big.data() + big.size());
  EXPECT_EQ(index.CommasBefore(1000), 1000u);
  const std::string lines = "1,2,3\n4,5,6\n";
  index.Build(lines.data(), lines.data() + lines.size());
  EXPECT_EQ(Newlines(index), (std::vector<uint32_t>{5, 11}));
  EXPECT_EQ(index.CommasBefore(5), 2u);
  EXPECT_EQ(index.CommasBefore(12), 4u);
  uint32_t commas[2];
  index.CommasFrom(6, 2, 2, commas);
  EXPECT_EQ(commas[0], 7u);
  EXPECT_EQ(commas[1], 9u);
}

}  // namespace
}  // namespace borgscope
