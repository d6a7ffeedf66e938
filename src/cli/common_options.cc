#include "cli/common_options.h"

#include <vector>

#include "errors.h"
#include "stream/http_server.h"

namespace borgscope::cli {

CLI::Option* AddTraceOption(CLI::App& command, std::string& trace_dir) {
  return command
      .add_option("--trace", trace_dir, "Trace folder holding <table>/part-NNNNN-of-MMMMM.csv.gz")
      ->required()
      ->check(CLI::ExistingDirectory);
}

CLI::Option* AddThreadsOption(CLI::App& command, int& threads, const std::string& help) {
  return command.add_option("--threads", threads, help)->check(CLI::Range(0, kMaxThreads));
}

CLI::Option* AddShardsOption(CLI::App& command, std::string& shards) {
  return command.add_option("--shards", shards,
                            "Shard range of the sharded tables, e.g. 0-19 (default: all)");
}

CLI::Option* AddBrokersOption(CLI::App& command, std::string& brokers) {
  return command.add_option("--brokers", brokers, "Kafka bootstrap servers host:port[,...]")
      ->required();
}

CLI::Option* AddSpeedOption(CLI::App& command, double& speed) {
  return command
      .add_option("--speed", speed,
                  "Trace seconds per wall second (432000 = 5 trace days a second; 0 = as "
                  "fast as possible)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

CLI::Option* AddMetricsAddressOption(CLI::App& command, std::string& address) {
  return command
      .add_option("--metrics-addr", address,
                  "host:port of /metrics and the dashboard (port 0 picks a free one)")
      ->check(
          [](const std::string& text) {
            try {
              ParseListenAddress(text);
              return std::string();
            } catch (const UsageError& error) {
              return std::string(error.what());
            }
          },
          "HOST:PORT")
      ->capture_default_str();
}

CLI::Option* AddWindowOption(CLI::App& command, std::string& window) {
  return command.add_option("--window", window, "Event-time window, e.g. 1h, 30m, 1d")
      ->capture_default_str();
}

CLI::Option* AddKafkaConfigOption(CLI::App& command, std::map<std::string, std::string>& settings,
                                  const std::string& client) {
  return command.add_option_function<std::vector<std::string>>(
      "-X",
      [&settings](const std::vector<std::string>& values) {
        for (const std::string& setting : values) {
          size_t equals = setting.find('=');
          if (equals == std::string::npos || equals == 0) {
            throw CLI::ValidationError("-X", "expects name=value, got " + setting);
          }
          settings[setting.substr(0, equals)] = setting.substr(equals + 1);
        }
      },
      "Extra librdkafka " + client + " setting name=value (repeatable)");
}

}  // namespace borgscope::cli
