#pragma once
// Stage 1 of parsing (simdjson's idea): where a block's rows end and where its
// commas are, found 64 bytes at a time with AVX2 or SSE2 (a scalar loop elsewhere).
// Newlines are listed (one offset per row); commas stay as bits, one word per
// 64 bytes with the count of commas before it, so a row's column count is two
// bit counts and the field scanner takes only the commas up to the last
// column it decodes (the trace's wide task_usage rows are read in their
// first seven of twenty columns).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace borgscope {

class DelimiterIndex {
 public:
  // Build's ways of finding the delimiters: the best the CPU has, or a given
  // one (tests take each the CPU has). Baseline: SSE2 where x86-64 has it
  // (bits counted without POPCNT), bytes one by one elsewhere.
  enum class Path { kBest, kBaseline, kSse2Popcnt, kAvx2 };
  static bool Supports(Path path);

  // Indexes [begin, end); offsets are relative to begin. Blocks are at most
  // 4 GiB (the scan's are 256 KB).
  void Build(const char* begin, const char* end, Path path = Path::kBest);
  // The same, one byte at a time: the plain path, for tests.
  void BuildScalar(const char* begin, const char* end);

  // The offsets of the block's '\n', in order.
  const uint32_t* newlines() const { return newlines_.get(); }
  size_t newline_count() const { return newline_count_; }

  // The number of commas in [0, offset), for offset <= the block's length.
  uint32_t CommasBefore(uint32_t offset) const {
    const uint32_t word = offset / 64;
    const uint64_t below = (uint64_t{1} << (offset % 64)) - 1;
    return commas_before_[word] + CountBits(comma_words_[word] & below);
  }
  // Writes the offsets of the first `count` commas at or after `from` to
  // `out`, given CommasBefore(from) (at a row's start, the row before it
  // counted them); the caller knows there are that many (a row's column
  // count).
  void CommasFrom(uint32_t from, uint32_t commas_before_from, int count, uint32_t* out) const {
    uint32_t word = from / 64;
    uint64_t bits = comma_words_[word] & (~uint64_t{0} << (from % 64));
    if (word + 2 < words_ && commas_before_[word + 2] - commas_before_from >= uint32_t(count)) {
      // All in this word and the next (a row's first fields, mostly): each
      // comma from one or the other by a select, not a branch - where a row
      // crosses a word is the data's, and a branch on it missed twice a row.
      uint64_t next = comma_words_[word + 1];
      const uint32_t base = word * 64;
      for (int k = 0; k < count; ++k) {
        const bool here = bits != 0;
        out[k] =
            base + (here ? 0 : 64) + static_cast<uint32_t>(std::countr_zero(here ? bits : next));
        const uint64_t bits_after = bits & (bits - 1), next_after = next & (next - 1);
        bits = here ? bits_after : bits;
        next = here ? next : next_after;
      }
      return;
    }
    for (int k = 0; k < count; ++k) {
      while (bits == 0) bits = comma_words_[++word];
      out[k] = word * 64 + static_cast<uint32_t>(std::countr_zero(bits));
      bits &= bits - 1;
    }
  }

  // Bit i of word w: byte 64w + i is a comma (tests).
  const uint64_t* comma_words() const { return comma_words_.get(); }

 private:
  void Reserve(size_t bytes);
  // std::popcount without the POPCNT instruction (not in baseline x86-64) is
  // a library call; this is the same count inline (Build, where the count
  // runs once per 64 bytes, uses the instruction where the CPU has it).
  static int CountBits(uint64_t x) {
    x -= (x >> 1) & 0x5555555555555555;
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
    return static_cast<int>((x * 0x0101010101010101) >> 56);
  }
  // Each way is a loop over the block's whole words (its own vector
  // instructions) that adds each word's bits, then the tail's words.
  struct Cursor;
  template <bool kPopcnt>
  void AddWord(Cursor& at, uint64_t comma_bits, uint64_t newline_bits);
  template <bool kPopcnt>
  void FinishWords(Cursor& at, const char* begin, const char* end);
  template <bool kPopcnt>
  void BuildWords(const char* begin, const char* end);
#if defined(__x86_64__)
  [[gnu::target("popcnt")]] void BuildWithPopcnt(const char* begin, const char* end);
  [[gnu::target("avx2,popcnt")]] void BuildWithAvx2(const char* begin, const char* end);
#endif

  std::unique_ptr<uint32_t[]> newlines_;
  std::unique_ptr<uint64_t[]> comma_words_;
  std::unique_ptr<uint32_t[]> commas_before_;  // per word: commas in the words before it
  size_t capacity_ = 0;                        // bytes
  size_t newline_count_ = 0;
  size_t words_ = 0;  // comma words written by the last build
};

}  // namespace borgscope
