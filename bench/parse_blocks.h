#pragma once
// The block parser's benchmark loop, shared by the kernels on task_events
// (kernels_bench.cc) and on task_usage (task_usage_parse_bench.cc): text cut
// as ShardReader cuts it, then every block parsed each iteration.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/shard_reader.h"
#include "trace/block_parser.h"
#include "trace/row_batch.h"
#include "trace/schema.h"

namespace borgscope::bench {

using Blocks = std::vector<std::pair<size_t, size_t>>;  // [begin, end) offsets

// 256 KB blocks of whole lines, as ShardReader hands them to the parser.
inline Blocks BlocksOfWholeLines(const std::string& text) {
  Blocks blocks;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = std::min(begin + ShardReader::kWindowSize, text.size());
    if (end < text.size()) end = text.rfind('\n', end - 1) + 1;
    blocks.emplace_back(begin, end);
    begin = end;
  }
  return blocks;
}

enum class ParsePath { kFused, kPlain };

// BlockParser::Parse (fused) or ParsePlain over every block of `text`, each
// iteration; bytes of text and rows (items) per second.
inline void ParseBlocks(benchmark::State& state, Table table, ColumnMask columns,
                        const std::string& text, const Blocks& blocks, ParsePath path) {
  BlockParser parser(table, columns);
  RowBatch batch;
  uint64_t rows = 0;
  for (auto _ : state) {
    uint64_t line = 1;
    for (const auto& [begin, end] : blocks) {
      ClearBatch(batch, table, 0);
      BadRowPolicy policy;
      const char* first = text.data() + begin;
      const char* last = text.data() + end;
      line += path == ParsePath::kFused ? parser.Parse(first, last, line, batch, policy)
                                        : parser.ParsePlain(first, last, line, batch, policy);
      if (policy.fatal) {
        state.SkipWithError(policy.fatal->Describe(parser.spec()).c_str());
        return;
      }
      rows += batch.size;
      benchmark::DoNotOptimize(batch.line.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}

}  // namespace borgscope::bench
