#include "trace/field_parser.h"

namespace borgscope {
namespace {

constexpr int kFixedDecimals = 12;

constexpr uint64_t kPow10[20] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL,
                                 10000000000000000000ULL};

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

}  // namespace

std::string_view FieldStatusMessage(FieldStatus status) {
  switch (status) {
    case FieldStatus::kOk:
      return "ok";
    case FieldStatus::kEmptyMandatory:
      return "empty mandatory field";
    case FieldStatus::kBadNumber:
      return "not a number";
    case FieldStatus::kOutOfRange:
      return "number out of range";
    case FieldStatus::kBadEnum:
      return "value outside the column's enum";
  }
  return "unknown";
}

FieldStatus ParseUnsigned(std::string_view text, int64_t& out) {
  if (text.empty()) return FieldStatus::kBadNumber;
  uint64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return FieldStatus::kBadNumber;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) return FieldStatus::kOutOfRange;
    value = value * 10 + digit;
  }
  out = static_cast<int64_t>(value);
  return FieldStatus::kOk;
}

FieldStatus ParseFixed(std::string_view text, int64_t& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  // Collect up to 19 significant digits; later digits only round.
  uint64_t mantissa = 0;
  int significant = 0;
  int exponent = 0;  // value = mantissa * 10^exponent (before rounding digits)
  bool any_digit = false;
  bool round_up = false;  // first dropped digit >= 5
  bool dropped = false;
  auto take_digit = [&](char c, bool after_point) {
    any_digit = true;
    if (significant == 0 && c == '0') {
      if (after_point) --exponent;
      return;
    }
    if (significant < 19) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++significant;
      if (after_point) --exponent;
    } else {
      if (!dropped) round_up = c >= '5';
      dropped = true;
      if (!after_point) ++exponent;
    }
  };
  while (p != end && IsDigit(*p)) take_digit(*p++, false);
  if (p != end && *p == '.') {
    ++p;
    while (p != end && IsDigit(*p)) take_digit(*p++, true);
  }
  if (!any_digit) return FieldStatus::kBadNumber;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '-' || *p == '+')) exp_negative = *p++ == '-';
    if (p == end) return FieldStatus::kBadNumber;
    int exp_value = 0;
    while (p != end && IsDigit(*p)) {
      if (exp_value < 10000) exp_value = exp_value * 10 + (*p - '0');
      ++p;
    }
    exponent += exp_negative ? -exp_value : exp_value;
  }
  if (p != end) return FieldStatus::kBadNumber;
  if (round_up) ++mantissa;               // 19 nines + 1 still fits in uint64_t
  int shift = exponent + kFixedDecimals;  // scaled = mantissa * 10^shift
  uint64_t scaled = 0;
  if (mantissa == 0) {
    scaled = 0;
  } else if (shift >= 0) {
    if (shift > 19 || mantissa > static_cast<uint64_t>(INT64_MAX) / kPow10[shift]) {
      return FieldStatus::kOutOfRange;
    }
    scaled = mantissa * kPow10[shift];
  } else if (shift >= -19) {
    uint64_t divisor = kPow10[-shift];
    scaled = mantissa / divisor;
    if (mantissa % divisor >= (divisor + 1) / 2) ++scaled;
  } else {
    scaled = 0;  // far below 1e-12
  }
  if (scaled > static_cast<uint64_t>(INT64_MAX)) return FieldStatus::kOutOfRange;
  out = negative ? -static_cast<int64_t>(scaled) : static_cast<int64_t>(scaled);
  return FieldStatus::kOk;
}

FieldStatus ParseField(const ColumnSpec& spec, std::string_view text, int64_t& out) {
  if (text.empty()) {
    out = kNull;
    return spec.mandatory ? FieldStatus::kEmptyMandatory : FieldStatus::kOk;
  }
  switch (spec.type) {
    case ColumnType::kInteger:
      return ParseUnsigned(text, out);
    case ColumnType::kFloat:
      return ParseFixed(text, out);
    case ColumnType::kEnum:
    case ColumnType::kBoolean: {
      FieldStatus status = ParseUnsigned(text, out);
      if (status == FieldStatus::kOutOfRange) return FieldStatus::kBadEnum;
      if (status != FieldStatus::kOk) return status;
      int64_t max = spec.type == ColumnType::kBoolean ? 1 : spec.enum_max;
      return out <= max ? FieldStatus::kOk : FieldStatus::kBadEnum;
    }
    case ColumnType::kStringHash:
    case ColumnType::kStringHashOrInteger:
      out = kNull;
      return FieldStatus::kOk;
  }
  return FieldStatus::kOk;
}

}  // namespace borgscope
