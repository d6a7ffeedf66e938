// borgscope_kernels: Google Benchmark kernels of the scan's stages, each
// reporting bytes per second of uncompressed CSV (SetBytesProcessed):
//
//   inflate        GzipReader into a reused 256 KB window (the real shard, and
//                  a gzip file written here with GzipWriter from the same text)
//   ceiling        inflate + split (borgscope_ceiling's loop, one thread)
//   shard reader   inflate + BlockParser::Parse with q3's columns (the fused scan
//                  of one shard, analyses excluded)
//   split          memchr and SSE2 delimiter finding on in-memory text
//   block parser   BlockParser::Parse vs ParsePlain: q3's columns, all columns and
//                  q3-q6's, in 256 KB blocks of whole lines (as ShardReader hands them)
//   fields         ParseUnsigned and ParseFixed on the shard's own field texts
//   consume        each registered analysis that reads task_events, Consume on
//                  the shard's batches (parsed beforehand with its columns), from
//                  a fresh state each iteration (so hash-set growth is counted)
//   split for ranks each keyed analysis's state after the shard, split for 2
//                  ranks as rank 0 does before the MPI exchange (SerializePartitions,
//                  its own part skipped), reporting bytes written per second
//
// The text is the first task_events shard of the real trace when it is found
// ($BORGSCOPE_SAMPLE_DIR, else the path compiled in), otherwise synthetic
// task_events lines of the same shape (the label of each benchmark says which).

#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/field_splitter.h"
#include "bench/parse_blocks.h"
#include "engine/allocator_tuning.h"
#include "engine/analysis.h"
#include "engine/registry.h"
#include "engine/shard_reader.h"
#include "engine/shared_scan.h"
#include "io/gzip_reader.h"
#include "io/gzip_writer.h"
#include "io/shards.h"
#include "trace/block_parser.h"
#include "trace/delimiter_index.h"
#include "trace/field_parser.h"
#include "trace/row_batch.h"
#include "trace/schema.h"

namespace borgscope::bench {
namespace {

constexpr size_t kWindowSize = ShardReader::kWindowSize;
constexpr int kTaskEventsColumns = 13;

// The columns q3 asks of task_events (analyses/q03_jobs_tasks_by_class.cc).
constexpr ColumnMask kQ3Columns =
    ColumnBit(task_events::kJobId) | ColumnBit(task_events::kTaskIndex) |
    ColumnBit(task_events::kEventType) | ColumnBit(task_events::kSchedulingClass);
constexpr ColumnMask kAllColumns = (ColumnMask{1} << kTaskEventsColumns) - 1;

std::string SampleShardPath() {
  const char* dir = std::getenv("BORGSCOPE_SAMPLE_DIR");
  std::string base = dir != nullptr ? dir : BORGSCOPE_SAMPLE_DIR;
  return base + "/task_events/" + ShardFileName(0, 500);
}

// Synthetic task_events lines shaped like the real ones (same field widths,
// empty optional fields, a 44-character user hash).
std::string SyntheticTaskEvents(size_t bytes) {
  uint64_t x = 88172645463325252ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr const char* kRequests[] = {
      "0.0625", "0.125", "0.02499", "0.03125", "0.1874", "0.07446", "0.0003862", "3.815e-05", ""};
  std::string text;
  text.reserve(bytes + 256);
  uint64_t time = 600'000'000;
  uint64_t job = 6'000'000'000;
  std::string user(44, 'A');
  while (text.size() < bytes) {
    if (next() % 8 == 0) {
      ++job;
      for (int i = 0; i < 43; ++i) user[i] = kBase64[next() % 64];
      user[43] = '=';
    }
    time += next() % 20'000;
    uint64_t event = next() % 9;
    bool placed = event != 0 && event != 7;
    text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", time,
                        next() % 50 == 0 ? "1" : "", job, next() % 1000,
                        placed ? std::to_string(next() % 7'000'000'000) : std::string(), event,
                        user, next() % 4, next() % 12, kRequests[next() % 9], kRequests[next() % 9],
                        kRequests[next() % 9], next() % 2);
  }
  return text;
}

// The task_events text every in-memory kernel works on, cut into 256 KB blocks
// of whole lines, plus the numeric field texts of a few columns.
struct Sample {
  std::string label;       // "real shard" or "synthetic"
  std::string shard_path;  // the real shard, empty when synthetic
  std::string text;
  Blocks blocks;
  uint64_t rows = 0;
  std::vector<std::string_view> unsigned_fields;  // time, job_id, machine_id
  std::vector<std::string_view> fixed_fields;     // cpu, memory, disk requests
  std::string gzip_path;                          // the text written with GzipWriter (level 1)

