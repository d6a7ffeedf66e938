#include "io/gzip_reader.h"

#include <fmt/core.h>
#include <isa-l/igzip_lib.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace borgscope {
namespace {

std::string_view InflateErrorName(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "not a gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "checksum mismatch";
    default:
      return "inflate error";
  }
}

}  // namespace

GzipReader::GzipReader()
    : state_(std::make_unique<inflate_state>()),
      input_(std::make_unique<uint8_t[]>(kInputBufferSize)) {}

GzipReader::GzipReader(std::string path) : GzipReader() { Open(std::move(path)); }

GzipReader::~GzipReader() {
  if (file_ != nullptr) std::fclose(file_);
}

void GzipReader::Open(std::string path) {
  if (file_ != nullptr) std::fclose(file_);
  path_ = std::move(path);
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    throw IoError(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  }
  isal_inflate_init(state_.get());
  state_->next_in = input_.get();
  state_->avail_in = 0;
  file_eof_ = false;
  in_member_ = false;
  finished_ = false;
  compressed_bytes_read_ = 0;
  uncompressed_bytes_ = 0;
}

bool GzipReader::FillInput() {
  if (file_eof_) return false;
  size_t n = std::fread(input_.get(), 1, kInputBufferSize, file_);
  if (n < kInputBufferSize) {
    if (std::ferror(file_)) {
      throw IoError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    }
    file_eof_ = true;
  }
  compressed_bytes_read_ += n;
  state_->next_in = input_.get();
  state_->avail_in = static_cast<uint32_t>(n);
  return n > 0;
}

void GzipReader::TopUpInput(size_t count) {
  if (state_->avail_in >= count || file_eof_) return;
  const size_t kept = state_->avail_in;
  std::memmove(input_.get(), state_->next_in, kept);
  const size_t n = std::fread(input_.get() + kept, 1, kInputBufferSize - kept, file_);
  if (n < kInputBufferSize - kept) {
    if (std::ferror(file_)) {
      throw IoError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    }
    file_eof_ = true;
  }
  compressed_bytes_read_ += n;
  state_->next_in = input_.get();
  state_->avail_in = static_cast<uint32_t>(kept + n);
}

void GzipReader::StartMember() {
  // ISA-L ignores the reserved FLG bits (5-7) of a gzip header; zlib and
  // gzip -t reject them (RFC 1952: "must be zero"), and so do we.
  TopUpInput(4);
  const uint8_t* header = state_->next_in;
  if (state_->avail_in >= 4 && header[0] == 0x1f && header[1] == 0x8b && (header[3] & 0xe0) != 0) {
    throw DataError(fmt::format(
        "{}: corrupt gzip data (reserved flag bits set in a gzip header) near compressed byte {}",
        path_, compressed_bytes_read_ - state_->avail_in));
  }
  // A reset forgets the input position; the rest of the buffer belongs to the
  // next member, so keep it.
  uint8_t* next_in = state_->next_in;
  uint32_t avail_in = state_->avail_in;
  isal_inflate_reset(state_.get());
  state_->next_in = next_in;
  state_->avail_in = avail_in;
  state_->crc_flag = ISAL_GZIP;
  in_member_ = true;
}

size_t GzipReader::Read(char* out, size_t capacity) {
  if (finished_ || capacity == 0) return 0;
  size_t produced = 0;
  while (produced == 0) {
    if (!in_member_) {
      if (state_->avail_in == 0 && !FillInput()) {
        finished_ = true;
        if (compressed_bytes_read_ == 0) {
          throw DataError(fmt::format("{}: empty file, not gzip data", path_));
        }
        return 0;
      }
      StartMember();
    }
    state_->next_out = reinterpret_cast<uint8_t*>(out);
    state_->avail_out = static_cast<uint32_t>(capacity);
    int status = isal_inflate(state_.get());
    if (status < 0) {
      throw DataError(fmt::format("{}: corrupt gzip data ({}) near compressed byte {}", path_,
                                  InflateErrorName(status),
                                  compressed_bytes_read_ - state_->avail_in));
    }
    produced = capacity - state_->avail_out;
    if (state_->block_state == ISAL_BLOCK_FINISH) {
      in_member_ = false;
    } else if (state_->avail_in == 0 && state_->avail_out > 0 && !FillInput()) {
      throw DataError(
          fmt::format("{}: truncated gzip data (file ends inside a member after {} "
                      "uncompressed bytes)",
                      path_, uncompressed_bytes_ + produced));
    }
  }
  uncompressed_bytes_ += produced;
  return produced;
}

}  // namespace borgscope
