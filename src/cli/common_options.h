#pragma once
// Options that several subcommands share, declared once so that their names,
// checks and help read the same everywhere.

#include <CLI/CLI.hpp>
#include <map>
#include <string>

namespace borgscope::cli {

// --trace DIR (required, must exist).
CLI::Option* AddTraceOption(CLI::App& command, std::string& trace_dir);
// The most threads --threads accepts: oneTBB crashes on arenas of ~70000
// threads, and more threads than this never helps on any machine we run on.
constexpr int kMaxThreads = 1024;

// --threads N (0 = all cores, at most kMaxThreads; more is a usage error).
CLI::Option* AddThreadsOption(CLI::App& command, int& threads, const std::string& help);
// --shards A-B.
CLI::Option* AddShardsOption(CLI::App& command, std::string& shards);
// --brokers host:port[,...] (required).
CLI::Option* AddBrokersOption(CLI::App& command, std::string& brokers);
// --speed: trace seconds per wall second.
CLI::Option* AddSpeedOption(CLI::App& command, double& speed);
// --metrics-addr host:port of /metrics and the dashboard.
CLI::Option* AddMetricsAddressOption(CLI::App& command, std::string& address);
// --window: the stream's event-time window.
CLI::Option* AddWindowOption(CLI::App& command, std::string& window);
// -X name=value, repeatable: librdkafka settings of the `client` (producer,
// consumer), collected into `settings`.
CLI::Option* AddKafkaConfigOption(CLI::App& command, std::map<std::string, std::string>& settings,
                                  const std::string& client);

}  // namespace borgscope::cli
