#include "io/gzip_writer.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "errors.h"

namespace borgscope {
namespace {

// Input is deflated in fixed 256 KB chunks, whatever the sizes passed to
// Write(): the compressed bytes then depend only on the content.
constexpr size_t kInputBufferSize = size_t{256} * 1024;
constexpr size_t kOutputBufferSize = size_t{256} * 1024;

uint32_t LevelBufferSize(int level) {
  switch (level) {
    case 0:
      return ISAL_DEF_LVL0_DEFAULT;
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    case 3:
      return ISAL_DEF_LVL3_DEFAULT;
  }
  throw UsageError("gzip level must be 0..3, got " + std::to_string(level));
}

std::string SystemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

GzipWriter::GzipWriter(std::string path, int level) : path_(std::move(path)) {
  const uint32_t level_buffer_size = LevelBufferSize(level);
  stream_ = std::make_unique<isal_zstream>();
  isal_deflate_init(stream_.get());
  stream_->level = static_cast<uint32_t>(level);
  if (level_buffer_size > 0) {
    level_buffer_ = std::make_unique<uint8_t[]>(level_buffer_size);
    stream_->level_buf = level_buffer_.get();
    stream_->level_buf_size = level_buffer_size;
  }
  // The generic gzip header ISA-L writes has mtime 0 and no name: output is
  // byte-identical for identical input.
  stream_->gzip_flag = IGZIP_GZIP;
  input_ = std::make_unique<uint8_t[]>(kInputBufferSize);
  output_ = std::make_unique<uint8_t[]>(kOutputBufferSize);
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) throw IoError(SystemError("cannot create", path_));
}

GzipWriter::~GzipWriter() {
  if (closed_) return;
  try {
    Close();
  } catch (...) {
    // A destructor must not throw; callers that care call Close().
  }
}

void GzipWriter::Write(std::string_view bytes) {
  if (closed_) throw IoError("write after close: " + path_);
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kInputBufferSize - input_size_);
    std::memcpy(input_.get() + input_size_, bytes.data(), take);
    input_size_ += take;
    bytes.remove_prefix(take);
    if (input_size_ == kInputBufferSize) Deflate(/*last=*/false);
  }
}

void GzipWriter::Close() {
  if (closed_) return;
  closed_ = true;
  try {
    Deflate(/*last=*/true);
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
  const bool write_failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (write_failed || close_failed) throw IoError(SystemError("cannot write", path_));
}

void GzipWriter::Deflate(bool last) {
  isal_zstream& stream = *stream_;
  stream.next_in = input_.get();
  stream.avail_in = static_cast<uint32_t>(input_size_);
  stream.end_of_stream = last ? 1 : 0;
  stream.flush = NO_FLUSH;
  do {
    stream.next_out = output_.get();
    stream.avail_out = static_cast<uint32_t>(kOutputBufferSize);
    const int status = isal_deflate(&stream);
    if (status != COMP_OK) {
      throw IoError("gzip deflate failed (ISA-L status " + std::to_string(status) + ") for " +
                    path_);
    }
    const size_t produced = kOutputBufferSize - stream.avail_out;
    if (produced > 0 && std::fwrite(output_.get(), 1, produced, file_) != produced) {
      throw IoError(SystemError("cannot write", path_));
    }
  } while (stream.avail_in > 0 || (last && stream.internal_state.state != ZSTATE_END));
  input_size_ = 0;
}

}  // namespace borgscope
