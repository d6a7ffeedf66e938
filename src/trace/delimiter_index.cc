#include "trace/delimiter_index.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>

namespace borgscope {

void DelimiterIndex::Reserve(size_t bytes) {
  if (capacity_ >= bytes && newlines_) return;
  capacity_ = std::max(bytes, capacity_);
  // Every byte may be a newline, and a delimiter; then the delimiter before
  // the block, the one after a last line without '\n', and room for
  // AddWord's writes past the last. Not zeroed: Build writes what it reads
  // back, and these arrays of 4 bytes per byte of block are touched only as
  // far as a block's rows and delimiters go (so never faulted in beyond).
  newlines_ = std::make_unique_for_overwrite<uint32_t[]>(capacity_ + 1);
  delimiters_ = std::make_unique_for_overwrite<uint32_t[]>(capacity_ + 2 + kWrittenPastLast);
  delimiters_[0] = UINT32_MAX;
}

void DelimiterIndex::BuildScalar(const char* begin, const char* end) {
  const size_t length = static_cast<size_t>(end - begin);
  Reserve(length);
  uint32_t* delimiters = delimiters_.get() + 1;
  newline_count_ = 0;
  delimiter_count_ = 0;
  for (size_t i = 0; i < length; ++i) {
    if (begin[i] == '\n') newlines_[newline_count_++] = static_cast<uint32_t>(i);
    if (begin[i] == '\n' || begin[i] == ',') {
      delimiters[delimiter_count_++] = static_cast<uint32_t>(i);
    }
  }
  if (length > 0 && begin[length - 1] != '\n') {
    delimiters[delimiter_count_++] = static_cast<uint32_t>(length);
  }
}

namespace {

// A word's bits: byte k of the 64 at `at` is a delimiter (',' or '\n'), and
// is a newline.
struct WordBits {
  uint64_t delimiters = 0, newlines = 0;
};

#if defined(__SSE2__)
inline WordBits MatchBits(const char* at) {
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n');
  WordBits bits;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * part));
    const __m128i newlines = _mm_cmpeq_epi8(bytes, newline);
    const __m128i delimiters = _mm_or_si128(_mm_cmpeq_epi8(bytes, comma), newlines);
    bits.delimiters |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(delimiters))}
                       << (16 * part);
    bits.newlines |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(newlines))} << (16 * part);
  }
  return bits;
}
#endif

#if defined(__x86_64__)
// Two 32-byte loads and four compares a word, where SSE2 takes four loads
// and eight.
[[gnu::target("avx2"), gnu::always_inline]] inline WordBits MatchBitsAvx2(const char* at) {
  const __m256i comma = _mm256_set1_epi8(','), newline = _mm256_set1_epi8('\n');
  WordBits bits;
  for (int half = 0; half < 2; ++half) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 32 * half));
    const __m256i newlines = _mm256_cmpeq_epi8(bytes, newline);
    const __m256i delimiters = _mm256_or_si256(_mm256_cmpeq_epi8(bytes, comma), newlines);
    bits.delimiters |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(delimiters))}
                       << (32 * half);
    bits.newlines |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(newlines))} << (32 * half);
  }
  return bits;
}

// 16 byte offsets in a word as 32-bit offsets in the block at `out`. (The
// zero-masked forms of the intrinsics: GCC 12 warns of its unmasked ones'
// undefined vector as maybe uninitialized.)
[[gnu::target("avx512f"), gnu::always_inline]] inline void WriteOffsets(uint32_t* out,
                                                                        __m128i sixteen,
                                                                        __m512i base) {
  _mm512_storeu_si512(out, _mm512_add_epi32(_mm512_maskz_cvtepu8_epi32(0xffff, sixteen), base));
}
#endif

}  // namespace

// Where a build is: the next word, newline and delimiter to write.
struct DelimiterIndex::Cursor {
  size_t word = 0;
  uint32_t* newline;
  uint32_t* delimiter;
};

