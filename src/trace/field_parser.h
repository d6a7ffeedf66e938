#pragma once
// Decoding of single CSV fields into int64_t (see schema.h for the encodings).
// Hot-path functions return a [[nodiscard]] status; the shard reader adds the
// context (table, shard, line, column) at the edge.

#include <cstdint>
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

// Any field per its column spec; an empty optional field gives kNull. String
// columns are not decoded (they succeed and give kNull).
[[nodiscard]] FieldStatus ParseField(const ColumnSpec& spec, std::string_view text, int64_t& out);

}  // namespace borgscope
