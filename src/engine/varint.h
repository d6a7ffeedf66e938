#pragma once
// Variable-length integers (LEB128: 7 bits a byte, low first) and zigzag
// signed deltas, for entries stored delta-encoded (engine/delta_runs.h).
// Deltas are taken modulo 2^64, so any two int64 values (kNull included)
// have one and decode back exactly.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "errors.h"

namespace borgscope {

// The bytes of encoded entries as they are written: room is made once a
// value (up to kMaxValueBytes), not checked once a byte as a string's
// push_back does (the size and the terminating null stored each time);
// taken as a string of their size at the end.
class ByteWriter {
 public:
  static constexpr size_t kMaxValueBytes = 10;  // a 64-bit varint

  // Room for `bytes` more written at the pointer returned; Wrote(end) then
  // says where the written bytes end.
  char* Room(size_t bytes) {
    if (capacity_ - used_ < bytes) Grow(bytes);
    return buffer_.get() + used_;
  }
  void Wrote(const char* end) { used_ = static_cast<size_t>(end - buffer_.get()); }
  void Reserve(size_t bytes) { Room(bytes); }
  size_t size() const { return used_; }
  // The bytes written (a string of their size); the writer is empty after.
  std::string Take() {
    std::string bytes(buffer_.get(), used_);
    buffer_.reset();
    capacity_ = used_ = 0;
    return bytes;
  }

 private:
  // Room that is not zeroed first (a string's would be).
  void Grow(size_t bytes) {
    const size_t capacity = std::max({2 * capacity_, used_ + bytes, size_t{64}});
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (used_ > 0) std::memcpy(grown.get(), buffer_.get(), used_);
    buffer_ = std::move(grown);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t used_ = 0;  // bytes written
};

inline void PutByte(ByteWriter& out, uint8_t byte) {
  char* at = out.Room(1);
  *at = static_cast<char>(byte);
  out.Wrote(at + 1);
}

inline void PutVarint(ByteWriter& out, uint64_t value) {
  char* at = out.Room(ByteWriter::kMaxValueBytes);
  for (; value >= 0x80; value >>= 7) *at++ = static_cast<char>(value | 0x80);
  *at++ = static_cast<char>(value);
  out.Wrote(at);
}

inline uint64_t GetVarint(const char*& at, const char* end) {
  // Most deltas are one byte: that case first, with one test.
  if (at != end && static_cast<uint8_t>(*at) < 0x80) return static_cast<uint8_t>(*at++);
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at == end) throw InternalError("partial state: truncated varint");
    const auto byte = static_cast<uint8_t>(*at++);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
  throw InternalError("partial state: varint longer than 64 bits");
}

// value - base, modulo 2^64, as a small unsigned number when it is small in
// either direction.
inline void PutDelta(ByteWriter& out, int64_t value, int64_t base) {
  const auto delta =
      static_cast<int64_t>(static_cast<uint64_t>(value) - static_cast<uint64_t>(base));
  PutVarint(out, (static_cast<uint64_t>(delta) << 1) ^ static_cast<uint64_t>(delta >> 63));
}

inline int64_t GetDelta(const char*& at, const char* end, int64_t base) {
  const uint64_t zigzag = GetVarint(at, end);
  const uint64_t delta = (zigzag >> 1) ^ (~(zigzag & 1) + 1);
  return static_cast<int64_t>(static_cast<uint64_t>(base) + delta);
}

}  // namespace borgscope