  ~Sample() {
    if (!gzip_path.empty()) std::remove(gzip_path.c_str());
  }
};

const Sample& GetSample() {
  static const std::unique_ptr<Sample> sample = [] {
    auto s = std::make_unique<Sample>();
    std::string path = SampleShardPath();
    if (std::filesystem::exists(path)) {
      s->label = "real shard";
      s->shard_path = path;
      GzipReader reader(path);
      std::vector<char> buffer(kWindowSize);
      while (size_t n = reader.Read(buffer.data(), buffer.size())) s->text.append(buffer.data(), n);
    } else {
      s->label = "synthetic";
      s->text = SyntheticTaskEvents(48'000'000);
    }
    const std::string& text = s->text;
    s->blocks = BlocksOfWholeLines(text);
    std::string_view view(text);
    for (size_t position = 0; position < view.size();) {
      size_t newline = view.find('\n', position);
      if (newline == std::string_view::npos) newline = view.size();
      std::string_view row = view.substr(position, newline - position);
      ++s->rows;
      int column = 0;
      for (size_t start = 0;; ++column) {
        size_t comma = row.find(',', start);
        std::string_view field = row.substr(start, comma == row.npos ? row.npos : comma - start);
        if (!field.empty()) {
          if (column == 0 || column == 2 || column == 4) s->unsigned_fields.push_back(field);
          if (column >= 9 && column <= 11) s->fixed_fields.push_back(field);
        }
        if (comma == row.npos) break;
        start = comma + 1;
      }
      position = newline + 1;
    }
    // The same text as one gzip member, written by the project's writer.
    std::string gzip_template =
        (std::filesystem::temp_directory_path() / "borgscope_kernels_XXXXXX").string();
    int fd = mkstemp(gzip_template.data());
    if (fd >= 0) {
      close(fd);
      s->gzip_path = gzip_template;
      GzipWriter writer(s->gzip_path, 1);
      writer.Write(text);
      writer.Close();
    }
    return s;
  }();
  return *sample;
}

uint64_t TextBytes(const std::vector<std::string_view>& fields) {
  uint64_t bytes = 0;
  for (std::string_view field : fields) bytes += field.size();
  return bytes;
}

// --- inflate -----------------------------------------------------------------

void InflateFile(benchmark::State& state, const std::string& path, const std::string& label) {
  if (path.empty()) {
    state.SkipWithError("no such gzip file (real sample shard not found)");
    return;
  }
  std::vector<char> window(kWindowSize + ShardReader::kPadding);
  uint64_t bytes = 0;
  for (auto _ : state) {
    GzipReader reader(path);
    while (size_t n = reader.Read(window.data(), kWindowSize)) benchmark::DoNotOptimize(n);
    bytes += reader.uncompressed_bytes();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(label);
}

void BM_InflateSampleShard(benchmark::State& state) {
  const Sample& sample = GetSample();
  InflateFile(state, sample.shard_path, "real task_events shard, GzipReader");
}
BENCHMARK(BM_InflateSampleShard)->Unit(benchmark::kMillisecond);

void BM_InflateGzipWriterFile(benchmark::State& state) {
  const Sample& sample = GetSample();
  InflateFile(state, sample.gzip_path, sample.label + " text, GzipWriter level 1");
}
BENCHMARK(BM_InflateGzipWriterFile)->Unit(benchmark::kMillisecond);

// --- inflate + split (the ceiling, one thread) and the fused shard reader -----

void BM_CeilingInflateSplit(benchmark::State& state) {
  const Sample& sample = GetSample();
  const std::string& path = sample.shard_path.empty() ? sample.gzip_path : sample.shard_path;
  std::vector<char> window(kWindowSize + ShardReader::kPadding);
  uint64_t bytes = 0;
  uint64_t rows = 0;
  for (auto _ : state) {
    GzipReader reader(path);
    SplitCounts counts;
    size_t carried = 0;
    for (;;) {
      size_t read = reader.Read(window.data() + carried, kWindowSize - carried);
      if (read == 0) {
        if (carried > 0)
          SplitMemchr(window.data(), window.data() + carried, kTaskEventsColumns, counts);
        break;
      }
      size_t filled = carried + read;
      const char* last = static_cast<const char*>(memrchr(window.data(), '\n', filled));
      if (last == nullptr) {  // no whole line yet (lines are far shorter than the window)
        carried = filled;
        continue;
      }
      const char* block_end = last + 1;
      SplitMemchr(window.data(), block_end, kTaskEventsColumns, counts);
      carried = static_cast<size_t>(window.data() + filled - block_end);
      std::memmove(window.data(), block_end, carried);
    }
    benchmark::DoNotOptimize(counts);
    bytes += reader.uncompressed_bytes();
    rows += counts.rows;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetLabel(sample.label + ", memchr split");
}
BENCHMARK(BM_CeilingInflateSplit)->Unit(benchmark::kMillisecond);

void BM_ShardReader(benchmark::State& state) {
  const Sample& sample = GetSample();
  ShardFile shard;
  shard.path = sample.shard_path.empty() ? sample.gzip_path : sample.shard_path;
  const ColumnMask mask = state.range(0) == 0 ? kQ3Columns : kAllColumns;
  ShardReader reader(Table::kTaskEvents, mask, false);
  uint64_t bytes = 0;
  uint64_t rows = 0;
  for (auto _ : state) {
    ShardCounters counters = reader.Read(
        shard, [](const RowBatch& batch) { benchmark::DoNotOptimize(batch.size); }, nullptr);
    bytes += counters.uncompressed_bytes;
    rows += counters.rows;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetLabel(sample.label + (state.range(0) == 0 ? ", q3 columns" : ", all columns"));
}
BENCHMARK(BM_ShardReader)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// --- split on in-memory text ---------------------------------------------------

void BM_SplitMemchr(benchmark::State& state) {
  const Sample& sample = GetSample();
  for (auto _ : state) {
    SplitCounts counts;
    for (const auto& [begin, end] : sample.blocks) {
      SplitMemchr(sample.text.data() + begin, sample.text.data() + end, kTaskEventsColumns, counts);
    }
    benchmark::DoNotOptimize(counts);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sample.text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}
BENCHMARK(BM_SplitMemchr)->Unit(benchmark::kMillisecond);

void BM_SplitSse2(benchmark::State& state) {
  const Sample& sample = GetSample();
  for (auto _ : state) {
    SplitCounts counts;
    for (const auto& [begin, end] : sample.blocks) {
      SplitSse2(sample.text.data() + begin, sample.text.data() + end, counts);
    }
    benchmark::DoNotOptimize(counts);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sample.text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}
BENCHMARK(BM_SplitSse2)->Unit(benchmark::kMillisecond);

// The parser's stage 1 alone, by each way the CPU has (arg: a
// DelimiterIndex::Path; those it lacks are skipped).
void BM_DelimiterIndex(benchmark::State& state) {
  const auto path = static_cast<DelimiterIndex::Path>(state.range(0));
  if (!DelimiterIndex::Supports(path)) {
    state.SkipWithError("this CPU lacks the path's instructions");
    return;
  }
  const Sample& sample = GetSample();
  DelimiterIndex index;
  for (auto _ : state) {
    size_t delimiters = 0;
    for (const auto& [begin, end] : sample.blocks) {
      index.Build(sample.text.data() + begin, sample.text.data() + end, path);
      delimiters += index.delimiter_count();
    }
    benchmark::DoNotOptimize(delimiters);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sample.text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}
BENCHMARK(BM_DelimiterIndex)
    ->Arg(static_cast<int>(DelimiterIndex::Path::kBaseline))
    ->Arg(static_cast<int>(DelimiterIndex::Path::kSse2Popcnt))
    ->Arg(static_cast<int>(DelimiterIndex::Path::kAvx2))
    ->Arg(static_cast<int>(DelimiterIndex::Path::kAvx512))
    ->Unit(benchmark::kMillisecond);

// --- block parser: fused vs plain ------------------------------------------------

// The columns `analyze --only q3,q4,q5,q6` asks of task_events, as analyze
// gathers them from the analyses.
ColumnMask Q3ToQ6Columns() {
  ColumnMask columns = 0;
  for (const auto& analysis : CreateAnalyses({"q3", "q4", "q5", "q6"})) {
    columns |= ColumnsWanted(*analysis, Table::kTaskEvents);
  }
  return columns;
}

// Arg 0: q3's columns, 1: every column, 2: q3-q6's columns.
void ParseSample(benchmark::State& state, ParsePath path) {
  const Sample& sample = GetSample();
  const ColumnMask masks[] = {kQ3Columns, kAllColumns, Q3ToQ6Columns()};
  const char* const names[] = {", q3 columns", ", all columns", ", q3-q6 columns"};
  const auto which = static_cast<size_t>(state.range(0));
  ParseBlocks(state, Table::kTaskEvents, masks[which], sample.text, sample.blocks, path);
  state.SetLabel(sample.label + names[which]);
}

void BM_Parse(benchmark::State& state) { ParseSample(state, ParsePath::kFused); }
BENCHMARK(BM_Parse)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_ParsePlain(benchmark::State& state) { ParseSample(state, ParsePath::kPlain); }
BENCHMARK(BM_ParsePlain)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// --- single fields ---------------------------------------------------------------

void BM_ParseUnsigned(benchmark::State& state) {
  const Sample& sample = GetSample();
  for (auto _ : state) {
    int64_t sum = 0;
    for (std::string_view field : sample.unsigned_fields) {
      int64_t value = 0;
      if (ParseUnsigned(field, value) == FieldStatus::kOk) sum += value;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * TextBytes(sample.unsigned_fields)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.unsigned_fields.size()));
  state.SetLabel(sample.label + ": time, job_id, machine_id");
}
BENCHMARK(BM_ParseUnsigned)->Unit(benchmark::kMillisecond);

void BM_ParseFixed(benchmark::State& state) {
  const Sample& sample = GetSample();
  for (auto _ : state) {
    int64_t sum = 0;
    for (std::string_view field : sample.fixed_fields) {
      int64_t value = 0;
      if (ParseFixed(field, value) == FieldStatus::kOk) sum += value;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * TextBytes(sample.fixed_fields)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.fixed_fields.size()));
  state.SetLabel(sample.label + ": cpu, memory, disk requests");
}
BENCHMARK(BM_ParseFixed)->Unit(benchmark::kMillisecond);

void BM_ParseFixedScientific(benchmark::State& state) {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> out;
    for (int i = 0; i < 100'000; ++i) {
      out.push_back(fmt::format("{}.{:03d}e-{:02d}", 1 + i % 9, i % 1000, 1 + i % 12));
    }
    return out;
  }();
  uint64_t bytes = 0;
  for (const std::string& text : texts) bytes += text.size();
  for (auto _ : state) {
    int64_t sum = 0;
    for (const std::string& text : texts) {
      int64_t value = 0;
      if (ParseFixed(text, value) == FieldStatus::kOk) sum += value;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.SetLabel("synthetic d.ddde-NN");
}
BENCHMARK(BM_ParseFixedScientific)->Unit(benchmark::kMillisecond);

// --- analyses: Consume only ----------------------------------------------------

ColumnMask TaskEventsColumns(const Analysis& analysis) {
  ColumnMask mask = 0;
  for (const TableColumns& need : analysis.Needs()) {
    if (need.table == Table::kTaskEvents) mask |= need.columns;
  }
  return mask;
}

// The shard's task_events parsed with the columns `analysis` reads.
std::vector<RowBatch> ParsedBatches(benchmark::State& state, const Analysis& analysis) {
  const Sample& sample = GetSample();
  BlockParser parser(Table::kTaskEvents, TaskEventsColumns(analysis));
  std::vector<RowBatch> batches(sample.blocks.size());
  uint64_t line = 1;
  for (size_t b = 0; b < sample.blocks.size(); ++b) {
    ClearBatch(batches[b], Table::kTaskEvents, 0);
    BadRowPolicy policy;
    line += parser.Parse(sample.text.data() + sample.blocks[b].first,
                         sample.text.data() + sample.blocks[b].second, line, batches[b], policy);
    if (policy.fatal) {
      state.SkipWithError(policy.fatal->Describe(parser.spec()).c_str());
      return {};
    }
  }
  return batches;
}

void Consume(benchmark::State& state, const Analysis* analysis) {
  const Sample& sample = GetSample();
  const std::vector<RowBatch> batches = ParsedBatches(state, *analysis);
  if (batches.empty()) return;
  // What the scan hands a task_events state: the state merged over the tables
  // read before (empty here).
  std::unique_ptr<AnalysisState> merged = analysis->NewState(nullptr);
  for (auto _ : state) {
    std::unique_ptr<AnalysisState> thread_state = analysis->NewState(merged.get());
    for (const RowBatch& batch : batches) thread_state->Consume(batch);
    benchmark::DoNotOptimize(thread_state.get());
    state.PauseTiming();
    thread_state.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sample.text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}

// A keyed state after the shard joining an empty one, as the scan does
// after each shard before merging it (SharedScan::AbsorbKeyed): a DeltaRuns
// sorts and encodes the shard's entries here.
void SealShard(benchmark::State& state, const Analysis* analysis) {
  const Sample& sample = GetSample();
  const std::vector<RowBatch> batches = ParsedBatches(state, *analysis);
  if (batches.empty()) return;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<AnalysisState> consumed = analysis->NewState(nullptr);
    for (const RowBatch& batch : batches) consumed->Consume(batch);
    std::unique_ptr<AnalysisState> sealed = analysis->NewState(nullptr);
    state.ResumeTiming();
    sealed->Absorb(std::move(*consumed));
    benchmark::DoNotOptimize(sealed.get());
    state.PauseTiming();
    consumed.reset();
    sealed.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}

// A keyed state after the shard, split for 2 ranks as rank 0 does before
// the exchange: the entries of partition 1 serialized, its own left in place.
void SerializeForRanks(benchmark::State& state, const Analysis* analysis) {
  const Sample& sample = GetSample();
  const std::vector<RowBatch> batches = ParsedBatches(state, *analysis);
  if (batches.empty()) return;
  std::unique_ptr<AnalysisState> consumed = analysis->NewState(nullptr);
  for (const RowBatch& batch : batches) consumed->Consume(batch);
  size_t bytes = 0;
  for (auto _ : state) {
    std::vector<WireWriter> parts(2);
    parts[0].SkipEntries();  // rank 0's own
    consumed->SerializePartitions(parts);
    bytes = parts[1].bytes().size();
    benchmark::DoNotOptimize(parts[1].bytes().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sample.rows));
  state.SetLabel(sample.label);
}

}  // namespace
}  // namespace borgscope::bench

int main(int argc, char** argv) {
  using namespace borgscope;
  // The allocator set up as borgscope's own main does, so that kernels that
  // grow tables and buffers are timed as they run there.
  SetUpProcessMemory(argv);
  // Analyses live for the whole run; benchmarks hold plain pointers.
  static const std::vector<std::unique_ptr<Analysis>> analyses = CreateAllAnalyses();
  for (const auto& analysis : analyses) {
    if (bench::TaskEventsColumns(*analysis) == 0) continue;
    benchmark::RegisterBenchmark(fmt::format("BM_Consume/{}", analysis->Info().id).c_str(),
                                 bench::Consume, analysis.get())
        ->Unit(benchmark::kMillisecond);
    if (!analysis->SplitsByKey()) continue;
    benchmark::RegisterBenchmark(fmt::format("BM_SealShard/{}", analysis->Info().id).c_str(),
                                 bench::SealShard, analysis.get())
        ->Unit(benchmark::kMillisecond)
        ->Iterations(40);  // each also consumes the shard, untimed
    benchmark::RegisterBenchmark(
        fmt::format("BM_SerializeForRanks/{}", analysis->Info().id).c_str(),
        bench::SerializeForRanks, analysis.get())
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
