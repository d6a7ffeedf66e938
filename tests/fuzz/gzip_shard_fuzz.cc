// libFuzzer target: GzipReader (ISA-L) and ShardReader against zlib on the
// same file. The input is the .csv.gz file: seeds are real shard lines in
// one or several gzip members, truncated, bit-flipped and with trailing
// garbage (tests/fuzz/make_corpus.py), and the fuzzer mutates them further.
//
// zlib is the reference: it inflates every member in turn and fails on a
// corrupt or truncated member, on bytes after the last member that are not a
// member, and on an empty file. Where zlib succeeds, GzipReader must give the
// same bytes (read in chunks of several sizes) and ShardReader the same rows
// and bad rows as the plain parser on the whole text; where zlib fails, both
// must throw DataError. Anything else aborts.

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/shard_reader.h"
#include "errors.h"
#include "io/gzip_reader.h"
#include "trace/block_parser.h"

namespace {

using namespace borgscope;

constexpr size_t kOutputLimit = 8 << 20;  // larger outputs are skipped (time, memory)

enum class Outcome { kOk, kError, kTooLarge };

Outcome ZlibInflate(const uint8_t* data, size_t size, std::string& out) {
  if (size == 0) return Outcome::kError;  // borgscope: an empty file is no gzip file
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) std::abort();
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  static std::array<char, 64 * 1024> buffer;
  Outcome outcome = Outcome::kError;
  for (;;) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    const int result = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - stream.avail_out);
    if (out.size() > kOutputLimit) {
      outcome = Outcome::kTooLarge;
      break;
    }
    if (result == Z_STREAM_END) {
      if (stream.avail_in == 0) {
        outcome = Outcome::kOk;
        break;
      }
      inflateReset(&stream);  // the next member
      continue;
    }
    if (result == Z_OK) continue;
    break;  // Z_BUF_ERROR: truncated; Z_DATA_ERROR etc.: corrupt
  }
  inflateEnd(&stream);
  return outcome;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "disagreement with zlib: %s\n", what.c_str());
  std::abort();
}

const std::string& InputPath() {
  static const std::string path =
      (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
      "/borgscope-fuzz-" + std::to_string(getpid()) + ".csv.gz";
  return path;
}

// GzipReader's output in chunks of `chunk` bytes; nullopt on DataError.
std::optional<std::string> InflateWithGzipReader(size_t chunk) {
  static GzipReader reader;
  static std::vector<char> buffer;
  buffer.resize(chunk);
  std::string text;
  try {
    reader.Open(InputPath());
    while (size_t n = reader.Read(buffer.data(), buffer.size())) {
      text.append(buffer.data(), n);
      if (text.size() > kOutputLimit) Fail("GzipReader inflates more than zlib");
    }
  } catch (const DataError&) {
    return std::nullopt;
  }
  if (reader.uncompressed_bytes() != text.size()) Fail("uncompressed_bytes()");
  return text;
}

size_t LongestLine(const std::string& text) {
  size_t longest = 0, start = 0;
  for (;;) {
    const size_t newline = text.find('\n', start);
    const size_t end = newline == std::string::npos ? text.size() : newline;
    longest = std::max(longest, end - start);
    if (newline == std::string::npos) return longest;
    start = newline + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string expected;
  const Outcome outcome = ZlibInflate(data, size, expected);
  if (outcome == Outcome::kTooLarge) return 0;
  {
    std::FILE* file = std::fopen(InputPath().c_str(), "wb");
    if (file == nullptr || std::fwrite(data, 1, size, file) != size || std::fclose(file) != 0) {
      std::abort();
    }
  }
  constexpr std::array<size_t, 4> kChunks = {1, 7, 4096, 256 * 1024};
  // Small chunks on small outputs only: byte by byte is slow.
  for (size_t chunk : kChunks) {
    if (chunk < 4096 && expected.size() > 4096) continue;
    std::optional<std::string> text = InflateWithGzipReader(chunk);
    if (outcome == Outcome::kOk && !text) Fail("GzipReader fails where zlib succeeds");
    if (outcome == Outcome::kError && text) Fail("GzipReader succeeds where zlib fails");
    if (text && *text != expected) Fail("GzipReader's bytes differ from zlib's");
  }

  // The shard reader: the same rows and bad rows as the plain parser on the
  // whole text, whatever the window edges cut.
  const Table table = kAllTables[size % kAllTables.size()];
  const ColumnMask all = (ColumnMask{1} << Spec(table).columns.size()) - 1;
  // One reader per table, reused across inputs as a scan thread reuses its own.
  static std::array<std::unique_ptr<ShardReader>, kTableCount> shard_readers;
  std::unique_ptr<ShardReader>& slot = shard_readers[static_cast<size_t>(table)];
  if (!slot) slot = std::make_unique<ShardReader>(table, all, /*skip_bad_rows=*/true);
  ShardReader& shard_reader = *slot;
  ShardFile shard;
  shard.path = InputPath();
  ShardCounters counters;
  bool failed = false;
  try {
    counters = shard_reader.Read(
        shard, [](const RowBatch&) {}, nullptr);
  } catch (const DataError&) {
    failed = true;
  }
  if (outcome == Outcome::kError) {
    if (!failed) Fail("ShardReader succeeds where zlib fails");
    return 0;
  }
  const bool too_long = LongestLine(expected) >= ShardReader::kWindowSize;
  if (failed != too_long) Fail(failed ? "ShardReader fails on good data" : "long line accepted");
  if (failed) return 0;
  BlockParser parser(table, all);
  RowBatch batch;
  ClearBatch(batch, table, 0);
  BadRowPolicy policy;
  policy.skip = true;
  expected.append(ShardReader::kPadding, '\0');
  parser.ParsePlain(expected.data(), expected.data() + expected.size() - ShardReader::kPadding, 1,
                    batch, policy);
  if (counters.rows != batch.size) Fail("ShardReader rows");
  if (counters.bad_rows != policy.skipped) Fail("ShardReader bad rows");
  if (counters.uncompressed_bytes != expected.size() - ShardReader::kPadding) {
    Fail("ShardReader uncompressed bytes");
  }
  return 0;
}
