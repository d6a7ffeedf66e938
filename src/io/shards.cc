#include "io/shards.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "errors.h"

namespace borgscope {
namespace fs = std::filesystem;

namespace {

bool ParseIndex(std::string_view text, uint32_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

bool ParseShardFileName(std::string_view name, uint32_t& index, uint32_t& count) {
  constexpr std::string_view kPrefix = "part-", kMiddle = "-of-", kSuffix = ".csv.gz";
  constexpr size_t kDigits = 5;
  if (name.size() != kPrefix.size() + kDigits + kMiddle.size() + kDigits + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix) ||
      name.substr(kPrefix.size() + kDigits, kMiddle.size()) != kMiddle) {
    return false;
  }
  return ParseIndex(name.substr(kPrefix.size(), kDigits), index) &&
         ParseIndex(name.substr(kPrefix.size() + kDigits + kMiddle.size(), kDigits), count);
}

ShardRange ParseShardRange(const std::string& text) {
  ShardRange range;
  if (text.empty()) return range;
  std::string_view view(text);
  size_t dash = view.find('-');
  bool ok = dash == std::string_view::npos
                ? ParseIndex(view, range.first) && (range.last = range.first, true)
                : ParseIndex(view.substr(0, dash), range.first) &&
                      ParseIndex(view.substr(dash + 1), range.last);
  if (!ok || range.first > range.last) {
    throw UsageError(fmt::format("--shards expects A-B or A with A <= B, got '{}'", text));
  }
  return range;
}

std::string ShardFileName(uint32_t index, uint32_t count) {
  return fmt::format("part-{:05d}-of-{:05d}.csv.gz", index, count);
}

std::optional<TableShards> DiscoverShards(const std::string& trace_dir, Table table,
                                          const ShardRange& range) {
  fs::path folder = fs::path(trace_dir) / std::string(TableName(table));
  std::error_code ec;
  const fs::file_status status = fs::status(folder, ec);
  if (!fs::exists(status)) return std::nullopt;
  if (!fs::is_directory(status)) {
    throw DataError(
        fmt::format("{}: not a folder (a table is a folder of shards)", folder.string()));
  }

  TableShards result{table, {}};
  uint32_t declared_count = 0;
  fs::directory_iterator entries(folder, ec);
  for (; !ec && entries != fs::directory_iterator(); entries.increment(ec)) {
    const fs::directory_entry& entry = *entries;
    std::string name = entry.path().filename().string();
    ShardFile shard;
    if (!ParseShardFileName(name, shard.index, shard.count)) continue;
    if (shard.index >= shard.count) {
      throw DataError(fmt::format("{}: impossible shard name: index {} is not below the count {}",
                                  entry.path().string(), shard.index, shard.count));
    }
    if (!entry.is_regular_file(ec) || ec) {
      throw DataError(fmt::format("{}: not a regular file{}", entry.path().string(),
                                  ec ? ": " + ec.message() : ""));
    }
    if (declared_count != 0 && shard.count != declared_count) {
      throw DataError(fmt::format("{}: shards disagree on the shard count ({} and {})",
                                  folder.string(), declared_count, shard.count));
    }
    declared_count = shard.count;
    shard.path = entry.path().string();
    shard.compressed_bytes = entry.file_size(ec);
    if (ec) throw IoError(fmt::format("cannot read {}: {}", shard.path, ec.message()));
    result.shards.push_back(std::move(shard));
  }
  if (ec) throw IoError(fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  if (declared_count == 0) {
    throw DataError(
        fmt::format("{}: no shard files (part-NNNNN-of-MMMMM.csv.gz)", folder.string()));
  }
  // A single-shard table (machine_events) is the whole table for any range:
  // the range selects slices of time, and machines are needed for all of them.
  const ShardRange all;
  const ShardRange& wanted = declared_count == 1 ? all : range;
  std::erase_if(result.shards,
                [&](const ShardFile& shard) { return !wanted.Contains(shard.index); });
  std::sort(result.shards.begin(), result.shards.end(),
            [](const ShardFile& a, const ShardFile& b) { return a.index < b.index; });
  if (result.shards.empty()) {
    throw UsageError(fmt::format("{}: --shards {}-{} selects no shard that is present",
                                 folder.string(), wanted.first, wanted.last));
  }
  // A hole between present shards is a failed copy, never a valid selection.
  for (size_t i = 1; i < result.shards.size(); ++i) {
    if (result.shards[i].index != result.shards[i - 1].index + 1) {
      throw DataError(fmt::format("{}: shard {} is missing", folder.string(),
                                  ShardFileName(result.shards[i - 1].index + 1, declared_count)));
    }
  }
  // An explicit range must be there in full (within the table's count).
  uint32_t first_present = result.shards.front().index;
  uint32_t last_present = result.shards.back().index;
  uint32_t wanted_last = std::min(wanted.last, declared_count - 1);
  bool explicit_range = wanted.first != 0 || wanted.last != UINT32_MAX;
  if (explicit_range && (first_present != wanted.first || last_present != wanted_last)) {
    uint32_t missing = first_present != wanted.first ? wanted.first : last_present + 1;
    throw DataError(fmt::format("{}: shard {} is missing", folder.string(),
                                ShardFileName(missing, declared_count)));
  }
  result.declared_count = declared_count;
  return result;
}

}  // namespace borgscope
