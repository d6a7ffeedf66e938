#pragma once
// Streaming gzip inflate with ISA-L through small reused buffers.
//
// GzipReader reads one .csv.gz file member after member (multi-member gzip is
// legal and common), so memory stays bounded by the input buffer and the caller's
// output buffer whatever the file size. A truncated or corrupt file throws
// DataError naming the file: a table is never silently short.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

struct inflate_state;

namespace borgscope {

class GzipReader {
 public:
  static constexpr size_t kInputBufferSize = 128 * 1024;

  // A closed reader; Open() a file to read it. One reader can read many files
  // in turn: its buffers are allocated once (per thread, not per shard).
  GzipReader();
  explicit GzipReader(std::string path);
  ~GzipReader();

  // Starts reading `path` from its beginning (closing any previous file).
  void Open(std::string path);
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Inflates up to `capacity` bytes into `out`; returns how many were written.
  // Returns 0 only at the clean end of the file. Throws DataError on a corrupt
  // or truncated stream and IoError when the file cannot be read.
  size_t Read(char* out, size_t capacity);

  // Compressed bytes consumed so far (for progress and metrics).
  uint64_t compressed_bytes_read() const { return compressed_bytes_read_; }
  uint64_t uncompressed_bytes() const { return uncompressed_bytes_; }
  const std::string& path() const { return path_; }

 private:
  bool FillInput();
  // Moves the unread input to the buffer's start and reads more, so that at
  // least `count` bytes are available unless the file ends first.
  void TopUpInput(size_t count);
  void StartMember();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<inflate_state> state_;
  std::unique_ptr<uint8_t[]> input_;
  bool file_eof_ = false;
  bool in_member_ = false;  // inside a gzip member whose end we have not seen
  bool finished_ = true;    // until Open()
  uint64_t compressed_bytes_read_ = 0;
  uint64_t uncompressed_bytes_ = 0;
};

}  // namespace borgscope
