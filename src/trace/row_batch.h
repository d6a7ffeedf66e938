#pragma once
// A block of parsed rows of one shard, column by column (Arrow's DecodedBlock).
// Only the columns a scan asked for are filled; the others stay empty.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "trace/schema.h"

namespace borgscope {

// Bit c set = column c wanted.
using ColumnMask = uint32_t;
constexpr ColumnMask ColumnBit(int column) { return ColumnMask{1} << column; }

struct RowBatch {
  Table table = Table::kMachineEvents;
  uint32_t shard = 0;  // shard index (NNNNN), part of trace order
  size_t size = 0;
  std::vector<uint64_t> line;  // 1-based line number in the shard, per row
  // Numeric columns: int64_t per schema.h (kNull when empty).
  std::array<std::vector<int64_t>, kMaxColumns> values;
  // String columns: views into the block's bytes, valid during Consume only.
  std::array<std::vector<std::string_view>, kMaxColumns> text;

  int64_t Value(int column, size_t row) const { return values[column][row]; }
  bool Has(int column, size_t row) const { return values[column][row] != kNull; }
};

}  // namespace borgscope
