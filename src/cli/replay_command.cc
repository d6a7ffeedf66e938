// borgscope replay: job_events and task_events into Kafka, in trace order.
#include <fmt/core.h>

#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "errors.h"
#include "stream/replay.h"
#include "stream/stop_signal.h"

namespace borgscope::cli {

namespace {

struct ReplayArguments {
  std::string trace_dir;
  std::string brokers;
  double speed = 432000;
  double rate = 0;
  std::string shards;
  std::vector<std::string> tables = {"task", "job"};
  std::string format = "json";
  double flush_timeout = 60;
  bool quiet = false;
  std::map<std::string, std::string> kafka_config;
};

int RunReplayCommand(const ReplayArguments& arguments, RunMode mode) {
  ReplayOptions options;
  options.trace_dir = arguments.trace_dir;
  options.brokers = arguments.brokers;
  options.speed = arguments.speed;
  options.max_rate = arguments.rate;
  options.shards = ParseShardRange(arguments.shards);
  options.tables.clear();
  for (const std::string& table : arguments.tables) {
    Table parsed = table == "job" ? Table::kJobEvents : Table::kTaskEvents;
    if (std::find(options.tables.begin(), options.tables.end(), parsed) == options.tables.end()) {
      options.tables.push_back(parsed);
    }
  }
  options.format = arguments.format == "csv" ? EventFormat::kCsv : EventFormat::kJson;
  options.flush_timeout_ms = static_cast<int>(arguments.flush_timeout * 1000);
  options.progress = !arguments.quiet;
  options.kafka_config = arguments.kafka_config;
  if (mode == RunMode::kCheckArguments) return 0;
  InstallStopSignals();
  options.stop = &StopRequested();

  ReplayResult result = RunReplay(options);
  fmt::print(
      "replayed {} events in {:.2f} s ({:.0f}/s): {} delivered, {} failed, {} undelivered"
      "{}\n",
      result.produced, result.seconds, result.seconds > 0 ? result.produced / result.seconds : 0.0,
      result.delivered, result.failed, result.undelivered,
      result.interrupted ? ", interrupted" : "");
  if (!result.first_error.empty()) {
    fmt::print(stderr, "replay: first delivery error: {}\n", result.first_error);
  }
  if (!result.Complete()) {
    fmt::print(stderr, "replay: not every event was delivered\n");
    return kExitDataError;
  }
  return 0;
}

}  // namespace

void RegisterReplayCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<ReplayArguments>();
  CLI::App* command = app.add_subcommand(
      "replay", "Produce job_events and task_events to Kafka in trace-time order");
  AddTraceOption(*command, arguments->trace_dir);
  AddBrokersOption(*command, arguments->brokers);
  AddSpeedOption(*command, arguments->speed);
  command->add_option("--rate", arguments->rate, "At most this many events a second (0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddShardsOption(*command, arguments->shards);
  command->add_option("--tables", arguments->tables, "Tables to replay: task, job")
      ->delimiter(',')
      ->check(CLI::IsMember({"task", "job"}))
      ->capture_default_str();
  command->add_option("--format", arguments->format, "Message values: json or csv (raw line)")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  command
      ->add_option("--flush-timeout", arguments->flush_timeout,
                   "Seconds to wait at the end for the last deliveries")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  AddKafkaConfigOption(*command, arguments->kafka_config, "producer");
  command->add_flag("--quiet,-q", arguments->quiet, "No progress line");
  command->callback([&run, arguments] {
    run = [arguments](RunMode mode) { return RunReplayCommand(*arguments, mode); };
  });
}

}  // namespace borgscope::cli
