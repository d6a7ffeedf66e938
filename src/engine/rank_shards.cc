#include "engine/rank_shards.h"

#include <algorithm>
#include <cstdint>

namespace borgscope {

std::vector<TableShards> AssignShardsToRanks(const TableShards& table, int ranks) {
  std::vector<TableShards> split(ranks, TableShards{table.table, {}, table.declared_count});
  std::vector<const ShardFile*> order;
  for (const ShardFile& shard : table.shards) order.push_back(&shard);
  std::stable_sort(order.begin(), order.end(), [](const ShardFile* a, const ShardFile* b) {
    return a->compressed_bytes > b->compressed_bytes;
  });
  std::vector<uint64_t> bytes(ranks, 0);
  for (const ShardFile* shard : order) {
    int lightest = static_cast<int>(std::min_element(bytes.begin(), bytes.end()) - bytes.begin());
    bytes[lightest] += shard->compressed_bytes;
    split[lightest].shards.push_back(*shard);
  }
  for (TableShards& part : split) {
    std::sort(part.shards.begin(), part.shards.end(),
              [](const ShardFile& a, const ShardFile& b) { return a.index < b.index; });
  }
  return split;
}

}  // namespace borgscope
