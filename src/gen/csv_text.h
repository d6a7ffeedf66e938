#pragma once
// Text of trace fields, written by hand into a caller's buffer: unsigned
// integers, FLOAT fields with 4 significant digits in printf's "%.4g" style
// (the real trace's style: 0.02499, 1, 3.815e-05) and 44-character base64
// hashes (the real trace's user, job name and platform fields).
//
// Append* functions write at `out` and return the end of what they wrote; the
// caller guarantees room (kMaxDecimalChars, 20 digits, kHashChars).

#include <cstdint>

namespace borgscope::gen {

// A FLOAT field value: mantissa × 10^exponent with a 4-digit mantissa
// (1000..9999), zero (mantissa 0), or empty (an absent optional field). The
// generator draws values, rounds them once with Round4, and carries the
// decimal from then on: what is printed is exactly the value it reasons about.
struct Decimal4 {
  uint16_t mantissa = 0;
  int8_t exponent = 0;

  static constexpr uint16_t kEmptyMantissa = UINT16_MAX;
  static constexpr Decimal4 Empty() { return {kEmptyMantissa, 0}; }
  constexpr bool empty() const { return mantissa == kEmptyMantissa; }
  double ToDouble() const;  // 0 for empty
  friend constexpr bool operator==(Decimal4 a, Decimal4 b) = default;
};

// Rounds a non-negative finite value to 4 significant digits (NaN -> Empty).
Decimal4 Round4(double value);

inline constexpr int kMaxDecimalChars = 12;  // "-1.234e-100" fits; ours are shorter
inline constexpr int kHashChars = 44;

// "%.4g" of the value; nothing for Empty().
char* AppendDecimal(char* out, Decimal4 value);
char* AppendUnsigned(char* out, uint64_t value);
// 44 characters: base64 of 32 bytes derived from `key` ("...=" as in the trace).
char* AppendHash(char* out, uint64_t key);

}  // namespace borgscope::gen
