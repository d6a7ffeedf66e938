#include "report/output_folder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "errors.h"
#include "io/write_file.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

TEST(WriteFileOrThrow, FullDiskNamesThePathAndTheReason) {
  TempDir dir;
  WriteFileOrThrow(dir.path() / "a.csv", "ok\n");
  EXPECT_EQ(ReadText(dir.path() / "a.csv"), "ok\n");
  try {
    WriteFileOrThrow("/dev/full", "some bytes\n");
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot write /dev/full: No space left on device");
  }
  try {
    WriteFileOrThrow("/nonexistent/borgscope/x.csv", "x");
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot create /nonexistent/borgscope/x.csv: No such file or directory");
  }
}

std::string StagingName() { return ".borgscope-staging-" + std::to_string(getpid()); }

TEST(StagedOutput, NothingMovesUntilCommit) {
  TempDir dir;
  const fs::path out = dir.path() / "new" / "out";
  {
    StagedOutput output(out);  // creates out and its parents
    EXPECT_EQ(output.staging(), out / StagingName());
    EXPECT_TRUE(fs::is_directory(output.staging()));
    WriteBytes(output.staging() / "q1" / "a.csv", "new\n");
  }  // not committed: the staging folder goes, and the out folder it made
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::exists(out.parent_path()));
  WriteBytes(out / "q1" / "a.csv", "old\n");
  {
    StagedOutput output(out);
    WriteBytes(output.staging() / "q1" / "a.csv", "new\n");
  }  // an out folder that was there stays, as it was
  EXPECT_EQ(ResultFiles(out), (std::map<std::string, std::string>{{"q1/a.csv", "old\n"}}));
}

TEST(StagedOutput, CommitReplacesFoldersWholeAndFiles) {
  TempDir dir;
  const fs::path out = dir.path();
  WriteBytes(out / "q1" / "a.csv", "old\n");
  WriteBytes(out / "q1" / "stale.csv", "old\n");
  WriteBytes(out / "q9" / "kept.csv", "other run\n");
  WriteBytes(out / "report.html", "old\n");
  StagedOutput output(out);
  WriteBytes(output.staging() / "q1" / "a.csv", "new\n");
  WriteBytes(output.staging() / "q2" / "b.csv", "new\n");
  WriteBytes(output.staging() / "report.html", "new\n");
  output.Commit();
  EXPECT_EQ(ResultFiles(out), (std::map<std::string, std::string>{
                                  {"q1/a.csv", "new\n"},
                                  {"q2/b.csv", "new\n"},
                                  {"q9/kept.csv", "other run\n"},
                              }));
  EXPECT_EQ(ReadText(out / "report.html"), "new\n");
  EXPECT_FALSE(fs::exists(out / StagingName()));
}

TEST(StagedOutput, OutThatIsAFileIsAnIoError) {
  TempDir dir;
  WriteBytes(dir.path() / "file", "x");
  try {
    StagedOutput output(dir.path() / "file");
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()),
              "--out " + (dir.path() / "file").string() + " is not a folder");
  }
}

}  // namespace
}  // namespace borgscope::testing
