#include "engine/shard_reader.h"

#include <fmt/core.h>

#include <cstring>
#include <filesystem>

#include "errors.h"
#include "trace/trace_order.h"

namespace borgscope {
namespace {

std::string ShardLabel(Table table, const ShardFile& shard) {
  return fmt::format("{} {}", TableName(table),
                     std::filesystem::path(shard.path).filename().string());
}

}  // namespace

ShardReader::ShardReader(Table table, ColumnMask wanted, bool skip_bad_rows)
    : parser_(table, wanted),
      skip_bad_rows_(skip_bad_rows),
      window_(std::make_unique<char[]>(kWindowSize + kPadding)) {}

void ShardReader::ParseBlock(const ShardFile& shard, const char* begin, const char* end,
                             uint64_t& line, const BatchConsumer& consume,
                             ShardCounters& counters) {
  ClearBatch(batch_, parser_.spec().table, shard.index);
  BadRowPolicy policy;
  policy.skip = skip_bad_rows_;
  line += parser_.Parse(begin, end, line, batch_, policy);
  if (line - 1 > kMaxLinesPerShard) {  // trace order packs the line in 40 bits
    throw DataError(fmt::format("{} has more than {} lines",
                                ShardLabel(parser_.spec().table, shard), kMaxLinesPerShard));
  }
  if (policy.fatal) {
    throw DataError(fmt::format("bad row in {}: {}", ShardLabel(parser_.spec().table, shard),
                                policy.fatal->Describe(parser_.spec())));
  }
  counters.rows += batch_.size;
  counters.bad_rows += policy.skipped;
  for (const BadRow& bad : policy.examples) {
    if (skipped_rows_.size() >= BadRowPolicy::kExamplesKept) break;
    skipped_rows_.push_back({shard.index, bad.line,
                             fmt::format("{} {}", ShardLabel(parser_.spec().table, shard),
                                         bad.Describe(parser_.spec()))});
  }
  if (batch_.size > 0) consume(batch_);
}

ShardCounters ShardReader::Read(const ShardFile& shard, const BatchConsumer& consume,
                                LiveCounters* live) {
  if (shard.index >= kMaxShardsPerTable) {  // trace order packs the shard in 24 bits
    throw DataError(fmt::format("{}: a table of more than {} shards",
                                ShardLabel(parser_.spec().table, shard), kMaxShardsPerTable));
  }
  GzipReader& reader = reader_;
  reader.Open(shard.path);
  ShardCounters counters;
  char* window = window_.get();
  size_t carried = 0;  // bytes of an unfinished line at the start of the window
  uint64_t line = 1;
  uint64_t reported_compressed = 0;
  for (;;) {
    size_t read = reader.Read(window + carried, kWindowSize - carried);
    if (read == 0) {
      if (carried > 0) ParseBlock(shard, window, window + carried, line, consume, counters);
      break;
    }
    if (live != nullptr) live->uncompressed_bytes += read;
    size_t filled = carried + read;
    const char* last_newline = static_cast<const char*>(memrchr(window, '\n', filled));
    if (last_newline == nullptr) {
      if (filled == kWindowSize) {
        throw DataError(fmt::format("bad row in {}: line {} is longer than {} bytes",
                                    ShardLabel(parser_.spec().table, shard), line, kWindowSize));
      }
      carried = filled;
      continue;
    }
    const char* block_end = last_newline + 1;
    uint64_t rows_before = counters.rows;
    ParseBlock(shard, window, block_end, line, consume, counters);
    carried = static_cast<size_t>(window + filled - block_end);
    std::memmove(window, block_end, carried);
    if (live != nullptr) {
      live->compressed_bytes += reader.compressed_bytes_read() - reported_compressed;
      reported_compressed = reader.compressed_bytes_read();
      live->rows += counters.rows - rows_before;
    }
  }
  counters.compressed_bytes = reader.compressed_bytes_read();
  counters.uncompressed_bytes = reader.uncompressed_bytes();
  if (live != nullptr) {
    live->compressed_bytes += reader.compressed_bytes_read() - reported_compressed;
    live->shards_done += 1;
  }
  return counters;
}

}  // namespace borgscope
