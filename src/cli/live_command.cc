// borgscope live: broker + stream + replay in one process, the streaming demo.
#include <fmt/core.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "errors.h"
#include "stream/embedded_broker.h"
#include "stream/http_server.h"
#include "stream/replay.h"
#include "stream/stop_signal.h"
#include "stream/stream_processor.h"

namespace borgscope::cli {

namespace {

struct LiveArguments {
  std::string trace_dir;
  double speed = 432000;
  std::string shards;
  int partitions = 32;
  std::string metrics_address = "127.0.0.1:9464";
  std::string window = "1h";
  bool exit_when_done = false;
  double drain_timeout = 120;
};

int RunLive(const LiveArguments& arguments, RunMode mode) {
  // The arguments first: a bad one is a usage error before the broker starts.
  const auto window_micros = ParseWindowMicros(arguments.window);
  const auto shards = ParseShardRange(arguments.shards);
  if (mode == RunMode::kCheckArguments) return 0;
  InstallStopSignals();
  BrokerOptions broker_options;
  broker_options.partitions = arguments.partitions;
  EmbeddedBroker broker(broker_options);

  std::atomic<bool> stream_stop{false};
  StreamOptions stream_options;
  stream_options.brokers = broker.bootstrap();
  stream_options.group = "borgscope-live";
  stream_options.window_micros = window_micros;
  stream_options.session_timeout_ms = 6000;
  stream_options.stop = &stream_stop;
  StreamProcessor processor(stream_options);
  StreamHttpServer server(processor, arguments.metrics_address);
  fmt::print("live: broker {}\nlive: dashboard {}  (metrics at {}metrics)\n", broker.bootstrap(),
             server.url(), server.url());
  if (const std::string notice = MissingAssetsNotice(DashboardAssets()); !notice.empty()) {
    fmt::print(stderr, "live: warning: {}\n", notice);
  }
  std::fflush(stdout);
  std::thread stream_thread([&processor] { processor.Run(); });
  // Whatever happens below, the consumer stops before the broker goes away
  // (a consumer whose broker vanished can hang in close()).
  struct StreamStopper {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StreamStopper() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } stopper{stream_stop, stream_thread};

  ReplayOptions replay_options;
  replay_options.trace_dir = arguments.trace_dir;
  replay_options.brokers = broker.bootstrap();
  replay_options.speed = arguments.speed;
  replay_options.shards = shards;
  replay_options.stop = &StopRequested();
  ReplayResult replay = RunReplay(replay_options);
  fmt::print("live: replayed {} events in {:.1f} s: {} delivered, {} failed\n", replay.produced,
             replay.seconds, replay.delivered, replay.failed);

  // Wait for the stream to count what was delivered.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(arguments.drain_timeout);
  uint64_t counted = 0;
  while (!StopRequested().load() && std::chrono::steady_clock::now() < deadline) {
    processor.Read(
        [&counted](const StreamState& state, const LiveStats&) { counted = state.counted(); });
    if (counted >= replay.delivered) break;
    SleepUnlessStopped(std::chrono::milliseconds(200));
  }
  fmt::print("live: stream counted {} events\n", counted);
  const bool complete = replay.Complete() && counted == replay.produced;
  if (!arguments.exit_when_done && !StopRequested().load()) {
    fmt::print("live: done; still serving {} — Ctrl-C to stop\n", server.url());
    std::fflush(stdout);
    while (!SleepUnlessStopped(std::chrono::hours(1))) {
    }
  }
  return complete ? 0 : kExitDataError;
}

}  // namespace

void RegisterLiveCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<LiveArguments>();
  CLI::App* command = app.add_subcommand(
      "live", "Embedded broker + stream + replay in one process: the streaming demo");
  AddTraceOption(*command, arguments->trace_dir);
  AddSpeedOption(*command, arguments->speed);
  AddShardsOption(*command, arguments->shards);
  command->add_option("--partitions", arguments->partitions, "Partitions per topic")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  AddMetricsAddressOption(*command, arguments->metrics_address);
  AddWindowOption(*command, arguments->window);
  command->add_flag("--exit-when-done", arguments->exit_when_done,
                    "Exit once the stream has counted the whole replay");
  command
      ->add_option("--drain-timeout", arguments->drain_timeout,
                   "Seconds to wait for the stream to catch up after the replay")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback(
      [&run, arguments] { run = [arguments](RunMode mode) { return RunLive(*arguments, mode); }; });
}

}  // namespace borgscope::cli
