#include "stats/exact_sum.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "errors.h"

namespace borgscope {

void ExactSum::ThrowNotFinite() { throw InternalError("ExactSum: a value is not finite"); }

void ExactSum::Carry() {
  int64_t carry = 0;
  for (int k = 0; k + 1 < kChunks; ++k) {
    const int64_t digit = chunks_[k] + carry;
    carry = digit >> 32;  // floor: the digit left is in [0, 2^32)
    chunks_[k] = digit - carry * (int64_t{1} << 32);
  }
  chunks_[kChunks - 1] += carry;
  adds_since_carry_ = 0;
}

void ExactSum::Merge(const ExactSum& other) {
  // Both sides are below 2^61 per chunk (fewer than kAddsBeforeCarry additions
  // since their last carry): their sum fits before carrying.
  for (int k = 0; k < kChunks; ++k) chunks_[k] += other.chunks_[k];
  Carry();
}

double ExactSum::Value() const {
  ExactSum magnitude = *this;
  magnitude.Carry();
  const bool negative = magnitude.chunks_[kChunks - 1] < 0;
  if (negative) {
    for (int64_t& chunk : magnitude.chunks_) chunk = -chunk;
    magnitude.Carry();
  }
  const auto& digits = magnitude.chunks_;
  int top = kChunks - 1;
  while (top > 0 && digits[top] == 0) --top;
  // The top three digits (at least 65 bits when top >= 2, so that bit 0 is
  // below the rounding position) and whether anything lies below them: the
  // conversion then rounds once, correctly. Below 2^53 units the sum is
  // exact in a double, subnormal or not.
  const int lowest = std::max(top - 2, 0);
  unsigned __int128 head = 0;
  for (int k = top; k >= lowest; --k) head = (head << 32) | static_cast<uint64_t>(digits[k]);
  for (int k = 0; k < lowest; ++k) {
    if (digits[k] != 0) {
      head |= 1;
      break;
    }
  }
  const double value = std::ldexp(static_cast<double>(head), 32 * lowest - 1074);
  return negative ? -value : value;
}

void ExactSum::Serialize(WireWriter& out) const {
  ExactSum carried = *this;
  carried.Carry();
  out.Put(carried.chunks_);
}

void ExactSum::Deserialize(WireReader& in) {
  const auto theirs = in.Get<std::array<int64_t, kChunks>>();  // carried by Serialize
  for (int k = 0; k < kChunks; ++k) chunks_[k] += theirs[k];
  Carry();
}

}  // namespace borgscope
