#include "trace/block_parser.h"

#include <fmt/core.h>

#include <cstring>

namespace borgscope {
namespace {

constexpr size_t kRowTextLimit = 200;

inline const char* FindComma(const char* p, const char* end) {
  return static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(end - p)));
}

int CountColumns(const char* begin, const char* end) {
  int columns = 1;
  for (const char* p = begin; p < end; ++p) columns += *p == ',';
  return columns;
}

}  // namespace

std::string BadRow::Describe(const TableSpec& spec) const {
  switch (problem) {
    case RowProblem::kTooFewColumns:
    case RowProblem::kTooManyColumns:
      return fmt::format("line {}: expected {} columns, found {}: '{}'", line,
                         spec.columns.size(), column, row_text);
    case RowProblem::kField: break;
  }
  std::string_view name = column >= 0 && column < static_cast<int>(spec.columns.size())
                              ? spec.columns[column].name
                              : std::string_view("?");
  return fmt::format("line {}, column {} ({}): {}: '{}' in row '{}'", line, column, name,
                     FieldStatusMessage(field_status), field_text, row_text);
}

void ClearBatch(RowBatch& batch, Table table, uint32_t shard) {
  batch.table = table;
  batch.shard = shard;
  batch.size = 0;
}

BlockParser::BlockParser(Table table, ColumnMask wanted)
    : spec_(Spec(table)),
      wanted_(wanted),
      column_count_(static_cast<int>(spec_.columns.size())) {}

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

bool BlockParser::ParseRow(const char* begin, const char* end, size_t row, RowBatch& batch,
                           BadRow& bad) {
  const char* p = begin;
  for (int c = 0; c < column_count_; ++c) {
    const bool last = c + 1 == column_count_;
    const ColumnSpec& column = spec_.columns[c];
    if ((wanted_ & ColumnBit(c)) != 0 &&
        (column.type == ColumnType::kInteger || column.type == ColumnType::kEnum)) {
      // Fused: decode digits while looking for the delimiter.
      uint64_t value = 0;
      const char* q = p;
      while (q < end && static_cast<unsigned char>(*q - '0') < 10 && q - p < 19) {
        value = value * 10 + static_cast<uint64_t>(*q - '0');
        ++q;
      }
      bool at_delimiter = q == end || *q == ',';
      const uint64_t max = column.type == ColumnType::kInteger
                               ? static_cast<uint64_t>(INT64_MAX)
                               : static_cast<uint64_t>(column.enum_max);
      if (at_delimiter && q != p && value <= max) {
        if (q == end && !last) {
          bad.problem = RowProblem::kTooFewColumns;
          bad.column = c + 1;
          return false;
        }
        if (q != end && last) {
          bad.problem = RowProblem::kTooManyColumns;
          bad.column = CountColumns(begin, end);
          return false;
        }
        batch.values[c][row] = static_cast<int64_t>(value);
        p = q + 1;
        continue;
      }
      // Anything unusual (empty, long, bad text, enum range) takes the plain
      // decoder below, which knows every case.
    }
    const char* field_end = last ? end : FindComma(p, end);
    if (field_end == nullptr) {
      bad.problem = RowProblem::kTooFewColumns;
      bad.column = c + 1;
      return false;
    }
    if (last && FindComma(p, end) != nullptr) {
      bad.problem = RowProblem::kTooManyColumns;
      bad.column = CountColumns(begin, end);
      return false;
    }
    if ((wanted_ & ColumnBit(c)) != 0) {
      std::string_view text(p, static_cast<size_t>(field_end - p));
      if (column.type == ColumnType::kStringHash ||
          column.type == ColumnType::kStringHashOrInteger) {
        if (text.empty() && column.mandatory) {
          bad.problem = RowProblem::kField;
          bad.field_status = FieldStatus::kEmptyMandatory;
          bad.column = c;
          return false;
        }
        batch.text[c][row] = text;
      } else {
        FieldStatus status = ParseField(column, text, batch.values[c][row]);
        if (status != FieldStatus::kOk) {
          bad.problem = RowProblem::kField;
          bad.field_status = status;
          bad.column = c;
          bad.field_text.assign(text);
          return false;
        }
      }
    }
    p = field_end + 1;
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
  if (policy.examples.size() < BadRowPolicy::kExamplesKept) policy.examples.push_back(std::move(bad));
  return true;
}

uint64_t BlockParser::Parse(const char* begin, const char* end, uint64_t first_line,
                            RowBatch& batch, BadRowPolicy& policy) {
  uint64_t line = first_line;
  const char* p = begin;
  while (p < end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = newline != nullptr ? newline : end;
    const char* row_end = (line_end > p && line_end[-1] == '\r') ? line_end - 1 : line_end;
    EnsureCapacity(batch, batch.size + 1);
    BadRow bad;
    if (ParseRow(p, row_end, batch.size, batch, bad)) {
      batch.line[batch.size++] = line;
    } else {
      // A wrong column count explains the row better than any field in it
      // (and is what the plain path reports).
      int columns = CountColumns(p, row_end);
      if (bad.problem == RowProblem::kField && columns != column_count_) {
        bad.problem = columns < column_count_ ? RowProblem::kTooFewColumns
                                              : RowProblem::kTooManyColumns;
        bad.column = columns;
        bad.field_text.clear();
      }
      bad.line = line;
      if (!HandleBadRow(std::move(bad), p, row_end, policy)) return line - first_line;
    }
    ++line;
    p = newline != nullptr ? newline + 1 : end;
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
      fields.push_back(row.substr(start, comma == std::string_view::npos ? row.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    EnsureCapacity(batch, batch.size + 1);
    BadRow bad;
    bool good = true;
    if (fields.size() != static_cast<size_t>(column_count_)) {
      bad.problem = fields.size() < static_cast<size_t>(column_count_) ? RowProblem::kTooFewColumns
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
