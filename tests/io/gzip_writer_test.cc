#include "io/gzip_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "errors.h"
#include "io/gzip_reader.h"
#include "test_support.h"

namespace borgscope {
namespace {

using testing::ReadText;
using testing::TempDir;

std::string Inflate(const std::string& path) {
  GzipReader reader(path);
  std::string text;
  char buffer[10000];  // not a power of two: reads end mid-block
  while (size_t n = reader.Read(buffer, sizeof buffer)) text.append(buffer, n);
  return text;
}

// CSV-like text that compresses like the trace, with some entropy.
std::string SampleText(size_t bytes) {
  std::string text;
  uint64_t state = 12345;
  while (text.size() < bytes) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    text += std::to_string(600000000 + (state >> 40)) + ",," + std::to_string(state >> 50) +
            ",0.0625,0.03339,3.815e-05\n";
  }
  text.resize(bytes);
  return text;
}

std::string WriteOnce(const std::string& path, std::string_view text, int level = 1) {
  GzipWriter writer(path, level);
  writer.Write(text);
  writer.Close();
  return ReadText(path);
}

TEST(GzipWriterTest, RoundTripsSmallText) {
  TempDir dir;
  const std::string path = (dir.path() / "small.csv.gz").string();
  const std::string text = "0,5,0,abc=,0.5,0.2493\n0,6,0,abc=,0.5,0.4995\n";
  WriteOnce(path, text);
  EXPECT_EQ(Inflate(path), text);
}

TEST(GzipWriterTest, EmptyInputIsAValidEmptyGzipFile) {
  TempDir dir;
  const std::string path = (dir.path() / "empty.csv.gz").string();
  const std::string bytes = WriteOnce(path, "");
  EXPECT_GE(bytes.size(), 18u);  // 10-byte header, an empty block, 8-byte trailer
  EXPECT_EQ(Inflate(path), "");
}

TEST(GzipWriterTest, HeaderHasNoTimestampAndOutputIsDeterministic) {
  TempDir dir;
  const std::string text = SampleText(300000);
  const std::string first = WriteOnce((dir.path() / "a.gz").string(), text);
  const std::string second = WriteOnce((dir.path() / "b.gz").string(), text);
  EXPECT_EQ(first, second);
  ASSERT_GE(first.size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>(first[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(first[1]), 0x8b);
  EXPECT_EQ(static_cast<uint8_t>(first[2]), 8);         // deflate
  EXPECT_EQ(first.substr(4, 4), std::string(4, '\0'));  // mtime 0
}

TEST(GzipWriterTest, LargeInputRoundTrips) {
  TempDir dir;
  const std::string path = (dir.path() / "large.csv.gz").string();
  const std::string text = SampleText(5'000'003);
  const std::string bytes = WriteOnce(path, text);
  EXPECT_LT(bytes.size(), text.size() / 2);
  EXPECT_EQ(Inflate(path), text);
}

TEST(GzipWriterTest, BytesDoNotDependOnHowWritesAreSplit) {
  TempDir dir;
  const std::string text = SampleText(1'000'000);
  const std::string whole = WriteOnce((dir.path() / "whole.gz").string(), text);

  const std::string path = (dir.path() / "pieces.gz").string();
  {
    GzipWriter writer(path);
    size_t offset = 0;
    size_t piece = 1;
    while (offset < text.size()) {
      const size_t take = std::min(piece, text.size() - offset);
      writer.Write(std::string_view(text).substr(offset, take));
      offset += take;
      piece = piece * 3 + 7;  // 1, 10, 37, ... up to chunks larger than the buffer
    }
    writer.Write("");
    writer.Close();
  }
  EXPECT_EQ(ReadText(path), whole);
  EXPECT_EQ(Inflate(path), text);
}

TEST(GzipWriterTest, EveryLevelRoundTrips) {
  TempDir dir;
  const std::string text = SampleText(400000);
  for (int level = 0; level <= 3; ++level) {
    const std::string path = (dir.path() / ("level" + std::to_string(level) + ".gz")).string();
    WriteOnce(path, text, level);
    EXPECT_EQ(Inflate(path), text) << "level " << level;
  }
}

TEST(GzipWriterTest, RejectsAnUnknownLevel) {
  TempDir dir;
  EXPECT_THROW(GzipWriter((dir.path() / "x.gz").string(), 4), UsageError);
}

TEST(GzipWriterTest, DestructorFinishesTheStream) {
  TempDir dir;
  const std::string path = (dir.path() / "unclosed.gz").string();
  {
    GzipWriter writer(path);
    writer.Write("1,2,3\n");
  }
  EXPECT_EQ(Inflate(path), "1,2,3\n");
}

TEST(GzipWriterTest, CloseTwiceIsHarmlessButWriteAfterCloseThrows) {
  TempDir dir;
  GzipWriter writer((dir.path() / "twice.gz").string());
  writer.Write("a\n");
  writer.Close();
  writer.Close();
  EXPECT_THROW(writer.Write("b\n"), IoError);
}

TEST(GzipWriterTest, UnwritablePathThrowsIoErrorNamingIt) {
  TempDir dir;
  const std::string path = (dir.path() / "no_such_folder" / "x.csv.gz").string();
  try {
    GzipWriter writer(path);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace borgscope
