// borgscope fetch --dest DIR [--tables ...] [--shards A-B] [--base-url URL] [--jobs N]
// borgscope fetch --list [--sizes] [--tables ...] [--shards A-B] [--base-url URL]
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <memory>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "engine/progress.h"
#include "errors.h"
#include "io/fetch.h"

namespace borgscope::cli {

namespace {

// Beyond this many failed files the rest are counted, not listed one by one.
constexpr size_t kMaxErrorsListed = 20;

struct FetchArguments {
  std::string dest;
  std::vector<std::string> tables;
  std::string shards;
  std::string base_url = kDefaultBucketUrl;
  int jobs = 4;
  int retries = 5;
  double retry_delay = 1.0;
  bool list = false;
  bool sizes = false;
  bool quiet = false;
};

std::vector<Table> ParseTables(const std::vector<std::string>& names) {
  std::vector<Table> tables;
  for (const std::string& name : names) {
    std::optional<Table> table = TableFromName(name);
    if (!table) {
      std::vector<std::string_view> known;
      for (Table t : kAllTables) known.push_back(TableName(t));
      throw UsageError(
          fmt::format("--tables: unknown table '{}' (tables: {})", name, fmt::join(known, ", ")));
    }
    if (std::find(tables.begin(), tables.end(), *table) == tables.end()) tables.push_back(*table);
  }
  return tables;
}

RetryPolicy Retry(const FetchArguments& arguments) {
  RetryPolicy retry;
  retry.retries = arguments.retries;
  retry.first_delay_seconds = arguments.retry_delay;
  return retry;
}

// Files, bytes, rate and ETA of a fetch on one stderr line, redrawn twice a
// second by its own thread while the workers download.
class FetchProgress {
 public:
  FetchProgress(bool enabled, const FetchCounters& counters)
      : counters_(counters),
        start_(std::chrono::steady_clock::now()),
        redraw_(enabled, [this](bool final_line) { Draw(final_line); }) {}

 private:
  void Draw(bool final_line) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    size_t total = counters_.files_total, done = counters_.files_done;
    size_t downloaded = counters_.files_downloaded;
    double received = static_cast<double>(counters_.bytes_received);
    double finished = static_cast<double>(counters_.bytes_of_downloaded_files);
    double rate = seconds > 0 ? received / seconds : 0;
    std::string eta;
    // Files still to come are guessed at the mean size of the ones done.
    if (!final_line && downloaded > 0 && rate > 0 && total > done) {
      double in_flight = std::max(0.0, received - finished);
      double remaining =
          finished / static_cast<double>(downloaded) * static_cast<double>(total - done) -
          in_flight;
      eta = ", ETA " + HumanDuration(std::max(0.0, remaining) / rate);
    }
    if (total == 0 && !final_line) {
      fmt::print(stderr, "\r\033[Kfetch: reading SHA256SUM");
    } else {
      fmt::print(stderr, "\r\033[Kfetch: {}/{} files  {}  {}/s{}{}", done, total,
                 HumanBytes(received), HumanBytes(rate), eta,
                 final_line ? fmt::format("  in {}\n", HumanDuration(seconds)) : "");
    }
    std::fflush(stderr);
  }

