// DelimiterIndex::Build (64 bytes a step, eight offsets written at a time)
// against the plain scalar loop, on texts of every length around the step
// and of every density of delimiters, up to all of them.

#include "trace/delimiter_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace borgscope {
namespace {

std::vector<uint32_t> Offsets(const DelimiterIndex& index) {
  return {index.offsets(), index.offsets() + index.size()};
}

TEST(DelimiterIndex, EqualsTheScalarLoop) {
  std::mt19937 random(11);
  DelimiterIndex fast, plain;
  for (int density : {0, 5, 20, 60, 100}) {  // percent of delimiter bytes
    for (size_t length = 0; length <= 300; ++length) {
      std::string text(length, 'x');
      for (char& c : text) {
        if (static_cast<int>(random() % 100) < density) c = random() % 4 == 0 ? '\n' : ',';
      }
      fast.Build(text.data(), text.data() + text.size());
      plain.BuildScalar(text.data(), text.data() + text.size());
      ASSERT_EQ(Offsets(fast), Offsets(plain)) << "length " << length << ", " << density << " %";
    }
  }
  // A big block first, then a small one in the same index: no stale offsets.
  const std::string lines = "1,2,3\n4,5,6\n";
  fast.Build(lines.data(), lines.data() + lines.size());
  EXPECT_EQ(Offsets(fast), (std::vector<uint32_t>{1, 3, 5, 7, 9, 11}));
}

}  // namespace
}  // namespace borgscope
