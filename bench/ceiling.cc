// borgscope_ceiling: the physical limit `analyze` is measured against
// (DESIGN.md section 7).
//
// It reads the same shards on the same threads through the same stages as the
// shared scan — GzipReader (ISA-L) into one reused 256 KB window per thread,
// blocks cut at the last '\n', the partial line carried over, shards largest
// first with oneTBB, tables one after the other in kAllTables order — but instead of decoding
// fields it only finds every ',' and '\n' (no conversion, no batch, no
// analysis). With --inflate-only it does not even look at the bytes.
//
//   borgscope_ceiling --trace DIR [--table task_events,job_events]
//                     [--shards A-B] [--threads N] [--inflate-only]
//                     [--split memchr|sse2] [--repeat N] [--json]
//
// Prints per table and in total: shards, rows, fields, compressed and
// uncompressed bytes, seconds and GB/s of uncompressed CSV (1 GB = 1e9 bytes).
// With --repeat the best (shortest) run is reported and all run times listed.

#include <fmt/core.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/field_splitter.h"
#include "engine/allocator_tuning.h"
#include "engine/shard_reader.h"
#include "errors.h"
#include "io/gzip_reader.h"
#include "io/shards.h"
#include "trace/schema.h"

namespace borgscope::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum class Mode { kInflateOnly, kSplitMemchr, kSplitSse2 };

// The same window and padding as the shared scan, so both touch the same
// amount of memory per thread.
constexpr size_t kWindowSize = ShardReader::kWindowSize;
constexpr size_t kPadding = ShardReader::kPadding;

struct ThreadState {
  // One reader a thread, opened on each shard, as the shared scan's
  // ShardReader has (a reader made per shard zeroes its 215 KB of inflate
  // state and input buffer each time).
  GzipReader reader;
  std::unique_ptr<char[]> window = std::make_unique<char[]>(kWindowSize + kPadding);
  SplitCounts split;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
};

void Split(Mode mode, const char* begin, const char* end, uint64_t columns, SplitCounts& counts) {
  if (mode == Mode::kSplitSse2) {
    SplitSse2(begin, end, counts);
  } else {
    SplitMemchr(begin, end, columns, counts);
  }
}

// One shard through the shared scan's window scheme (engine/shard_reader.cc).
void ReadShard(const ShardFile& shard, Mode mode, uint64_t columns, ThreadState& state) {
  GzipReader& reader = state.reader;
  reader.Open(shard.path);
  char* window = state.window.get();
  if (mode == Mode::kInflateOnly) {
    while (reader.Read(window, kWindowSize) != 0) {
    }
  } else {
    size_t carried = 0;
    for (;;) {
      size_t read = reader.Read(window + carried, kWindowSize - carried);
      if (read == 0) {
        if (carried > 0) Split(mode, window, window + carried, columns, state.split);
        break;
      }
      size_t filled = carried + read;
      const char* last_newline = static_cast<const char*>(memrchr(window, '\n', filled));
      if (last_newline == nullptr) {
        if (filled == kWindowSize) {
          throw DataError(
              fmt::format("{}: a line is longer than {} bytes", shard.path, kWindowSize));
        }
        carried = filled;
        continue;
      }
      const char* block_end = last_newline + 1;
      Split(mode, window, block_end, columns, state.split);
      carried = static_cast<size_t>(window + filled - block_end);
      std::memmove(window, block_end, carried);
    }
  }
  state.compressed_bytes += reader.compressed_bytes_read();
  state.uncompressed_bytes += reader.uncompressed_bytes();
}

struct TableResult {
  Table table = Table::kTaskEvents;
  size_t shards = 0;
  SplitCounts split;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
  double seconds = 0;
};