  const FetchCounters& counters_;
  std::chrono::steady_clock::time_point start_;
  PeriodicRedraw redraw_;  // last: stops first
};

void PrintErrors(const std::vector<std::string>& errors) {
  for (size_t i = 0; i < errors.size() && i < kMaxErrorsListed; ++i) {
    fmt::print(stderr, "borgscope: error: {}\n", errors[i]);
  }
  if (errors.size() > kMaxErrorsListed) {
    fmt::print(stderr, "borgscope: error: ... and {} more files\n",
               errors.size() - kMaxErrorsListed);
  }
}

int RunList(const FetchArguments& arguments, RunMode mode) {
  ListOptions options;
  options.base_url = arguments.base_url;
  options.tables = ParseTables(arguments.tables);
  options.shards = ParseShardRange(arguments.shards);
  options.sizes = arguments.sizes;
  options.jobs = arguments.jobs;
  options.retry = Retry(arguments);
  if (mode == RunMode::kCheckArguments) return 0;
  std::vector<TableListing> listings = ListTrace(options);

  fmt::print("{:<20}{:>12}", "table", "shards");
  if (arguments.sizes) fmt::print("{:>16}{:>12}", "bytes", "size");
  fmt::print("\n");
  uint64_t total_bytes = 0;
  uint32_t total_shards = 0;
  std::vector<std::string> errors;
  for (const TableListing& listing : listings) {
    std::string shards = listing.selected == listing.declared_count
                             ? fmt::format("{}", listing.selected)
                             : fmt::format("{} of {}", listing.selected, listing.declared_count);
    fmt::print("{:<20}{:>12}", TableName(listing.table), shards);
    if (arguments.sizes) {
      bool known = listing.size_errors.empty();
      fmt::print("{:>16}{:>12}", known ? fmt::format("{}", listing.bytes) : "?",
                 known ? HumanBytes(static_cast<double>(listing.bytes)) : "?");
    }
    fmt::print("\n");
    total_shards += listing.selected;
    total_bytes += listing.bytes;
    errors.insert(errors.end(), listing.size_errors.begin(), listing.size_errors.end());
  }
  if (arguments.sizes) {
    fmt::print("{:<20}{:>12}{:>16}{:>12}\n", errors.empty() ? "total" : "total (known)",
               total_shards, total_bytes, HumanBytes(static_cast<double>(total_bytes)));
  }
  PrintErrors(errors);
  return errors.empty() ? 0 : kExitDataError;
}

int RunFetch(const FetchArguments& arguments, RunMode mode) {
  if (arguments.list) return RunList(arguments, mode);
  if (arguments.dest.empty()) throw UsageError("fetch needs --dest DIR (or --list)");
  FetchOptions options;
  options.dest_dir = arguments.dest;
  options.base_url = arguments.base_url;
  options.tables = ParseTables(arguments.tables);
  options.shards = ParseShardRange(arguments.shards);
  options.jobs = arguments.jobs;
  options.retry = Retry(arguments);
  if (mode == RunMode::kCheckArguments) return 0;

  FetchCounters counters;
  FetchSummary summary;
  {
    FetchProgress progress(!arguments.quiet && ProgressDisplay::StderrIsTerminal(), counters);
    summary = FetchTrace(options, &counters);
  }
  std::vector<std::string> errors;
  for (const ShardOutcome& outcome : summary.shards) {
    if (!outcome.note.empty()) {
      fmt::print(stderr, "note: {}: {}\n", outcome.shard.RelativePath(), outcome.note);
    }
    if (outcome.status == ShardStatus::kFailed) {
      errors.push_back(fmt::format("{}: {}", outcome.shard.RelativePath(), outcome.error));
    }
  }
  PrintErrors(errors);
  if (!arguments.quiet) {
    fmt::print("{} files in {}: {} downloaded ({}), {} already verified, {} failed, in {}\n",
               summary.shards.size(), options.dest_dir, summary.Count(ShardStatus::kDownloaded),
               HumanBytes(static_cast<double>(summary.BytesReceived())),
               summary.Count(ShardStatus::kAlreadyVerified), errors.size(),
               HumanDuration(summary.seconds));
  }
  return summary.AllArrived() ? 0 : kExitDataError;
}

}  // namespace

void RegisterFetchCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<FetchArguments>();
  CLI::App* command = app.add_subcommand(
      "fetch", "Download the real trace from its public bucket, verified against SHA256SUM");
  CLI::Option* dest = command->add_option(
      "--dest", arguments->dest, "Destination folder (<table>/part-NNNNN-of-MMMMM.csv.gz inside)");
  CLI::Option* list =
      command->add_flag("--list", arguments->list, "Print what the bucket holds per table");
  dest->excludes(list);
  command
      ->add_flag("--sizes", arguments->sizes,
                 "With --list: total sizes too (one HEAD request per file)")
      ->needs(list);
  command
      ->add_option("--tables", arguments->tables,
                   "Tables, e.g. task_events,job_events (default: all six)")
      ->delimiter(',');
  AddShardsOption(*command, arguments->shards);
  command->add_option("--base-url", arguments->base_url, "Bucket URL")->capture_default_str();
  command->add_option("--jobs", arguments->jobs, "Files downloaded at a time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      ->add_option("--retries", arguments->retries,
                   "Retries per file after network errors and 5xx answers")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--retry-delay", arguments->retry_delay,
                   "Seconds before the first retry; doubled for each next one")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_flag("--quiet,-q", arguments->quiet, "No progress and no summary");
  command->callback([&run, arguments] {
    run = [arguments](RunMode mode) { return RunFetch(*arguments, mode); };
  });
}

}  // namespace borgscope::cli
