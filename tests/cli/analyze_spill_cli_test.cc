// `analyze --memory-limit` and its spill files, through the binary: usage
// errors, a full temp dir, and kill -9 in the middle of a spilling run.

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <thread>

#include "test_support.h"

namespace borgscope::testing {
namespace {

const std::string& GeneratedTrace() { return testing::GeneratedTrace("0.02", 5); }

std::string Analyze(const fs::path& out, const std::string& flags) {
  return "analyze --quiet --no-plots --threads 2 --trace " + GeneratedTrace() + " --out " +
         out.string() + " " + flags;
}

bool HasSpillFolder(const fs::path& temp) {
  for (const auto& entry : fs::directory_iterator(temp)) {
    if (entry.path().filename().string().starts_with("borgscope-spill-")) return true;
  }
  return false;
}

TEST(AnalyzeSpillCliTest, BadLimitsAreUsageErrors) {
  TempDir out;
  std::string output;
  EXPECT_EQ(RunBinary(Analyze(out.path(), "--memory-limit 12X"), &output), 2);
  EXPECT_NE(output.find("'12X' is not a size"), std::string::npos) << output;
  EXPECT_EQ(RunBinary(Analyze(out.path(), "--memory-limit 1M"), &output), 2);
  EXPECT_NE(output.find("below this run's floor of"), std::string::npos) << output;
  EXPECT_EQ(RunBinary(Analyze(out.path(), "--memory-limit 0%"), &output), 2);
  EXPECT_EQ(RunBinary("analyze --help", &output), 0);
  EXPECT_NE(output.find("--memory-limit"), std::string::npos);
  EXPECT_NE(output.find("--temp-dir"), std::string::npos);
  EXPECT_EQ(output.find("--spill-always"), std::string::npos);  // a test knob
}

TEST(AnalyzeSpillCliTest, SpilledRunWritesTheSameFiles) {
  TempDir plain, spilled, temp;
  ASSERT_EQ(RunBinary(Analyze(plain.path(), "")), 0);
  std::string output;
  ASSERT_EQ(RunBinary(Analyze(spilled.path(), "--spill-always --memory-limit 4G --temp-dir " +
                                                  temp.path().string()),
                      &output),
            0)
      << output;
  EXPECT_EQ(ResultFiles(spilled.path()), ResultFiles(plain.path()));
  EXPECT_TRUE(fs::is_empty(temp.path()));
  const std::string metrics = ReadText(spilled.path() / "metrics.json");
  EXPECT_NE(metrics.find("\"spilled_bytes\""), std::string::npos);
  EXPECT_EQ(metrics.find("\"spilled_bytes\": 0,"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\"memory_limit_bytes\": 4294967296"), std::string::npos);
}

// A real full disk: a 256 kB tmpfs (needs root, as CI runs; skipped elsewhere).
TEST(AnalyzeSpillCliTest, FullTempDirIsAnIoErrorAndLeavesNoFiles) {
  TempDir out, temp;
  const fs::path disk = temp.path() / "disk";
  fs::create_directories(disk);
  if (mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here";
  }
  std::string output;
  const int status =
      RunBinary(Analyze(out.path(), "--spill-always --temp-dir " + disk.string()), &output);
  const bool empty = fs::is_empty(disk);
  umount(disk.c_str());
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("No space left on device"), std::string::npos) << output;
  EXPECT_NE(output.find(disk.string() + "/borgscope-spill-"), std::string::npos) << output;
  EXPECT_NE(output.find("bytes of spilled state"), std::string::npos) << output;
  EXPECT_NE(output.find("temp dir " + disk.string()), std::string::npos) << output;
  EXPECT_TRUE(empty) << "spill files left on the full disk";
}

TEST(AnalyzeSpillCliTest, KillDuringSpillingLeavesNothingThatBreaksTheNextRun) {
  TempDir plain, first, second, temp;
  ASSERT_EQ(RunBinary(Analyze(plain.path(), "")), 0);
  const std::string flags = "--spill-always --temp-dir " + temp.path().string();
  // Started in the background, killed as soon as its spill folder exists.
  const fs::path pid_file = temp.path() / "../pid";
  ASSERT_EQ(RunCommand(kBinary + " " + Analyze(first.path(), flags) +
                       " > /dev/null 2>&1 & echo $! > " + pid_file.string()),
            0);
  const std::string pid = ReadText(pid_file);
  bool spilling = false;
  for (int i = 0; i < 400 && !spilling; ++i) {
    spilling = HasSpillFolder(temp.path());
    if (!spilling) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(spilling);
  RunCommand("kill -9 " + pid);
  for (int i = 0; i < 200 && RunCommand("kill -0 " + pid) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fs::remove(pid_file);
  std::string output;
  ASSERT_EQ(RunBinary(Analyze(second.path(), flags), &output), 0) << output;
  EXPECT_EQ(ResultFiles(second.path()), ResultFiles(plain.path()));
  EXPECT_FALSE(HasSpillFolder(temp.path())) << "the killed run's folder is still there";
}

}  // namespace
}  // namespace borgscope::testing
