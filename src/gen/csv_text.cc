#include "gen/csv_text.h"

#include <cmath>
#include <cstring>

#include "gen/random.h"

namespace borgscope::gen {
namespace {

constexpr double kPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kLargestExactPower = 22;

// value × 10^power, with one rounding for |power| <= 22 (exact powers).
double ScaleByPowerOf10(double value, int power) {
  while (power > kLargestExactPower) {
    value *= kPowersOf10[kLargestExactPower];
    power -= kLargestExactPower;
  }
  while (power < -kLargestExactPower) {
    value /= kPowersOf10[kLargestExactPower];
    power += kLargestExactPower;
  }
  return power >= 0 ? value * kPowersOf10[power] : value / kPowersOf10[-power];
}

// The common case inline: values below 10^4 scale up by an exact power.
inline double Scale(double value, int power) {
  if (power >= 0 && power <= kLargestExactPower) return value * kPowersOf10[power];
  return ScaleByPowerOf10(value, power);
}

// The four digits of each mantissa, and how many of them are significant
// once trailing zeros go ("%g" drops them).
struct MantissaDigits {
  char digits[10000][4];
  uint8_t significant[10000];
  MantissaDigits() {
    for (int m = 0; m < 10000; ++m) {
      int rest = m;
      for (int i = 3; i >= 0; --i) {
        digits[m][i] = static_cast<char>('0' + rest % 10);
        rest /= 10;
      }
      int count = 4;
      while (count > 1 && digits[m][count - 1] == '0') --count;
      significant[m] = static_cast<uint8_t>(count);
    }
  }
};
const MantissaDigits kMantissaDigits;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

Decimal4 Round4(double value) {
  if (std::isnan(value)) return Decimal4::Empty();
  if (!(value >= 1e-99)) return Decimal4{};  // zero (and anything too small to matter)
  // floor(log10(value)), or one less, from the binary exponent: log10(2) ~ 1233 / 4096.
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const int binary_exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  int leading = (binary_exponent * 1233) >> 12;
  double scaled = Scale(value, 3 - leading);
  while (scaled >= 9999.5) {
    ++leading;
    scaled = Scale(value, 3 - leading);
  }
  while (scaled < 999.5) {
    --leading;
    scaled = Scale(value, 3 - leading);
  }
  // scaled is in [999.5, 9999.5): adding 0.5 and truncating rounds half up.
  return Decimal4{static_cast<uint16_t>(scaled + 0.5),  // NOLINT(bugprone-incorrect-roundings)
                  static_cast<int8_t>(leading - 3)};
}

double Decimal4::ToDouble() const {
  if (empty() || mantissa == 0) return 0;
  return ScaleByPowerOf10(mantissa, exponent);
}

char* AppendDecimal(char* out, Decimal4 value) {
  if (value.empty()) return out;
  if (value.mantissa == 0) {
    *out = '0';
    return out + 1;
  }
  const char* digits = kMantissaDigits.digits[value.mantissa];
  const int significant = kMantissaDigits.significant[value.mantissa];
  const int leading = value.exponent + 3;  // decimal exponent of the first digit

  if (leading < -4 || leading >= 4) {  // "%g" switches to scientific notation
    *out++ = digits[0];
    if (significant > 1) {
      *out++ = '.';
      for (int i = 1; i < significant; ++i) *out++ = digits[i];
    }
    *out++ = 'e';
    *out++ = leading < 0 ? '-' : '+';
    int magnitude = leading < 0 ? -leading : leading;
    if (magnitude >= 100) {
      *out++ = static_cast<char>('0' + magnitude / 100);
      magnitude %= 100;
    }
    *out++ = static_cast<char>('0' + magnitude / 10);
    *out++ = static_cast<char>('0' + magnitude % 10);
    return out;
  }
  if (leading >= 0) {
    for (int i = 0; i <= leading; ++i) *out++ = digits[i];
    if (significant > leading + 1) {
      *out++ = '.';
      for (int i = leading + 1; i < significant; ++i) *out++ = digits[i];
    }
    return out;
  }
  *out++ = '0';
  *out++ = '.';
  for (int i = -1; i > leading; --i) *out++ = '0';
  for (int i = 0; i < significant; ++i) *out++ = digits[i];
  return out;
}

char* AppendUnsigned(char* out, uint64_t value) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char reversed[20];
  int length = 0;
  while (value >= 100) {
    const unsigned pair = static_cast<unsigned>(value % 100) * 2;
    value /= 100;
    reversed[length++] = kPairs[pair + 1];
    reversed[length++] = kPairs[pair];
  }
  if (value >= 10) {
    reversed[length++] = kPairs[value * 2 + 1];
    reversed[length++] = kPairs[value * 2];
  } else {
    reversed[length++] = static_cast<char>('0' + value);
  }
  while (length > 0) *out++ = reversed[--length];
  return out;
}

char* AppendHash(char* out, uint64_t key) {
  uint8_t bytes[32];
  for (size_t word = 0; word < 4; ++word) {
    const uint64_t bits = Mix64(key + word * 0x9e3779b97f4a7c15ULL);
    std::memcpy(bytes + 8 * word, &bits, 8);
  }
  int i = 0;
  for (; i + 3 <= 32; i += 3) {
    const uint32_t triple =
        (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    *out++ = kBase64[(triple >> 18) & 63];
    *out++ = kBase64[(triple >> 12) & 63];
    *out++ = kBase64[(triple >> 6) & 63];
    *out++ = kBase64[triple & 63];
  }
  // 32 = 10 × 3 + 2: the last two bytes make three characters and one '='.
  const uint32_t pair = (uint32_t{bytes[30]} << 16) | (uint32_t{bytes[31]} << 8);
  *out++ = kBase64[(pair >> 18) & 63];
  *out++ = kBase64[(pair >> 12) & 63];
  *out++ = kBase64[(pair >> 6) & 63];
  *out++ = '=';
  return out;
}

}  // namespace borgscope::gen
