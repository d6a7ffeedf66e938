// borgscope analyze: every selected question in one pass over the trace.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <memory>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "engine/cluster.h"
#include "engine/memory_budget.h"
#include "engine/progress.h"
#include "engine/registry.h"
#include "errors.h"
#include "report/gnuplot.h"
#include "run/analyze.h"

namespace borgscope::cli {

namespace {

struct AnalyzeArguments {
  std::string trace_dir;
  std::string out_dir = "borgscope-out";
  std::vector<std::string> only;
  std::string shards;
  int threads = 0;
  std::string on_error = "fail";
  bool quiet = false;
  bool no_plots = false;
  std::string memory_limit;  // empty: DefaultMemoryLimitBytes()
  std::string temp_dir;
  bool spill_always = false;  // test knob (hidden): every keyed state through the spill files
};

int RunAnalyze(const AnalyzeArguments& arguments, RunMode mode) {
  AnalyzeOptions options;
  options.trace_dir = arguments.trace_dir;
  options.out_dir = arguments.out_dir;
  options.only = arguments.only;
  options.shards = ParseShardRange(arguments.shards);
  options.scan.threads = arguments.threads;
  options.scan.skip_bad_rows = arguments.on_error == "skip";
  options.scan.show_progress = !arguments.quiet && ProgressDisplay::StderrIsTerminal();
  options.plots = !arguments.no_plots;
  options.scan.spill.memory_limit = arguments.memory_limit.empty()
                                        ? DefaultMemoryLimitBytes()
                                        : ParseMemorySize(arguments.memory_limit);
  options.scan.spill.temp_dir = arguments.temp_dir;
  options.scan.spill.always = arguments.spill_always;
  if (mode == RunMode::kCheckArguments) {
    CreateAnalyses(options.only);  // an unknown --only id is a usage error
    return 0;
  }
  // Under mpirun/srun: this process is one rank; rank 0 draws and writes.
  options.cluster = &CurrentCluster();
  // Before the scan, not after an hour of it.
  if (options.plots && options.cluster->rank() == 0) RequireGnuplot();

  AnalyzeSummary summary = borgscope::RunAnalyze(options);
  if (!summary.wrote_outputs) return 0;

  for (const std::string& note : summary.notes) fmt::print(stderr, "note: {}\n", note);
  for (const SkippedAnalysis& skipped : summary.skipped) {
    fmt::print(stderr, "{}: skipped, {}\n", skipped.id, skipped.reason);
  }
  uint64_t bad_rows = 0;
  for (const TableScanMetrics& table : summary.tables) {
    bad_rows += table.counters.bad_rows;
    if (table.counters.bad_rows == 0) continue;
    fmt::print(stderr, "{}: skipped {} bad rows, first:\n", TableName(table.table),
               table.counters.bad_rows);
    for (const SkippedRow& row : table.skipped_rows) fmt::print(stderr, "  {}\n", row.description);
  }
  if (!arguments.quiet) {
    uint64_t rows = 0, bytes = 0;
    for (const TableScanMetrics& table : summary.tables) {
      rows += table.counters.rows;
      bytes += table.counters.uncompressed_bytes;
    }
    std::vector<std::string> ids;
    for (const AnalysisRunMetrics& analysis : summary.analyses) ids.push_back(analysis.id);
    fmt::print("analyzed {} rows ({} of CSV) in {:.2f} s ({}/s), peak memory {}\n", rows,
               HumanBytes(static_cast<double>(bytes)), summary.seconds,
               HumanBytes(summary.seconds > 0 ? bytes / summary.seconds : 0),
               HumanBytes(static_cast<double>(summary.peak_rss_bytes)));
    if (summary.spill.spills > 0) {
      fmt::print(
          "spilled {} of keyed state to disk under --memory-limit {} ({:.2f} s writing, "
          "{:.2f} s reading back)\n",
          HumanBytes(static_cast<double>(summary.spill.spilled_bytes)),
          HumanBytes(static_cast<double>(summary.memory_limit_bytes)), summary.spill.spill_seconds,
          summary.spill.read_seconds);
    }
    fmt::print("results of {} in {}/ (report.html and metrics.json beside them)\n",
               fmt::join(ids, ", "), options.out_dir);
  }
  return 0;
}

}  // namespace

void RegisterAnalyzeCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<AnalyzeArguments>();
  CLI::App* command = app.add_subcommand("analyze", "Answer the questions q1..q11 in one pass");
  AddTraceOption(*command, arguments->trace_dir);
  command->add_option("--out", arguments->out_dir, "Output folder")->capture_default_str();
  command->add_option("--only", arguments->only, "Analyses to run, e.g. q1,q3 (default: all)")
      ->delimiter(',');
  AddShardsOption(*command, arguments->shards);
  AddThreadsOption(*command, arguments->threads, "Threads (default: all cores)");
  command
      ->add_option("--on-error", arguments->on_error,
                   "Bad rows: fail (stop with the error) or skip (count and report them)")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();
  command
      ->add_option("--memory-limit", arguments->memory_limit,
                   "Resident memory the run may use: 512M, 4G, 75% (of the machine's memory, "
                   "or of the cgroup's limit when lower). Keyed states past it spill to "
                   "--temp-dir; results are the same. A limit below the run's floor (printed) "
                   "is an error. Default: 75%. Under MPI, per rank")
      ->type_name("SIZE");
  command
      ->add_option("--temp-dir", arguments->temp_dir,
                   "Folder for spill files (default: $TMPDIR, else /tmp); they are removed "
                   "at the end, after an error and on SIGINT/SIGTERM")
      ->type_name("DIR");
  // Not in --help: for the tests of spilling (full disk, kill -9) on small traces.
  command->add_flag("--spill-always", arguments->spill_always)->group("");
  command->add_flag("--quiet,-q", arguments->quiet,
                    "No progress and no summary (notes and warnings still go to stderr)");
  command->add_flag("--no-plots", arguments->no_plots,
                    "Do not draw plots (which needs gnuplot); report.html then has none");
  command->callback([&run, arguments] {
    run = [arguments](RunMode mode) { return RunAnalyze(*arguments, mode); };
  });
}

}  // namespace borgscope::cli
