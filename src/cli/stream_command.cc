// borgscope stream: count the replayed trace live, with Prometheus metrics
// and a dashboard, checkpointed so that a restart neither loses nor
// double-counts an event.
#include <fmt/core.h>

#include <cstdio>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "errors.h"
#include "stream/http_server.h"
#include "stream/stop_signal.h"
#include "stream/stream_processor.h"

namespace borgscope::cli {

namespace {

struct StreamArguments {
  std::string brokers;
  std::string group = "borgscope-stream";
  std::string metrics_address = "127.0.0.1:9464";
  std::string checkpoint_dir;
  std::string window = "1h";
  double checkpoint_interval = 5;
  int session_timeout_ms = 10000;
  std::map<std::string, std::string> kafka_config;
};

int RunStream(const StreamArguments& arguments, RunMode mode) {
  StreamOptions options;
  options.brokers = arguments.brokers;
  options.group = arguments.group;
  options.checkpoint_dir = arguments.checkpoint_dir;
  options.window_micros = ParseWindowMicros(arguments.window);
  options.checkpoint_interval_seconds = arguments.checkpoint_interval;
  options.session_timeout_ms = arguments.session_timeout_ms;
  options.kafka_config = arguments.kafka_config;
  if (mode == RunMode::kCheckArguments) return 0;
  InstallStopSignals();
  options.stop = &StopRequested();

  StreamProcessor processor(options);
  if (processor.resumed()) {
    processor.Read([&](const StreamState& state, const LiveStats&) {
      fmt::print("stream: resumed from {} with {} events counted\n", options.checkpoint_dir,
                 state.counted());
    });
  }
  StreamHttpServer server(processor, arguments.metrics_address);
  fmt::print("stream: dashboard {} metrics {}metrics\n", server.url(), server.url());
  if (const std::string notice = MissingAssetsNotice(DashboardAssets()); !notice.empty()) {
    fmt::print(stderr, "stream: warning: {}\n", notice);
  }
  std::fflush(stdout);
  processor.Run();
  processor.Read([](const StreamState& state, const LiveStats&) {
    fmt::print("stream: stopped after counting {} events ({} duplicates dropped)\n",
               state.counted(), state.duplicates());
  });
  return 0;
}

}  // namespace

void RegisterStreamCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<StreamArguments>();
  CLI::App* command = app.add_subcommand(
      "stream", "Count task-events and job-events live; serve /metrics and a dashboard");
  AddBrokersOption(*command, arguments->brokers);
  command->add_option("--group", arguments->group, "Consumer group")->capture_default_str();
  AddMetricsAddressOption(*command, arguments->metrics_address);
  command->add_option("--checkpoint", arguments->checkpoint_dir,
                      "Folder for checkpoints (state + offsets); resumes from it on start");
  AddWindowOption(*command, arguments->window);
  command
      ->add_option("--checkpoint-interval", arguments->checkpoint_interval,
                   "Seconds between checkpoints")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--session-timeout-ms", arguments->session_timeout_ms,
                   "Consumer group session timeout (a restarted member waits this long)")
      ->check(CLI::Range(1000, 300000))
      ->capture_default_str();
  AddKafkaConfigOption(*command, arguments->kafka_config, "consumer");
  command->callback([&run, arguments] {
    run = [arguments](RunMode mode) { return RunStream(*arguments, mode); };
  });
}

}  // namespace borgscope::cli
