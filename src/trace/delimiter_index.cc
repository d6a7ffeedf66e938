#include "trace/delimiter_index.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>

namespace borgscope {

// Room for every byte being a delimiter, plus the slots FlattenBits writes
// past the last one.
constexpr size_t kSlack = 8;

void DelimiterIndex::Reserve(size_t bytes) {
  if (capacity_ >= bytes) return;
  capacity_ = bytes;
  offsets_ = std::make_unique<uint32_t[]>(capacity_ + kSlack);
}

namespace {

#if defined(__SSE2__)
// std::popcount without the POPCNT instruction (not in baseline x86-64) is
// a library call; this is the same count inline.
inline int BitCount(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555;
  x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
  return static_cast<int>((x * 0x0101010101010101) >> 56);
}

// The offsets (base + bit) of the set bits of `mask`, in order, at `out`;
// returns the end. Eight at a time, unconditionally (simdjson's flatten_bits):
// a row's ~20 delimiters make the count per word unpredictable, and a loop
// of one store per bit mispredicts its exit; slots past the count are junk
// that the next word overwrites (kSlack covers the last).
inline uint32_t* FlattenBits(uint32_t* out, uint32_t base, uint64_t mask) {
  uint32_t* end = out + BitCount(mask);
  while (mask != 0) {
    for (int k = 0; k < 8; ++k) {
      out[k] = base + static_cast<uint32_t>(std::countr_zero(mask));
      mask &= mask - 1;
    }
    out += 8;
  }
  return end;
}

inline uint32_t DelimiterBits(const char* at) {
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  return static_cast<uint32_t>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, newline))));
}
#endif

}  // namespace

void DelimiterIndex::BuildScalar(const char* begin, const char* end) {
  Reserve(static_cast<size_t>(end - begin));
  uint32_t* out = offsets_.get();
  for (const char* p = begin; p < end; ++p) {
    if (*p == ',' || *p == '\n') *out++ = static_cast<uint32_t>(p - begin);
  }
  size_ = static_cast<size_t>(out - offsets_.get());
}

void DelimiterIndex::Build(const char* begin, const char* end) {
#if defined(__SSE2__)
  const size_t length = static_cast<size_t>(end - begin);
  Reserve(length);
  uint32_t* out = offsets_.get();
  size_t i = 0;
  for (; i + 64 <= length; i += 64) {
    const uint64_t mask = uint64_t{DelimiterBits(begin + i)} |
                          uint64_t{DelimiterBits(begin + i + 16)} << 16 |
                          uint64_t{DelimiterBits(begin + i + 32)} << 32 |
                          uint64_t{DelimiterBits(begin + i + 48)} << 48;
    out = FlattenBits(out, static_cast<uint32_t>(i), mask);
  }
  for (; i < length; ++i) {
    if (begin[i] == ',' || begin[i] == '\n') *out++ = static_cast<uint32_t>(i);
  }
  size_ = static_cast<size_t>(out - offsets_.get());
#else
  BuildScalar(begin, end);
#endif
}

}  // namespace borgscope
