// borgscope broker: an embedded Kafka broker (librdkafka's mock cluster) on
// loopback, with the topics task-events and job-events, until SIGINT/SIGTERM.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "errors.h"
#include "stream/embedded_broker.h"
#include "stream/stop_signal.h"

namespace borgscope::cli {

namespace {

struct BrokerArguments {
  BrokerOptions broker;
  std::string bootstrap_file;
};

void WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << text;
    if (!file.good()) throw IoError(fmt::format("cannot write {}", temporary));
  }
  std::filesystem::rename(temporary, path);
}

int RunBroker(const BrokerArguments& arguments, RunMode mode) {
  if (mode == RunMode::kCheckArguments) return 0;
  InstallStopSignals();
  EmbeddedBroker broker(arguments.broker);
  // Readers poll for the file: it appears complete or not at all.
  if (!arguments.bootstrap_file.empty()) {
    WriteFileAtomically(arguments.bootstrap_file, broker.bootstrap() + "\n");
  }
  fmt::print("{}\n", broker.bootstrap());
  std::fflush(stdout);
  fmt::print(stderr,
             "broker: {} brokers, topics task-events and job-events with {} partitions each; "
             "Ctrl-C stops it\n",
             arguments.broker.brokers, arguments.broker.partitions);
  while (!SleepUnlessStopped(std::chrono::hours(1))) {
  }
  fmt::print(stderr, "broker: stopped\n");
  return 0;
}

}  // namespace

void RegisterBrokerCommand(CLI::App& app, CommandRunner& run) {
  auto arguments = std::make_shared<BrokerArguments>();
  CLI::App* command = app.add_subcommand(
      "broker", "Run an embedded Kafka broker (librdkafka's mock cluster) on loopback");
  command
      ->add_option("--partitions", arguments->broker.partitions,
                   "Partitions per topic (the mock keeps ~5 MiB each: use >= 32)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--brokers", arguments->broker.brokers, "Brokers in the cluster")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  command->add_option("--bootstrap-file", arguments->bootstrap_file,
                      "Also write the bootstrap string to this file");
  command->callback([&run, arguments] {
    run = [arguments](RunMode mode) { return RunBroker(*arguments, mode); };
  });
}

}  // namespace borgscope::cli