[[gnu::always_inline]] inline void DelimiterIndex::AddNewlines(Cursor& at, uint64_t newline_bits) {
  const auto base = static_cast<uint32_t>(64 * at.word);
  // Rows are longer than 64 bytes in the big tables: one newline per word
  // at most is written without a branch, more in a loop.
  *at.newline = base + static_cast<uint32_t>(std::countr_zero(newline_bits | (uint64_t{1} << 63)));
  at.newline += newline_bits != 0;
  for (newline_bits &= newline_bits - 1; newline_bits != 0; newline_bits &= newline_bits - 1) {
    *at.newline++ = base + static_cast<uint32_t>(std::countr_zero(newline_bits));
  }
}

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::AddWord(Cursor& at, uint64_t delimiter_bits,
                                                           uint64_t newline_bits) {
  AddNewlines(at, newline_bits);
  const auto base = static_cast<uint32_t>(64 * at.word);
  // The delimiters (simdjson's flattening of bits), kDelimitersAWrite at a
  // time without a branch per delimiter: the offsets written past the
  // word's count are overwritten by the next word's (or left past the end).
  const auto count = static_cast<uint32_t>(kPopcnt ? __builtin_popcountll(delimiter_bits)
                                                   : CountBits(delimiter_bits));
  uint32_t* out = at.delimiter;
  uint32_t written = 0;
  do {
    for (uint32_t k = 0; k < kDelimitersAWrite; ++k) {
      out[written + k] = base + static_cast<uint32_t>(std::countr_zero(delimiter_bits));
      delimiter_bits &= delimiter_bits - 1;
    }
    written += kDelimitersAWrite;
  } while (written < count);
  at.delimiter += count;
  ++at.word;
}

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::FinishWords(Cursor& at, const char* begin,
                                                               const char* end) {
  // The tail (or every byte without vectors), a word at a time.
  const auto length = static_cast<size_t>(end - begin);
  for (size_t i = 64 * at.word; i < length; i += 64) {
    WordBits bits;
    for (size_t k = 0; k < 64 && i + k < length; ++k) {
      const bool newline = begin[i + k] == '\n';
      bits.delimiters |= uint64_t{newline || begin[i + k] == ','} << k;
      bits.newlines |= uint64_t{newline} << k;
    }
    AddWord<kPopcnt>(at, bits.delimiters, bits.newlines);
  }
  newline_count_ = static_cast<size_t>(at.newline - newlines_.get());
  if (length > 0 && end[-1] != '\n') *at.delimiter++ = static_cast<uint32_t>(length);
  delimiter_count_ = static_cast<size_t>(at.delimiter - delimiters());
}

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::BuildWords(const char* begin, const char* end) {
  const auto length = static_cast<size_t>(end - begin);
  Reserve(length);
  Cursor at{.newline = newlines_.get(), .delimiter = delimiters_.get() + 1};
#if defined(__SSE2__)
  for (size_t i = 0; i + 64 <= length; i += 64) {
    const WordBits bits = MatchBits(begin + i);
    AddWord<kPopcnt>(at, bits.delimiters, bits.newlines);
  }
#endif
  FinishWords<kPopcnt>(at, begin, end);
}

#if defined(__x86_64__)
[[gnu::target("popcnt")]] void DelimiterIndex::BuildWithPopcnt(const char* begin, const char* end) {
  BuildWords<true>(begin, end);
}

[[gnu::target("avx2,popcnt,bmi")]] void DelimiterIndex::BuildWithAvx2(const char* begin,
                                                                      const char* end) {
  const auto length = static_cast<size_t>(end - begin);
  Reserve(length);
  Cursor at{.newline = newlines_.get(), .delimiter = delimiters_.get() + 1};
  for (size_t i = 0; i + 64 <= length; i += 64) {
    const WordBits bits = MatchBitsAvx2(begin + i);
    AddWord<true>(at, bits.delimiters, bits.newlines);
  }
  FinishWords<true>(at, begin, end);
}

