// Choosing a subcommand (src/cli/main.cc), checked through the binary as
// newcomers meet it: a mistyped or missing subcommand is a usage error that
// says what went wrong and what the valid subcommands are.

#include <gtest/gtest.h>

#include "test_support.h"

namespace borgscope::testing {
namespace {

constexpr const char* kSubcommands[] = {"analyze", "gen",    "fetch", "broker",
                                        "replay",  "stream", "live"};

TEST(Subcommand, UnknownSubcommandIsNamedAndTheValidOnesListed) {
  std::string output;
  EXPECT_EQ(RunBinary("frobnicate", &output), 2);
  EXPECT_NE(output.find("unknown subcommand 'frobnicate'"), std::string::npos) << output;
  for (const char* name : kSubcommands) EXPECT_NE(output.find(name), std::string::npos) << output;
  EXPECT_EQ(output.find("A subcommand is required"), std::string::npos) << output;
}

// Words after it, even a valid subcommand, do not hide the unknown word.
TEST(Subcommand, UnknownSubcommandIsNamedWhateverFollows) {
  for (std::string rest : {" --trace " + kSampleDir.string(), std::string(" analyze")}) {
    std::string output;
    EXPECT_EQ(RunBinary("frobnicate" + rest, &output), 2) << rest;
    EXPECT_NE(output.find("unknown subcommand 'frobnicate'"), std::string::npos) << output;
  }
}

TEST(Subcommand, MissingSubcommandListsTheValidOnes) {
  std::string output;
  EXPECT_EQ(RunBinary("", &output), 2);
  EXPECT_NE(output.find("a subcommand is required"), std::string::npos) << output;
  for (const char* name : kSubcommands) EXPECT_NE(output.find(name), std::string::npos) << output;
  EXPECT_NE(output.find("--help"), std::string::npos) << output;
}

// A known subcommand is not mistaken for an unknown one, and its own usage
// errors keep their own message.
TEST(Subcommand, KnownSubcommandIsNotReportedAsUnknown) {
  std::string output;
  EXPECT_EQ(RunBinary("analyze --help", &output), 0);
  EXPECT_EQ(output.find("unknown subcommand"), std::string::npos) << output;
  EXPECT_EQ(RunBinary("analyze", &output), 2);
  EXPECT_NE(output.find("--trace is required"), std::string::npos) << output;
  EXPECT_EQ(output.find("subcommand"), std::string::npos) << output;
}

}  // namespace
}  // namespace borgscope::testing
