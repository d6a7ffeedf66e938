#pragma once
// Decoding of single CSV fields into int64_t (see schema.h for the encodings).
// Hot-path functions return a [[nodiscard]] status; the shard reader adds the
// context (table, shard, line, column) at the edge.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "trace/schema.h"

namespace borgscope {

enum class FieldStatus : uint8_t {
  kOk,
  kEmptyMandatory,  // a mandatory field is empty
  kBadNumber,       // not a number of the column's type
  kOutOfRange,      // a number too large for its type
  kBadEnum,         // an enum or boolean outside its values
};

std::string_view FieldStatusMessage(FieldStatus status);

// Unsigned decimal integer, at most 2^63-1 (the trace's "after the window").
[[nodiscard]] FieldStatus ParseUnsigned(std::string_view text, int64_t& out);

// Decimal or scientific notation ("0.5", "-1", "3.815e-05", "1E3") to fixed
// point in units of 1e-12 (kFixedOne = 1.0), rounded to nearest, ties away
// from zero. Exact: no binary floating point is involved.
[[nodiscard]] FieldStatus ParseFixed(std::string_view text, int64_t& out);

namespace field_detail {

// Every byte of `eight` is '0'..'9': high nibble 3, and still 3 after adding 6.
inline bool AllDigits(uint64_t eight) {
  return ((eight & 0xF0F0F0F0F0F0F0F0) |
          (((eight + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) == 0x3333333333333333;
}
// The number of eight digits, the first in the low byte (little-endian).
inline uint64_t EightDigitsValue(uint64_t eight) {
  eight -= 0x3030303030303030;
  eight = eight * 10 + (eight >> 8);  // pairs of digits
  return (((eight & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) +
          (((eight >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >>
         32;
}
// The n (1..8) digits at p as a number, reading the 8 bytes at p (what
// follows the n digits is shifted out, and '0's come in before them): no
// loop whose length is the field's. False when one of the n is not a digit.
inline bool UpToEightDigits(const char* p, size_t n, uint64_t& out) {
  uint64_t eight;
  std::memcpy(&eight, p, 8);
  const unsigned pad = static_cast<unsigned>(8 * (8 - n));
  eight = (eight << pad) | (0x3030303030303030 & ((uint64_t{1} << pad) - 1));
  if (!AllDigits(eight)) return false;
  out = EightDigitsValue(eight);
  return true;
}

}  // namespace field_detail

// ParseUnsigned's fast path: 1..18 digits (no overflow possible), eight at a
// time (SWAR, as simdjson's parse_eight_digits). False for anything else
// (empty, longer, not a digit), which ParseUnsigned then decodes; when true,
// `out` is what ParseUnsigned gives. Reads [p, end), and when at least 8
// bytes from p are readable (readable_end: a block's end) a field of up to
// 16 digits in two shifted 8-byte reads.
inline bool ParseShortUnsigned(const char* p, const char* end, uint64_t& out,
                               const char* readable_end = nullptr) {
  using namespace field_detail;
  const size_t length = static_cast<size_t>(end - p);
  if (length - 1 >= 18) return false;
  if (readable_end != nullptr && readable_end - p >= 8 && length <= 16) {
    uint64_t high = 0, low = 0;
    if (length > 8) {
      if (!UpToEightDigits(p, length - 8, high)) return false;
      p += length - 8;
    }
    if (!UpToEightDigits(p, length > 8 ? 8 : length, low)) return false;
    out = high * 100000000 + low;
    return true;
  }
  uint64_t value = 0;
  for (; end - p >= 8; p += 8) {
    uint64_t eight;
    std::memcpy(&eight, p, 8);
    if (!AllDigits(eight)) return false;
    value = value * 100000000 + EightDigitsValue(eight);
  }
  for (; p < end; ++p) {
    const auto digit = static_cast<unsigned char>(*p - '0');
    if (digit >= 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

// ParseShortUnsigned for one or two digits (the trace's event types,
// classes, priorities): reads only the field, no 8-byte word to build and
// check. False for anything else (empty, longer, not a digit), which
// ParseUnsigned then decodes; when true, `out` is what ParseUnsigned gives.
inline bool ParseOneOrTwoDigits(const char* p, const char* end, uint64_t& out) {
  const auto length = static_cast<size_t>(end - p);
  if (length - 1 >= 2) return false;
  const auto first = static_cast<unsigned char>(p[0] - '0');
  if (length == 1) {
    out = first;
    return first < 10;
  }
  const auto second = static_cast<unsigned char>(p[1] - '0');
  out = uint64_t{first} * 10 + second;
  return (first < 10) & (second < 10);
}

// ParseFixed's fast path for the trace's common shapes: 1..6 digits,
// optionally '.' and 1..12 more — exact in 12 decimals, nothing to round.
// False for anything else (sign, exponent, more digits, empty), which
// ParseFixed then decodes; when true, `out` is what ParseFixed gives. The
// fraction's digits are read as ParseShortUnsigned reads them.
inline bool ParseShortDecimal(const char* p, const char* end, int64_t& out,
                              const char* readable_end = nullptr) {
  static constexpr uint64_t kPow10[13] = {
      1,        10,        100,        1000,        10000,        100000,       1000000,
      10000000, 100000000, 1000000000, 10000000000, 100000000000, 1000000000000};
  auto is_digit = [](char c) { return static_cast<unsigned char>(c - '0') < 10; };
  const char* start = p;
  uint64_t whole = 0;
  while (p < end && is_digit(*p)) whole = whole * 10 + static_cast<uint64_t>(*p++ - '0');
  if (p == start || p - start > 6) return false;
  uint64_t fraction = 0;
  ptrdiff_t fraction_digits = 0;
  if (p < end) {
    if (*p++ != '.') return false;
    fraction_digits = end - p;
    if (fraction_digits == 0 || fraction_digits > 12) return false;
    if (!ParseShortUnsigned(p, end, fraction, readable_end)) return false;
  }
  out = static_cast<int64_t>(whole * kPow10[12] + fraction * kPow10[12 - fraction_digits]);
  return true;
}

// Any field per its column spec; an empty optional field gives kNull. String
// columns are not decoded (they succeed and give kNull).
[[nodiscard]] FieldStatus ParseField(const ColumnSpec& spec, std::string_view text, int64_t& out);

}  // namespace borgscope
