#include "trace/block_parser.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace borgscope {
namespace {

constexpr size_t kRowTextLimit = 200;

// Control bytes (NUL, newline, escape, ...) as \xNN: a quoted field or row is
// shown whole, on one line, and a NUL cannot end the message early.
std::string EscapeControlBytes(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      escaped += fmt::format("\\x{:02x}", c);
    } else {
      escaped += static_cast<char>(c);
    }
  }
  return escaped;
}

}  // namespace

std::string BadRow::Describe(const TableSpec& spec) const {
  switch (problem) {
    case RowProblem::kTooFewColumns:
    case RowProblem::kTooManyColumns:
      return fmt::format("line {}: expected {} columns, found {}: '{}'", line, spec.columns.size(),
                         column, EscapeControlBytes(row_text));
    case RowProblem::kField:
      break;
  }
  std::string_view name = column >= 0 && column < static_cast<int>(spec.columns.size())
                              ? spec.columns[column].name
                              : std::string_view("?");
  return fmt::format("line {}, column {} ({}): {}: '{}' in row '{}'", line, column, name,
                     FieldStatusMessage(field_status), EscapeControlBytes(field_text),
                     EscapeControlBytes(row_text));
}

void ClearBatch(RowBatch& batch, Table table, uint32_t shard) {
  batch.table = table;
  batch.shard = shard;
  batch.size = 0;
}

BlockParser::BlockParser(Table table, ColumnMask wanted)
    : spec_(Spec(table)), wanted_(wanted), column_count_(static_cast<int>(spec_.columns.size())) {
  const ColumnMask columns = wanted_ & ((ColumnMask{1} << column_count_) - 1);
  for (ColumnMask rest = columns; rest != 0; rest &= rest - 1) {
    const int c = std::countr_zero(rest);
    const ColumnSpec& column = spec_.columns[c];
    WantedField field;
    field.column = c;
    field.last = c + 1 == column_count_;
    field.mandatory = column.mandatory;
    switch (column.type) {
      case ColumnType::kInteger:
      case ColumnType::kEnum:
        field.kind = WantedField::kUnsigned;
        field.max =
            column.type == ColumnType::kEnum ? static_cast<uint64_t>(column.enum_max) : UINT64_MAX;
        break;
      case ColumnType::kFloat:
        field.kind = WantedField::kDecimal;
        break;
      case ColumnType::kStringHash:
      case ColumnType::kStringHashOrInteger:
        field.kind = WantedField::kText;
        break;
      default:
        field.kind = WantedField::kOther;
    }
    plan_.push_back(field);
  }
}

void BlockParser::EnsureCapacity(RowBatch& batch, size_t rows) {
  if (batch.line.size() >= rows) return;
  size_t capacity = std::max<size_t>(rows, batch.line.size() * 2);
  capacity = std::max<size_t>(capacity, 1024);
  batch.line.resize(capacity);
  for (int c = 0; c < column_count_; ++c) {
    if ((wanted_ & ColumnBit(c)) == 0) continue;
    ColumnType type = spec_.columns[c].type;
    if (type == ColumnType::kStringHash || type == ColumnType::kStringHashOrInteger) {
      batch.text[c].resize(capacity);
    } else {
      batch.values[c].resize(capacity);
    }
  }
}

namespace {
// The first `bytes` (0..8) bytes of a little-endian word.
uint64_t LowBytes(size_t bytes) {
  return bytes >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1;
}
}  // namespace

// Both read kMaxLength bytes at p; the field is its first field_length.
bool BlockParser::RepeatedField::Same(const char* p, size_t field_length) const {
  uint64_t low, high;
  std::memcpy(&low, p, 8);
  std::memcpy(&high, p + 8, 8);
  return field_length == length && (low & masks[0]) == words[0] && (high & masks[1]) == words[1];
}

void BlockParser::RepeatedField::Remember(const char* p, size_t field_length, int64_t decoded) {
  masks[0] = LowBytes(field_length);
  masks[1] = LowBytes(field_length > 8 ? field_length - 8 : 0);
  std::memcpy(&words[0], p, 8);
  std::memcpy(&words[1], p + 8, 8);
  words[0] &= masks[0];
  words[1] &= masks[1];
  length = field_length;
  value = decoded;
}

