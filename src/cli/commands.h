#pragma once
// Each subcommand lives in its own file and registers itself on the app.
// A callback returns the process exit status.

#include <CLI/CLI.hpp>
#include <functional>

namespace borgscope::cli {

// kRun does the work. kCheckArguments (`borgscope --check-args ...`) turns the
// parsed arguments into the command's options, with every check a run makes
// on them before it starts (shard ranges, windows, sizes, table names, ...),
// and returns 0 without touching files, the network or other processes.
enum class RunMode { kRun, kCheckArguments };
using CommandRunner = std::function<int(RunMode)>;

// Adds the subcommand to `app`; sets `run` to the function that executes it
// once the command line has been parsed and this subcommand was chosen.
void RegisterAnalyzeCommand(CLI::App& app, CommandRunner& run);
void RegisterGenCommand(CLI::App& app, CommandRunner& run);
void RegisterFetchCommand(CLI::App& app, CommandRunner& run);
void RegisterBrokerCommand(CLI::App& app, CommandRunner& run);
void RegisterReplayCommand(CLI::App& app, CommandRunner& run);
void RegisterStreamCommand(CLI::App& app, CommandRunner& run);
void RegisterLiveCommand(CLI::App& app, CommandRunner& run);

}  // namespace borgscope::cli
