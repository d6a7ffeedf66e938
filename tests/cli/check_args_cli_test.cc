// `borgscope --check-args ...` (src/cli/main.cc): checks a command line as a
// run would and exits without running it; the Kubernetes manifests' command
// lines are checked this way (tests/deploy/check_manifests.mjs).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"

namespace borgscope::testing {
namespace {

// Accepted lines exit 0 and do nothing: no output folder, no checkpoint, no
// broker connection, no download. Paths need not exist on this machine.
TEST(CheckArgs, AcceptedCommandLinesRunNothing) {
  TempDir temp;
  const std::string out = (temp.path() / "out").string();
  const std::string checkpoint = (temp.path() / "checkpoint").string();
  const std::string fetched = (temp.path() / "fetched").string();
  for (const std::string& command : std::vector<std::string>{
           "analyze --trace /nonexistent/trace --out " + out + " --shards 0-9 --memory-limit 4G",
           "fetch --dest " + fetched + " --tables task_events,job_events --shards 0-4",
           "replay --trace /nonexistent/trace --brokers kafka:9092 --speed 432000 --shards 0-499",
           "stream --brokers 127.0.0.1:1 --metrics-addr 0.0.0.0:9464 --checkpoint " + checkpoint +
               " --window 30m",
           "live --trace /nonexistent/trace --shards 0-4 --window 1h", "broker --partitions 32",
           "gen --out " + out + " --scale 0.01"}) {
    std::string output;
    EXPECT_EQ(RunBinary("--check-args " + command, &output), 0) << command << "\n" << output;
    EXPECT_NE(output.find("command line accepted"), std::string::npos) << output;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(checkpoint));
  EXPECT_FALSE(std::filesystem::exists(fetched));
}

// What a run would reject, --check-args rejects, with the run's message and
// exit status: parser errors and the values a run checks before it starts.
TEST(CheckArgs, RejectsWhatARunWouldReject) {
  struct Case {
    std::string command;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"analyze --trace /t --frobnicate", "frobnicate"},
           {"analyze --out /o", "--trace is required"},
           {"analyze --trace /t --shards 9-2", "--shards expects A-B"},
           {"analyze --trace /t --memory-limit lots", "lots"},
           {"analyze --trace /t --only q3,q99", "q99"},
           {"fetch --dest /d --tables task_event", "task_event"},
           {"fetch --dest /d --jobs 0", "--jobs"},
           {"replay --trace /t --brokers b --speed -1", "--speed"},
           {"stream --brokers b --window 1y", "--window expects a duration"},
           {"stream --brokers b --metrics-addr nowhere", "nowhere"},
           {"live --trace /t --shards x", "--shards expects A-B"},
           {"frobnicate", "unknown subcommand 'frobnicate'"},
       }) {
    std::string output;
    EXPECT_EQ(RunBinary("--check-args " + c.command, &output), 2) << c.command << "\n" << output;
    EXPECT_NE(output.find(c.message), std::string::npos) << c.command << "\n" << output;
    EXPECT_EQ(output.find("command line accepted"), std::string::npos) << output;
  }
}

// Only --check-args lifts the path checks: a plain run still needs its trace.
TEST(CheckArgs, PlainRunStillChecksPaths) {
  std::string output;
  EXPECT_EQ(RunBinary("analyze --trace /nonexistent/borgscope-trace", &output), 2);
  EXPECT_NE(output.find("/nonexistent/borgscope-trace"), std::string::npos) << output;
}

}  // namespace
}  // namespace borgscope::testing
