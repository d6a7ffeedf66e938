#include "results/format.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace borgscope {

std::string FormatFixed(__int128 value) {
  bool negative = value < 0;
  unsigned __int128 magnitude =
      negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  while (digits.size() < 13) digits.push_back('0');  // at least "0." + 12 decimals
  std::reverse(digits.begin(), digits.end());
  std::string integer_part = digits.substr(0, digits.size() - 12);
  std::string fraction = digits.substr(digits.size() - 12);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string result = negative ? "-" : "";
  result += integer_part;
  if (!fraction.empty()) result += "." + fraction;
  return result;
}

std::string FormatRatio(double value) {
  if (std::isnan(value)) return "";
  if (value == 0) return "0";  // no "-0"
  return fmt::format("{:.10g}", value);
}

std::string FormatShare(double numerator, double denominator) {
  if (denominator == 0) return "";
  return FormatRatio(numerator / denominator);
}

std::string FormatRounded(double value, int digits) {
  if (std::isnan(value)) return "undefined";
  if (std::isinf(value)) return value > 0 ? "infinite" : "-infinite";
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(value))));
  std::string text = fmt::format("{:.{}f}", value, std::max(0, digits - 1 - magnitude));
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::string FormatPercent(double numerator, double denominator) {
  if (denominator == 0) return "n/a";
  return FormatRounded(100 * numerator / denominator, 3) + "%";
}

}  // namespace borgscope
