#pragma once
// Shard discovery: <trace>/<table>/part-NNNNN-of-MMMMM.csv.gz, in shard order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trace/schema.h"

namespace borgscope {

struct ShardFile {
  uint32_t index = 0;  // NNNNN
  uint32_t count = 0;  // MMMMM
  std::string path;
  uint64_t compressed_bytes = 0;
};

// Inclusive range of shard indices selected with --shards A-B (or A).
struct ShardRange {
  uint32_t first = 0;
  uint32_t last = UINT32_MAX;
  bool Contains(uint32_t index) const { return index >= first && index <= last; }
};

// Parses "0-19", "7" or "" (everything). Throws UsageError on bad text.
ShardRange ParseShardRange(const std::string& text);

// "part-00007-of-00500.csv.gz"
std::string ShardFileName(uint32_t index, uint32_t count);

// "part-00007-of-00500.csv.gz" -> (7, 500); false for any other name.
bool ParseShardFileName(std::string_view name, uint32_t& index, uint32_t& count);

struct TableShards {
  Table table;
  std::vector<ShardFile> shards;  // sorted by index, within the selected range
  uint32_t declared_count = 0;    // MMMMM: how many shards the full table has
  bool Complete() const { return shards.size() == declared_count; }
};

// Lists the shards of `table` under `trace_dir` within `range`. Returns
// nullopt when the table's folder does not exist. The shards present must be
// contiguous (a hole is a failed copy: DataError); a partial table, such as the
// first shard of 500, is allowed (see Complete()) unless an explicit `range`
// asks for shards that are not there. Files that disagree on MMMMM, or a
// folder without shards, are errors. A single-shard table is always read whole.
std::optional<TableShards> DiscoverShards(const std::string& trace_dir, Table table,
                                          const ShardRange& range);

}  // namespace borgscope
