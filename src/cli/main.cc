// borgscope: answers questions about Google's cluster traces.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "engine/allocator_tuning.h"
#include "engine/cluster.h"
#include "errors.h"

namespace {

// Prints the error; in an MPI job of several ranks, names the rank and ends
// the whole job (the other ranks may be waiting for this one: never a hang).
int Fail(int exit_code, const char* kind, const char* what) {
  using namespace borgscope;
  if (StartedByMpiLauncher() && CurrentCluster().size() > 1) {
    Cluster& cluster = CurrentCluster();
    fmt::print(stderr, "borgscope: rank {} of {}: {}{}\n", cluster.rank(), cluster.size(), kind,
               what);
    std::fflush(stderr);
    cluster.Abort(exit_code);
  }
  fmt::print(stderr, "borgscope: {}{}\n", kind, what);
  return exit_code;
}

// The subcommands `app` knows, as "analyze, gen, ...", in --help order.
std::string SubcommandNames(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return names;
}

// Where `word` first is on the command line; argc when it is not.
int PositionOf(std::string_view word, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == word) return i;
  }
  return argc;
}

// CLI11 checks "a subcommand is required" (or the chosen subcommand's own
// required options) before it looks at the words it could not place, so
// `borgscope frobnicate` or `borgscope --bogus` would only hear that a
// subcommand is required, and `borgscope analyze --bogus` that --trace is.
// A word placed nowhere is named: after the subcommand, as an option or
// argument it does not take; before it, as a mistyped subcommand (the top
// level takes no positionals) or, with a dash, an option the top level does
// not know (only --help and --version; the others follow a subcommand).
// Returns whether the error was reported here.
bool ReportPlacementError(const CLI::App& app, const CLI::ParseError& error, int argc,
                          char** argv) {
  const std::vector<std::string> unplaced = app.remaining(/*recurse=*/true);
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const int subcommand_at =
      chosen.empty() ? argc : PositionOf(chosen.front()->get_name(), argc, argv);
  if (!unplaced.empty() && PositionOf(unplaced.front(), argc, argv) > subcommand_at) {
    const std::string& name = chosen.front()->get_name();
    fmt::print(stderr, "borgscope {}: unknown {} '{}'; `borgscope {} --help` lists its options\n",
               name, unplaced.front().starts_with('-') ? "option" : "argument", unplaced.front(),
               name);
    return true;
  }
  if (!unplaced.empty() && !unplaced.front().starts_with('-')) {
    fmt::print(stderr, "borgscope: unknown subcommand '{}'; valid subcommands: {}\n",
               unplaced.front(), SubcommandNames(app));
  } else if (!unplaced.empty()) {
    fmt::print(stderr,
               "borgscope: unknown option '{}'; before a subcommand only --help and --version "
               "are known, the other options follow a subcommand, one of: {}\n",
               unplaced.front(), SubcommandNames(app));
  } else if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr &&
             app.get_subcommands().empty()) {
    fmt::print(stderr, "borgscope: a subcommand is required, one of: {}\n", SubcommandNames(app));
  } else {
    return false;
  }
  fmt::print(stderr, "Run with --help for more information.\n");
  return true;
}

// Whether `--check-args` comes before the subcommand (the top level takes no
// option with a value, so the subcommand is the first word without a dash).
bool CheckArgsRequested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--check-args") return true;
    if (!word.starts_with('-')) return false;
  }
  return false;
}

// Under --check-args the command line is checked where it will run (a pod, a
// cluster node), not here: paths it names need not exist on this machine.
void SkipPathExistenceChecks(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    for (CLI::Option* option : command->get_options()) {
      // CLI11's existence checks are unnamed; their descriptions tell them apart.
      for (int index = 0;; ++index) {
        CLI::Validator* validator = nullptr;
        try {
          validator = option->get_validator(index);
        } catch (const CLI::OptionNotFound&) {
          break;
        }
        const std::string kind = validator->get_description();
        if (kind == "DIR" || kind == "FILE" || kind == "PATH(existing)") validator->active(false);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace borgscope;
  SetUpProcessMemory(argv);
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
  bool check_args = false;
  app.add_flag("--check-args", check_args,
               "Check the command line (options, values, ranges) as a run would, without "
               "running; paths need not exist here. Exit 0 when it would be accepted");
  if (CheckArgsRequested(argc, argv)) SkipPathExistenceChecks(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (!ReportPlacementError(app, e, argc, argv)) app.exit(e);
    return kExitUsageError;
  }
  try {
    const int status = run(check_args ? cli::RunMode::kCheckArguments : cli::RunMode::kRun);
    if (check_args && status == 0) fmt::print("borgscope: command line accepted\n");
    return status;
  } catch (const UsageError& e) {
    return Fail(kExitUsageError, "", e.what());
  } catch (const DataError& e) {
    return Fail(kExitDataError, "error: ", e.what());
  } catch (const IoError& e) {
    return Fail(kExitDataError, "error: ", e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    // A file-system refusal that no layer turned into an IoError is still the
    // file system's (its message names the path), not a bug of ours.
    return Fail(kExitDataError, "error: ", e.what());
  } catch (const std::exception& e) {
    return Fail(kExitInternalError, "internal error: ", e.what());
  }
}
