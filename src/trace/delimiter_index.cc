#include "trace/delimiter_index.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace borgscope {

void DelimiterIndex::Reserve(size_t bytes) {
  // At most one delimiter per byte.
  if (capacity_ >= bytes) return;
  capacity_ = bytes;
  offsets_ = std::make_unique<uint32_t[]>(capacity_);
}

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
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  size_t i = 0;
  for (; i + 32 <= length; i += 32) {
    __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i));
    __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i + 16));
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(
                        _mm_or_si128(_mm_cmpeq_epi8(low, comma), _mm_cmpeq_epi8(low, newline)))) |
                    static_cast<uint32_t>(_mm_movemask_epi8(
                        _mm_or_si128(_mm_cmpeq_epi8(high, comma), _mm_cmpeq_epi8(high, newline))))
                        << 16;
    while (mask != 0) {
      *out++ = static_cast<uint32_t>(i) + static_cast<uint32_t>(__builtin_ctz(mask));
      mask &= mask - 1;
    }
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