void BlockParser::RepeatedField::StartBlock() {
  // Worth it when at least a quarter of the checks found the same bytes (a
  // check costs about a quarter of decoding a long number).
  check = 4 * hits >= tries;
  hits = tries = 0;
}

// Always inlined: both passes call it per field, in their loops.
template <BlockParser::WantedField::Kind kKind>
[[gnu::always_inline]] inline bool BlockParser::DecodeNumber(WantedField& wanted,
                                                             const char* field_begin,
                                                             const char* field_end, bool may_repeat,
                                                             int64_t& value, FieldStatus& status) {
  const auto length = static_cast<size_t>(field_end - field_begin);
  RepeatedField& repeat = wanted.repeat;
  const bool check =
      may_repeat && length >= RepeatedField::kMinLength && length <= RepeatedField::kMaxLength &&
      readable_end_ - field_begin >= static_cast<ptrdiff_t>(RepeatedField::kMaxLength);
  if (check) {
    ++repeat.tries;
    if (repeat.Same(field_begin, length)) {
      ++repeat.hits;
      value = repeat.value;
      return true;
    }
  }
  // Fast paths: short numbers, read with the block's bytes beyond the
  // field; anything else (empty, long, bad text) goes to the plain
  // decoder, which knows every case.
  bool decoded = false;
  if constexpr (kKind == WantedField::kUnsigned) {
    // The trace's classes, priorities, event types and many task indices
    // have one or two digits: those without building an 8-byte word.
    uint64_t number = 0;
    if ((ParseOneOrTwoDigits(field_begin, field_end, number) ||
         ParseShortUnsigned(field_begin, field_end, number, readable_end_)) &&
        number <= wanted.max) {
      value = static_cast<int64_t>(number);
      decoded = true;
    }
  } else if constexpr (kKind == WantedField::kDecimal) {
    decoded = ParseShortDecimal(field_begin, field_end, value, readable_end_);
  }
  if (!decoded) {
    status = ParseField(spec_.columns[wanted.column], std::string_view(field_begin, length), value);
    if (status != FieldStatus::kOk) return false;
  }
  if (check) repeat.Remember(field_begin, length, value);
  return true;
}

bool BlockParser::DecodeRow(const uint32_t* bounds, const char* block, const char* row_end,
                            size_t row, RowBatch& batch, BadRow& bad) {
  // Only the wanted columns: field c runs from after bounds[c] to bounds[c +
  // 1] (the row's end, without '\r', for the last).
  for (WantedField& wanted : plan_) {
    const int c = wanted.column;
    const char* field_begin = block + static_cast<uint32_t>(bounds[c] + 1);
    const char* field_end = wanted.last ? row_end : block + bounds[c + 1];
    if (wanted.kind == WantedField::kText) {  // kept as text: no number column
      if (field_begin == field_end && wanted.mandatory) {
        bad.problem = RowProblem::kField;
        bad.field_status = FieldStatus::kEmptyMandatory;
        bad.column = c;
        return false;
      }
      batch.text[c][row] = std::string_view(field_begin, field_end);
      continue;
    }
    FieldStatus status = FieldStatus::kOk;
    const bool may_repeat = wanted.repeat.check || row % 8 == 0;
    int64_t& value = batch.values[c][row];
    const bool good = WithNumberKind(wanted.kind, [&]<WantedField::Kind kKind>() {
      return DecodeNumber<kKind>(wanted, field_begin, field_end, may_repeat, value, status);
    });
    if (!good) {
      bad.problem = RowProblem::kField;
      bad.field_status = status;
      bad.column = c;
      bad.field_text.assign(field_begin, field_end);
      return false;
    }
  }
  return true;
}

bool BlockParser::HandleBadRow(BadRow&& bad, const char* row_begin, const char* row_end,
                               BadRowPolicy& policy) {
  size_t length = std::min<size_t>(static_cast<size_t>(row_end - row_begin), kRowTextLimit);
  bad.row_text.assign(row_begin, length);
  if (!policy.skip) {
    policy.fatal = std::move(bad);
    return false;
  }
  ++policy.skipped;
  if (policy.examples.size() < BadRowPolicy::kExamplesKept)
    policy.examples.push_back(std::move(bad));
  return true;
}

