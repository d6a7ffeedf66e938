#pragma once
// Streaming gzip deflate with ISA-L (used by `borgscope gen` and by tests).
// Output is one gzip member; bytes are deterministic for the same input.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

struct isal_zstream;

namespace borgscope {

class GzipWriter {
 public:
  // level 0..3 (ISA-L levels; 1 is the fast default).
  explicit GzipWriter(std::string path, int level = 1);
  ~GzipWriter();  // closes (finishing the stream) if Close() was not called
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void Write(std::string_view bytes);
  // Ends the gzip member and closes the file; throws IoError on failure.
  void Close();

 private:
  void Deflate(bool last);

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<isal_zstream> stream_;
  std::unique_ptr<uint8_t[]> level_buffer_;
  std::unique_ptr<uint8_t[]> input_;
  size_t input_size_ = 0;
  std::unique_ptr<uint8_t[]> output_;
  bool closed_ = false;
};

}  // namespace borgscope
