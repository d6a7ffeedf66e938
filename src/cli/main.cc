// borgscope: answers questions about Google's cluster traces.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "cli/commands.h"
#include "errors.h"

int main(int argc, char** argv) {
  using namespace borgscope;
  CLI::App app{"borgscope: fast, exact answers about Google's Borg cluster traces"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "borgscope 0.1.0");
  cli::CommandRunner run;
  cli::RegisterAnalyzeCommand(app, run);
  cli::RegisterGenCommand(app, run);
  cli::RegisterFetchCommand(app, run);
  cli::RegisterBrokerCommand(app, run);
  cli::RegisterReplayCommand(app, run);
  cli::RegisterStreamCommand(app, run);
  cli::RegisterLiveCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsageError;
  }
  try {
    return run();
  } catch (const UsageError& e) {
    fmt::print(stderr, "borgscope: {}\n", e.what());
    return kExitUsageError;
  } catch (const DataError& e) {
    fmt::print(stderr, "borgscope: error: {}\n", e.what());
    return kExitDataError;
  } catch (const IoError& e) {
    fmt::print(stderr, "borgscope: error: {}\n", e.what());
    return kExitDataError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "borgscope: internal error: {}\n", e.what());
    return kExitInternalError;
  }
}