uint64_t BlockParser::Parse(const char* begin, const char* end, uint64_t first_line,
                            RowBatch& batch, BadRowPolicy& policy) {
  index_.Build(begin, end);
  readable_end_ = end;
  for (WantedField& wanted : plan_) wanted.repeat.StartBlock();
  const size_t first_row = batch.size;
  if (ParseColumns(begin, end, first_line, batch)) return batch.size - first_row;
  return ParseRows(begin, end, first_line, batch, policy);
}

bool BlockParser::ParseColumns(const char* begin, const char* end, uint64_t first_line,
                               RowBatch& batch) {
  const uint32_t* newlines = index_.newlines();
  const size_t newline_count = index_.newline_count();
  const auto block_length = static_cast<uint32_t>(end - begin);
  const uint32_t after_last_newline = newline_count == 0 ? 0 : newlines[newline_count - 1] + 1;
  const size_t rows = newline_count + (after_last_newline < block_length ? 1 : 0);
  if (rows == 0) return true;
  // Every row has column_count_ - 1 commas when the block has rows x
  // column_count_ delimiters and every row's last is its line's end (no
  // newline lies between two rows' ends). Field c of row n then lies
  // between delimiters n x column_count_ + c - 1 and + c.
  const uint32_t* delimiters = index_.delimiters();
  const auto stride = static_cast<size_t>(column_count_);
  if (index_.delimiter_count() != rows * stride) return false;
  row_ends_.resize(rows);
  bool rows_fit = true;
  uint32_t row_offset = 0;
  for (size_t n = 0; n < rows; ++n) {
    const uint32_t line_end_offset = delimiters[n * stride + stride - 1];
    rows_fit &= line_end_offset == (n < newline_count ? newlines[n] : block_length);
    const bool carriage_return = line_end_offset > row_offset && begin[line_end_offset - 1] == '\r';
    row_ends_[n] = line_end_offset - (carriage_return ? 1 : 0);
    row_offset = line_end_offset + 1;
  }
  if (!rows_fit) return false;
  // Column by column: one field's checks and decoder over all the rows.
  const size_t first_row = batch.size;
  EnsureCapacity(batch, first_row + rows);
  for (WantedField& wanted : plan_) {
    const int c = wanted.column;
    // Field c of row n: from after starts[n * stride] to ends[n * end_stride].
    const uint32_t* starts = delimiters + c - 1;
    const uint32_t* ends = wanted.last ? row_ends_.data() : starts + 1;
    const size_t end_stride = wanted.last ? 1 : stride;
    if (wanted.kind == WantedField::kText) {
      std::string_view* out = batch.text[c].data() + first_row;
      for (size_t n = 0; n < rows; ++n) {
        const char* field_begin = begin + static_cast<uint32_t>(starts[n * stride] + 1);
        const char* field_end = begin + ends[n * end_stride];
        if (field_begin == field_end && wanted.mandatory) return false;
        out[n] = std::string_view(field_begin, field_end);
      }
      continue;
    }
    const bool good = WithNumberKind(wanted.kind, [&]<WantedField::Kind kKind>() {
      int64_t* out = batch.values[c].data() + first_row;
      const bool always = wanted.repeat.check;  // else on every 8th row of the batch
      for (size_t n = 0; n < rows; ++n) {
        const char* field_begin = begin + static_cast<uint32_t>(starts[n * stride] + 1);
        const char* field_end = begin + ends[n * end_stride];
        FieldStatus status = FieldStatus::kOk;
        if (!DecodeNumber<kKind>(wanted, field_begin, field_end, always || (first_row + n) % 8 == 0,
                                 out[n], status)) {
          return false;
        }
      }
      return true;
    });
    if (!good) return false;
  }
  for (size_t n = 0; n < rows; ++n) batch.line[first_row + n] = first_line + n;
  batch.size = first_row + rows;
  return true;
}

