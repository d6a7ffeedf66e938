// borgscope gen --out DIR [--seed N] [--scale S] [--threads N] [--force] [--quiet]
#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "gen/trace_generator.h"

namespace borgscope::cli {
namespace {

struct GenCommandOptions {
  GenOptions gen;
  bool quiet = false;
};

int RunGen(GenCommandOptions& options, RunMode mode) {
  if (mode == RunMode::kCheckArguments) return 0;
  const bool show_progress = !options.quiet && isatty(fileno(stderr)) != 0;
  if (show_progress) {
    options.gen.progress = [](uint32_t done, uint32_t total) {
      fmt::print(stderr, "\rgen: {}/{} time slices written", done, total);
      if (done == total) fmt::print(stderr, "\n");
    };
  }
  const GenSummary summary = GenerateTrace(options.gen);
  if (options.quiet) return 0;

  fmt::print("wrote {} (seed {}, scale {}): {} machines, {:.2f} trace days, {} jobs, {} tasks\n",
             options.gen.out_dir, options.gen.seed, options.gen.scale, summary.machines,
             static_cast<double>(summary.trace_end_us - 600'000'000) / 86'400e6, summary.jobs,
             summary.tasks);
  fmt::print("{:<20}{:>7}{:>13}{:>15}{:>15}\n", "table", "shards", "rows", "csv_bytes",
             "gzip_bytes");
  for (const GenTableSummary& table : summary.tables) {
    fmt::print("{:<20}{:>7}{:>13}{:>15}{:>15}\n", TableName(table.table), table.shards, table.rows,
               table.uncompressed_bytes, table.compressed_bytes);
  }
  fmt::print("{:<20}{:>7}{:>13}{:>15}{:>15}\n", "total", "", summary.rows(),
             summary.uncompressed_bytes(), summary.compressed_bytes());
  const double megabytes = static_cast<double>(summary.uncompressed_bytes()) / 1e6;
  fmt::print("{:.1f} MB of CSV in {:.2f} s ({:.0f} MB/s)\n", megabytes, summary.seconds,
             summary.seconds > 0 ? megabytes / summary.seconds : 0.0);
  return 0;
}

}  // namespace

void RegisterGenCommand(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<GenCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "gen", "Write a deterministic synthetic clusterdata-2011-2 trace (all six tables)");
  command->add_option("--out", options->gen.out_dir, "Output folder (one subfolder per table)")
      ->required();
  command->add_option("--seed", options->gen.seed, "Random seed: same seed and scale, same bytes")
      ->capture_default_str();
  command
      ->add_option("--scale", options->gen.scale,
                   "Size: 1.0 is about 1 GB of CSV (0.01 is a quick test)")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1000.0));
  AddThreadsOption(*command, options->gen.threads, "Threads (0 = all cores)")
      ->capture_default_str();
  command->add_flag("--force", options->gen.overwrite, "Replace the shards of an earlier trace");
  command->add_flag("-q,--quiet", options->quiet, "No progress and no summary");
  command->callback(
      [&run, options] { run = [options](RunMode mode) { return RunGen(*options, mode); }; });
}

}  // namespace borgscope::cli
