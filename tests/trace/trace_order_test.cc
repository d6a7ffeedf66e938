// TraceOrder (trace/trace_order.h): shard and line packed in one word still
// order as (time, shard, line), and read back as they were written.

#include "trace/trace_order.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

namespace borgscope {
namespace {

TEST(TraceOrder, ComparesAsTimeThenShardThenLine) {
  std::mt19937_64 random(3);
  struct Fields {
    int64_t time;
    uint32_t shard;
    uint64_t line;
  };
  std::vector<Fields> all;
  for (int i = 0; i < 2000; ++i) {
    // Few distinct times and shards, so that ties on them are common.
    all.push_back({static_cast<int64_t>(random() % 5) - 2,
                   static_cast<uint32_t>(random() % 3 == 0 ? kMaxShardsPerTable - 1 : random() % 4),
                   random() % 3 == 0 ? kMaxLinesPerShard : random() % 100});
  }
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    const Fields& a = all[i];
    const Fields& b = all[i + 1];
    const TraceOrder x(a.time, a.shard, a.line), y(b.time, b.shard, b.line);
    EXPECT_EQ(x.shard(), a.shard);
    EXPECT_EQ(x.line(), a.line);
    EXPECT_EQ(x < y, std::tie(a.time, a.shard, a.line) < std::tie(b.time, b.shard, b.line));
    EXPECT_EQ(x == y, std::tie(a.time, a.shard, a.line) == std::tie(b.time, b.shard, b.line));
  }
  EXPECT_LT(TraceOrder(), TraceOrder(INT64_MIN + 1, 0, 0));  // nothing seen: before everything
}

}  // namespace
}  // namespace borgscope
