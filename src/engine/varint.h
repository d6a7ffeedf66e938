#pragma once
// Variable-length integers (LEB128: 7 bits a byte, low first) and zigzag
// signed deltas, for entries stored delta-encoded (engine/delta_runs.h).
// Deltas are taken modulo 2^64, so any two int64 values (kNull included)
// have one and decode back exactly.

#include <cstdint>
#include <string>

#include "errors.h"

namespace borgscope {

inline void PutVarint(std::string& out, uint64_t value) {
  if (value < 0x80) {  // most deltas
    out.push_back(static_cast<char>(value));
    return;
  }
  // Longer ones built on the stack and appended at once (a push_back a byte
  // checks the string's room each time).
  char bytes[10];
  size_t n = 0;
  for (; value >= 0x80; value >>= 7) bytes[n++] = static_cast<char>(value | 0x80);
  bytes[n++] = static_cast<char>(value);
  out.append(bytes, n);
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
inline void PutDelta(std::string& out, int64_t value, int64_t base) {
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
