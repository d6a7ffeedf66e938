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

// An option the top level does not know is named as an option, not taken for
// a missing subcommand, also when a subcommand follows; a subcommand's option
// given before any subcommand says where it belongs.
TEST(Subcommand, UnknownTopLevelOptionIsNamed) {
  for (const char* arguments : {"--bogus", "--trace x", "--bogus analyze --trace x"}) {
    const std::string option = std::string(arguments).substr(0, std::string(arguments).find(' '));
    std::string output;
    EXPECT_EQ(RunBinary(arguments, &output), 2) << arguments;
    EXPECT_NE(output.find("borgscope: unknown option '" + option + "'"), std::string::npos)
        << output;
    EXPECT_NE(output.find("the other options follow a subcommand"), std::string::npos) << output;
    for (const char* name : kSubcommands) EXPECT_NE(output.find(name), std::string::npos) << output;
    EXPECT_EQ(output.find("a subcommand is required"), std::string::npos) << output;
  }
}

// After a subcommand, a word it does not take is named before its missing
// required options (CLI11 alone would answer "--trace is required").
TEST(Subcommand, UnknownOptionOfASubcommandIsNamed) {
  std::string output;
  EXPECT_EQ(RunBinary("analyze --bogus", &output), 2);
  EXPECT_EQ(output,
            "borgscope analyze: unknown option '--bogus'; `borgscope analyze --help` lists its "
            "options\n");
  EXPECT_EQ(RunBinary("analyze --trace x extra", &output), 2);
  EXPECT_NE(output.find("borgscope analyze: unknown argument 'extra'"), std::string::npos)
      << output;
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
