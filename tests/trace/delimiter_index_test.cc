// DelimiterIndex::Build (64 bytes a step, newlines and delimiters listed)
// against the plain scalar loop and against listing by hand, on texts of
// every length around the step and of every density of delimiters, up to
// all of them.

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
std::vector<uint32_t> Delimiters(const DelimiterIndex& index) {
  return {index.delimiters(), index.delimiters() + index.delimiter_count()};
}

// What the index should say of `text`, listed a byte at a time.
void ExpectIndexOf(const DelimiterIndex& index, const std::string& text) {
  std::vector<uint32_t> newlines, delimiters;
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') newlines.push_back(i);
    if (text[i] == '\n' || text[i] == ',') delimiters.push_back(i);
  }
  // A last line without a newline ends at the text's end.
  if (!text.empty() && text.back() != '\n') delimiters.push_back(text.size());
  ASSERT_EQ(Newlines(index), newlines);
  ASSERT_EQ(Delimiters(index), delimiters);
  EXPECT_EQ(index.delimiters()[-1], UINT32_MAX);
}

// Every way Build has (those this CPU lacks are skipped).
constexpr DelimiterIndex::Path kPaths[] = {
    DelimiterIndex::Path::kBest, DelimiterIndex::Path::kBaseline, DelimiterIndex::Path::kSse2Popcnt,
    DelimiterIndex::Path::kAvx2, DelimiterIndex::Path::kAvx512};

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
      }
    }
  }
}

TEST(DelimiterIndex, ABigBlockThenASmallOne) {
  // No stale newlines or delimiters from the bigger block before.
  DelimiterIndex index;
  const std::string big(1000, ',');
  index.Build(big.data(), big.data() + big.size());
  EXPECT_EQ(index.delimiter_count(), 1001u);  // and the end of its one line
  const std::string lines = "1,2,3\n4,5,6\n";
  index.Build(lines.data(), lines.data() + lines.size());
  EXPECT_EQ(Newlines(index), (std::vector<uint32_t>{5, 11}));
  EXPECT_EQ(Delimiters(index), (std::vector<uint32_t>{1, 3, 5, 7, 9, 11}));
}

TEST(DelimiterIndex, ALastLineWithoutNewlineEndsAtTheBlocksEnd) {
  DelimiterIndex index;
  const std::string lines = "1,22\n333,4";
  index.Build(lines.data(), lines.data() + lines.size());
  EXPECT_EQ(Newlines(index), (std::vector<uint32_t>{4}));
  EXPECT_EQ(Delimiters(index), (std::vector<uint32_t>{1, 4, 8, 10}));
  index.Build(lines.data(), lines.data());  // empty: no line at all
  EXPECT_EQ(index.newline_count(), 0u);
  EXPECT_EQ(index.delimiter_count(), 0u);
}

}  // namespace
}  // namespace borgscope
