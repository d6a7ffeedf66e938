#include "gen/trace_generator.h"

#include <tbb/info.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "errors.h"
#include "gen/cluster_simulator.h"
#include "gen/machines.h"
#include "gen/table_writers.h"
#include "gen/trace_shape.h"
#include "io/shards.h"

namespace borgscope {
namespace {

namespace fs = std::filesystem;
using gen::ShardStats;

bool IsShardFile(const std::string& name) {
  return name.starts_with("part-") && (name.ends_with(".csv.gz") || name.ends_with(".csv.gz.tmp"));
}

// Creates <out>/<table>/ for every table. Shards already there would mix with
// ours (and disagree on MMMMM): replaced with `overwrite`, an error otherwise.
void PrepareOutput(const GenOptions& options) {
  for (Table table : kAllTables) {
    const fs::path folder = fs::path(options.out_dir) / std::string(TableName(table));
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw IoError("cannot create " + folder.string() + ": " + error.message());
    for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
      if (!IsShardFile(entry.path().filename().string())) continue;
      if (!options.overwrite) {
        throw UsageError(folder.string() +
                         " already holds trace shards; pass --force to replace them");
      }
      fs::remove(entry.path(), error);
      if (error) throw IoError("cannot remove " + entry.path().string() + ": " + error.message());
    }
  }
}

std::string ShardPath(const GenOptions& options, Table table, uint32_t index, uint32_t count) {
  return (fs::path(options.out_dir) / std::string(TableName(table)) / ShardFileName(index, count))
      .string();
}

void Add(GenTableSummary& table, const ShardStats& stats) {
  ++table.shards;
  table.rows += stats.rows;
  table.compressed_bytes += stats.compressed_bytes;
  table.uncompressed_bytes += stats.uncompressed_bytes;
}

GenTableSummary& SummaryOf(GenSummary& summary, Table table) {
  return summary.tables[static_cast<int>(table)];
}

// The four shards of one slice (job_events, task_events, task_constraints,
// task_usage), in that order.
using SliceStats = std::array<ShardStats, 4>;

}  // namespace

uint64_t GenSummary::rows() const {
  uint64_t total = 0;
  for (const GenTableSummary& table : tables) total += table.rows;
  return total;
}
uint64_t GenSummary::compressed_bytes() const {
  uint64_t total = 0;
  for (const GenTableSummary& table : tables) total += table.compressed_bytes;
  return total;
}
uint64_t GenSummary::uncompressed_bytes() const {
  uint64_t total = 0;
  for (const GenTableSummary& table : tables) total += table.uncompressed_bytes;
  return total;
}

GenSummary GenerateTrace(const GenOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (options.out_dir.empty()) throw UsageError("gen needs an output folder (--out)");
  if (options.threads < 0) throw UsageError("--threads must be >= 0");
  const gen::TraceShape shape = gen::ShapeForScale(options.scale, options.seed);
  PrepareOutput(options);

  GenSummary summary;
  for (Table table : kAllTables) SummaryOf(summary, table).table = table;
  summary.machines = shape.machine_count;
  summary.trace_end_us = shape.end_time;

  const gen::MachinePopulation machines = gen::GenerateMachines(shape);
  Add(SummaryOf(summary, Table::kMachineEvents),
      gen::WriteMachineEvents(ShardPath(options, Table::kMachineEvents, 0, 1), machines));
  Add(SummaryOf(summary, Table::kMachineAttributes),
      gen::WriteMachineAttributes(ShardPath(options, Table::kMachineAttributes, 0, 1), shape.seed,
                                  machines));

  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  gen::ClusterSimulator simulator(shape, machines);
  const uint32_t count = shape.shard_count;
  uint32_t next_slice = 0;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    // The simulation is one serial stage; formatting and compressing the
    // shards of earlier slices overlap it. Live slices bound the memory.
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) + 1,
        tbb::make_filter<void, std::shared_ptr<gen::SliceRows>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& control) -> std::shared_ptr<gen::SliceRows> {
              if (next_slice == count) {
                control.stop();
                return nullptr;
              }
              ++next_slice;
              return std::make_shared<gen::SliceRows>(simulator.NextSlice());
            }) &
            tbb::make_filter<std::shared_ptr<gen::SliceRows>, SliceStats>(
                tbb::filter_mode::parallel,
                [&](const std::shared_ptr<gen::SliceRows>& slice) {
                  SliceStats stats;
                  const uint32_t index = slice->index;
                  tbb::parallel_invoke(
                      [&] {
                        stats[0] =
                            gen::WriteJobEvents(ShardPath(options, Table::kJobEvents, index, count),
                                                shape.seed, slice->job_events);
                      },
                      [&] {
                        stats[1] = gen::WriteTaskEvents(
                            ShardPath(options, Table::kTaskEvents, index, count), shape.seed,
                            slice->task_events);
                      },
                      [&] {
                        stats[2] = gen::WriteTaskConstraints(
                            ShardPath(options, Table::kTaskConstraints, index, count), shape.seed,
                            slice->constraints);
                      },
                      [&] {
                        stats[3] =
                            gen::WriteTaskUsage(ShardPath(options, Table::kTaskUsage, index, count),
                                                shape, slice->usage_runs);
                      });
                  return stats;
                }) &
            tbb::make_filter<SliceStats, void>(
                tbb::filter_mode::serial_in_order, [&](const SliceStats& stats) {
                  Add(SummaryOf(summary, Table::kJobEvents), stats[0]);
                  Add(SummaryOf(summary, Table::kTaskEvents), stats[1]);
                  Add(SummaryOf(summary, Table::kTaskConstraints), stats[2]);
                  Add(SummaryOf(summary, Table::kTaskUsage), stats[3]);
                  if (options.progress) {
                    options.progress(SummaryOf(summary, Table::kTaskUsage).shards, count);
                  }
                }));
  });
  summary.jobs = simulator.jobs();
  summary.tasks = simulator.tasks();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace borgscope
