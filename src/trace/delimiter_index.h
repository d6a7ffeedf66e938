#pragma once
// Stage 1 of parsing (simdjson's idea): where a block's rows end and where its
// fields end, found 64 bytes at a time with AVX2 or SSE2 (a scalar loop
// elsewhere). Two lists: the newlines (one offset per row), and every
// delimiter (comma or newline) in order. In a block of good rows of C
// columns, row n's field c lies between delimiters nC + c - 1 and nC + c:
// the field scanner finds a field with no per-row work, and checks a block's
// rows by their last delimiters alone.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace borgscope {

class DelimiterIndex {
 public:
  // Build's ways of finding the delimiters: the best the CPU has, or a given
  // one (tests take each the CPU has). Baseline: SSE2 where x86-64 has it
  // (bits counted without POPCNT), bytes one by one elsewhere. AVX-512
  // (with VBMI2's byte compress) lists a word's delimiters in a few
  // instructions instead of a few per delimiter.
  enum class Path { kBest, kBaseline, kSse2Popcnt, kAvx2, kAvx512 };
  static bool Supports(Path path);

  // Indexes [begin, end); offsets are relative to begin. Blocks are at most
  // 4 GiB (the scan's are 256 KB).
  void Build(const char* begin, const char* end, Path path = Path::kBest);
  // The same, one byte at a time: the plain path, for tests.
  void BuildScalar(const char* begin, const char* end);

  // The offsets of the block's '\n', in order.
  const uint32_t* newlines() const { return newlines_.get(); }
  size_t newline_count() const { return newline_count_; }
  // The offsets of the block's ',' and '\n', in order, then the block's
  // length when it does not end with '\n' (its last line ends there as if
  // it had one). Element -1 is UINT32_MAX, the byte before the block: a
  // block's first field starts after it, as any other starts after a
  // delimiter.
  const uint32_t* delimiters() const { return delimiters_.get() + 1; }
  size_t delimiter_count() const { return delimiter_count_; }

 private:
  void Reserve(size_t bytes);
  // AddWord writes a word's delimiters this many at a time (the trace's
  // lines have a delimiter every ~8 bytes, 8.2 in a real task_events shard:
  // one write for most words, two for about a third).
  static constexpr uint32_t kDelimitersAWrite = 8;
  // The most delimiters a word's writes put past its last (AVX-512 writes
  // 16 at a time).
  static constexpr uint32_t kWrittenPastLast = 15;
  // std::popcount without the POPCNT instruction (not in baseline x86-64) is
  // a library call; this is the same count inline (the paths with the
  // instruction use it).
  static int CountBits(uint64_t x) {
    x -= (x >> 1) & 0x5555555555555555;
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
    return static_cast<int>((x * 0x0101010101010101) >> 56);
  }
  // Each way is a loop over the block's whole words (its own vector
  // instructions) that adds each word's bits, then the tail's bytes.
  struct Cursor;
  template <bool kPopcnt>
  void AddWord(Cursor& at, uint64_t delimiter_bits, uint64_t newline_bits);
  static void AddNewlines(Cursor& at, uint64_t newline_bits);
  template <bool kPopcnt>
  void FinishWords(Cursor& at, const char* begin, const char* end);
  template <bool kPopcnt>
  void BuildWords(const char* begin, const char* end);
#if defined(__x86_64__)
  [[gnu::target("popcnt")]] void BuildWithPopcnt(const char* begin, const char* end);
  [[gnu::target("avx2,popcnt,bmi")]] void BuildWithAvx2(const char* begin, const char* end);
  [[gnu::target("avx512f,avx512bw,avx512vbmi2,popcnt,bmi")]] void BuildWithAvx512(const char* begin,
                                                                                  const char* end);
#endif

  std::unique_ptr<uint32_t[]> newlines_;
  std::unique_ptr<uint32_t[]> delimiters_;  // UINT32_MAX, then delimiters()
  size_t capacity_ = 0;                     // bytes
  size_t newline_count_ = 0;
  size_t delimiter_count_ = 0;
};

}  // namespace borgscope
