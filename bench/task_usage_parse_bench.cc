// Kernel of the scan's largest table: BlockParser::Parse on task_usage text
// with the columns the registered analyses ask of it (all of them read
// together, as `analyze` does), in 256 KB blocks of whole lines. The text is
// the first task_usage shard of a trace `gen` writes to a temporary folder
// (the real trace's mix: task_usage is 88 % of its bytes, and no real
// task_usage shard is in the sample). Items per second are rows.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/parse_blocks.h"
#include "engine/analysis.h"
#include "engine/registry.h"
#include "engine/shard_reader.h"
#include "engine/shared_scan.h"
#include "gen/trace_generator.h"
#include "io/gzip_reader.h"
#include "trace/block_parser.h"
#include "trace/row_batch.h"

namespace borgscope::bench {
namespace {

constexpr size_t kWindowSize = ShardReader::kWindowSize;

struct UsageText {
  std::string text;
  Blocks blocks;
  ColumnMask columns = 0;  // every analysis's task_usage columns
};

const UsageText& GetUsageText() {
  static const std::unique_ptr<UsageText> usage = [] {
    auto u = std::make_unique<UsageText>();
    const std::filesystem::path folder = std::filesystem::temp_directory_path() /
                                         ("borgscope-parse-bench-" + std::to_string(::getpid()));
    GenOptions options;
    options.out_dir = folder.string();
    options.seed = 7;
    options.scale = 0.1;
    GenerateTrace(options);
    std::vector<std::filesystem::path> shards;
    for (const auto& entry : std::filesystem::directory_iterator(folder / "task_usage")) {
      shards.push_back(entry.path());
    }
    std::sort(shards.begin(), shards.end());
    GzipReader reader(shards.at(0).string());
    std::vector<char> buffer(kWindowSize);
    while (size_t n = reader.Read(buffer.data(), buffer.size())) u->text.append(buffer.data(), n);
    std::filesystem::remove_all(folder);
    u->blocks = BlocksOfWholeLines(u->text);
    for (const auto& analysis : CreateAllAnalyses()) {
      u->columns |= ColumnsWanted(*analysis, Table::kTaskUsage);
    }
    return u;
  }();
  return *usage;
}

void BM_ParseTaskUsage(benchmark::State& state) {
  const UsageText& usage = GetUsageText();
  ParseBlocks(state, Table::kTaskUsage, usage.columns, usage.text, usage.blocks, ParsePath::kFused);
}
BENCHMARK(BM_ParseTaskUsage)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace borgscope::bench
