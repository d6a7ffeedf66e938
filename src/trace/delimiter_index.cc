#include "trace/delimiter_index.h"

#if defined(__SSE2__)
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

}  // namespace

template <bool kPopcnt>
[[gnu::always_inline]] inline void DelimiterIndex::BuildWords(const char* begin, const char* end) {
  const size_t length = static_cast<size_t>(end - begin);
  Reserve(length);
  uint32_t* newline = newlines_.get();
  uint32_t commas = 0;
  size_t i = 0, w = 0;
  auto add_word = [&](uint64_t comma_bits, uint64_t newline_bits) __attribute__((always_inline)) {
    comma_words_[w] = comma_bits;
    commas_before_[w] = commas;
    commas +=
        static_cast<uint32_t>(kPopcnt ? __builtin_popcountll(comma_bits) : CountBits(comma_bits));
    // Rows are longer than 64 bytes in the big tables: one newline per word
    // at most is written without a branch, more in a loop.
    const uint32_t base = static_cast<uint32_t>(64 * w);
    *newline = base + static_cast<uint32_t>(std::countr_zero(newline_bits | (uint64_t{1} << 63)));
    newline += newline_bits != 0;
    for (newline_bits &= newline_bits - 1; newline_bits != 0; newline_bits &= newline_bits - 1) {
      *newline++ = base + static_cast<uint32_t>(std::countr_zero(newline_bits));
    }
    ++w;
  };
#if defined(__SSE2__)
  for (; i + 64 <= length; i += 64) add_word(MatchBits(begin + i, ','), MatchBits(begin + i, '\n'));
#endif
  // The tail (or every byte without SSE2), a word at a time.
  for (; i < length; i += 64) {
    uint64_t comma_bits = 0, newline_bits = 0;
    for (size_t k = 0; k < 64 && i + k < length; ++k) {
      comma_bits |= uint64_t{begin[i + k] == ','} << k;
      newline_bits |= uint64_t{begin[i + k] == '\n'} << k;
    }
    add_word(comma_bits, newline_bits);
  }
  // The word past the last, empty: CommasBefore(length) for a length that is
  // a multiple of 64 reads it.
  add_word(0, 0);
  newline_count_ = static_cast<size_t>(newline - newlines_.get());
}

#if defined(__x86_64__)
[[gnu::target("popcnt")]] void DelimiterIndex::BuildWithPopcnt(const char* begin, const char* end) {
  BuildWords<true>(begin, end);
}
#endif

void DelimiterIndex::Build(const char* begin, const char* end) {
#if defined(__x86_64__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) return BuildWithPopcnt(begin, end);
#endif
  BuildWords<false>(begin, end);
}

}  // namespace borgscope
