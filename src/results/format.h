#pragma once
// Number formatting shared by every output, so that all files agree and are
// byte-identical across runs: exact decimals for fixed-point values, up to 10
// significant digits for ratios.

#include <cstdint>
#include <string>

namespace borgscope {

// Fixed point in units of 1e-12 (schema.h) as the shortest exact decimal:
// 500000000000 -> "0.5", 3815e7 -> "0.00003815", 2e12 -> "2".
std::string FormatFixed(__int128 value);

// Up to 10 significant digits, no trailing zeros: 0.25 -> "0.25", 1/3 ->
// "0.3333333333". NaN (an undefined ratio) prints as an empty field.
std::string FormatRatio(double value);

// numerator / denominator as FormatRatio; empty when the denominator is 0.
std::string FormatShare(double numerator, double denominator);

// Prose (finding.txt, shown in report.html) rounds to what a reader needs,
// while the CSVs keep FormatRatio's digits. `digits` significant digits,
// trailing zeros dropped, never an exponent, whole digits kept:
// (0.490272161, 2) -> "0.49", (10.6838, 3) -> "10.7", (0.000123456, 3) ->
// "0.000123", (12345.6, 3) -> "12346". NaN (an undefined ratio) -> "undefined".
std::string FormatRounded(double value, int digits);

// 100 × numerator / denominator as FormatRounded to 3 digits, with "%":
// "10.7%"; "n/a" when the denominator is 0.
std::string FormatPercent(double numerator, double denominator);

}  // namespace borgscope