uint64_t BlockParser::ParseRows(const char* begin, const char* end, uint64_t first_line,
                                RowBatch& batch, BadRowPolicy& policy) {
  const uint32_t* newlines = index_.newlines();
  const size_t newline_count = index_.newline_count();
  const uint32_t* delimiters = index_.delimiters();
  const uint32_t block_length = static_cast<uint32_t>(end - begin);
  uint64_t line = first_line;
  uint32_t row_offset = 0;
  size_t first_delimiter = 0;  // the row's
  for (size_t n = 0; row_offset < block_length; ++n) {
    // The row ends at its newline, or at the end of the block for a last
    // line without one; that is its last delimiter. Its fields = its
    // delimiters.
    const uint32_t line_end_offset = n < newline_count ? newlines[n] : block_length;
    const char* row_begin = begin + row_offset;
    const char* line_end = begin + line_end_offset;
    const char* row_end = (line_end > row_begin && line_end[-1] == '\r') ? line_end - 1 : line_end;
    size_t last_delimiter = first_delimiter;
    while (delimiters[last_delimiter] != line_end_offset) ++last_delimiter;
    const auto columns = static_cast<int>(last_delimiter - first_delimiter + 1);
    EnsureCapacity(batch, batch.size + 1);
    BadRow bad;
    bool good;
    if (columns != column_count_) {
      bad.problem =
          columns < column_count_ ? RowProblem::kTooFewColumns : RowProblem::kTooManyColumns;
      bad.column = columns;
      good = false;
    } else {
      // The delimiter before the row (UINT32_MAX before the block's first),
      // then the row's own.
      good = DecodeRow(delimiters + first_delimiter - 1, begin, row_end, batch.size, batch, bad);
    }
    if (good) {
      batch.line[batch.size++] = line;
    } else {
      bad.line = line;
      if (!HandleBadRow(std::move(bad), row_begin, row_end, policy)) return line - first_line;
    }
    ++line;
    first_delimiter = last_delimiter + 1;
    row_offset = line_end_offset + 1;
  }
  return line - first_line;
}

uint64_t BlockParser::ParsePlain(const char* begin, const char* end, uint64_t first_line,
                                 RowBatch& batch, BadRowPolicy& policy) {
  std::string_view block(begin, static_cast<size_t>(end - begin));
  uint64_t line = first_line;
  size_t position = 0;
  std::vector<std::string_view> fields;
  while (position < block.size()) {
    size_t newline = block.find('\n', position);
    size_t line_end = newline == std::string_view::npos ? block.size() : newline;
    std::string_view row = block.substr(position, line_end - position);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    fields.clear();
    for (size_t start = 0;;) {
      size_t comma = row.find(',', start);
      fields.push_back(
          row.substr(start, comma == std::string_view::npos ? row.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    EnsureCapacity(batch, batch.size + 1);
    BadRow bad;
    bool good = true;
    if (fields.size() != static_cast<size_t>(column_count_)) {
      bad.problem = fields.size() < static_cast<size_t>(column_count_)
                        ? RowProblem::kTooFewColumns
                        : RowProblem::kTooManyColumns;
      bad.column = static_cast<int>(fields.size());
      good = false;
    }
    for (int c = 0; good && c < column_count_; ++c) {
      if ((wanted_ & ColumnBit(c)) == 0) continue;
      const ColumnSpec& column = spec_.columns[c];
      if (column.type == ColumnType::kStringHash ||
          column.type == ColumnType::kStringHashOrInteger) {
        if (fields[c].empty() && column.mandatory) {
          bad.field_status = FieldStatus::kEmptyMandatory;
          bad.column = c;
          good = false;
        } else {
          batch.text[c][batch.size] = fields[c];
        }
        continue;
      }
      FieldStatus status = ParseField(column, fields[c], batch.values[c][batch.size]);
      if (status != FieldStatus::kOk) {
        bad.field_status = status;
        bad.column = c;
        bad.field_text.assign(fields[c]);
        good = false;
      }
    }
    if (good) {
      batch.line[batch.size++] = line;
    } else {
      bad.line = line;
      if (!HandleBadRow(std::move(bad), row.data(), row.data() + row.size(), policy)) {
        return line - first_line;
      }
    }
    ++line;
    position = newline == std::string_view::npos ? block.size() : newline + 1;
  }
  return line - first_line;
}

}  // namespace borgscope
