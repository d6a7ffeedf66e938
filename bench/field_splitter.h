#pragma once
// The ceiling's field splitters: find every ',' and '\n' of a block of whole
// lines and count them — no conversion, nothing stored. Shared by
// borgscope_ceiling and the kernels so both measure the same loops.
//
// Pre: [begin, end) holds whole lines, each ended by '\n' except possibly the
// last line of a shard; reading up to 63 bytes past `end` is not needed (the
// vector loop stops at the last full 64-byte chunk).

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace borgscope::bench {

struct SplitCounts {
  uint64_t rows = 0;
  uint64_t fields = 0;
  uint64_t ragged_rows = 0;  // rows whose field count is not the table's (memchr only)
};

// Line by line with memchr('\n'), then field by field with memchr(',') inside
// the line: BlockParser's access pattern without the decoding.
inline void SplitMemchr(const char* begin, const char* end, uint64_t columns, SplitCounts& counts) {
  const char* p = begin;
  while (p < end) {
    const char* newline =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = newline != nullptr ? newline : end;
    uint64_t fields = 1;
    for (const char* q = p;;) {
      const char* comma =
          static_cast<const char*>(std::memchr(q, ',', static_cast<size_t>(line_end - q)));
      if (comma == nullptr) break;
      ++fields;
      q = comma + 1;
    }
    counts.rows += 1;
    counts.fields += fields;
    counts.ragged_rows += fields != columns;
    p = newline != nullptr ? newline + 1 : end;
  }
}

// One pass, 64 bytes at a time: both delimiters as bitmasks (simdjson's
// stage 1 idea, SSE2 only, which every x86-64 has). Rows = '\n' count,
// fields = ',' count + rows; an unterminated last line counts as a row.
inline void SplitSse2(const char* begin, const char* end, SplitCounts& counts) {
  uint64_t commas = 0;
  uint64_t newlines = 0;
  const char* p = begin;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  for (; end - p >= 64; p += 64) {
    uint64_t comma_bits = 0;
    uint64_t newline_bits = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      uint64_t c = static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, comma)));
      uint64_t n = static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, newline)));
      comma_bits |= c << (16 * i);
      newline_bits |= n << (16 * i);
    }
    commas += static_cast<uint64_t>(std::popcount(comma_bits));
    newlines += static_cast<uint64_t>(std::popcount(newline_bits));
  }
#endif
  for (; p < end; ++p) {
    commas += *p == ',';
    newlines += *p == '\n';
  }
  if (end > begin && end[-1] != '\n') ++newlines;
  counts.rows += newlines;
  counts.fields += commas + newlines;
}

}  // namespace borgscope::bench