[[gnu::target("avx512f,avx512bw,avx512vbmi2,popcnt,bmi")]] void DelimiterIndex::BuildWithAvx512(
    const char* begin, const char* end) {
  const auto length = static_cast<size_t>(end - begin);
  Reserve(length);
  Cursor at{.newline = newlines_.get(), .delimiter = delimiters_.get() + 1};
  alignas(64) static constexpr uint8_t kByteOffsets[64] = {
      0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
      22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
      44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
  const __m512i offsets = _mm512_load_si512(kByteOffsets);
  const __m512i comma = _mm512_set1_epi8(','), newline = _mm512_set1_epi8('\n');
  for (size_t i = 0; i + 64 <= length; i += 64) {
    const __m512i bytes = _mm512_loadu_si512(begin + i);
    const uint64_t newline_bits = _mm512_cmpeq_epi8_mask(bytes, newline);
    const uint64_t delimiter_bits = _mm512_cmpeq_epi8_mask(bytes, comma) | newline_bits;
    AddNewlines(at, newline_bits);
    // The offsets of the word's delimiters packed into its first bytes,
    // then written 16 at a time as 32-bit offsets in the block.
    const __m512i packed = _mm512_maskz_compress_epi8(delimiter_bits, offsets);
    const __m512i base = _mm512_set1_epi32(static_cast<int>(i));
    const auto count = static_cast<uint32_t>(__builtin_popcountll(delimiter_bits));
    WriteOffsets(at.delimiter, _mm512_maskz_extracti32x4_epi32(0xf, packed, 0), base);
    if (count > 16) {
      WriteOffsets(at.delimiter + 16, _mm512_maskz_extracti32x4_epi32(0xf, packed, 1), base);
      if (count > 32) {
        WriteOffsets(at.delimiter + 32, _mm512_maskz_extracti32x4_epi32(0xf, packed, 2), base);
        if (count > 48)
          WriteOffsets(at.delimiter + 48, _mm512_maskz_extracti32x4_epi32(0xf, packed, 3), base);
      }
    }
    at.delimiter += count;
    ++at.word;
  }
  FinishWords<true>(at, begin, end);
}
#endif

bool DelimiterIndex::Supports(Path path) {
  switch (path) {
    case Path::kBest:
    case Path::kBaseline:
      return true;
#if defined(__x86_64__)
    case Path::kSse2Popcnt: {
      static const bool has_popcnt = __builtin_cpu_supports("popcnt");
      return has_popcnt;
    }
    case Path::kAvx2: {
      static const bool has_avx2 = __builtin_cpu_supports("popcnt") &&
                                   __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi");
      return has_avx2;
    }
    case Path::kAvx512: {
      static const bool has_avx512 =
          __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") &&
          __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
          __builtin_cpu_supports("avx512vbmi2");
      return has_avx512;
    }
#endif
    default:
      return false;
  }
}

void DelimiterIndex::Build(const char* begin, const char* end, Path path) {
  // kBest resolved once: the fastest path this CPU has.
  static const Path best = Supports(Path::kAvx512)       ? Path::kAvx512
                           : Supports(Path::kAvx2)       ? Path::kAvx2
                           : Supports(Path::kSse2Popcnt) ? Path::kSse2Popcnt
                                                         : Path::kBaseline;
  if (path == Path::kBest) path = best;
  if (!Supports(path)) path = Path::kBaseline;
#if defined(__x86_64__)
  if (path == Path::kAvx512) return BuildWithAvx512(begin, end);
  if (path == Path::kAvx2) return BuildWithAvx2(begin, end);
  if (path == Path::kSse2Popcnt) return BuildWithPopcnt(begin, end);
#endif
  BuildWords<false>(begin, end);
}

}  // namespace borgscope
