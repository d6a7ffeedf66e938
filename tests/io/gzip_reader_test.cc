#include "io/gzip_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "errors.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

std::string InflateAll(const fs::path& path, size_t chunk = 4096) {
  GzipReader reader(path.string());
  std::string text;
  std::vector<char> buffer(chunk);
  while (size_t n = reader.Read(buffer.data(), buffer.size())) text.append(buffer.data(), n);
  EXPECT_EQ(reader.uncompressed_bytes(), text.size());
  return text;
}

std::string GzipBytes(std::string_view text) {
  TempDir dir;
  WriteGzip(dir.path() / "x.gz", text);
  return ReadText(dir.path() / "x.gz");
}

std::string SomeLines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += std::to_string(i * 7919) + ",,row " + std::to_string(i) + "\n";
  return text;
}

TEST(GzipReader, RoundTripInSmallAndLargeReads) {
  TempDir dir;
  std::string text = SomeLines(100000);
  WriteGzip(dir.path() / "a.gz", text);
  EXPECT_EQ(InflateAll(dir.path() / "a.gz", 1), text);
  EXPECT_EQ(InflateAll(dir.path() / "a.gz", 1 << 20), text);
}

TEST(GzipReader, MultiMemberFile) {
  TempDir dir;
  std::string first = SomeLines(3000), second = "a,b\n", third = SomeLines(10);
  // Three members back to back, as `cat a.gz b.gz c.gz` makes.
  WriteBytes(dir.path() / "m.gz", GzipBytes(first) + GzipBytes(second) + GzipBytes(third));
  EXPECT_EQ(InflateAll(dir.path() / "m.gz"), first + second + third);
  EXPECT_EQ(InflateAll(dir.path() / "m.gz", 7), first + second + third);
}

TEST(GzipReader, EmptyMemberIsAnEmptyTable) {
  TempDir dir;
  WriteGzip(dir.path() / "e.gz", "");
  EXPECT_EQ(InflateAll(dir.path() / "e.gz"), "");
}

TEST(GzipReader, EmptyFileIsAnError) {
  TempDir dir;
  WriteBytes(dir.path() / "zero.gz", "");
  try {
    InflateAll(dir.path() / "zero.gz");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir.path() / "zero.gz").string() + ": empty file, not gzip data");
  }
}

TEST(GzipReader, TruncatedFileIsAnErrorNamingTheFile) {
  TempDir dir;
  std::string bytes = GzipBytes(SomeLines(50000));
  for (size_t keep : {bytes.size() - 1, bytes.size() - 8, bytes.size() / 2, size_t{5}}) {
    SCOPED_TRACE(keep);
    WriteBytes(dir.path() / "t.gz", bytes.substr(0, keep));
    try {
      InflateAll(dir.path() / "t.gz");
      FAIL() << "no error";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find((dir.path() / "t.gz").string() + ": truncated gzip"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(GzipReader, CorruptDataIsAnError) {
  TempDir dir;
  std::string bytes = GzipBytes(SomeLines(50000));
  std::string corrupt = bytes;
  corrupt[corrupt.size() - 6] ^= 0x55;  // inside the CRC32 / length trailer
  WriteBytes(dir.path() / "c.gz", corrupt);
  EXPECT_THROW(InflateAll(dir.path() / "c.gz"), DataError);
  corrupt = bytes;
  for (size_t i = 20; i < 60; ++i) corrupt[i] = static_cast<char>(0xff);  // the deflate stream
  WriteBytes(dir.path() / "d.gz", corrupt);
  EXPECT_THROW(InflateAll(dir.path() / "d.gz"), DataError);
  WriteBytes(dir.path() / "n.gz", "this is not gzip at all\n");
  try {
    InflateAll(dir.path() / "n.gz");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("n.gz: corrupt gzip data (not a gzip header)"),
              std::string::npos)
        << e.what();
  }
  // A good member followed by garbage.
  WriteBytes(dir.path() / "g.gz", bytes + "garbage");
  EXPECT_THROW(InflateAll(dir.path() / "g.gz"), DataError);
}

// RFC 1952: FLG bits 5-7 are reserved and must be zero; zlib and gzip -t
// reject a header with any of them set, in the first member or a later one.
TEST(GzipReader, ReservedHeaderFlagsAreAnError) {
  TempDir dir;
  const std::string first = GzipBytes(SomeLines(20000)), second = GzipBytes("a,b\n");
  const fs::path path = dir.path() / "r.gz";
  for (char bit : {'\x20', '\x40', '\x80'}) {
    SCOPED_TRACE(static_cast<int>(static_cast<unsigned char>(bit)));
    std::string flagged = second;
    flagged[3] |= bit;
    WriteBytes(path, flagged);
    try {
      InflateAll(path);
      FAIL() << "no error";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()),
                path.string() +
                    ": corrupt gzip data (reserved flag bits set in a gzip header) "
                    "near compressed byte 0");
    }
    // A second member, starting anywhere in the 128 KB input buffer.
    WriteBytes(path, first + flagged);
    try {
      InflateAll(path);
      FAIL() << "no error";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()),
                path.string() + ": corrupt gzip data (reserved flag bits set in a gzip header) " +
                    "near compressed byte " + std::to_string(first.size()));
    }
  }
}

TEST(GzipReader, MissingFileIsAnIoError) {
  EXPECT_THROW(GzipReader("/nonexistent/borgscope/x.gz"), IoError);
}

TEST(GzipReader, RealShardSize) {
  // zcat machine_events/part-00000-of-00001.csv.gz | wc -c  ->  2793030
  std::string text = InflateAll(kSampleDir / "machine_events/part-00000-of-00001.csv.gz");
  EXPECT_EQ(text.size(), 2908858u);
}

}  // namespace
}  // namespace borgscope::testing
