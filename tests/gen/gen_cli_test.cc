#include <gtest/gtest.h>

#include <string>

#include "io/shards.h"
#include "test_support.h"

namespace borgscope {
namespace {

namespace fs = std::filesystem;
using testing::RunBinary;
using testing::TempDir;

TEST(GenCliTest, WritesATraceAndPrintsASummary) {
  TempDir dir;
  std::string output;
  const std::string out = (dir.path() / "trace").string();
  ASSERT_EQ(RunBinary("gen --out " + out + " --seed 3 --scale 0.003 --threads 2", &output), 0)
      << output;
  EXPECT_NE(output.find("task_usage"), std::string::npos) << output;
  EXPECT_NE(output.find("MB of CSV"), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(fs::path(out) / "machine_events" / "part-00000-of-00001.csv.gz"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "task_usage" / ShardFileName(1, 2)));

  // Again into the same folder: refused without --force, quiet with it.
  EXPECT_EQ(RunBinary("gen --out " + out + " --scale 0.003", &output), 2) << output;
  EXPECT_NE(output.find("--force"), std::string::npos) << output;
  ASSERT_EQ(RunBinary("gen --out " + out + " --scale 0.003 --force --quiet", &output), 0) << output;
  EXPECT_EQ(output, "");
}

TEST(GenCliTest, BadArgumentsAreUsageErrors) {
  TempDir dir;
  const std::string out = (dir.path() / "trace").string();
  EXPECT_EQ(RunBinary("gen --scale 0.01"), 2);  // --out is required
  EXPECT_EQ(RunBinary("gen --out " + out + " --scale -1"), 2);
  EXPECT_EQ(RunBinary("gen --out " + out + " --threads -2"), 2);
  EXPECT_EQ(RunBinary("gen --out " + out + " --scale abc"), 2);
}

}  // namespace
}  // namespace borgscope
