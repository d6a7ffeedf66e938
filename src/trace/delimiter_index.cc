#include "trace/delimiter_index.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstring>

namespace borgscope {

void DelimiterIndex::Reserve(size_t bytes) {
  if (capacity_ >= bytes && newlines_) return;
  capacity_ = std::max(bytes, capacity_);
  // Every byte may be a newline; one word more than the bytes need, so that
  // CommasBefore(length) and a scan to the last comma stay inside.
  // Not zeroed: Build writes what it reads back, and the newlines' array
  // (4 bytes per byte of block) is mostly never touched, so never faulted in.
  const size_t words = capacity_ / 64 + 2;
  newlines_ = std::make_unique_for_overwrite<uint32_t[]>(capacity_ + 1);
  comma_words_ = std::make_unique_for_overwrite<uint64_t[]>(words);
  commas_before_ = std::make_unique_for_overwrite<uint32_t[]>(words);
}

void DelimiterIndex::BuildScalar(const char* begin, const char* end) {
  const size_t length = static_cast<size_t>(end - begin);
  Reserve(length);
  const size_t words = length / 64 + 1;
  std::memset(comma_words_.get(), 0, (words + 1) * sizeof(uint64_t));
  newline_count_ = 0;
  for (size_t i = 0; i < length; ++i) {
    if (begin[i] == '\n') newlines_[newline_count_++] = static_cast<uint32_t>(i);
    if (begin[i] == ',') comma_words_[i / 64] |= uint64_t{1} << (i % 64);
  }
  uint32_t commas = 0;
  for (size_t w = 0; w <= words; ++w) {
    commas_before_[w] = commas;
    commas += static_cast<uint32_t>(std::popcount(comma_words_[w]));
  }
  words_ = words + 1;
}

namespace {

#if defined(__SSE2__)
inline uint64_t MatchBits(const char* at, char byte) {
  const __m128i wanted = _mm_set1_epi8(byte);
  uint64_t bits = 0;
  for (int part = 0; part < 4; ++part) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * part));
    bits |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, wanted)))}
            << (16 * part);
  }
  return bits;
}
#endif

#if defined(__x86_64__)
// Two 32-byte loads and four compares a word, where SSE2 takes four loads
// and eight.
[[gnu::target("avx2"), gnu::always_inline]] inline uint64_t MatchBits(__m256i low, __m256i high,
                                                                      char byte) {
  const __m256i wanted = _mm256_set1_epi8(byte);
  const auto low_bits = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, wanted)));
  const auto high_bits =
      static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, wanted)));
  return uint64_t{low_bits} | uint64_t{high_bits} << 32;
}
#endif

}  // namespace

// Where a build is: the next word and newline to write, the commas so far.
struct DelimiterIndex::Cursor {
  size_t word = 0;
  uint32_t* newline;
  uint32_t commas = 0;
};

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::AddWord(Cursor& at, uint64_t comma_bits,
                                                           uint64_t newline_bits) {
  comma_words_[at.word] = comma_bits;
  commas_before_[at.word] = at.commas;
  at.commas +=
      static_cast<uint32_t>(kPopcnt ? __builtin_popcountll(comma_bits) : CountBits(comma_bits));
  // Rows are longer than 64 bytes in the big tables: one newline per word
  // at most is written without a branch, more in a loop.
  const auto base = static_cast<uint32_t>(64 * at.word);
  *at.newline = base + static_cast<uint32_t>(std::countr_zero(newline_bits | (uint64_t{1} << 63)));
  at.newline += newline_bits != 0;
  for (newline_bits &= newline_bits - 1; newline_bits != 0; newline_bits &= newline_bits - 1) {
    *at.newline++ = base + static_cast<uint32_t>(std::countr_zero(newline_bits));
  }
  ++at.word;
}

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::FinishWords(Cursor& at, const char* begin,
                                                               const char* end) {
  // The tail (or every byte without vectors), a word at a time.
  const auto length = static_cast<size_t>(end - begin);
  for (size_t i = 64 * at.word; i < length; i += 64) {
    uint64_t comma_bits = 0, newline_bits = 0;
    for (size_t k = 0; k < 64 && i + k < length; ++k) {
      comma_bits |= uint64_t{begin[i + k] == ','} << k;
      newline_bits |= uint64_t{begin[i + k] == '\n'} << k;
    }
    AddWord<kPopcnt>(at, comma_bits, newline_bits);
  }
  // The word past the last, empty: CommasBefore(length) for a length that is
  // a multiple of 64 reads it.
  AddWord<kPopcnt>(at, 0, 0);
  newline_count_ = static_cast<size_t>(at.newline - newlines_.get());
  words_ = at.word;
}

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::BuildWords(const char* begin, const char* end) {
  const auto length = static_cast<size_t>(end - begin);
  Reserve(length);
  Cursor at{.newline = newlines_.get()};
#if defined(__SSE2__)
  for (size_t i = 0; i + 64 <= length; i += 64) {
    AddWord<kPopcnt>(at, MatchBits(begin + i, ','), MatchBits(begin + i, '\n'));
  }
#endif
  FinishWords<kPopcnt>(at, begin, end);
}

#if defined(__x86_64__)
[[gnu::target("popcnt")]] void DelimiterIndex::BuildWithPopcnt(const char* begin, const char* end) {
  BuildWords<true>(begin, end);
}

[[gnu::target("avx2,popcnt")]] void DelimiterIndex::BuildWithAvx2(const char* begin,
                                                                  const char* end) {
  const auto length = static_cast<size_t>(end - begin);
  Reserve(length);
  Cursor at{.newline = newlines_.get()};
  for (size_t i = 0; i + 64 <= length; i += 64) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(begin + i));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(begin + i + 32));
    AddWord<true>(at, MatchBits(low, high, ','), MatchBits(low, high, '\n'));
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
      static const bool has_avx2 =
          __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2");
      return has_avx2;
    }
#endif
    default:
      return false;
  }
}

void DelimiterIndex::Build(const char* begin, const char* end, Path path) {
  // kBest resolved once: the fastest path this CPU has.
  static const Path best = Supports(Path::kAvx2)         ? Path::kAvx2
                           : Supports(Path::kSse2Popcnt) ? Path::kSse2Popcnt
                                                         : Path::kBaseline;
  if (path == Path::kBest) path = best;
  if (!Supports(path)) path = Path::kBaseline;
#if defined(__x86_64__)
  if (path == Path::kAvx2) return BuildWithAvx2(begin, end);
  if (path == Path::kSse2Popcnt) return BuildWithPopcnt(begin, end);
#endif
  BuildWords<false>(begin, end);
}

}  // namespace borgscope
