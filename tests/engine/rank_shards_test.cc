// How shards are split over MPI ranks: by compressed bytes, deterministically.

#include "engine/rank_shards.h"

#include <gtest/gtest.h>

namespace borgscope::testing {
namespace {

TableShards Shards(std::vector<uint64_t> sizes) {
  TableShards table{Table::kTaskEvents, {}, static_cast<uint32_t>(sizes.size())};
  for (uint32_t i = 0; i < sizes.size(); ++i) {
    table.shards.push_back({i, static_cast<uint32_t>(sizes.size()), "part", sizes[i]});
  }
  return table;
}

std::vector<std::vector<uint32_t>> Indices(const std::vector<TableShards>& split) {
  std::vector<std::vector<uint32_t>> indices;
  for (const TableShards& part : split) {
    indices.emplace_back();
    for (const ShardFile& shard : part.shards) indices.back().push_back(shard.index);
  }
  return indices;
}

// Sizes by index 1, 9, 5, 7, 3; largest first to the lightest rank:
// 9 -> r0 (tie: lowest), 7 -> r1, 5 -> r1 (7 < 9), 3 -> r0 (9 < 12),
// 1 -> r0 (12 = 12: lowest). r0 = indices {0, 1, 4}, r1 = {2, 3}.
TEST(RankShards, LargestFirstToTheLightestRank) {
  auto split = AssignShardsToRanks(Shards({1, 9, 5, 7, 3}), 2);
  EXPECT_EQ(Indices(split), (std::vector<std::vector<uint32_t>>{{0, 1, 4}, {2, 3}}));
  for (const TableShards& part : split) {
    EXPECT_EQ(part.table, Table::kTaskEvents);
    EXPECT_EQ(part.declared_count, 5u);
  }
}

TEST(RankShards, FewerShardsThanRanksLeavesSomeEmpty) {
  auto split = AssignShardsToRanks(Shards({4, 6}), 3);
  EXPECT_EQ(Indices(split), (std::vector<std::vector<uint32_t>>{{1}, {0}, {}}));
}

TEST(RankShards, OneRankGetsEverythingInIndexOrder) {
  auto split = AssignShardsToRanks(Shards({3, 1, 2}), 1);
  EXPECT_EQ(Indices(split), (std::vector<std::vector<uint32_t>>{{0, 1, 2}}));
}

TEST(RankShards, EveryShardExactlyOnce) {
  std::vector<uint64_t> sizes;
  for (uint64_t i = 0; i < 100; ++i) sizes.push_back((i * 7919) % 1000 + 1);
  for (int ranks : {2, 3, 7}) {
    auto split = AssignShardsToRanks(Shards(sizes), ranks);
    std::vector<int> seen(sizes.size(), 0);
    uint64_t lightest = UINT64_MAX, heaviest = 0;
    for (const TableShards& part : split) {
      uint64_t bytes = 0;
      for (const ShardFile& shard : part.shards) {
        ++seen[shard.index];
        bytes += shard.compressed_bytes;
      }
      lightest = std::min(lightest, bytes);
      heaviest = std::max(heaviest, bytes);
    }
    for (int count : seen) EXPECT_EQ(count, 1);
    EXPECT_LE(heaviest - lightest, 1000u) << ranks;  // within one shard's size
  }
}

}  // namespace
}  // namespace borgscope::testing
