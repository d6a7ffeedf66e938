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
};

}  // namespace borgscope