TableResult ScanTable(const TableShards& table, Mode mode, int threads) {
  const Clock::time_point start = Clock::now();
  const uint64_t columns = Spec(table.table).columns.size();
  // Largest shards first, as the shared scan does.
  std::vector<const ShardFile*> order;
  for (const ShardFile& shard : table.shards) order.push_back(&shard);
  std::stable_sort(order.begin(), order.end(), [](const ShardFile* a, const ShardFile* b) {
    return a->compressed_bytes > b->compressed_bytes;
  });
  tbb::enumerable_thread_specific<ThreadState> states;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for_each(order.begin(), order.end(), [&](const ShardFile* shard) {
      ReadShard(*shard, mode, columns, states.local());
    });
  });
  TableResult result;
  result.table = table.table;
  result.shards = table.shards.size();
  for (const ThreadState& state : states) {
    result.split.rows += state.split.rows;
    result.split.fields += state.split.fields;
    result.split.ragged_rows += state.split.ragged_rows;
    result.compressed_bytes += state.compressed_bytes;
    result.uncompressed_bytes += state.uncompressed_bytes;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

double GigabytesPerSecond(uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0;
}

nlohmann::json TableJson(std::string_view name, size_t shards, const SplitCounts& split,
                         uint64_t compressed, uint64_t uncompressed, double seconds, Mode mode) {
  nlohmann::json json = {{"table", name},
                         {"shards", shards},
                         {"compressed_bytes", compressed},
                         {"uncompressed_bytes", uncompressed},
                         {"seconds", seconds},
                         {"gb_per_s", GigabytesPerSecond(uncompressed, seconds)}};
  if (mode != Mode::kInflateOnly) {
    json["rows"] = split.rows;
    json["fields"] = split.fields;
    if (mode == Mode::kSplitMemchr) json["ragged_rows"] = split.ragged_rows;
  }
  return json;
}

struct Arguments {
  std::string trace_dir;
  std::vector<std::string> tables = {"task_events"};
  std::string shards;
  int threads = 0;
  bool inflate_only = false;
  std::string split = "memchr";
  int repeat = 1;
  bool json = false;
};

int Run(const Arguments& arguments) {
  const Mode mode = arguments.inflate_only      ? Mode::kInflateOnly
                    : arguments.split == "sse2" ? Mode::kSplitSse2
                                                : Mode::kSplitMemchr;
  const int threads = arguments.threads > 0 ? arguments.threads : tbb::info::default_concurrency();
  const ShardRange range = ParseShardRange(arguments.shards);
  std::vector<TableShards> tables;
  for (const std::string& name : arguments.tables) {
    std::optional<Table> table = TableFromName(name);
    if (!table) throw UsageError(fmt::format("unknown table '{}'", name));
    std::optional<TableShards> shards = DiscoverShards(arguments.trace_dir, *table, range);
    if (!shards) {
      throw UsageError(fmt::format("{} has no folder {}", arguments.trace_dir, name));
    }
    tables.push_back(std::move(*shards));
  }
  // In the shared scan's order (kAllTables), whatever order they were named in.
  std::stable_sort(tables.begin(), tables.end(), [](const TableShards& a, const TableShards& b) {
    return std::find(kAllTables.begin(), kAllTables.end(), a.table) <
           std::find(kAllTables.begin(), kAllTables.end(), b.table);
  });

  std::vector<TableResult> best;
  double best_seconds = 0;
  std::vector<double> run_seconds;
  for (int run = 0; run < arguments.repeat; ++run) {
    std::vector<TableResult> results;
    double seconds = 0;
    for (const TableShards& table : tables) {
      results.push_back(ScanTable(table, mode, threads));
      seconds += results.back().seconds;
    }
    run_seconds.push_back(seconds);
    if (best.empty() || seconds < best_seconds) {
      best = std::move(results);
      best_seconds = seconds;
    }
  }

  SplitCounts total_split;
  uint64_t total_compressed = 0;
  uint64_t total_uncompressed = 0;
  size_t total_shards = 0;
  for (const TableResult& result : best) {
    total_split.rows += result.split.rows;
    total_split.fields += result.split.fields;
    total_split.ragged_rows += result.split.ragged_rows;
    total_compressed += result.compressed_bytes;
    total_uncompressed += result.uncompressed_bytes;
    total_shards += result.shards;
  }
  const char* mode_name = mode == Mode::kInflateOnly ? "inflate-only"
                          : mode == Mode::kSplitSse2 ? "inflate+split(sse2)"
                                                     : "inflate+split(memchr)";

  if (arguments.json) {
    nlohmann::json json;
    json["mode"] = mode_name;
    json["threads"] = threads;
    json["window_bytes"] = kWindowSize;
    json["runs_seconds"] = run_seconds;
    json["tables"] = nlohmann::json::array();
    for (const TableResult& result : best) {
      json["tables"].push_back(TableJson(TableName(result.table), result.shards, result.split,
                                         result.compressed_bytes, result.uncompressed_bytes,
                                         result.seconds, mode));
    }
    json["total"] = TableJson("total", total_shards, total_split, total_compressed,
                              total_uncompressed, best_seconds, mode);
    fmt::print("{}\n", json.dump());
    return 0;
  }

  fmt::print("{} on {} thread(s), {} KB window{}\n", mode_name, threads, kWindowSize / 1024,
             arguments.repeat > 1 ? fmt::format(", best of {}", arguments.repeat) : "");
  fmt::print("{:<20} {:>6} {:>13} {:>14} {:>15} {:>15} {:>9} {:>7}\n", "table", "shards", "rows",
             "fields", "gzip_bytes", "csv_bytes", "seconds", "GB/s");
  auto print_row = [&](std::string_view name, size_t shards, const SplitCounts& split,
                       uint64_t compressed, uint64_t uncompressed, double seconds) {
    std::string rows = mode == Mode::kInflateOnly ? "-" : std::to_string(split.rows);
    std::string fields = mode == Mode::kInflateOnly ? "-" : std::to_string(split.fields);
    fmt::print("{:<20} {:>6} {:>13} {:>14} {:>15} {:>15} {:>9.3f} {:>7.3f}\n", name, shards, rows,
               fields, compressed, uncompressed, seconds,
               GigabytesPerSecond(uncompressed, seconds));
  };
  for (const TableResult& result : best) {
    print_row(TableName(result.table), result.shards, result.split, result.compressed_bytes,
              result.uncompressed_bytes, result.seconds);
  }
  if (best.size() > 1) {
    print_row("total", total_shards, total_split, total_compressed, total_uncompressed,
              best_seconds);
  }
  if (mode == Mode::kSplitMemchr && total_split.ragged_rows > 0) {
    fmt::print("note: {} rows do not have their table's column count\n", total_split.ragged_rows);
  }
  if (arguments.repeat > 1) {
    std::string runs;
    for (double seconds : run_seconds) runs += fmt::format(" {:.3f}", seconds);
    fmt::print("runs (s):{}\n", runs);
  }
  return 0;
}

}  // namespace
}  // namespace borgscope::bench

