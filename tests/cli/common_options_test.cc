// Options shared by several subcommands (src/cli/common_options.h), checked
// through the binary as users meet them.

#include <gtest/gtest.h>

#include "test_support.h"

namespace borgscope::testing {
namespace {

TEST(CommonOptions, KafkaSettingWithoutEqualsIsAUsageError) {
  for (const std::string& command :
       {"replay --trace " + kSampleDir.string() + " --brokers 127.0.0.1:1",
        std::string("stream --brokers x")}) {
    std::string output;
    EXPECT_EQ(RunBinary(command + " -X linger.ms", &output), 2) << command;
    EXPECT_NE(output.find("expects name=value, got linger.ms"), std::string::npos) << output;
  }
}

TEST(CommonOptions, MissingTraceFolderIsAUsageError) {
  for (std::string command : {"analyze", "replay --brokers x", "live"}) {
    std::string output;
    EXPECT_EQ(RunBinary(command + " --trace /nonexistent/borgscope-trace", &output), 2) << command;
    EXPECT_NE(output.find("/nonexistent/borgscope-trace"), std::string::npos) << output;
  }
}

// Checked before anything starts: no broker, no checkpoint is touched.
TEST(CommonOptions, BadMetricsAddressIsAUsageError) {
  for (std::string address : {"127.0.0.1:99999", "127.0.0.1:94x64", "9464"}) {
    for (const std::string& command :
         {std::string("stream --brokers 127.0.0.1:1"), "live --trace " + kSampleDir.string()}) {
      std::string output;
      EXPECT_EQ(RunBinary(command + " --metrics-addr " + address, &output), 2) << command;
      EXPECT_NE(output.find("--metrics-addr expects host:port with a port from 0 to 65535 (0: any "
                            "free one), got '" +
                            address + "'"),
                std::string::npos)
          << output;
    }
  }
}

// oneTBB crashed (SIGSEGV) on arenas of ~70000 threads: such counts are
// refused up front, in every subcommand that takes --threads.
TEST(CommonOptions, HugeThreadCountIsAUsageError) {
  TempDir out;
  for (const std::string& command :
       {"analyze --trace " + kSampleDir.string() + " --out " + (out.path() / "a").string(),
        "gen --scale 0.001 --out " + (out.path() / "g").string()}) {
    for (std::string threads : {"100000", "1025", "-1"}) {
      std::string output;
      EXPECT_EQ(RunBinary(command + " --quiet --threads " + threads, &output), 2) << command;
      EXPECT_NE(output.find("--threads: Value " + threads + " not in range 0 to 1024"),
                std::string::npos)
          << output;
    }
  }
  EXPECT_FALSE(fs::exists(out.path() / "a"));
  EXPECT_FALSE(fs::exists(out.path() / "g"));
}

}  // namespace
}  // namespace borgscope::testing
