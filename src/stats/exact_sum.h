#pragma once
// The exact sum of doubles, rounded once at the end: the result is the
// correctly rounded value of the true sum, so it does not depend on the order
// of the additions nor on how the values were split across threads or MPI
// ranks before the partial sums were merged. Finite values only.
//
// Every finite double is an integer multiple of 2^-1074 below 2^1024, so the
// sum is one big integer, kept in 32-bit digits held in int64 chunks (a small
// superaccumulator, after Radford Neal's xsum): an addition adds a value's
// 53-bit mantissa into two chunks, with room for many additions before the
// carries must be propagated. Integer additions commute: any order, any split,
// the same digits.

#include <array>
#include <bit>
#include <cstdint>

#include "engine/wire.h"

namespace borgscope {

class ExactSum {
 public:
  // Inline: the correlations make millions of additions.
  void Add(double value) {
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    const int exponent = static_cast<int>((bits >> 52) & 0x7ff);
    if (exponent == 0x7ff) [[unlikely]]
      ThrowNotFinite();
    uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
    // value = +-mantissa x 2^(position - 1074)
    int position = 0;
    if (exponent != 0) {
      mantissa |= uint64_t{1} << 52;
      position = exponent - 1;
    }
    const unsigned __int128 shifted = static_cast<unsigned __int128>(mantissa) << (position & 31);
    const auto low = static_cast<int64_t>(static_cast<uint64_t>(shifted) & 0xffffffff);
    const auto high = static_cast<int64_t>(shifted >> 32);  // < 2^52
    const int chunk = position >> 5;
    const int64_t sign = -static_cast<int64_t>(bits >> 63);  // 0, or -1: negate (no branch)
    chunks_[chunk] += (low ^ sign) - sign;
    chunks_[chunk + 1] += (high ^ sign) - sign;
    if (++adds_since_carry_ == kAddsBeforeCarry) Carry();
  }
  void Merge(const ExactSum& other);
  // Adds +-magnitude x 2^(position - 1074), exactly (position in [0, 2046]).
  void AddScaled(uint64_t magnitude, int position, bool negative) {
    const unsigned __int128 shifted = static_cast<unsigned __int128>(magnitude) << (position & 31);
    const int chunk = position >> 5;
    const int64_t sign = negative ? -1 : 0;
    for (int k = 0; k < 3; ++k) {  // < 2^95: three digits, each < 2^32
      const auto digit =
          static_cast<int64_t>(static_cast<uint64_t>(shifted >> (32 * k)) & 0xffffffff);
      chunks_[chunk + k] += (digit ^ sign) - sign;
    }
    if (++adds_since_carry_ == kAddsBeforeCarry) Carry();
  }
  // The true sum, correctly rounded (half to even).
  double Value() const;

  void Serialize(WireWriter& out) const;
  void Deserialize(WireReader& in);  // adds what Serialize wrote

 private:
  // Digit k counts 2^(32 k - 1074); 2^1024 needs 66 digits, one more for the
  // carries and the sign.
  static constexpr int kChunks = 67;
  // Each addition puts < 2^52 + 2^32 into a chunk: 2^9 of them stay below
  // 2^61, so two sums also add up chunk by chunk before carrying (Merge).
  static constexpr int kAddsBeforeCarry = 512;

  // Propagates the carries: every chunk but the last in [0, 2^32).
  void Carry();
  [[noreturn]] static void ThrowNotFinite();

  std::array<int64_t, kChunks> chunks_{};
  int adds_since_carry_ = 0;

  friend class ExactSumBins;  // its error
};

// Many additions into one exact sum, about twice as fast as ExactSum::Add:
// each value's stored 52 mantissa bits go into a bin of its sign and
// exponent (Radford Neal's large superaccumulator), and a bin into the
// ExactSum, exactly, with its implicit bits (one per normal value added),
// before it could overflow and at the end. 40 KiB of bins: for a hot loop's
// few sums (the correlations' millions of points), not for keeping.
class ExactSumBins {
 public:
  ExactSumBins() { left_.fill(kAddsPerBin); }
  void Add(double value) {
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    const auto bin = static_cast<uint32_t>(bits >> 52);  // sign, exponent
    bins_[bin] += bits & kStoredBits;
    if (--left_[bin] == 0) Flush(bin);
  }
  // The sum of everything added (the bins are emptied into it).
  ExactSum Sum() {
    for (uint32_t bin = 0; bin < kBins; ++bin) {
      if (left_[bin] != kAddsPerBin) Flush(bin);
    }
    return sum_;
  }

 private:
  static constexpr uint32_t kBins = 4096;
  static constexpr uint64_t kStoredBits = (uint64_t{1} << 52) - 1;
  // A bin's 2^11 stored mantissas and as many implicit bits sum below 2^64.
  static constexpr uint16_t kAddsPerBin = 2048;

  void Flush(uint32_t bin) {
    const int exponent = static_cast<int>(bin & 0x7ff);
    if (exponent == 0x7ff) [[unlikely]]
      ExactSum::ThrowNotFinite();
    const uint64_t adds = kAddsPerBin - left_[bin];
    // value = +-(implicit bit + stored bits) x 2^(exponent - 1 - 1074);
    // subnormals (exponent 0): stored bits x 2^-1074.
    const uint64_t magnitude = bins_[bin] + (exponent != 0 ? adds << 52 : 0);
    sum_.AddScaled(magnitude, exponent != 0 ? exponent - 1 : 0, (bin >> 11) != 0);
    bins_[bin] = 0;
    left_[bin] = kAddsPerBin;
  }

  std::array<uint64_t, kBins> bins_{};
  std::array<uint16_t, kBins> left_;
  ExactSum sum_;
};

}  // namespace borgscope