int main(int argc, char** argv) {
  using namespace borgscope;
  // The allocator set up as `analyze` has it: freed memory kept, huge pages.
  // Without it each shard's reader buffers went back to the kernel and were
  // faulted in again (1.9x the page faults on job_events + task_events).
  SetUpProcessMemory(argv);
  bench::Arguments arguments;
  CLI::App app{
      "borgscope_ceiling: inflate (ISA-L) and split fields of trace shards, nothing else — the "
      "ceiling `borgscope analyze` is compared against"};
  app.add_option("--trace", arguments.trace_dir, "Trace folder holding <table>/part-*.csv.gz")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--table", arguments.tables,
                 "Tables, read one after the other in the scan's order")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--shards", arguments.shards, "Shard range, e.g. 0-19 (default: all present)");
  app.add_option("--threads", arguments.threads, "Threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--inflate-only", arguments.inflate_only,
               "Only inflate; do not look for delimiters");
  app.add_option("--split", arguments.split,
                 "memchr: line by line, field by field (BlockParser's pattern); sse2: one "
                 "vector pass counting both delimiters")
      ->check(CLI::IsMember({"memchr", "sse2"}))
      ->capture_default_str();
  app.add_option("--repeat", arguments.repeat, "Runs; the best is reported")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", arguments.json, "One JSON object on stdout");
  CLI11_PARSE(app, argc, argv);
  try {
    return bench::Run(arguments);
  } catch (const UsageError& e) {
    fmt::print(stderr, "borgscope_ceiling: {}\n", e.what());
    return kExitUsageError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "borgscope_ceiling: error: {}\n", e.what());
    return kExitDataError;
  }
}
